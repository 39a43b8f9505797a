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
	db, err := state.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	fns := &functions{}
	svc, err := New(db, Options{Invoker: fns, TimeScale: 0.001})
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

// wait polls until the execution is no longer RUNNING.
func (e *env) wait(t *testing.T, execArn string) *sfn.DescribeExecutionOutput {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
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
