// Package logs is the local Amazon CloudWatch Logs: log groups, streams
// and events kept in the shared state store, served over the AWS JSON 1.1
// protocol (target prefix "Logs_20140328") — CreateLogGroup,
// DeleteLogGroup, DescribeLogGroups, CreateLogStream, DescribeLogStreams,
// PutLogEvents, GetLogEvents and FilterLogEvents — and provisioned from
// AWS::Logs::LogGroup.
//
// The Service is also the runtime's telemetry.Logs: function output and
// Step Functions execution history arrive through Put, which applies the
// event in memory at once and leaves the disk write to a background
// flusher that batches them (Close flushes what is left), so producers
// never wait on bbolt.
//
// Footprint is bounded: a group keeps at most Options.MaxEventsPerGroup
// events (oldest dropped first) and none older than its RetentionInDays
// (counted from the event's own timestamp).
//
// Lines in CloudWatch embedded metric format (a JSON object with
// "_aws".CloudWatchMetrics) become metric data points on
// Options.Metrics, as CloudWatch Logs extracts them.
//
// Every API operation is authorized (awsapi.Authorize) as "logs:<Operation>"
// on the log group's ARN (arn:aws:logs:<region>:<account>:log-group:<name>),
// or the stream's (…:log-group:<name>:log-stream:<stream>) for
// CreateLogStream, PutLogEvents and GetLogEvents; DescribeLogGroups on
// …:log-group:*.
package logs
