// Package cloudwatch is the local CloudWatch metrics and alarms service.
//
// It keeps the metric data points the runtime's services record through
// telemetry.Metrics (and PutMetricData) in memory, aggregated into
// one-minute buckets for a bounded retention; it provisions
// AWS::CloudWatch::Alarm and AWS::CloudWatch::Dashboard, evaluates every
// alarm once a minute over its last EvaluationPeriods as CloudWatch does
// (M out of N, TreatMissingData), persists alarm state and history in the
// state store, and on a state change publishes CloudWatch's alarm
// notification to the SNS topics among the alarm's actions. The API is
// the CloudWatch JSON 1.0 protocol (target prefix
// GraniteServiceVersion20100801), which the AWS CLI v1 speaks.
//
// Time scale: with Options.TimeScale s, a minute of CloudWatch time is s
// minutes of real time: buckets, periods and the evaluation tick all
// shrink, so a five-minute alarm period passes in three seconds at 0.01.
package cloudwatch
