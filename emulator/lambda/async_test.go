package lambda

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
	awssqs "github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/shopstream/shopstream/emulator/gopackage"
	"github.com/shopstream/shopstream/emulator/localtest"
	"github.com/shopstream/shopstream/emulator/sqs"
	"github.com/shopstream/shopstream/emulator/stack"
	"github.com/shopstream/shopstream/emulator/state"
	"github.com/shopstream/shopstream/internal/testutil/awstest"
)

// asyncEnv is the lambda service with a real SQS service on one endpoint
// over one state store, as the runtime wires them.
type asyncEnv struct {
	s      *Service
	queues *sqs.Service
	log    *localtest.SyncBuffer
	url    string
	sqsc   *awssqs.Client
	iam    *localtest.IAM // set by enforceIAM
}

func newAsyncEnv(t *testing.T, db *state.DB, scale float64) *asyncEnv {
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
	log := &localtest.SyncBuffer{}
	s, _ := newService(t, Config{DB: db, TimeScale: scale, Log: slog.New(slog.NewTextHandler(log, nil))})
	s.Register(srv)
	e := &asyncEnv{s: s, queues: queues, log: log, url: url, sqsc: awssqs.NewFromConfig(awstest.Config(url))}
	if strings.Contains(t.Name(), "IAM") {
		e.iam = localtest.EnforceIAM(t, srv)
	}
	return e
}

func (e *asyncEnv) provisioner() stack.Provisioner {
	if e.iam != nil {
		return e.iam.Service.Watch(e.s) // IAM learns each function's role
	}
	return e.s
}

// function provisions the test function under name.
func (e *asyncEnv) function(t *testing.T, name string, props map[string]any) {
	t.Helper()
	p := map[string]any{"FunctionName": name}
	for k, v := range props {
		p[k] = v
	}
	if _, err := e.provisioner().Create(context.Background(), stack.Resource{LogicalID: "Fn" + strings.ReplaceAll(name, "-", ""), Type: TypeFunction,
		Properties: p, Metadata: map[string]any{gopackage.MetadataKey: testPkg}}); err != nil {
		t.Fatal(err)
	}
}

// queue creates a queue and returns its ARN.
func (e *asyncEnv) queue(t *testing.T, name string) string {
	t.Helper()
	c, err := e.queues.Create(context.Background(), stack.Resource{LogicalID: name, Type: "AWS::SQS::Queue", Properties: map[string]any{"QueueName": name}})
	if err != nil {
		t.Fatal(err)
	}
	return c.Attrs["Arn"].(string)
}

func (e *asyncEnv) config(props map[string]any) error {
	_, err := e.provisioner().Create(context.Background(), stack.Resource{LogicalID: "Async", Type: TypeEventInvokeConfig, Properties: props})
	return err
}

// record long-polls queue for one invocation record.
func (e *asyncEnv) record(t *testing.T, queue string) map[string]any {
	t.Helper()
	url := e.queues.QueueURL(queue)
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		out, err := e.sqsc.ReceiveMessage(context.Background(), &awssqs.ReceiveMessageInput{QueueUrl: &url, WaitTimeSeconds: 2})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Messages) > 0 {
			var rec map[string]any
			if err := json.Unmarshal([]byte(*out.Messages[0].Body), &rec); err != nil {
				t.Fatalf("record %s: %v", *out.Messages[0].Body, err)
			}
			return rec
		}
	}
	t.Fatalf("no invocation record in %s after 20s; log:\n%s", queue, e.log)
	return nil
}

// empty reports whether queue holds no message right now.
func (e *asyncEnv) empty(t *testing.T, queue string) bool {
	t.Helper()
	url := e.queues.QueueURL(queue)
	out, err := e.sqsc.ReceiveMessage(context.Background(), &awssqs.ReceiveMessageInput{QueueUrl: &url})
	if err != nil {
		t.Fatal(err)
	}
	return len(out.Messages) == 0
}

// flaky is an event for the test function's "flaky" op: it fails the
// first fails calls and writes one line (a Unix millisecond) per call to
// a new file, whose path is returned.
func flaky(t *testing.T, fails int) ([]byte, string) {
	t.Helper()
	file := filepath.Join(t.TempDir(), "calls")
	payload, _ := json.Marshal(map[string]any{"op": "flaky", "file": file, "fails": fails})
	return payload, file
}

// calls reads the call times the flaky op wrote.
func calls(t *testing.T, file string) []time.Time {
	t.Helper()
	raw, err := os.ReadFile(file)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	var out []time.Time
	for _, line := range strings.Fields(string(raw)) {
		ms, err := strconv.ParseInt(line, 10, 64)
		if err != nil {
			t.Fatalf("calls file: %v", err)
		}
		out = append(out, time.UnixMilli(ms))
	}
	return out
}

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); !cond(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

func path(m map[string]any, keys ...string) any {
	var v any = m
	for _, k := range keys {
		obj, _ := v.(map[string]any)
		v = obj[k]
	}
	return v
}

// A function error is retried MaximumRetryAttempts times, about 1 then 2
// minutes apart (scaled), then the record goes to the on-failure queue.
func TestAsyncRetriesThenOnFailure(t *testing.T) {
	const scale = 0.002 // waits of 120 ms and 240 ms
	e := newAsyncEnv(t, nil, scale)
	e.function(t, "retry-fn", nil)
	failed := e.queue(t, "failed")
	if err := e.config(map[string]any{"FunctionName": "retry-fn", "Qualifier": "$LATEST",
		"DestinationConfig": map[string]any{"OnFailure": map[string]any{"Destination": failed}}}); err != nil {
		t.Fatal(err)
	}
	payload, file := flaky(t, 100)
	if err := e.s.InvokeAsync(context.Background(), "retry-fn", payload); err != nil {
		t.Fatal(err)
	}
	rec := e.record(t, "failed")
	at := calls(t, file)
	if len(at) != 3 {
		t.Fatalf("%d calls, want 3 (one try, two retries)", len(at))
	}
	for i, min := range []time.Duration{time.Minute, 2 * time.Minute} {
		if gap := at[i+1].Sub(at[i]); gap < time.Duration(float64(min)*scale) {
			t.Errorf("retry %d came %v after the previous call, want at least %v", i+1, gap, time.Duration(float64(min)*scale))
		}
	}
	want := map[string]any{"version": "1.0", "condition": "RetriesExhausted", "approximateInvokeCount": 3.0,
		"functionArn": FunctionARN("retry-fn") + ":$LATEST", "statusCode": 200.0, "executedVersion": "$LATEST",
		"functionError": "Unhandled", "errorType": "TestError", "errorMessage": "test failure: call 3", "requestOp": "flaky"}
	got := map[string]any{"version": rec["version"], "condition": path(rec, "requestContext", "condition"),
		"approximateInvokeCount": path(rec, "requestContext", "approximateInvokeCount"), "functionArn": path(rec, "requestContext", "functionArn"),
		"statusCode": path(rec, "responseContext", "statusCode"), "executedVersion": path(rec, "responseContext", "executedVersion"),
		"functionError": path(rec, "responseContext", "functionError"), "errorType": path(rec, "responsePayload", "errorType"),
		"errorMessage": path(rec, "responsePayload", "errorMessage"), "requestOp": path(rec, "requestPayload", "op")}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("record %s = %v, want %v\n%v", k, got[k], v, rec)
		}
	}
	if id, _ := path(rec, "requestContext", "requestId").(string); id == "" {
		t.Errorf("record has no requestId: %v", rec)
	}
	if _, err := time.Parse("2006-01-02T15:04:05.000Z", rec["timestamp"].(string)); err != nil {
		t.Errorf("timestamp: %v", err)
	}
}

func TestAsyncMaximumRetryAttempts(t *testing.T) {
	e := newAsyncEnv(t, nil, 0.001)
	e.function(t, "once-fn", nil)
	failed := e.queue(t, "failed")
	if err := e.config(map[string]any{"FunctionName": "once-fn", "MaximumRetryAttempts": 0.0,
		"DestinationConfig": map[string]any{"OnFailure": map[string]any{"Destination": failed}}}); err != nil {
		t.Fatal(err)
	}
	payload, file := flaky(t, 100)
	if err := e.s.InvokeAsync(context.Background(), "once-fn", payload); err != nil {
		t.Fatal(err)
	}
	rec := e.record(t, "failed")
	if n := len(calls(t, file)); n != 1 || path(rec, "requestContext", "approximateInvokeCount") != 1.0 {
		t.Errorf("%d calls, record %v: want one call and no retry", n, rec["requestContext"])
	}
}

// Without a destination, an event that fails for good is dropped with a
// line saying so, after the same three calls.
func TestAsyncDroppedWithoutDestination(t *testing.T) {
	e := newAsyncEnv(t, nil, 0.001)
	e.function(t, "drop-fn", nil)
	payload, file := flaky(t, 100)
	if err := e.s.InvokeAsync(context.Background(), "drop-fn", payload); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "the dropped line", func() bool { return strings.Contains(e.log.String(), "lambda async invoke dropped") })
	if n := len(calls(t, file)); n != 3 {
		t.Errorf("%d calls, want 3", n)
	}
	if !strings.Contains(e.log.String(), "condition=RetriesExhausted") {
		t.Errorf("log lacks the condition:\n%s", e.log)
	}
}

// The Invoke API's Event type takes the same queue: a function that fails
// once succeeds on the retry, and the on-success record says so.
func TestAsyncOnSuccessThroughInvokeAPI(t *testing.T) {
	e := newAsyncEnv(t, nil, 0.001)
	e.function(t, "ok-fn", nil)
	done := e.queue(t, "done")
	if err := e.config(map[string]any{"FunctionName": "ok-fn",
		"DestinationConfig": map[string]any{"OnSuccess": map[string]any{"Destination": done}}}); err != nil {
		t.Fatal(err)
	}
	client := awslambda.NewFromConfig(awstest.Config(e.url))
	payload, file := flaky(t, 1)
	out, err := client.Invoke(context.Background(), &awslambda.InvokeInput{FunctionName: aws.String("ok-fn"), InvocationType: types.InvocationTypeEvent, Payload: payload})
	if err != nil || out.StatusCode != 202 {
		t.Fatalf("Event invoke: %v %v", out, err)
	}
	rec := e.record(t, "done")
	if n := len(calls(t, file)); n != 2 {
		t.Errorf("%d calls, want 2", n)
	}
	if path(rec, "requestContext", "condition") != "Success" || path(rec, "requestContext", "approximateInvokeCount") != 2.0 ||
		path(rec, "responsePayload", "call") != 2.0 || path(rec, "requestPayload", "file") != file {
		t.Errorf("record %v", rec)
	}
	if rc, _ := rec["responseContext"].(map[string]any); rc["statusCode"] != 200.0 || rc["functionError"] != nil {
		t.Errorf("responseContext %v, want 200 and no functionError", rc)
	}
}

// An event older than MaximumEventAgeInSeconds (scaled) is not retried.
func TestAsyncEventAgeExceeded(t *testing.T) {
	const scale = 0.02 // a 60 s maximum age is 1.2 s, and so is the first retry wait
	e := newAsyncEnv(t, nil, scale)
	e.function(t, "old-fn", nil)
	failed := e.queue(t, "failed")
	if err := e.config(map[string]any{"FunctionName": "old-fn", "MaximumEventAgeInSeconds": 60.0,
		"DestinationConfig": map[string]any{"OnFailure": map[string]any{"Destination": failed}}}); err != nil {
		t.Fatal(err)
	}
	pidOf(t, e.s, "old-fn") // warm, so the first call comes well within the age
	payload, file := flaky(t, 100)
	if err := e.s.InvokeAsync(context.Background(), "old-fn", payload); err != nil {
		t.Fatal(err)
	}
	rec := e.record(t, "failed")
	if n := len(calls(t, file)); n != 1 {
		t.Errorf("%d calls, want 1: the retry was due after the event's maximum age", n)
	}
	if path(rec, "requestContext", "condition") != "EventAgeExceeded" || path(rec, "requestContext", "approximateInvokeCount") != 1.0 ||
		path(rec, "responseContext", "functionError") != "Unhandled" {
		t.Errorf("record %v", rec)
	}
}

// With IAM enforced, the record is sent with the function's execution
// role: a role without sqs:SendMessage on the queue loses it, with a line.
func TestAsyncDestinationUsesTheExecutionRoleIAM(t *testing.T) {
	e := newAsyncEnv(t, nil, 0.001)
	done := e.queue(t, "done")
	e.iam.Role("sender", localtest.Allow([]string{"sqs:SendMessage"}, done))
	e.iam.Role("mute", localtest.Allow([]string{"sqs:ReceiveMessage"}, done))
	for fn, role := range map[string]string{"sender-fn": "sender", "mute-fn": "mute"} {
		e.function(t, fn, map[string]any{"Role": localtest.RoleARN(role)})
		if _, err := e.provisioner().Create(context.Background(), stack.Resource{LogicalID: "Async" + role, Type: TypeEventInvokeConfig, Properties: map[string]any{
			"FunctionName": fn, "DestinationConfig": map[string]any{"OnSuccess": map[string]any{"Destination": done}}}}); err != nil {
			t.Fatal(err)
		}
	}
	for _, fn := range []string{"mute-fn", "sender-fn"} {
		if err := e.s.InvokeAsync(context.Background(), fn, []byte(`{"op":"echo","value":"`+fn+`"}`)); err != nil {
			t.Fatal(err)
		}
	}
	rec := e.record(t, "done")
	if path(rec, "requestContext", "functionArn") != FunctionARN("sender-fn")+":$LATEST" || rec["responsePayload"] != "sender-fn" {
		t.Errorf("record %v, want sender-fn's", rec)
	}
	defer func() {
		if t.Failed() {
			t.Log(e.log.String())
		}
	}()
	waitUntil(t, "the denied delivery's line", func() bool {
		return strings.Contains(e.log.String(), `destination delivery failed, record dropped" function=mute-fn`)
	})
	if !strings.Contains(e.log.String(), "is not authorized to perform: sqs:sendmessage") {
		t.Errorf("log does not give the denial:\n%s", e.log)
	}
	if !e.empty(t, "done") {
		t.Error("the denied function's record reached the queue")
	}
}

// An invocation whose retry is pending survives Close and a reopened
// store: the next service runs it once resumed.
func TestAsyncQueueSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	db, err := state.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	e := newAsyncEnv(t, db, 0.01) // the retry waits 600 ms
	e.function(t, "durable-fn", nil)
	done := e.queue(t, "done")
	if err := e.config(map[string]any{"FunctionName": "durable-fn",
		"DestinationConfig": map[string]any{"OnSuccess": map[string]any{"Destination": done}}}); err != nil {
		t.Fatal(err)
	}
	payload, file := flaky(t, 1)
	if err := e.s.InvokeAsync(context.Background(), "durable-fn", payload); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "the first call to fail and its retry to be scheduled", func() bool {
		q := e.s.queue
		q.mu.Lock()
		defer q.mu.Unlock()
		for seq, ev := range q.events {
			if !q.busy[seq] && ev.Invokes == 1 {
				return true
			}
		}
		return false
	})
	if err := e.s.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := len(calls(t, file)); n != 1 {
		t.Fatalf("%d calls before the restart, want 1", n)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	db2, err := state.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db2.Close() })
	e2 := newAsyncEnv(t, db2, 0.01)
	// The restart deploys the template again, then resumes the queue.
	e2.function(t, "durable-fn", nil)
	if err := e2.config(map[string]any{"FunctionName": "durable-fn",
		"DestinationConfig": map[string]any{"OnSuccess": map[string]any{"Destination": done}}}); err != nil {
		t.Fatal(err)
	}
	if n := len(calls(t, file)); n != 1 {
		t.Fatalf("%d calls before ResumeAsync, want 1: restored invocations wait for the deployment", n)
	}
	if err := e2.s.ResumeAsync(); err != nil {
		t.Fatal(err)
	}
	rec := e2.record(t, "done")
	if n := len(calls(t, file)); n != 2 || path(rec, "requestContext", "approximateInvokeCount") != 2.0 {
		t.Errorf("%d calls, record %v: want the retry to run once after the restart", n, rec["requestContext"])
	}
}

func TestEventInvokeConfigValidation(t *testing.T) {
	e := newAsyncEnv(t, nil, 1)
	e.function(t, "valid-fn", nil)
	dest := func(key, arn string) map[string]any {
		return map[string]any{key: map[string]any{"Destination": arn}}
	}
	tests := []struct {
		name  string
		props map[string]any
		want  string
	}{
		{"no function", map[string]any{}, "FunctionName: is required"},
		{"unknown function", map[string]any{"FunctionName": "nope"}, `FunctionName: "nope" is not a function`},
		{"version", map[string]any{"FunctionName": "valid-fn", "Qualifier": "1"}, "Qualifier: \"1\": only $LATEST"},
		{"retries high", map[string]any{"FunctionName": "valid-fn", "MaximumRetryAttempts": 3.0}, "MaximumRetryAttempts: 3 must be a whole number from 0 to 2"},
		{"retries negative", map[string]any{"FunctionName": "valid-fn", "MaximumRetryAttempts": -1.0}, "MaximumRetryAttempts"},
		{"age low", map[string]any{"FunctionName": "valid-fn", "MaximumEventAgeInSeconds": 59.0}, "MaximumEventAgeInSeconds: 59 must be a whole number of seconds from 60 to 21600"},
		{"age high", map[string]any{"FunctionName": "valid-fn", "MaximumEventAgeInSeconds": 21601.0}, "MaximumEventAgeInSeconds"},
		{"sns", map[string]any{"FunctionName": "valid-fn", "DestinationConfig": dest("OnFailure", "arn:aws:sns:us-east-1:000000000000:t")}, "DestinationConfig.OnFailure.Destination: \"arn:aws:sns:us-east-1:000000000000:t\": only SQS queue destinations are supported locally"},
		{"event bus", map[string]any{"FunctionName": "valid-fn", "DestinationConfig": dest("OnSuccess", "arn:aws:events:us-east-1:000000000000:event-bus/default")}, "DestinationConfig.OnSuccess.Destination"},
		{"no arn", map[string]any{"FunctionName": "valid-fn", "DestinationConfig": dest("OnSuccess", "")}, "DestinationConfig.OnSuccess.Destination: is required"},
	}
	for _, tc := range tests {
		err := e.config(tc.props)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want an error with %q", tc.name, err, tc.want)
		}
	}
	// Nothing was stored.
	client := awslambda.NewFromConfig(awstest.Config(e.url))
	_, err := client.GetFunctionEventInvokeConfig(context.Background(), &awslambda.GetFunctionEventInvokeConfigInput{FunctionName: aws.String("valid-fn")})
	var nf *types.ResourceNotFoundException
	if !errors.As(err, &nf) {
		t.Errorf("config after rejected ones: %v, want ResourceNotFoundException", err)
	}
}

func TestGetFunctionEventInvokeConfig(t *testing.T) {
	e := newAsyncEnv(t, nil, 1)
	e.function(t, "cfg-fn", nil)
	failed := e.queue(t, "failed")
	if err := e.config(map[string]any{"FunctionName": FunctionARN("cfg-fn"), "Qualifier": "$LATEST", "MaximumRetryAttempts": 1.0, "MaximumEventAgeInSeconds": "3600",
		"DestinationConfig": map[string]any{"OnFailure": map[string]any{"Destination": failed}}}); err != nil {
		t.Fatal(err)
	}
	client := awslambda.NewFromConfig(awstest.Config(e.url))
	out, err := client.GetFunctionEventInvokeConfig(context.Background(), &awslambda.GetFunctionEventInvokeConfigInput{FunctionName: aws.String("cfg-fn")})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(out.FunctionArn) != FunctionARN("cfg-fn")+":$LATEST" || aws.ToInt32(out.MaximumRetryAttempts) != 1 || aws.ToInt32(out.MaximumEventAgeInSeconds) != 3600 ||
		out.DestinationConfig == nil || aws.ToString(out.DestinationConfig.OnFailure.Destination) != failed || out.DestinationConfig.OnSuccess.Destination != nil ||
		out.LastModified == nil || time.Since(*out.LastModified) > time.Minute {
		t.Errorf("config %+v", out)
	}
	t.Run("aws cli", func(t *testing.T) {
		cli := localtest.AWSCLI(t, e.url)
		got := cli("lambda", "get-function-event-invoke-config", "--function-name", "cfg-fn")
		if got["MaximumRetryAttempts"] != 1.0 || path(got, "DestinationConfig", "OnFailure", "Destination") != failed {
			t.Errorf("aws lambda get-function-event-invoke-config: %v", got)
		}
	})
}
