package lambda

import (
	"time"

	"github.com/shopstream/shopstream/emulator/telemetry"
)

// recordInvoke records Lambda's CloudWatch metrics for one finished
// invocation (namespace AWS/Lambda, dimension FunctionName): Invocations,
// Errors (function errors, timeouts and crashes), Duration in
// milliseconds, ConcurrentExecutions (the invocations in flight, this one
// included) and Throttles, which stays 0: locally a caller beyond the
// concurrency cap waits for a process instead of being throttled.
func (s *Service) recordInvoke(fn *function, r result, start time.Time) {
	m := telemetry.OrMetrics(s.cfg.Metrics)
	now := s.cfg.Now()
	dims := map[string]string{"FunctionName": fn.name}
	errs := 0.0
	if r.functionError != "" {
		errs = 1
	}
	for _, d := range []struct {
		name, unit string
		v          float64
	}{
		{"Invocations", "Count", 1},
		{"Errors", "Count", errs},
		{"Throttles", "Count", 0},
		{"Duration", "Milliseconds", float64(time.Since(start).Microseconds()) / 1000},
		{"ConcurrentExecutions", "Count", float64(len(fn.slots))},
	} {
		m.Record(telemetry.Datum{Namespace: "AWS/Lambda", Name: d.name, Dimensions: dims, Value: d.v, Unit: d.unit, Time: now})
	}
}
