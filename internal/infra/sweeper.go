package infra

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awseventstargets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambdadestinations"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsstepfunctions"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/shopstream/shopstream/internal/config"
)

// Step Functions' own events, which it sends to the account's default bus
// for every Standard execution that changes status.
const (
	StatesSource          = "aws.states"
	ExecutionStatusChange = "Step Functions Execution Status Change"
)

// SweptStatuses are the execution statuses that may leave a checkout
// stuck: the workflow did not get to record its outcome.
var SweptStatuses = []string{"TIMED_OUT", "ABORTED", "FAILED"}

// CheckoutSweeper unlocks checkouts whose execution ended without
// finishing them (lambdas/checkoutsweeper).
type CheckoutSweeper struct {
	Rule    awsevents.Rule
	Sweeper awslambda.Function
	// Failures receives the events EventBridge could not deliver and the
	// invocations Lambda gave up on: checkouts that may still be stuck.
	Failures awssqs.Queue
}

// NewCheckoutSweeper creates the sweeper function and the default-bus rule
// that invokes it for the checkout machine's timed-out, aborted and failed
// executions. The machine's ARN must be bound (Resources.AddStateMachine).
func NewCheckoutSweeper(scope constructs.Construct, id string, machine awsstepfunctions.IStateMachine, fns *FunctionFactory) *CheckoutSweeper {
	c := constructs.NewConstruct(scope, jsii.String(id))
	failures := newFailureQueue(c, "SweepFailures")
	fn := fns.New(c, config.CheckoutSweeper, FunctionOptions{})
	// Lambda's asynchronous retries: a sweep that fails (a stock conflict,
	// an execution still reported RUNNING) is tried again, then kept.
	fn.ConfigureAsyncInvoke(&awslambda.EventInvokeConfigOptions{
		OnFailure:     awslambdadestinations.NewSqsDestination(failures),
		RetryAttempts: jsii.Number(2),
		MaxEventAge:   awscdk.Duration_Hours(jsii.Number(6)),
	})
	// No EventBus: the rule is on the default bus, where Step Functions
	// sends its events.
	rule := awsevents.NewRule(c, jsii.String("EndedCheckoutsRule"), &awsevents.RuleProps{
		Description: jsii.String("Checkout executions that timed out, were stopped or failed unlock their basket"),
		EventPattern: &awsevents.EventPattern{
			Source:     jsii.Strings(StatesSource),
			DetailType: jsii.Strings(ExecutionStatusChange),
			Detail: &map[string]interface{}{
				"status":          jsii.Strings(SweptStatuses...),
				"stateMachineArn": []*string{machine.StateMachineArn()},
			},
		},
	})
	rule.AddTarget(awseventstargets.NewLambdaFunction(fn, &awseventstargets.LambdaFunctionProps{
		DeadLetterQueue: failures,
		RetryAttempts:   jsii.Number(20),
		MaxEventAge:     awscdk.Duration_Hours(jsii.Number(24)),
	}))
	return &CheckoutSweeper{Rule: rule, Sweeper: fn, Failures: failures}
}
