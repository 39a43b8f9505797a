package eventbridge_test

import (
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awseb "github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	awssqs "github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/shopstream/shopstream/emulator/awsapi"
	"github.com/shopstream/shopstream/emulator/eventbridge"
	"github.com/shopstream/shopstream/emulator/localtest"
	"github.com/shopstream/shopstream/emulator/sqs"
	"github.com/shopstream/shopstream/emulator/stack"
	"github.com/shopstream/shopstream/emulator/state"
	"github.com/shopstream/shopstream/internal/testutil/awstest"
)

var ctx = context.Background()

// env is SQS and EventBridge on one endpoint, with SDK clients.
type env struct {
	srv    *awsapi.Server
	queues *sqs.Service
	events *eventbridge.Service
	sqsc   *awssqs.Client
	ebc    *awseb.Client
}

// newEnv starts the services on db (ephemeral when nil); cfg supplies the
// optional Invoker, RetryBase and Workers.
func newEnv(t testing.TB, db *state.DB, cfg eventbridge.Config) *env {
	t.Helper()
	if db == nil {
		db = localtest.OpenDB(t, "")
	}
	srv, url := localtest.Serve(t)
	queues, err := sqs.New(db, sqs.Options{BaseURL: url})
	if err != nil {
		t.Fatal(err)
	}
	queues.Register(srv)
	cfg.DB, cfg.Queues, cfg.Caller = db, queues, srv
	events, err := eventbridge.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { events.Close(context.Background()) })
	events.Register(srv)
	awsCfg := awstest.Config(url)
	return &env{srv: srv, queues: queues, events: events, sqsc: awssqs.NewFromConfig(awsCfg), ebc: awseb.NewFromConfig(awsCfg)}
}

// provision creates template resources in order, as the stack loader
// would after resolving intrinsics.
func (e *env) provision(t testing.TB, resources ...stack.Resource) map[string]stack.Created {
	t.Helper()
	out := map[string]stack.Created{}
	for _, r := range resources {
		r.StackName = "Shop"
		var p stack.Provisioner = e.events
		if r.Type == "AWS::SQS::Queue" || r.Type == "AWS::SQS::QueuePolicy" {
			p = e.queues
		}
		c, err := p.Create(ctx, r)
		if err != nil {
			t.Fatalf("provision %s: %v", r.LogicalID, err)
		}
		out[r.LogicalID] = c
	}
	return out
}

// queueWithPolicy returns the template resources of a queue that the rule
// named ruleARN may send to, as CDK's SqsQueue target emits them.
func queueWithPolicy(logicalID, name, ruleARN string) []stack.Resource {
	arn := "arn:aws:sqs:us-east-1:000000000000:" + name
	return []stack.Resource{
		{LogicalID: logicalID, Type: "AWS::SQS::Queue", Properties: map[string]any{"QueueName": name}},
		{LogicalID: logicalID + "Policy", Type: "AWS::SQS::QueuePolicy", Properties: map[string]any{
			"Queues": []any{"http://127.0.0.1/000000000000/" + name},
			"PolicyDocument": map[string]any{"Version": "2012-10-17", "Statement": []any{map[string]any{
				"Effect": "Allow", "Principal": map[string]any{"Service": "events.amazonaws.com"},
				"Action": []any{"sqs:SendMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl"}, "Resource": arn,
				"Condition": map[string]any{"ArnEquals": map[string]any{"aws:SourceArn": ruleARN}},
			}}},
		}},
	}
}

// putEvent sends one event and returns its id.
func (e *env) putEvent(t testing.TB, bus, source, detailType, detail string) string {
	t.Helper()
	out, err := e.ebc.PutEvents(ctx, &awseb.PutEventsInput{Entries: []ebtypes.PutEventsRequestEntry{{
		EventBusName: aws.String(bus), Source: aws.String(source), DetailType: aws.String(detailType), Detail: aws.String(detail),
	}}})
	if err != nil {
		t.Fatal(err)
	}
	if out.FailedEntryCount != 0 {
		t.Fatalf("PutEvents failed: %s %s", aws.ToString(out.Entries[0].ErrorCode), aws.ToString(out.Entries[0].ErrorMessage))
	}
	return *out.Entries[0].EventId
}

// receiveOne long-polls a queue for one message and deletes it; "" when
// none arrives within wait.
func (e *env) receiveOne(t testing.TB, queue string, wait time.Duration) string {
	t.Helper()
	url := e.queues.QueueURL(queue)
	deadline := time.Now().Add(wait)
	for time.Now().Before(deadline) {
		secs := int32(min(max(time.Until(deadline)/time.Second, 1), 20))
		out, err := e.sqsc.ReceiveMessage(ctx, &awssqs.ReceiveMessageInput{QueueUrl: &url, WaitTimeSeconds: secs})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Messages) > 0 {
			m := out.Messages[0]
			if _, err := e.sqsc.DeleteMessage(ctx, &awssqs.DeleteMessageInput{QueueUrl: &url, ReceiptHandle: m.ReceiptHandle}); err != nil {
				t.Fatal(err)
			}
			return *m.Body
		}
	}
	return ""
}

// settle waits until the bus has finished every delivery it accepted, so
// that what is not in a queue by then never will be.
func (e *env) settle(t testing.TB) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for e.events.Pending() > 0 {
		if time.Now().After(deadline) {
			t.Fatalf("%d deliveries still pending after 10s", e.events.Pending())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// receiveNow receives one message without waiting and deletes it; "" when
// the queue has none.
func (e *env) receiveNow(t testing.TB, queue string) string {
	t.Helper()
	url := e.queues.QueueURL(queue)
	out, err := e.sqsc.ReceiveMessage(ctx, &awssqs.ReceiveMessageInput{QueueUrl: &url, WaitTimeSeconds: 0})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Messages) == 0 {
		return ""
	}
	m := out.Messages[0]
	if _, err := e.sqsc.DeleteMessage(ctx, &awssqs.DeleteMessageInput{QueueUrl: &url, ReceiptHandle: m.ReceiptHandle}); err != nil {
		t.Fatal(err)
	}
	return *m.Body
}

func decodeJSON(t testing.TB, s string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatalf("not a JSON object: %s: %v", s, err)
	}
	return m
}

// recordingInvoker is a Lambda stand-in at the edge of these tests: it
// records payloads and fails the first failures calls.
type recordingInvoker struct {
	mu       sync.Mutex
	failures int
	calls    [][]byte
	got      chan []byte
}

func newRecordingInvoker(failures int) *recordingInvoker {
	return &recordingInvoker{failures: failures, got: make(chan []byte, 16)}
}

func (r *recordingInvoker) InvokeAsync(_ context.Context, function string, payload []byte) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, payload)
	if len(r.calls) <= r.failures {
		return errTransient
	}
	r.got <- payload
	return nil
}

func (r *recordingInvoker) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.calls)
}

type transientError struct{}

func (transientError) Error() string { return "function is starting (transient)" }

var errTransient = transientError{}
