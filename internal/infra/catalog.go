package infra

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awseventstargets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
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
}

// NewCatalogProjection creates the rule on every catalog event and the
// projection function it invokes.
func NewCatalogProjection(scope constructs.Construct, id string, bus awsevents.IEventBus, fns *FunctionFactory) *CatalogProjection {
	c := constructs.NewConstruct(scope, jsii.String(id))
	projector := fns.New(c, config.CatalogProjection, FunctionOptions{})
	failures := newFailureQueue(c, "DeliveryFailures")
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
	return &CatalogProjection{Rule: rule, Projector: projector, DeliveryFailures: failures}
}
