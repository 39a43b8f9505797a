package stepfunctions

import (
	"context"
	"encoding/json"
	"errors"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/shopstream/shopstream/emulator/awsapi"
	"github.com/shopstream/shopstream/emulator/stack"
	"github.com/shopstream/shopstream/emulator/state"
	"github.com/shopstream/shopstream/emulator/stepfunctions/asl"
	"github.com/shopstream/shopstream/internal/testutil/awstest"
)

const testRole = "arn:aws:iam::000000000000:role/StatesRole"

// functions is a fake Lambda Invoker: each function is a Go func.
type functions struct {
	mu sync.Mutex
	fn map[string]func(ctx context.Context, payload []byte) (stack.InvokeResult, error)
}

func (f *functions) Invoke(ctx context.Context, name string, payload []byte) (stack.InvokeResult, error) {
	f.mu.Lock()
	h, ok := f.fn[lastSegment(name)]
	f.mu.Unlock()
	if !ok {
		return stack.InvokeResult{}, &awsapi.Error{Type: "ResourceNotFoundException", Message: "Function not found: " + name, Status: 404}
	}
	return h(ctx, payload)
}

func (f *functions) set(name string, h func(ctx context.Context, payload []byte) (stack.InvokeResult, error)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fn == nil {
		f.fn = map[string]func(context.Context, []byte) (stack.InvokeResult, error){}
	}
	f.fn[name] = h
}

// lastSegment turns "arn:aws:lambda:…:function:name" into "name".
func lastSegment(s string) string {
	if i := strings.LastIndex(s, ":function:"); i >= 0 {
		s = s[i+len(":function:"):]
	}
	return s
}

// env is a running service behind a real HTTP endpoint with an SDK client.
type env struct {
	svc    *Service
	srv    *awsapi.Server
	client *sfn.Client
	url    string
	fns    *functions
	db     *state.DB
}

// newEnv starts the service on the state in dir ("" for an ephemeral one).
func newEnv(t *testing.T, dir string) *env {
	t.Helper()
	return newEnvClock(t, dir, nil)
}

// newEnvClock is newEnv with the service's clock (nil for the real one).
func newEnvClock(t *testing.T, dir string, clock asl.Clock) *env {
	t.Helper()
	return newEnvWith(t, dir, Options{Clock: clock})
}

// newEnvWith is newEnv with options; the Invoker is the env's fake
// functions and a zero TimeScale is 0.001.
func newEnvWith(t *testing.T, dir string, opts Options) *env {
	t.Helper()
	db, err := state.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	fns := &functions{}
	opts.Invoker = fns
	if opts.TimeScale == 0 {
		opts.TimeScale = 0.001
	}
	svc, err := New(db, opts)
	if err != nil {
		t.Fatal(err)
	}
	srv := awsapi.New(nil)
	svc.Register(srv)
	hs := httptest.NewServer(srv)
	e := &env{svc: svc, srv: srv, url: hs.URL, fns: fns, db: db, client: sfn.NewFromConfig(awstest.Config(hs.URL))}
	var once sync.Once
	t.Cleanup(func() { once.Do(func() { hs.Close(); svc.Close(); db.Close() }) })
	return e
}

// stop shuts the service down as the runtime would (Close, then the store).
func (e *env) stop() {
	e.svc.Close()
	e.db.Close()
}

func (e *env) createMachine(t *testing.T, name, definition string) string {
	t.Helper()
	out, err := e.client.CreateStateMachine(context.Background(), &sfn.CreateStateMachineInput{
		Name: aws.String(name), Definition: aws.String(definition), RoleArn: aws.String(testRole),
	})
	if err != nil {
		t.Fatalf("CreateStateMachine: %v", err)
	}
	return *out.StateMachineArn
}

func (e *env) start(t *testing.T, machineArn, name, input string) string {
	t.Helper()
	out, err := e.client.StartExecution(context.Background(), &sfn.StartExecutionInput{
		StateMachineArn: aws.String(machineArn), Name: aws.String(name), Input: aws.String(input),
	})
	if err != nil {
		t.Fatalf("StartExecution: %v", err)
	}
	return *out.ExecutionArn
}

// heldClock is a clock on which no Wait state or Retry interval ever
// elapses: Sleep returns only when its context ends, with the context's
// cause, as asl.SystemClock does. An execution in a Wait then stays there
// until it is stopped or its machine times out, however slow the machine.
type heldClock struct{}

func (heldClock) Now() time.Time { return time.Now() }

func (heldClock) Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	<-ctx.Done()
	return context.Cause(ctx)
}

// testDeadline bounds every wait for a condition in these tests.
const testDeadline = 10 * time.Second

// received waits for ch to deliver, failing the test with what it was
// waiting for once testDeadline passes.
func received[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(testDeadline):
		t.Fatalf("no %s within %v", what, testDeadline)
		var zero T
		return zero // not reached: Fatalf ends the test
	}
}

// waitForEvent polls the execution's history until it holds an event of
// type typ and returns that history; it fails the test, with the history,
// if none appears within testDeadline.
func (e *env) waitForEvent(t *testing.T, execArn string, typ types.HistoryEventType) []types.HistoryEvent {
	t.Helper()
	deadline := time.Now().Add(testDeadline)
	for {
		events := e.history(t, execArn)
		for _, ev := range events {
			if ev.Type == typ {
				return events
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %s in the history of %s within %v: %v", typ, execArn, testDeadline, eventTypes(events))
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// wait polls until the execution is no longer RUNNING.
func (e *env) wait(t *testing.T, execArn string) *sfn.DescribeExecutionOutput {
	t.Helper()
	deadline := time.Now().Add(testDeadline)
	for {
		out, err := e.client.DescribeExecution(context.Background(), &sfn.DescribeExecutionInput{ExecutionArn: aws.String(execArn)})
		if err != nil {
			t.Fatalf("DescribeExecution: %v", err)
		}
		if out.Status != types.ExecutionStatusRunning {
			return out
		}
		if time.Now().After(deadline) {
			t.Fatalf("execution %s still RUNNING", execArn)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func (e *env) history(t *testing.T, execArn string) []types.HistoryEvent {
	t.Helper()
	var events []types.HistoryEvent
	p := sfn.NewGetExecutionHistoryPaginator(e.client, &sfn.GetExecutionHistoryInput{ExecutionArn: aws.String(execArn)})
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatalf("GetExecutionHistory: %v", err)
		}
		events = append(events, page.Events...)
	}
	return events
}

func eventTypes(events []types.HistoryEvent) []string {
	out := make([]string, len(events))
	for i, e := range events {
		out[i] = string(e.Type)
	}
	return out
}

// apiErrorCode returns the AWS error code of err ("" if none).
func apiErrorCode(err error) string {
	var ae interface{ ErrorCode() string }
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

func jsonEqual(t *testing.T, got, want string) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal([]byte(got), &g); err != nil {
		t.Fatalf("got invalid JSON %q: %v", got, err)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("want invalid JSON %q: %v", want, err)
	}
	gs, _ := json.Marshal(g)
	ws, _ := json.Marshal(w)
	if string(gs) != string(ws) {
		t.Errorf("got  %s\nwant %s", gs, ws)
	}
}

// jsonResult returns a function that answers with the given payload.
func jsonResult(payload string) func(context.Context, []byte) (stack.InvokeResult, error) {
	return func(context.Context, []byte) (stack.InvokeResult, error) {
		return stack.InvokeResult{Payload: []byte(payload)}, nil
	}
}

type awsapiError = awsapi.Error
