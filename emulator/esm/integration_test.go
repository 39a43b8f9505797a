package esm_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/shopstream/shopstream/emulator/awsapi"
	localddb "github.com/shopstream/shopstream/emulator/dynamodb"
	"github.com/shopstream/shopstream/emulator/esm"
	"github.com/shopstream/shopstream/emulator/gopackage"
	"github.com/shopstream/shopstream/emulator/lambda"
	"github.com/shopstream/shopstream/emulator/localtest"
	localsqs "github.com/shopstream/shopstream/emulator/sqs"
	"github.com/shopstream/shopstream/emulator/stack"
	"github.com/shopstream/shopstream/internal/testutil/awstest"
)

// localStack runs the real DynamoDB, SQS and Lambda services behind one
// endpoint, with this package's mappings on top.
type localStack struct {
	srv      *awsapi.Server
	endpoint string
	lambda   *lambda.Service
	esm      *esm.Service
	ddb      *localddb.Service
	sqs      *localsqs.Service
	cfg      aws.Config
	out      *localtest.SyncBuffer
	log      *localtest.SyncBuffer // the mappings' log
}

// lambdaCache is shared by the tests of a run so each function builds once.
var lambdaCache string

func TestMain(m *testing.M) { localtest.MainWithTempDir(m, &lambdaCache) }

func newLocalStack(t testing.TB, invoker func(*lambda.Service) stack.Invoker) *localStack {
	t.Helper()
	db := localtest.OpenDB(t, "")
	srv, url := localtest.Serve(t)
	ls := &localStack{srv: srv, endpoint: url, out: &localtest.SyncBuffer{}, log: &localtest.SyncBuffer{}, cfg: awstest.Config(url)}
	var err error
	if ls.ddb, err = localddb.New(db, time.Now); err != nil {
		t.Fatal(err)
	}
	ls.ddb.Register(srv)
	if ls.sqs, err = localsqs.New(db, localsqs.Options{BaseURL: url}); err != nil {
		t.Fatal(err)
	}
	ls.sqs.Register(srv)
	ls.lambda = lambda.New(lambda.Config{ModuleRoot: localtest.ModuleRoot(t), CacheDir: lambdaCache, Endpoint: url, Output: ls.out})
	ls.lambda.Register(srv)
	var inv stack.Invoker = ls.lambda
	if invoker != nil {
		inv = invoker(ls.lambda)
	}
	ls.esm, err = esm.New(esm.Config{Caller: srv, Invoker: inv, DB: db, PollInterval: 10 * time.Millisecond, RetryDelay: 10 * time.Millisecond, SQSWaitSeconds: 1,
		Log: slog.New(slog.NewTextHandler(ls.log, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = ls.esm.Close(ctx)
		_ = ls.lambda.Close(ctx)
	})
	return ls
}

func (ls *localStack) create(t testing.TB, p stack.Provisioner, r stack.Resource) stack.Created {
	t.Helper()
	c, err := p.Create(context.Background(), r)
	if err != nil {
		t.Fatalf("create %s: %v", r.LogicalID, err)
	}
	return c
}

func (ls *localStack) queue(t testing.TB, name string, props map[string]any) stack.Created {
	p := map[string]any{"QueueName": name}
	for k, v := range props {
		p[k] = v
	}
	return ls.create(t, ls.sqs, stack.Resource{LogicalID: "Queue" + name, Type: "AWS::SQS::Queue", Properties: p})
}

func (ls *localStack) sinkFunction(t testing.TB, sinkURL string) {
	ls.create(t, ls.lambda, stack.Resource{LogicalID: "Sink", Type: lambda.TypeFunction,
		Properties: map[string]any{"FunctionName": "sink", "Environment": map[string]any{"Variables": map[string]any{"SINK_QUEUE_URL": sinkURL}}},
		Metadata:   map[string]any{gopackage.MetadataKey: "./emulator/esm/testdata/sink"}})
}

// drain receives from a queue until want bodies have arrived.
func (ls *localStack) drain(t testing.TB, url string, want int) []string {
	t.Helper()
	client := sqs.NewFromConfig(ls.cfg)
	var bodies []string
	deadline := time.Now().Add(20 * time.Second)
	for len(bodies) < want {
		if time.Now().After(deadline) {
			t.Fatalf("got %v from %s, want %d messages\nfunction output:\n%s", bodies, url, want, ls.out.String())
		}
		out, err := client.ReceiveMessage(context.Background(), &sqs.ReceiveMessageInput{QueueUrl: aws.String(url), MaxNumberOfMessages: 10, WaitTimeSeconds: 1})
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range out.Messages {
			bodies = append(bodies, aws.ToString(m.Body))
			_, _ = client.DeleteMessage(context.Background(), &sqs.DeleteMessageInput{QueueUrl: aws.String(url), ReceiptHandle: m.ReceiptHandle})
		}
	}
	return bodies
}

func TestDynamoDBStreamToLambdaWithRealServices(t *testing.T) {
	ls := newLocalStack(t, nil)
	sink := ls.queue(t, "sink", nil)
	dlq := ls.queue(t, "stream-failures", nil)
	table := ls.create(t, ls.ddb.Provisioner("test"), stack.Resource{LogicalID: "Items", Type: "AWS::DynamoDB::Table", Properties: map[string]any{
		"TableName":            "items",
		"KeySchema":            []any{map[string]any{"AttributeName": "id", "KeyType": "HASH"}},
		"AttributeDefinitions": []any{map[string]any{"AttributeName": "id", "AttributeType": "S"}},
		"BillingMode":          "PAY_PER_REQUEST",
		"StreamSpecification":  map[string]any{"StreamViewType": "NEW_IMAGE"},
	}})
	ls.sinkFunction(t, sink.Ref)
	// The items are in the stream before the mapping starts, so the
	// batches are [a b] [poison c] [d] whatever the machine's speed. Put
	// while it polls, a batch could be [b poison]: the function would send
	// b, fail, and send b again for the bisected half, which is at-least-once
	// delivery as AWS does it, but not what this test checks.
	client := dynamodb.NewFromConfig(ls.cfg)
	for _, id := range []string{"a", "b", "poison", "c", "d"} {
		_, err := client.PutItem(context.Background(), &dynamodb.PutItemInput{TableName: aws.String("items"),
			Item: map[string]ddbtypes.AttributeValue{"id": &ddbtypes.AttributeValueMemberS{Value: id}}})
		if err != nil {
			t.Fatal(err)
		}
	}
	ls.create(t, ls.esm, stack.Resource{LogicalID: "ItemsToSink", Type: esm.TypeEventSourceMapping, Properties: map[string]any{
		"FunctionName": "sink", "EventSourceArn": table.Attrs["StreamArn"], "StartingPosition": "TRIM_HORIZON",
		"BatchSize": 2.0, "BisectBatchOnFunctionError": true, "MaximumRetryAttempts": 0.0,
		"DestinationConfig": map[string]any{"OnFailure": map[string]any{"Destination": dlq.Attrs["Arn"]}},
	}})
	got := ls.drain(t, sink.Ref, 4)
	if want := []string{"ddb:a", "ddb:b", "ddb:c", "ddb:d"}; !slices.Equal(got, want) {
		t.Errorf("sink got %v, want %v in stream order", got, want)
	}
	failures := ls.drain(t, dlq.Ref, 1)
	var rec struct {
		RequestContext     struct{ Condition string }
		DDBStreamBatchInfo struct {
			BatchSize int
			StreamArn string
		}
	}
	if err := json.Unmarshal([]byte(failures[0]), &rec); err != nil {
		t.Fatal(err)
	}
	if rec.RequestContext.Condition != "RetryAttemptsExhausted" || rec.DDBStreamBatchInfo.BatchSize != 1 || rec.DDBStreamBatchInfo.StreamArn != table.Attrs["StreamArn"] {
		t.Errorf("failure record %s", failures[0])
	}
}

func TestSQSToLambdaWithRealServices(t *testing.T) {
	ls := newLocalStack(t, nil)
	sink := ls.queue(t, "sink", nil)
	dlq := ls.queue(t, "work-dlq", nil)
	work := ls.queue(t, "work", map[string]any{
		"VisibilityTimeout": 1.0,
		"RedrivePolicy":     map[string]any{"deadLetterTargetArn": dlq.Attrs["Arn"], "maxReceiveCount": 2.0},
	})
	ls.sinkFunction(t, sink.Ref)
	ls.create(t, ls.esm, stack.Resource{LogicalID: "WorkToSink", Type: esm.TypeEventSourceMapping, Properties: map[string]any{
		"FunctionName": lambda.FunctionARN("sink"), "EventSourceArn": work.Attrs["Arn"],
		"FunctionResponseTypes": []any{"ReportBatchItemFailures"},
	}})
	client := sqs.NewFromConfig(ls.cfg)
	for _, body := range []string{"x", "fail", "y"} {
		if _, err := client.SendMessage(context.Background(), &sqs.SendMessageInput{QueueUrl: aws.String(work.Ref), MessageBody: aws.String(body)}); err != nil {
			t.Fatal(err)
		}
	}
	got := ls.drain(t, sink.Ref, 2)
	sort.Strings(got)
	if want := []string{"sqs:x", "sqs:y"}; !slices.Equal(got, want) {
		t.Errorf("sink got %v, want %v", got, want)
	}
	// "fail" is reported failed each time; after two receives the queue's
	// redrive policy moves it to the DLQ.
	if dead := ls.drain(t, dlq.Ref, 1); dead[0] != "fail" {
		t.Errorf("DLQ got %v, want [fail]", dead)
	}
}

// stamped records when the function is called for each message body.
type stamped struct {
	inner stack.Invoker
	seen  chan time.Time
}

func (s *stamped) Invoke(ctx context.Context, fn string, payload []byte) (stack.InvokeResult, error) {
	res, err := s.inner.Invoke(ctx, fn, payload)
	s.seen <- time.Now()
	return res, err
}

// BenchmarkSQSToLambda measures a message's trip from SendMessage until
// the function (a real process, doing no work) has handled it: long poll
// wake-up, record building, invoke, delete.
func BenchmarkSQSToLambda(b *testing.B) {
	var st *stamped
	ls := newLocalStack(b, func(l *lambda.Service) stack.Invoker {
		st = &stamped{inner: l, seen: make(chan time.Time, 16)}
		return st
	})
	q := ls.queue(b, "bench", nil)
	ls.create(b, ls.lambda, stack.Resource{LogicalID: "Echo", Type: lambda.TypeFunction,
		Properties: map[string]any{"FunctionName": "echo"},
		Metadata:   map[string]any{gopackage.MetadataKey: "./emulator/lambda/testdata/testfn"}})
	ls.create(b, ls.esm, stack.Resource{LogicalID: "BenchToEcho", Type: esm.TypeEventSourceMapping, Properties: map[string]any{
		"FunctionName": "echo", "EventSourceArn": q.Attrs["Arn"], "BatchSize": 1.0,
	}})
	client := sqs.NewFromConfig(ls.cfg)
	send := func() time.Time {
		start := time.Now()
		if _, err := client.SendMessage(context.Background(), &sqs.SendMessageInput{QueueUrl: aws.String(q.Ref), MessageBody: aws.String(`{"op":"echo"}`)}); err != nil {
			b.Fatal(err)
		}
		return start
	}
	send()
	<-st.seen // warm the function
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for b.Loop() {
		start := send()
		select {
		case t := <-st.seen:
			lat = append(lat, t.Sub(start))
		case <-time.After(10 * time.Second):
			b.Fatal("message not delivered")
		}
	}
	b.StopTimer()
	localtest.ReportPercentiles(b, lat, time.Microsecond)
}
