// Command sink is the esm integration tests' function. For each record of a
// DynamoDB stream or SQS batch it sends "<source>:<id or body>" to the queue
// at SINK_QUEUE_URL, through the SDK and AWS_ENDPOINT_URL as a real
// function would. A stream record for item "poison" fails the batch; an SQS
// message "fail" is reported in batchItemFailures.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"os"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
)

type batch struct {
	Records []json.RawMessage
}

func main() {
	cfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		panic(err)
	}
	client := sqs.NewFromConfig(cfg)
	sink := os.Getenv("SINK_QUEUE_URL")
	send := func(ctx context.Context, body string) error {
		_, err := client.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(sink), MessageBody: aws.String(body)})
		return err
	}
	lambda.Start(func(ctx context.Context, b batch) (*events.SQSEventResponse, error) {
		resp := &events.SQSEventResponse{}
		for _, raw := range b.Records {
			var src struct{ EventSource string }
			_ = json.Unmarshal(raw, &src)
			switch src.EventSource {
			case "aws:dynamodb":
				var r events.DynamoDBEventRecord
				if err := json.Unmarshal(raw, &r); err != nil {
					return nil, err
				}
				id := r.Change.NewImage["id"].String()
				if id == "poison" {
					return nil, errors.New("poison record")
				}
				if err := send(ctx, "ddb:"+id); err != nil {
					return nil, err
				}
			case "aws:sqs":
				var r events.SQSMessage
				if err := json.Unmarshal(raw, &r); err != nil {
					return nil, err
				}
				if r.Body == "fail" {
					resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: r.MessageId})
					continue
				}
				if err := send(ctx, "sqs:"+r.Body); err != nil {
					return nil, err
				}
			}
		}
		return resp, nil
	})
}
