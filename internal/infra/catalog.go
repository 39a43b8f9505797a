package infra

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awseventstargets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambdadestinations"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/shopstream/shopstream/internal/config"
)

// CatalogProjection keeps the catalog read model up to date from the events
// of product streams (created, changed, deleted, stock added, reserved,
// released).
type CatalogProjection struct {
	Rule      awsevents.Rule
	Projector awslambda.Function
	// DeliveryFailures receives events EventBridge could not deliver to the
	// projector after its retries.
	DeliveryFailures awssqs.Queue
	// ProjectionFailures receives, as Lambda's on-failure destination
	// records, the events the projector itself failed on after Lambda's
	// asynchronous retries.
	ProjectionFailures awssqs.Queue
}

// Lambda's asynchronous invocation of the projector: a failed event is
// retried twice (AWS's default and maximum, 1 and then 2 minutes later),
// and an event still queued after an hour (the function throttled) is given
// up on: either way it goes to ProjectionFailures, never dropped. An hour
// of stale catalog is worth an operator's attention, and nothing is lost by
// giving up early: the record names the event, and `shopstream-audit replay`
// puts the store's events on the bus again.
const (
	projectionRetryAttempts = 2
	projectionMaxEventAge   = 1 // hour
)

// NewCatalogProjection creates the rule on every catalog event and the
// projection function it invokes.
func NewCatalogProjection(scope constructs.Construct, id string, bus awsevents.IEventBus, fns *FunctionFactory) *CatalogProjection {
	c := constructs.NewConstruct(scope, jsii.String(id))
	projector := fns.New(c, config.CatalogProjection, FunctionOptions{})
	failures := newFailureQueue(c, "DeliveryFailures")
	projectionFailures := newFailureQueue(c, "ProjectionFailures")
	// The destination grants the projector's role sqs:SendMessage (with
	// GetQueueAttributes and GetQueueUrl) on that queue only: Lambda sends
	// the record with the function's execution role.
	projector.ConfigureAsyncInvoke(&awslambda.EventInvokeConfigOptions{
		OnFailure:     awslambdadestinations.NewSqsDestination(projectionFailures),
		RetryAttempts: jsii.Number(projectionRetryAttempts),
		MaxEventAge:   awscdk.Duration_Hours(jsii.Number(projectionMaxEventAge)),
	})
	rule := awsevents.NewRule(c, jsii.String("CatalogEventsRule"), &awsevents.RuleProps{
		EventBus:    bus,
		Description: jsii.String("Product events update the catalog read model"),
		EventPattern: &awsevents.EventPattern{
			Source: jsii.Strings(CatalogSource),
		},
	})
	rule.AddTarget(awseventstargets.NewLambdaFunction(projector, &awseventstargets.LambdaFunctionProps{
		DeadLetterQueue: failures,
		RetryAttempts:   jsii.Number(20),
		MaxEventAge:     awscdk.Duration_Hours(jsii.Number(24)),
	}))
	return &CatalogProjection{Rule: rule, Projector: projector, DeliveryFailures: failures, ProjectionFailures: projectionFailures}
}
