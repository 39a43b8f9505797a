package lambda

import (
	"math"
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
	elapsed := time.Since(start)
	billed := billedMillis(elapsed)
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
		{"Duration", "Milliseconds", float64(elapsed.Microseconds()) / 1000},
		{"ConcurrentExecutions", "Count", float64(len(fn.slots))},
	} {
		m.Record(telemetry.Datum{Namespace: "AWS/Lambda", Name: d.name, Dimensions: dims, Value: d.v, Unit: d.unit, Time: now})
	}
	// The billing meters (see telemetry.MetersNamespace): what AWS bills
	// for this invocation's compute, at the function's MemorySize.
	m.Record(telemetry.Datum{Namespace: telemetry.MetersNamespace, Name: "BilledDuration", Dimensions: dims, Value: billed, Unit: "Milliseconds", Time: now})
	m.Record(telemetry.Datum{Namespace: telemetry.MetersNamespace, Name: "GBSeconds", Dimensions: dims,
		Value: billed / 1000 * float64(fn.memoryMB) / 1024, Unit: "None", Time: now})
}

// billedMillis is an invocation's billed duration: AWS rounds each
// invocation up to the next millisecond.
func billedMillis(d time.Duration) float64 {
	return math.Ceil(float64(d) / float64(time.Millisecond))
}
