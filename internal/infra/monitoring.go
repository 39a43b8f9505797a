package infra

import (
	"fmt"
	"net/mail"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatchactions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssnssubscriptions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsstepfunctions"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// The ordering function's forged-event metric, which it emits in CloudWatch
// Embedded Metric Format with the dimension Stage (lambdas/ordering/
// security.go: MetricNamespace and ForgedEventsMetric; a test keeps them
// equal).
const (
	ForgedEventsNamespace = "Shopstream"
	ForgedEventsMetric    = "ForgedEvents"
)

// Alarm thresholds that are not simply "one is too many".
const (
	// The publisher's IteratorAge (ms): events reach the bus more than a
	// minute after they were stored, for publisherLagMinutes minutes in a
	// row. A single slow batch (a cold start, a retry) stays below it.
	publisherLagMillis  = 60_000
	publisherLagMinutes = 5
	// API p99 latency (ms) over apiLatencyMinutes: the README measures a
	// p99 of about 0.3 s; 2 s for five minutes is a regression or a
	// saturated dependency, not a cold start.
	apiLatencyP99Millis = 2_000
	apiLatencyMinutes   = 5
	// Failed checkout executions a minute, failedCheckoutsMinutes in a
	// row. A declined card or a sold-out product ends its execution
	// FAILED too (the workflow's CheckoutFailed state), so a few a minute
	// are business as usual; a steady stream points at the payment
	// gateway, the stock or the code. Executions that time out or are
	// stopped are never business: one of those alarms.
	failedCheckoutsPerMinute = 10
	failedCheckoutsMinutes   = 3
)

// ValidateAlarmEmail reports why addr cannot receive the alarms, or nil.
// "" means no subscription and is valid.
func ValidateAlarmEmail(addr string) error {
	if addr == "" {
		return nil
	}
	a, err := mail.ParseAddress(addr)
	if err != nil || a.Address != addr {
		return fmt.Errorf("alarm e-mail %q: want a bare address such as ops@example.com", addr)
	}
	return nil
}

// FailureQueue is a queue where a consumer's or a service's given-up work
// waits for an operator, with the runbook section that says what to do.
type FailureQueue struct {
	Name    string // in the alarm's id and description: "OrderDLQ"
	Queue   awssqs.IQueue
	What    string // what lands there: "orders the ordering function failed 5 times"
	Runbook string // a Runbook* anchor
}

// MonitoringProps name what NewMonitoring watches.
type MonitoringProps struct {
	Stage string
	// AlarmEmail, if not "", subscribes that address to the alarm topic
	// (see ValidateAlarmEmail).
	AlarmEmail    string
	FailureQueues []FailureQueue
	// Functions are every function of the stack: each gets an Errors and
	// a Throttles alarm.
	Functions []NamedFunction
	// Publisher is the stream consumer whose IteratorAge is watched.
	Publisher awslambda.IFunction
	// Checkout is the state machine whose failed, timed-out and aborted
	// executions raise alarms.
	Checkout awsstepfunctions.IStateMachine
	// OrderQueue is drawn on the dashboard next to the failure queues.
	OrderQueue awssqs.IQueue
	API        awsapigateway.RestApi
}

// Monitoring is the alarm topic, the alarms and the dashboard.
type Monitoring struct {
	Topic     awssns.Topic
	Key       awskms.Key
	Alarms    []awscloudwatch.Alarm
	Dashboard awscloudwatch.Dashboard
}

// NewMonitoring creates an alarm for every failure queue, function, the
// checkout executions, the publisher's lag, the API's 5XX and latency and
// the forged events; every alarm notifies the topic when it fires and when
// it clears. Every alarm reads one plain metric (no metric math): the local
// runtime evaluates them too, and that is what it supports.
func NewMonitoring(scope constructs.Construct, id string, props MonitoringProps) *Monitoring {
	if err := ValidateAlarmEmail(props.AlarmEmail); err != nil {
		panic(err)
	}
	c := constructs.NewConstruct(scope, jsii.String(id))
	key, topic := newAlarmTopic(c, props.Stage)
	if props.AlarmEmail != "" {
		topic.AddSubscription(awssnssubscriptions.NewEmailSubscription(jsii.String(props.AlarmEmail), nil))
	}
	m := &Monitoring{Topic: topic, Key: key}
	action := awscloudwatchactions.NewSnsAction(topic)
	alarm := func(id string, metric awscloudwatch.IMetric, threshold, minutes float64, description, runbook string) {
		a := awscloudwatch.NewAlarm(c, jsii.String(id), &awscloudwatch.AlarmProps{
			Metric:             metric,
			Threshold:          jsii.Number(threshold),
			ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
			EvaluationPeriods:  jsii.Number(minutes),
			DatapointsToAlarm:  jsii.Number(minutes),
			// No data is no failure: these metrics are only published
			// when something happens (or a queue is not empty).
			TreatMissingData: awscloudwatch.TreatMissingData_NOT_BREACHING,
			AlarmDescription: jsii.String(description + runbookRef(runbook)),
		})
		a.AddAlarmAction(action)
		a.AddOkAction(action)
		m.Alarms = append(m.Alarms, a)
	}
	perMinute := func(statistic string) *awscloudwatch.MetricOptions {
		return &awscloudwatch.MetricOptions{Statistic: jsii.String(statistic), Period: awscdk.Duration_Minutes(jsii.Number(1))}
	}

	for _, q := range props.FailureQueues {
		alarm(q.Name+"NotEmpty", q.Queue.MetricApproximateNumberOfMessagesVisible(perMinute("Maximum")), 1, 1,
			q.Name+" holds messages: "+q.What+".", q.Runbook)
	}
	sm := props.Checkout
	alarm("CheckoutExecutionsFailed", sm.MetricFailed(perMinute("Sum")), failedCheckoutsPerMinute, failedCheckoutsMinutes,
		fmt.Sprintf("%d or more checkout executions a minute ended FAILED for %d minutes: more than declined cards and sold-out products explain.",
			failedCheckoutsPerMinute, failedCheckoutsMinutes), RunbookCheckoutExecutions)
	for _, e := range []struct {
		name   string
		metric awscloudwatch.Metric
	}{
		{"TimedOut", sm.MetricTimedOut(perMinute("Sum"))},
		{"Aborted", sm.MetricAborted(perMinute("Sum"))},
	} {
		alarm("CheckoutExecutions"+e.name, e.metric, 1, 1,
			"A checkout execution ended "+e.name+": the sweeper unlocks its basket and releases its stock; find out why.", RunbookCheckoutExecutions)
	}
	for _, f := range props.Functions {
		alarm(f.Name+"Errors", f.Function.MetricErrors(perMinute("Sum")), 1, 1,
			"Function "+f.Name+" failed an invocation (an error, a panic or a timeout; not a handled 4xx).", RunbookFunctionErrors)
		alarm(f.Name+"Throttles", f.Function.MetricThrottles(perMinute("Sum")), 1, 1,
			"Function "+f.Name+" was throttled (account or reserved concurrency reached).", RunbookFunctionThrottles)
	}
	alarm("PublisherIteratorAge", props.Publisher.Metric(jsii.String("IteratorAge"), perMinute("Maximum")),
		publisherLagMillis, publisherLagMinutes,
		fmt.Sprintf("Stored events reach the bus more than %d s late for %d minutes: the publisher is failing or falling behind.",
			publisherLagMillis/1000, publisherLagMinutes), RunbookPublisherIteratorAge)
	stage := props.API.DeploymentStage()
	alarm("Api5XX", stage.MetricServerError(perMinute("Sum")), 1, 1,
		"The API answered 5XX (a handler failed, or API Gateway could not reach it).", RunbookAPI5XX)
	alarm("ApiLatencyP99", stage.MetricLatency(perMinute("p99")), apiLatencyP99Millis, apiLatencyMinutes,
		fmt.Sprintf("The API's p99 latency is %d ms or more for %d minutes.", apiLatencyP99Millis, apiLatencyMinutes), RunbookAPILatency)
	forged := awscloudwatch.NewMetric(&awscloudwatch.MetricProps{
		Namespace:     jsii.String(ForgedEventsNamespace),
		MetricName:    jsii.String(ForgedEventsMetric),
		DimensionsMap: &map[string]*string{"Stage": jsii.String(props.Stage)},
		Statistic:     jsii.String("Sum"),
		Period:        awscdk.Duration_Minutes(jsii.Number(1)),
	})
	alarm("ForgedEvents", forged, 1, 1,
		"The ordering function rejected a BasketCheckedOut that does not match the event store (a forged or corrupted order).", RunbookForgedEvents)

	m.Dashboard = newDashboard(c, props, m.Alarms)
	return m
}

// newAlarmTopic creates the alarm topic, encrypted with a key of its own:
// CloudWatch can publish to an encrypted topic only if the key's policy lets
// it use the key, which an AWS managed key's policy never does.
func newAlarmTopic(scope constructs.Construct, stage string) (awskms.Key, awssns.Topic) {
	key := awskms.NewKey(scope, jsii.String("AlarmTopicKey"), &awskms.KeyProps{
		Description:       jsii.String("shopstream " + stage + ": encrypts the alarm topic"),
		EnableKeyRotation: jsii.Bool(true),
		// It encrypts notifications in flight only: nothing to keep.
		RemovalPolicy: awscdk.RemovalPolicy_DESTROY,
		PendingWindow: awscdk.Duration_Days(jsii.Number(7)),
	})
	key.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("CloudWatchAlarmsPublishToTheTopic"),
		Principals: &[]awsiam.IPrincipal{awsiam.NewServicePrincipal(jsii.String("cloudwatch.amazonaws.com"), nil)},
		Actions:    jsii.Strings("kms:Decrypt", "kms:GenerateDataKey*"),
		Resources:  jsii.Strings("*"), // a key policy's resource is the key itself
	}), nil)
	topic := awssns.NewTopic(scope, jsii.String("AlarmTopic"), &awssns.TopicProps{
		DisplayName: jsii.String("shopstream " + stage + " alarms"),
		MasterKey:   key,
		EnforceSSL:  jsii.Bool(true),
	})
	// The topic policy CDK writes replaces SNS's default one: allow this
	// account's alarms, and only them, to publish.
	topic.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("CloudWatchAlarmsOfThisAccount"),
		Principals: &[]awsiam.IPrincipal{awsiam.NewServicePrincipal(jsii.String("cloudwatch.amazonaws.com"), nil)},
		Actions:    jsii.Strings("sns:Publish"),
		Resources:  jsii.Strings(*topic.TopicArn()),
		Conditions: &map[string]any{
			"StringEquals": map[string]any{"aws:SourceAccount": awscdk.Aws_ACCOUNT_ID()},
			"ArnLike": map[string]any{"aws:SourceArn": awscdk.Fn_Join(jsii.String(""), &[]*string{
				jsii.String("arn:"), awscdk.Aws_PARTITION(), jsii.String(":cloudwatch:"), awscdk.Aws_REGION(),
				jsii.String(":"), awscdk.Aws_ACCOUNT_ID(), jsii.String(":alarm:*"),
			})},
		},
	}))
	return key, topic
}
