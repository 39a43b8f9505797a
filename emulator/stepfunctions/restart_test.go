package stepfunctions

import (
	"context"
	"reflect"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/shopstream/shopstream/emulator/stack"
)

const resumableDefinition = `{"StartAt":"A","States":{
  "A":{"Type":"Pass","Result":1,"ResultPath":"$.a","Next":"B"},
  "B":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:000000000000:function:reserve","ResultPath":"$.b","Next":"C"},
  "C":{"Type":"Pass","Result":3,"ResultPath":"$.c","End":true}}}`

// blockUntilCancelled is a function that signals it started and then
// hangs until its context ends, like a Lambda cut off by a crash.
func blockUntilCancelled(started chan<- struct{}) func(context.Context, []byte) (stack.InvokeResult, error) {
	return func(ctx context.Context, _ []byte) (stack.InvokeResult, error) {
		started <- struct{}{}
		<-ctx.Done()
		return stack.InvokeResult{}, ctx.Err()
	}
}

func TestRunningExecutionsResumeAfterRestart(t *testing.T) {
	dir := t.TempDir()
	first := newEnv(t, dir)
	started := make(chan struct{}, 1)
	first.fns.set("reserve", jsonResult(`{"ok":true}`))
	arn := first.createMachine(t, "Resumable", resumableDefinition)
	// One execution finishes before the restart; a second is left in B.
	done := first.start(t, arn, "finished-before", `{"x":0}`)
	first.wait(t, done)
	first.fns.set("reserve", blockUntilCancelled(started))
	exec := first.start(t, arn, "interrupted", `{"x":1}`)
	received(t, started, "call to the reserve function")
	first.stop()

	second := newEnv(t, dir)
	second.fns.set("reserve", jsonResult(`{"ok":true}`))
	// Before resuming, the execution is still there and RUNNING.
	desc, err := second.client.DescribeExecution(context.Background(), &sfn.DescribeExecutionInput{ExecutionArn: aws.String(exec)})
	if err != nil || desc.Status != types.ExecutionStatusRunning {
		t.Fatalf("after restart: %v, %v; want RUNNING", desc, err)
	}
	before := eventTypes(second.history(t, exec))
	wantBefore := []string{"ExecutionStarted", "PassStateEntered", "PassStateExited", "TaskStateEntered", "LambdaFunctionScheduled", "LambdaFunctionStarted"}
	if !reflect.DeepEqual(before, wantBefore) {
		t.Fatalf("history before resume = %v, want %v", before, wantBefore)
	}

	second.svc.ResumeExecutions()
	out := second.wait(t, exec)
	if out.Status != types.ExecutionStatusSucceeded {
		t.Fatalf("resumed: %s %v %v", out.Status, aws.ToString(out.Error), aws.ToString(out.Cause))
	}
	jsonEqual(t, *out.Output, `{"x":1,"a":1,"b":{"ok":true},"c":3}`)
	events := second.history(t, exec)
	want := append(wantBefore, "TaskStateEntered", "LambdaFunctionScheduled", "LambdaFunctionStarted", "LambdaFunctionSucceeded", "TaskStateExited", "PassStateEntered", "PassStateExited", "ExecutionSucceeded")
	if got := eventTypes(events); !reflect.DeepEqual(got, want) {
		t.Errorf("history after resume =\n%v\nwant\n%v", got, want)
	}
	for i, ev := range events {
		if ev.Id != int64(i+1) {
			t.Errorf("event %d has id %d", i, ev.Id)
		}
	}
	// The execution that had finished is kept as it was.
	old := second.wait(t, done)
	if old.Status != types.ExecutionStatusSucceeded {
		t.Errorf("finished execution after restart: %s", old.Status)
	}
	jsonEqual(t, *old.Output, `{"x":0,"a":1,"b":{"ok":true},"c":3}`)
}

func TestResumeWithoutItsMachineFails(t *testing.T) {
	dir := t.TempDir()
	first := newEnv(t, dir)
	started := make(chan struct{}, 1)
	first.fns.set("reserve", blockUntilCancelled(started))
	arn := first.createMachine(t, "Doomed", resumableDefinition)
	exec := first.start(t, arn, "orphan", `{}`)
	received(t, started, "call to the reserve function")
	if _, err := first.client.DeleteStateMachine(context.Background(), &sfn.DeleteStateMachineInput{StateMachineArn: aws.String(arn)}); err != nil {
		t.Fatal(err)
	}
	first.stop()

	second := newEnv(t, dir)
	second.svc.ResumeExecutions()
	out := second.wait(t, exec)
	if out.Status != types.ExecutionStatusFailed || *out.Error != "States.Runtime" {
		t.Errorf("orphan: %s %v %v", out.Status, aws.ToString(out.Error), aws.ToString(out.Cause))
	}
}
