package sqs_test

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awssqs "github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/shopstream/shopstream/emulator/localtest"
	"github.com/shopstream/shopstream/emulator/sqs"
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
