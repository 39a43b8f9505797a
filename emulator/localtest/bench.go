package localtest

import (
	"slices"
	"strings"
	"testing"
	"time"
)

// ReportPercentiles reports the median and 99th percentile of latencies
// (nearest rank) as the metrics "p50-<unit>" and "p99-<unit>", counted in
// unit: time.Millisecond gives "p50-ms", time.Microsecond "p50-µs". It
// sorts latencies and reports nothing when there are none.
func ReportPercentiles(b *testing.B, latencies []time.Duration, unit time.Duration) {
	if len(latencies) == 0 {
		return
	}
	slices.Sort(latencies)
	name := strings.TrimPrefix(unit.String(), "1")
	for _, p := range []struct {
		label    string
		fraction float64
	}{{"p50", 0.50}, {"p99", 0.99}} {
		d := latencies[int(p.fraction*float64(len(latencies)-1))]
		b.ReportMetric(float64(d)/float64(unit), p.label+"-"+name)
	}
}
