package infra

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/interfaces/interfacesawscloudwatch"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// newDashboard draws the pipeline in the order an order flows: the alarms'
// states, then the API, the checkout executions, the publisher, the queues
// and the functions.
func newDashboard(scope constructs.Construct, props MonitoringProps, alarms []awscloudwatch.Alarm) awscloudwatch.Dashboard {
	opts := func(statistic, label string) *awscloudwatch.MetricOptions {
		return &awscloudwatch.MetricOptions{
			Statistic: jsii.String(statistic),
			Period:    awscdk.Duration_Minutes(jsii.Number(1)),
			Label:     jsii.String(label),
		}
	}
	graph := func(title string, metrics ...awscloudwatch.IMetric) awscloudwatch.IWidget {
		return awscloudwatch.NewGraphWidget(&awscloudwatch.GraphWidgetProps{
			Title: jsii.String(title),
			Left:  &metrics,
			Width: jsii.Number(12),
		})
	}
	var alarmables []interfacesawscloudwatch.IAlarmRef
	for _, a := range alarms {
		alarmables = append(alarmables, a)
	}
	stage := props.API.DeploymentStage()
	sm := props.Checkout
	var queues []awscloudwatch.IMetric
	queues = append(queues, props.OrderQueue.MetricApproximateNumberOfMessagesVisible(opts("Maximum", "OrderQueue")))
	for _, q := range props.FailureQueues {
		queues = append(queues, q.Queue.MetricApproximateNumberOfMessagesVisible(opts("Maximum", q.Name)))
	}
	var errors, throttles, durations []awscloudwatch.IMetric
	for _, f := range props.Functions {
		errors = append(errors, f.Function.MetricErrors(opts("Sum", f.Name)))
		throttles = append(throttles, f.Function.MetricThrottles(opts("Sum", f.Name)))
		durations = append(durations, f.Function.MetricDuration(opts("p99", f.Name)))
	}

	d := awscloudwatch.NewDashboard(scope, jsii.String("Dashboard"), nil)
	// CloudFormation accepts a dashboard's Tags, but cfn-lint 1.51
	// (TestCfnLint) does not know them yet (E3002); the dashboard's
	// generated name carries the stack's anyway.
	for _, tag := range []string{"app", "stage"} {
		awscdk.Tags_Of(d).Remove(jsii.String(tag), nil)
	}
	d.AddWidgets(awscloudwatch.NewAlarmStatusWidget(&awscloudwatch.AlarmStatusWidgetProps{
		Title:  jsii.String("Alarms (runbook: " + RunbookPath + ")"),
		Alarms: &alarmables,
		Width:  jsii.Number(24),
	}))
	d.AddWidgets(
		graph("API requests",
			stage.MetricCount(opts("Sum", "requests")),
			stage.MetricClientError(opts("Sum", "4XX")),
			stage.MetricServerError(opts("Sum", "5XX"))),
		graph("API latency (ms)",
			stage.MetricLatency(opts("p50", "p50")),
			stage.MetricLatency(opts("p99", "p99"))),
	)
	d.AddWidgets(
		graph("Checkout executions",
			sm.MetricStarted(opts("Sum", "started")),
			sm.MetricSucceeded(opts("Sum", "succeeded")),
			sm.MetricFailed(opts("Sum", "failed")),
			sm.MetricTimedOut(opts("Sum", "timed out")),
			sm.MetricAborted(opts("Sum", "aborted"))),
		graph("Publisher: event store → bus",
			props.Publisher.Metric(jsii.String("IteratorAge"), opts("Maximum", "iterator age (ms)")),
			props.Publisher.MetricErrors(opts("Sum", "errors"))),
	)
	d.AddWidgets(
		graph("Queues: visible messages", queues...),
		graph("Function errors", errors...),
	)
	d.AddWidgets(
		graph("Function throttles", throttles...),
		graph("Function duration p99 (ms)", durations...),
	)
	return d
}
