package infra

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awseventstargets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambdaeventsources"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/shopstream/shopstream/internal/config"
)

// Ordering consumer settings.
const (
	orderingTimeoutSeconds = 30
	// AWS advises a visibility timeout of at least six times the consumer's
	// timeout, so a batch being retried by Lambda is not redelivered.
	orderQueueVisibilityFactor = 6
	orderBatchSize             = 10
	orderMaxReceiveCount       = 5
	// EventBridge's delivery of a BasketCheckedOut to OrderQueue is retried
	// (with backoff) at most this often and for at most this long, then
	// the event goes to OrderDeliveryFailures. AWS's defaults (185 attempts
	// over 24 h) would hold a paid-for order silently for a day; a queue
	// EventBridge cannot reach for an hour is an incident, and the failure
	// queue's alarm calls an operator while the order can still be redriven
	// the same day. Errors EventBridge does not retry (a denied or deleted
	// queue) reach the failure queue at once.
	orderDeliveryRetryAttempts = 20
	orderDeliveryMaxEventAge   = 1 // hour
)

// Ordering turns checked-out baskets into orders: a rule sends every
// BasketCheckedOut of BasketSource to OrderQueue, whose consumer places the order.
type Ordering struct {
	Rule  awsevents.Rule
	Queue awssqs.Queue
	// DLQ receives the messages the consumer failed orderMaxReceiveCount times.
	DLQ awssqs.Queue
	// DeliveryFailures receives the events EventBridge could not put on
	// Queue after its retries.
	DeliveryFailures awssqs.Queue
	Consumer         awslambda.Function
}

// NewOrdering creates the rule, the queue with its dead-letter queue, and
// the ordering function; it binds the queue to config.OrderQueueURL.
func NewOrdering(scope constructs.Construct, id string, bus awsevents.IEventBus, fns *FunctionFactory) *Ordering {
	c := constructs.NewConstruct(scope, jsii.String(id))
	dlq := newFailureQueue(c, "OrderDLQ")
	queue := newSecureQueue(c, "OrderQueue", &awssqs.QueueProps{
		VisibilityTimeout: awscdk.Duration_Seconds(jsii.Number(orderQueueVisibilityFactor * orderingTimeoutSeconds)),
		DeadLetterQueue:   &awssqs.DeadLetterQueue{Queue: dlq, MaxReceiveCount: jsii.Number(orderMaxReceiveCount)},
	})
	fns.Resources.AddQueue(config.OrderQueueURL, queue)

	rule := awsevents.NewRule(c, jsii.String("BasketCheckedOutRule"), &awsevents.RuleProps{
		EventBus:    bus,
		Description: jsii.String("Checked-out baskets become orders"),
		// Source as well as detail-type: an event of that name put on the
		// bus by anyone else never reaches the queue.
		EventPattern: &awsevents.EventPattern{
			Source:     jsii.Strings(BasketSource),
			DetailType: jsii.Strings(BasketCheckedOut),
		},
	})
	deliveryFailures := newFailureQueue(c, "OrderDeliveryFailures")
	rule.AddTarget(awseventstargets.NewSqsQueue(queue, &awseventstargets.SqsQueueProps{
		DeadLetterQueue: deliveryFailures,
		RetryAttempts:   jsii.Number(orderDeliveryRetryAttempts),
		MaxEventAge:     awscdk.Duration_Hours(jsii.Number(orderDeliveryMaxEventAge)),
	}))

	consumer := fns.New(c, config.Ordering, FunctionOptions{TimeoutSeconds: orderingTimeoutSeconds})
	// No batching window: a poll hands over whatever is waiting (up to
	// the batch size) at once. A window would save invocations at the
	// price of that much latency on every order (it was 1 s: p50 1.15 s).
	consumer.AddEventSource(awslambdaeventsources.NewSqsEventSource(queue, &awslambdaeventsources.SqsEventSourceProps{
		BatchSize:               jsii.Number(orderBatchSize),
		ReportBatchItemFailures: jsii.Bool(true),
	}))
	return &Ordering{Rule: rule, Queue: queue, DLQ: dlq, DeliveryFailures: deliveryFailures, Consumer: consumer}
}
