package stepfunctions

import (
	"strings"

	"github.com/shopstream/shopstream/emulator/telemetry"
)

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

// meterTransition counts the state transitions AWS bills a Standard
// workflow for (telemetry.MetersNamespace StateTransitions; AWS/States has
// no such metric): one per state entered, inside Map and Parallel
// branches too, and one per retry of a Task, which shows in the history as
// a new …Scheduled event that does not directly follow its
// TaskStateEntered. It is called before typ is appended; e.mu is held.
// (A Task resumed after a restart has no lastType: its first …Scheduled
// is counted once more, which errs on the side of the bill.)
func (s *Service) meterTransition(e *execution, typ string) {
	billed := strings.HasSuffix(typ, "StateEntered")
	if typ == "TaskScheduled" || typ == "LambdaFunctionScheduled" {
		billed = e.lastType != "TaskStateEntered"
	}
	e.lastType = typ
	if billed {
		s.metrics.Record(telemetry.Datum{Namespace: telemetry.MetersNamespace, Name: "StateTransitions",
			Dimensions: map[string]string{"StateMachineArn": e.rec.MachineARN}, Value: 1, Unit: "Count", Time: s.now()})
	}
}
