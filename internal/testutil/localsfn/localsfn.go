// Package localsfn runs the emulator's Step Functions (emulator/stepfunctions)
// in-process for tests: a real StartExecution/DescribeExecution endpoint on a
// loopback httptest server, reached with the real SDK client, so code under
// test meets Step Functions' own rules (execution names are unique; a
// repeated name is idempotent only while the first execution runs with the
// same input) instead of a hand-written fake's.
//
// Lambda tasks are Go funcs registered with Function. Hold builds a machine
// whose executions stay RUNNING until the test lets each one succeed or
// fail, which is how a test reaches every execution status on demand.
package localsfn

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/shopstream/shopstream/emulator/awsapi"
	"github.com/shopstream/shopstream/emulator/localtest"
	"github.com/shopstream/shopstream/emulator/stack"
	"github.com/shopstream/shopstream/emulator/stepfunctions"
	"github.com/shopstream/shopstream/internal/testutil/awstest"
)

// Role is the execution role machines are created with; the emulator
// records it but does not assume it.
const Role = "arn:aws:iam::000000000000:role/StatesRole"

// WaitTimeout bounds how long WaitClosed waits for an execution to close.
const WaitTimeout = 10 * time.Second

// SFN is an in-memory Step Functions and an SDK client for it.
type SFN struct {
	Client *sfn.Client
	fns    *functions
}

// Start serves a fresh, empty Step Functions for the test. Wait states and
// Retry intervals run a thousand times faster than written. Running
// executions are stopped when the test ends.
func Start(tb testing.TB) *SFN {
	tb.Helper()
	// Cleanups run last-registered first: the service stops its
	// executions before the endpoint and the store close.
	db := localtest.OpenDB(tb, "")
	srv, url := localtest.Serve(tb)
	fns := &functions{fn: map[string]func(context.Context, []byte) (stack.InvokeResult, error){}}
	svc, err := stepfunctions.New(db, stepfunctions.Options{Invoker: fns, TimeScale: 0.001})
	if err != nil {
		tb.Fatalf("localsfn: %v", err)
	}
	tb.Cleanup(svc.Close)
	svc.Register(srv)
	return &SFN{Client: sfn.NewFromConfig(awstest.Config(url)), fns: fns}
}

// FunctionARN is the ARN a Task state's Resource names function name by.
func FunctionARN(name string) string { return awsapi.ARN("lambda", "function:"+name) }

// Function makes fn the Lambda function name for Task states. An error
// fn returns fails the task as a Lambda function error does: the error
// name is errorType, the cause the payload ({"errorType","errorMessage"}).
func (s *SFN) Function(name string, fn func(ctx context.Context, payload []byte) (json.RawMessage, error)) {
	s.fns.set(name, func(ctx context.Context, payload []byte) (stack.InvokeResult, error) {
		out, err := fn(ctx, payload)
		if err != nil {
			if ctx.Err() != nil {
				// Shutting down: not an outcome of the task.
				return stack.InvokeResult{}, ctx.Err()
			}
			// Named as the Go Lambda runtime names an error: its type's
			// name without package or pointer.
			typ := fmt.Sprintf("%T", err)
			typ = typ[strings.LastIndexAny(typ, "*.")+1:]
			var fe *FunctionError
			if errors.As(err, &fe) {
				typ = fe.Type
			}
			body, _ := json.Marshal(map[string]string{"errorType": typ, "errorMessage": err.Error()})
			return stack.InvokeResult{Payload: body, FunctionError: "Unhandled"}, nil
		}
		return stack.InvokeResult{Payload: out}, nil
	})
}

// FunctionError is a Lambda function error with the errorType Step
// Functions matches in ErrorEquals and reports as the execution's error.
type FunctionError struct {
	Type    string
	Message string
}

func (e *FunctionError) Error() string { return e.Message }

// CreateMachine creates the Standard state machine name from an Amazon
// States Language definition and returns its ARN. A definition the
// emulator rejects fails the test with its reason.
func (s *SFN) CreateMachine(tb testing.TB, name, definition string) string {
	tb.Helper()
	out, err := s.Client.CreateStateMachine(context.Background(), &sfn.CreateStateMachineInput{
		Name: aws.String(name), Definition: aws.String(definition), RoleArn: aws.String(Role),
	})
	if err != nil {
		tb.Fatalf("localsfn: create state machine %s: %v", name, err)
	}
	return aws.ToString(out.StateMachineArn)
}

// WaitClosed waits, up to WaitTimeout, until the execution is no longer
// RUNNING and returns its description.
func (s *SFN) WaitClosed(tb testing.TB, executionARN string) *sfn.DescribeExecutionOutput {
	tb.Helper()
	deadline := time.Now().Add(WaitTimeout)
	for {
		out, err := s.Client.DescribeExecution(context.Background(), &sfn.DescribeExecutionInput{ExecutionArn: aws.String(executionARN)})
		if err != nil {
			tb.Fatalf("localsfn: describe %s: %v", executionARN, err)
		}
		if out.Status != sfntypes.ExecutionStatusRunning {
			return out
		}
		if time.Now().After(deadline) {
			tb.Fatalf("localsfn: execution %s still RUNNING after %v", executionARN, WaitTimeout)
		}
		time.Sleep(2 * time.Millisecond) // a poll interval, not a wait for an outcome
	}
}

// Executions returns the names of the machine's executions, newest first.
func (s *SFN) Executions(tb testing.TB, machineARN string) []string {
	tb.Helper()
	var names []string
	p := sfn.NewListExecutionsPaginator(s.Client, &sfn.ListExecutionsInput{StateMachineArn: aws.String(machineARN)})
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		if err != nil {
			tb.Fatalf("localsfn: list executions of %s: %v", machineARN, err)
		}
		for _, e := range page.Executions {
			names = append(names, aws.ToString(e.Name))
		}
	}
	return names
}

// Hold is a state machine whose every execution waits in its one Task
// state until the test calls Succeed or Fail for it. Its output is its
// input.
type Hold struct {
	ARN string
	s   *SFN

	mu    sync.Mutex
	gates map[string]chan error // by execution name; nil error means succeed
}

// Hold creates the Hold machine name.
func (s *SFN) Hold(tb testing.TB, name string) *Hold {
	tb.Helper()
	h := &Hold{s: s, gates: map[string]chan error{}}
	fn := "hold-" + name
	s.Function(fn, func(ctx context.Context, payload []byte) (json.RawMessage, error) {
		var in struct {
			Execution string `json:"execution"`
		}
		if err := json.Unmarshal(payload, &in); err != nil || in.Execution == "" {
			return nil, fmt.Errorf("localsfn: hold task payload %s names no execution", payload)
		}
		select {
		case err := <-h.gate(in.Execution):
			return json.RawMessage(`{}`), err
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	})
	def, err := json.Marshal(map[string]any{
		"StartAt": "Hold",
		"States": map[string]any{"Hold": map[string]any{
			"Type": "Task", "Resource": FunctionARN(fn),
			"Parameters": map[string]any{"execution.$": "$$.Execution.Name"},
			"ResultPath": nil, "End": true,
		}},
	})
	if err != nil {
		tb.Fatal(err)
	}
	h.ARN = s.CreateMachine(tb, name, string(def))
	return h
}

// gate returns the channel execution's outcome is sent on, so a release
// may come before or after the task starts waiting.
func (h *Hold) gate(execution string) chan error {
	h.mu.Lock()
	defer h.mu.Unlock()
	g, ok := h.gates[execution]
	if !ok {
		g = make(chan error, 1)
		h.gates[execution] = g
	}
	return g
}

// ExecutionARN is the ARN of this machine's execution named name.
func (h *Hold) ExecutionARN(name string) string {
	return strings.Replace(h.ARN, ":stateMachine:", ":execution:", 1) + ":" + name
}

// Succeed lets the execution named name succeed and returns its
// description once it has closed.
func (h *Hold) Succeed(tb testing.TB, name string) *sfn.DescribeExecutionOutput {
	tb.Helper()
	return h.release(tb, name, nil)
}

// Fail makes the execution named name fail with the error errorType (as a
// Lambda function error: the cause is {"errorType","errorMessage"}) and
// returns its description once it has closed.
func (h *Hold) Fail(tb testing.TB, name, errorType, message string) *sfn.DescribeExecutionOutput {
	tb.Helper()
	return h.release(tb, name, &FunctionError{Type: errorType, Message: message})
}

func (h *Hold) release(tb testing.TB, name string, outcome error) *sfn.DescribeExecutionOutput {
	tb.Helper()
	select {
	case h.gate(name) <- outcome:
	default:
		tb.Fatalf("localsfn: execution %s of %s was already released", name, h.ARN)
	}
	return h.s.WaitClosed(tb, h.ExecutionARN(name))
}

// functions is the Lambda Invoker of the local service: Go funcs by name.
type functions struct {
	mu sync.Mutex
	fn map[string]func(ctx context.Context, payload []byte) (stack.InvokeResult, error)
}

func (f *functions) set(name string, fn func(context.Context, []byte) (stack.InvokeResult, error)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fn[name] = fn
}

// Invoke answers an unknown function as Lambda does: ResourceNotFound.
func (f *functions) Invoke(ctx context.Context, function string, payload []byte) (stack.InvokeResult, error) {
	name := function
	if i := strings.LastIndex(name, ":function:"); i >= 0 {
		name = name[i+len(":function:"):]
	}
	f.mu.Lock()
	fn, ok := f.fn[name]
	f.mu.Unlock()
	if !ok {
		return stack.InvokeResult{}, &awsapi.Error{Type: "ResourceNotFoundException", Message: "Function not found: " + function, Status: 404}
	}
	return fn(ctx, payload)
}
