package localsfn_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/shopstream/shopstream/internal/testutil/localsfn"
)

// TestStartExecutionNameRule pins the rule code under test relies on, as
// the StartExecution API reference states it: "If StartExecution is called
// with the same name and input as a running execution, the call succeeds
// and return the same response as the original request. If the execution
// is closed or if the input is different, it returns a 400
// ExecutionAlreadyExists error."
func TestStartExecutionNameRule(t *testing.T) {
	const input = `{"checkoutId":"c1","n":1}`
	tests := []struct {
		name    string
		close   func(t *testing.T, h *localsfn.Hold, exec string) // nil: still RUNNING
		input   string
		wantErr bool
	}{
		{"running, same input", nil, input, false},
		{"running, different input", nil, `{"checkoutId":"c1","n":2}`, true},
		{"succeeded, same input", func(t *testing.T, h *localsfn.Hold, exec string) { h.Succeed(t, exec) }, input, true},
		{"failed, same input", func(t *testing.T, h *localsfn.Hold, exec string) { h.Fail(t, exec, "Boom", "boom") }, input, true},
		{"failed, different input", func(t *testing.T, h *localsfn.Hold, exec string) { h.Fail(t, exec, "Boom", "boom") }, `{}`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := localsfn.Start(t)
			h := s.Hold(t, "M")
			ctx := context.Background()
			start := func(in string) (*sfn.StartExecutionOutput, error) {
				return s.Client.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(h.ARN), Name: aws.String("x1"), Input: aws.String(in)})
			}
			first, err := start(input)
			if err != nil {
				t.Fatal(err)
			}
			if tt.close != nil {
				tt.close(t, h, "x1")
			}
			again, err := start(tt.input)
			var exists *sfntypes.ExecutionAlreadyExists
			switch {
			case tt.wantErr && !errors.As(err, &exists):
				t.Fatalf("repeated start: %v, want ExecutionAlreadyExists", err)
			case !tt.wantErr && err != nil:
				t.Fatalf("repeated start: %v, want the same execution", err)
			case !tt.wantErr && (aws.ToString(again.ExecutionArn) != aws.ToString(first.ExecutionArn) || !again.StartDate.Equal(*first.StartDate)):
				t.Fatalf("repeated start answered %s %v, want %s %v", *again.ExecutionArn, again.StartDate, *first.ExecutionArn, first.StartDate)
			}
			if got := s.Executions(t, h.ARN); len(got) != 1 {
				t.Fatalf("executions %v, want just the first", got)
			}
		})
	}
}

func TestHoldOutcomes(t *testing.T) {
	s := localsfn.Start(t)
	h := s.Hold(t, "M")
	ctx := context.Background()
	for _, name := range []string{"ok", "bad"} {
		if _, err := s.Client.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(h.ARN), Name: aws.String(name), Input: aws.String(`{"a":1}`)}); err != nil {
			t.Fatal(err)
		}
	}
	desc, err := s.Client.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: aws.String(h.ExecutionARN("ok"))})
	if err != nil || desc.Status != sfntypes.ExecutionStatusRunning {
		t.Fatalf("held execution: %v %v, want RUNNING", desc, err)
	}
	if out := h.Succeed(t, "ok"); out.Status != sfntypes.ExecutionStatusSucceeded || aws.ToString(out.Output) != `{"a":1}` {
		t.Fatalf("succeeded: %s output %s", out.Status, aws.ToString(out.Output))
	}
	out := h.Fail(t, "bad", "PaymentDeclinedError", "card_declined")
	var cause struct{ ErrorType, ErrorMessage string }
	if err := json.Unmarshal([]byte(aws.ToString(out.Cause)), &cause); err != nil || out.Status != sfntypes.ExecutionStatusFailed ||
		aws.ToString(out.Error) != "PaymentDeclinedError" || cause.ErrorType != "PaymentDeclinedError" || cause.ErrorMessage != "card_declined" {
		t.Fatalf("failed: %s %s %s (%v)", out.Status, aws.ToString(out.Error), aws.ToString(out.Cause), err)
	}
}

func TestFunctionErrors(t *testing.T) {
	s := localsfn.Start(t)
	s.Function("plain", func(context.Context, []byte) (json.RawMessage, error) { return nil, errors.New("nope") })
	ctx := context.Background()
	tests := []struct{ function, wantError string }{
		{"plain", "errorString"},
		{"missing", "Lambda.ResourceNotFoundException"},
	}
	for _, tt := range tests {
		arn := s.CreateMachine(t, "M-"+tt.function, `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"`+localsfn.FunctionARN(tt.function)+`","End":true}}}`)
		exec, err := s.Client.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(arn)})
		if err != nil {
			t.Fatal(err)
		}
		if out := s.WaitClosed(t, aws.ToString(exec.ExecutionArn)); out.Status != sfntypes.ExecutionStatusFailed || aws.ToString(out.Error) != tt.wantError {
			t.Errorf("%s: %s %s, want FAILED %s", tt.function, out.Status, aws.ToString(out.Error), tt.wantError)
		}
	}
}
