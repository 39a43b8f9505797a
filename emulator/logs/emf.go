package logs

import (
	"encoding/json"
	"strings"
	"time"

	"github.com/shopstream/shopstream/emulator/telemetry"
)

// emfRoot is the metadata of an embedded-metric-format record
// (CloudWatch_Embedded_Metric_Format_Specification): the "_aws" member.
type emfRoot struct {
	AWS *struct {
		Timestamp         *int64 `json:"Timestamp"`
		CloudWatchMetrics []struct {
			Namespace  string     `json:"Namespace"`
			Dimensions [][]string `json:"Dimensions"`
			Metrics    []struct {
				Name string `json:"Name"`
				Unit string `json:"Unit"`
			} `json:"Metrics"`
		} `json:"CloudWatchMetrics"`
	} `json:"_aws"`
}

// EMF extracts the metric data points of an embedded-metric-format line:
// one per directive, dimension set, metric and value (a member may hold a
// number or an array of numbers). A line that is not EMF, or a directive
// whose members are missing or of the wrong type, yields nothing for it,
// as CloudWatch Logs keeps the line but extracts no metric. fallback
// stamps records without _aws.Timestamp.
func EMF(line string, fallback time.Time) []telemetry.Datum {
	line = strings.TrimSpace(line)
	if !strings.HasPrefix(line, "{") || !strings.Contains(line, `"_aws"`) {
		return nil
	}
	var root emfRoot
	var members map[string]json.RawMessage
	if json.Unmarshal([]byte(line), &root) != nil || root.AWS == nil || json.Unmarshal([]byte(line), &members) != nil {
		return nil
	}
	at := fallback
	if ts := root.AWS.Timestamp; ts != nil {
		at = time.UnixMilli(*ts)
	}
	var out []telemetry.Datum
	for _, d := range root.AWS.CloudWatchMetrics {
		if d.Namespace == "" || strings.HasPrefix(d.Namespace, "AWS/") {
			continue // AWS namespaces are reserved for AWS
		}
		sets, ok := dimensionSets(d.Dimensions, members)
		if !ok {
			continue
		}
		for _, m := range d.Metrics {
			values := metricValues(members[m.Name])
			unit := m.Unit
			if unit == "" {
				unit = "None"
			}
			for _, dims := range sets {
				for _, v := range values {
					out = append(out, telemetry.Datum{Namespace: d.Namespace, Name: m.Name, Dimensions: dims, Value: v, Unit: unit, Time: at})
				}
			}
		}
	}
	return out
}

// dimensionSets resolves each dimension set's names to their string
// members; a missing or non-string member invalidates the directive.
func dimensionSets(sets [][]string, members map[string]json.RawMessage) ([]map[string]string, bool) {
	if len(sets) == 0 {
		return []map[string]string{nil}, true
	}
	out := make([]map[string]string, 0, len(sets))
	for _, set := range sets {
		dims := map[string]string{}
		for _, name := range set {
			var v string
			if json.Unmarshal(members[name], &v) != nil {
				return nil, false
			}
			dims[name] = v
		}
		if len(dims) == 0 {
			dims = nil
		}
		out = append(out, dims)
	}
	return out, true
}

// metricValues reads a metric member: a number or an array of numbers.
func metricValues(raw json.RawMessage) []float64 {
	var one float64
	if json.Unmarshal(raw, &one) == nil {
		return []float64{one}
	}
	var many []float64
	if json.Unmarshal(raw, &many) == nil {
		return many
	}
	return nil
}

// extractMetrics records the data points of an EMF line.
func (s *Service) extractMetrics(line string, at time.Time) {
	for _, d := range EMF(line, at) {
		s.metrics.Record(d)
	}
}
