package sqs_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awssqs "github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/shopstream/shopstream/emulator/localtest"
	"github.com/shopstream/shopstream/emulator/sqs"
	"github.com/shopstream/shopstream/emulator/telemetry"
	"github.com/shopstream/shopstream/internal/testutil/awstest"
)

func TestMetrics(t *testing.T) {
	c := newClock()
	rec := &localtest.Metrics{}
	srv, url := localtest.Serve(t)
	svc, err := sqs.New(localtest.OpenDB(t, ""), sqs.Options{BaseURL: url, Now: c.Now, Metrics: rec})
	if err != nil {
		t.Fatal(err)
	}
	svc.Register(srv)
	e := &env{svc: svc, client: awssqs.NewFromConfig(awstest.Config(url)), clock: c}
	q := e.createQueue(t, "q", nil)
	e.send(t, q, "a")
	_, err = e.client.SendMessageBatch(context.Background(), &awssqs.SendMessageBatchInput{QueueUrl: aws.String(q),
		Entries: []types.SendMessageBatchRequestEntry{{Id: aws.String("1"), MessageBody: aws.String("b")}, {Id: aws.String("2"), MessageBody: aws.String("c")}}})
	if err != nil {
		t.Fatal(err)
	}
	c.Advance(90 * time.Second)
	got := e.receive(t, q)
	if _, err := e.client.DeleteMessage(context.Background(), &awssqs.DeleteMessageInput{QueueUrl: aws.String(q), ReceiptHandle: got[0].ReceiptHandle}); err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]float64{"NumberOfMessagesSent": 3, "NumberOfMessagesReceived": 3, "NumberOfMessagesDeleted": 1} {
		if v := rec.Sum("AWS/SQS", k, map[string]string{"QueueName": "q"}); v != want {
			t.Errorf("%s = %v, want %v", k, v, want)
		}
	}
	gauges := map[string]float64{}
	for _, d := range svc.Sample(c.Now()) {
		gauges[d.Name] = d.Value
	}
	want := map[string]float64{"ApproximateNumberOfMessagesVisible": 0, "ApproximateNumberOfMessagesNotVisible": 2,
		"ApproximateNumberOfMessagesDelayed": 0, "ApproximateAgeOfOldestMessage": 90}
	for k, v := range want {
		if g, ok := gauges[k]; !ok || g != v {
			t.Errorf("%s = %v (reported %v), want %v", k, g, ok, v)
		}
	}
}

// TestBillingMeters counts SQS requests as AWS bills them: every action,
// an empty receive included, one request per 64 KB chunk of a send's
// payload, and a delivery from another service (Send) as a send.
func TestBillingMeters(t *testing.T) {
	c := newClock()
	rec := &localtest.Metrics{}
	srv, url := localtest.Serve(t)
	svc, err := sqs.New(localtest.OpenDB(t, ""), sqs.Options{BaseURL: url, Now: c.Now, Metrics: rec})
	if err != nil {
		t.Fatal(err)
	}
	svc.Register(srv)
	e := &env{svc: svc, client: awssqs.NewFromConfig(awstest.Config(url)), clock: c}
	q := e.createQueue(t, "billed", nil)       // 1
	if got := e.receive(t, q); len(got) != 0 { // 2: empty
		t.Fatalf("received %d from an empty queue", len(got))
	}
	e.send(t, q, "small")                                                                                                      // 3
	e.send(t, q, strings.Repeat("x", 100*1024))                                                                                // 4, 5: two 64 KB chunks
	if _, err := svc.Send(context.Background(), "arn:aws:sqs:us-east-1:000000000000:billed", "from a rule", nil); err != nil { // 6
		t.Fatal(err)
	}
	got := e.receive(t, q) // 7
	if len(got) != 3 {
		t.Fatalf("received %d messages, want 3", len(got))
	}
	entries := make([]types.DeleteMessageBatchRequestEntry, len(got))
	for i, m := range got {
		entries[i] = types.DeleteMessageBatchRequestEntry{Id: aws.String(strconv.Itoa(i)), ReceiptHandle: m.ReceiptHandle}
	}
	if _, err := e.client.DeleteMessageBatch(context.Background(), &awssqs.DeleteMessageBatchInput{QueueUrl: aws.String(q), Entries: entries}); err != nil { // 8
		t.Fatal(err)
	}
	dims := map[string]string{"QueueName": "billed"}
	if n := rec.Sum(telemetry.MetersNamespace, "Requests", dims); n != 8 {
		t.Errorf("Requests = %v, want 8", n)
	}
	if n := rec.Sum("AWS/SQS", "NumberOfEmptyReceives", dims); n != 1 {
		t.Errorf("NumberOfEmptyReceives = %v, want 1", n)
	}
}
