package sqs_test

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awssqs "github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/shopstream/shopstream/emulator/localtest"
)

// BenchmarkSendToLongPoll measures SendMessage until a waiting long poll
// returns the message (both over HTTP with the SDK), with p50 and p99.
func BenchmarkSendToLongPoll(b *testing.B) {
	e := newEnv(b, nil, nil)
	url := e.createQueue(b, "bench", nil)
	type got struct {
		at  time.Time
		msg string
	}
	received := make(chan got)
	// Cancelling ends the receiver's pending long poll at once.
	pollCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		for {
			out, err := e.client.ReceiveMessage(pollCtx, &awssqs.ReceiveMessageInput{QueueUrl: &url, WaitTimeSeconds: 20})
			if err != nil {
				return
			}
			for _, m := range out.Messages {
				at := time.Now()
				if _, err := e.client.DeleteMessage(pollCtx, &awssqs.DeleteMessageInput{QueueUrl: &url, ReceiptHandle: m.ReceiptHandle}); err != nil {
					return
				}
				select {
				case received <- got{at, *m.Body}:
				case <-pollCtx.Done():
					return
				}
			}
		}
	}()
	latencies := make([]time.Duration, 0, b.N)
	for b.Loop() {
		start := time.Now()
		if _, err := e.client.SendMessage(ctx, &awssqs.SendMessageInput{QueueUrl: &url, MessageBody: aws.String(`{"orderId":"o-1"}`)}); err != nil {
			b.Fatal(err)
		}
		r := <-received
		latencies = append(latencies, r.at.Sub(start))
	}
	localtest.ReportPercentiles(b, latencies, time.Millisecond)
}
