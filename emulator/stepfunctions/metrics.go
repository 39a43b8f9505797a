package stepfunctions

import "github.com/shopstream/shopstream/emulator/telemetry"

// Step Functions' CloudWatch metrics (namespace AWS/States, dimension
// StateMachineArn): ExecutionsStarted when an execution starts, and when
// it closes Executions{Succeeded,Failed,TimedOut,Aborted} and
// ExecutionTime (milliseconds).

var outcomeMetrics = map[string]string{
	statusSucceeded: "ExecutionsSucceeded", statusFailed: "ExecutionsFailed",
	statusTimedOut: "ExecutionsTimedOut", statusAborted: "ExecutionsAborted",
}

func (s *Service) recordMetric(machineARN, name string, v float64, unit string) {
	s.metrics.Record(telemetry.Datum{Namespace: "AWS/States", Name: name, Dimensions: map[string]string{"StateMachineArn": machineARN},
		Value: v, Unit: unit, Time: s.now()})
}

// recordOutcome records a closed execution's metrics; e.mu is held.
func (s *Service) recordOutcome(rec *executionRecord) {
	name, ok := outcomeMetrics[rec.Status]
	if !ok || rec.Stop == nil {
		return
	}
	s.recordMetric(rec.MachineARN, name, 1, "Count")
	s.recordMetric(rec.MachineARN, "ExecutionTime", float64(rec.Stop.Sub(rec.Start).Microseconds())/1000, "Milliseconds")
}
