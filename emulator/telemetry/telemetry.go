// Package telemetry is the seam between the local services that produce
// CloudWatch data (function output, execution history, invocation and
// queue counts) and the services that keep it (emulator/logs for log
// events, emulator/cloudwatch for metrics). Producers depend on these two
// small interfaces, never on the keepers, so each service stays usable
// alone: a nil Metrics or Logs records nothing (see OrMetrics, OrLogs).
package telemetry

import "time"

// Datum is one metric data point, as PutMetricData takes it.
type Datum struct {
	Namespace string // "AWS/Lambda", "AWS/SQS", "AWS/States", "AWS/ApiGateway", or a custom one
	Name      string // "Invocations", "Errors", "ApproximateNumberOfMessagesVisible", …
	// Dimensions name the resource the point is about, as AWS names them
	// ({"FunctionName": …}, {"QueueName": …}, {"StateMachineArn": …}).
	Dimensions map[string]string
	Value      float64
	Unit       string // a CloudWatch unit: "Count", "Milliseconds", "Seconds", "Bytes", "None"
	Time       time.Time
}

// Metrics receives metric data points. Implementations must be safe for
// concurrent use and must not block on I/O for long: producers call
// Record on their hot paths.
type Metrics interface {
	Record(d Datum)
}

// LogEvent is one log line of a log group's stream.
type LogEvent struct {
	Group   string // "/aws/lambda/<function name>", a state machine's log group, …
	Stream  string // AWS's stream name for the producer, e.g. "2026/12/07/[$LATEST]<instance id>"
	Time    time.Time
	Message string // one line, without its trailing newline
	// RequestID is the Lambda request id the line belongs to ("" when
	// none), so a line can be found from the invocation that wrote it.
	RequestID string
}

// Logs receives log events. Implementations must be safe for concurrent
// use and must not block producers for long.
type Logs interface {
	Put(e LogEvent)
}

// discard is the no-op Metrics and Logs.
type discard struct{}

func (discard) Record(Datum) {}
func (discard) Put(LogEvent) {}

// OrMetrics returns m, or a Metrics that records nothing when m is nil.
func OrMetrics(m Metrics) Metrics {
	if m == nil {
		return discard{}
	}
	return m
}

// OrLogs returns l, or a Logs that keeps nothing when l is nil.
func OrLogs(l Logs) Logs {
	if l == nil {
		return discard{}
	}
	return l
}
