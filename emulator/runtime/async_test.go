package runtime_test

import (
	"context"
	"encoding/json"
	"io"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awseb "github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"
	awssqs "github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/shopstream/shopstream/emulator/localtest"
	"github.com/shopstream/shopstream/emulator/runtime"
)

// TestEventInvokeConfigOnFailure runs testdata/asyncassembly, shaped as
// CDK writes an EventBridge → Lambda target whose function has an on-failure
// queue: the rule hands the event to Lambda asynchronously, the function
// fails its try and its one retry (scaled by the time scale), and the
// invocation record reaches the queue, sent with the function's execution
// role under enforced IAM.
func TestEventInvokeConfigOnFailure(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a function and runs a stack; skipped with -short")
	}
	var log localtest.SyncBuffer
	rt, err := runtime.Start(context.Background(), runtime.Config{
		Assembly: "testdata/asyncassembly", InMemory: true, AWSAddr: "127.0.0.1:0", APIAddr: "127.0.0.1:0",
		TimeScale: 0.001, Log: runtime.NewLogger(&log, nil), Output: io.Discard,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close(context.Background())
	cfg := aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(rt.AWSEndpoint()),
		Credentials: credentials.NewStaticCredentialsProvider("local", "local", "")}
	out := rt.Deployed().Outputs
	ctx := context.Background()

	conf, err := awslambda.NewFromConfig(cfg).GetFunctionEventInvokeConfig(ctx, &awslambda.GetFunctionEventInvokeConfigInput{FunctionName: aws.String(out["ProjectionName"].(string))})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToInt32(conf.MaximumRetryAttempts) != 1 || conf.DestinationConfig.OnFailure.Destination == nil {
		t.Errorf("event invoke config %+v", conf)
	}

	put, err := awseb.NewFromConfig(cfg).PutEvents(ctx, &awseb.PutEventsInput{Entries: []ebtypes.PutEventsRequestEntry{{
		Source: aws.String("test.catalog"), DetailType: aws.String("ProductCreated"), Detail: aws.String(`{"productId":"p-1"}`)}}})
	if err != nil || put.FailedEntryCount != 0 {
		t.Fatalf("put events: %v %+v", err, put)
	}
	queue := out["FailedQueueUrl"].(string)
	sqsc := awssqs.NewFromConfig(cfg)
	var body string
	for deadline := time.Now().Add(30 * time.Second); body == "" && time.Now().Before(deadline); {
		res, err := sqsc.ReceiveMessage(ctx, &awssqs.ReceiveMessageInput{QueueUrl: &queue, WaitTimeSeconds: 2})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Messages) > 0 {
			body = *res.Messages[0].Body
		}
	}
	if body == "" {
		t.Fatalf("no on-failure record after 30s\n%s", log.String())
	}
	var rec struct {
		RequestContext struct {
			Condition              string
			ApproximateInvokeCount int
		}
		RequestPayload  struct{ Op string }
		ResponseContext struct{ FunctionError string }
	}
	if err := json.Unmarshal([]byte(body), &rec); err != nil {
		t.Fatal(err)
	}
	if rec.RequestContext.Condition != "RetriesExhausted" || rec.RequestContext.ApproximateInvokeCount != 2 ||
		rec.RequestPayload.Op != "fail" || rec.ResponseContext.FunctionError != "Unhandled" {
		t.Errorf("record %s", body)
	}
}
