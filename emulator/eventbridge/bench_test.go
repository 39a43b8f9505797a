package eventbridge_test

import (
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awseb "github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	awssqs "github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/shopstream/shopstream/emulator/eventbridge"
	"github.com/shopstream/shopstream/emulator/localtest"
)

// BenchmarkPutEventsToQueue measures the time from PutEvents (over HTTP,
// with the SDK) until a long-polling ReceiveMessage holds the message in
// the rule's target queue, and reports its p50 and p99.
func BenchmarkPutEventsToQueue(b *testing.B) {
	e := newEnv(b, nil, eventbridge.Config{})
	e.provision(b, orderTemplate(map[string]any{"Id": "q", "Arn": "arn:aws:sqs:us-east-1:000000000000:orders"})...)
	url := e.queues.QueueURL("orders")
	entry := ebtypes.PutEventsRequestEntry{
		EventBusName: aws.String("shop-bus"), Source: aws.String("shop.ordering"), DetailType: aws.String("CheckoutCompleted"),
		Detail: aws.String(`{"checkoutId":"c-1","userName":"ann","total":129.5,"lines":[{"sku":"a","qty":2}]}`),
	}
	latencies := make([]time.Duration, 0, b.N)
	for b.Loop() {
		start := time.Now()
		if _, err := e.ebc.PutEvents(ctx, &awseb.PutEventsInput{Entries: []ebtypes.PutEventsRequestEntry{entry}}); err != nil {
			b.Fatal(err)
		}
		var got *awssqs.ReceiveMessageOutput
		for got == nil || len(got.Messages) == 0 {
			var err error
			got, err = e.sqsc.ReceiveMessage(ctx, &awssqs.ReceiveMessageInput{QueueUrl: &url, WaitTimeSeconds: 5})
			if err != nil {
				b.Fatal(err)
			}
		}
		latencies = append(latencies, time.Since(start))
		b.StopTimer()
		if _, err := e.sqsc.DeleteMessage(ctx, &awssqs.DeleteMessageInput{QueueUrl: &url, ReceiptHandle: got.Messages[0].ReceiptHandle}); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
	localtest.ReportPercentiles(b, latencies, time.Millisecond)
}
