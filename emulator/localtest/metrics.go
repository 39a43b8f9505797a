package localtest

import (
	"sync"

	"github.com/shopstream/shopstream/emulator/telemetry"
)

// Metrics is a telemetry.Metrics that keeps every data point, for tests
// of the services that produce CloudWatch metrics. It is safe for
// concurrent use.
type Metrics struct {
	mu     sync.Mutex
	points []telemetry.Datum
}

// Record implements telemetry.Metrics.
func (m *Metrics) Record(d telemetry.Datum) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.points = append(m.points, d)
}

// Points returns the data points of metric name (namespace ns) whose
// dimensions include dims, in the order they were recorded.
func (m *Metrics) Points(ns, name string, dims map[string]string) []telemetry.Datum {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []telemetry.Datum
	for _, d := range m.points {
		if d.Namespace != ns || d.Name != name {
			continue
		}
		match := true
		for k, v := range dims {
			match = match && d.Dimensions[k] == v
		}
		if match {
			out = append(out, d)
		}
	}
	return out
}

// Sum adds up the values of Points(ns, name, dims).
func (m *Metrics) Sum(ns, name string, dims map[string]string) float64 {
	total := 0.0
	for _, d := range m.Points(ns, name, dims) {
		total += d.Value
	}
	return total
}
