package infra

import (
	"slices"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambdaeventsources"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/shopstream/shopstream/internal/config"
	"github.com/shopstream/shopstream/internal/registry"
)

// Event sources and types the rules match. The publisher sets an event's
// source to "shopstream.<aggregate>" (registry.Source; a test keeps these
// equal) and its detail-type to the event type. Every rule matches a
// source of ours, so only our own events drive our consumers; the
// publisher's role may put no other source.
const (
	// CatalogSource is the source of every event of a product stream.
	CatalogSource = "shopstream.catalog"
	// BasketSource is the source of every event of a basket stream.
	BasketSource = "shopstream.basket"
	// BasketCheckedOut is the event type that becomes an order.
	BasketCheckedOut = "BasketCheckedOut"
	// SourcePrefix starts the source of every shopstream event.
	SourcePrefix = "shopstream."
)

// EventSources returns the source of every event type the registry knows,
// sorted: the only sources the publisher may put on the bus.
func EventSources() []string {
	reg := registry.Default()
	var out []string
	for _, t := range reg.Types() {
		src, err := reg.Source(t.Name)
		if err != nil {
			panic(err) // a type the registry just listed
		}
		if !slices.Contains(out, src) {
			out = append(out, src)
		}
	}
	slices.Sort(out)
	return out
}

// Publisher stream settings. Retries are bounded so one poison record
// cannot stall its shard for the stream's 24 h retention; what is left goes
// to the failure queue, never dropped.
const (
	publisherBatchSize     = 100
	publisherRetryAttempts = 10
)

// EventBus is the custom bus, its archive, and the publisher that puts every
// stored event on it.
type EventBus struct {
	Bus       awsevents.EventBus
	Archive   awsevents.Archive
	Publisher awslambda.Function
	// PublishFailures receives the stream records the publisher gave up on.
	PublishFailures awssqs.Queue
}

// NewEventBus creates the bus with an archive of every shopstream event
// (for replay in AWS), binds it to config.EventBusName, and creates the
// publisher fed by the event store's stream.
func NewEventBus(scope constructs.Construct, id string, events awsdynamodb.ITable, fns *FunctionFactory) *EventBus {
	c := constructs.NewConstruct(scope, jsii.String(id))
	bus := awsevents.NewEventBus(c, jsii.String("Bus"), nil)
	archive := bus.Archive(jsii.String("Archive"), &awsevents.BaseArchiveProps{
		Description: jsii.String("Every shopstream event, for replay"),
		EventPattern: &awsevents.EventPattern{
			Source: awsevents.Match_Prefix(jsii.String(SourcePrefix)),
		},
		Retention: awscdk.Duration_Days(jsii.Number(365)),
	})
	fns.Resources.AddEventBus(config.EventBusName, bus, EventSources())

	publisher := fns.New(c, config.Publisher, FunctionOptions{TimeoutSeconds: 30})
	failures := newFailureQueue(c, "PublishFailures")
	publisher.AddEventSource(awslambdaeventsources.NewDynamoEventSource(events, &awslambdaeventsources.DynamoEventSourceProps{
		StartingPosition:        awslambda.StartingPosition_TRIM_HORIZON,
		BatchSize:               jsii.Number(publisherBatchSize),
		BisectBatchOnError:      jsii.Bool(true),
		RetryAttempts:           jsii.Number(publisherRetryAttempts),
		ReportBatchItemFailures: jsii.Bool(true),
		OnFailure:               awslambdaeventsources.NewSqsDlq(failures),
		// The store is append-only: only inserts are events.
		Filters: &[]*map[string]interface{}{
			awslambda.FilterCriteria_Filter(&map[string]interface{}{
				"eventName": awslambda.FilterRule_IsEqual(jsii.String("INSERT")),
			}),
		},
	}))
	return &EventBus{Bus: bus, Archive: archive, Publisher: publisher, PublishFailures: failures}
}
