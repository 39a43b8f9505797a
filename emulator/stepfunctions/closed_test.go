package stepfunctions

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
)

const passDefinition = `{"StartAt":"P","States":{"P":{"Type":"Pass","Result":{"done":true},"End":true}}}`

// evicted waits until the service holds arn in memory no longer.
func (e *env) evicted(t *testing.T, arn string) {
	t.Helper()
	for deadline := time.Now().Add(testDeadline); ; {
		e.svc.mu.RLock()
		_, held := e.svc.executions[arn]
		e.svc.mu.RUnlock()
		if !held {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("closed execution %s still in memory after %v", arn, testDeadline)
		}
		time.Sleep(time.Millisecond)
	}
}

func TestClosedExecutionsAreReadFromDisk(t *testing.T) {
	e := newEnv(t, "")
	machine := e.createMachine(t, "Closed", passDefinition)
	var arns []string
	for i := range 5 {
		arn := e.start(t, machine, fmt.Sprintf("closed-%d", i), fmt.Sprintf(`{"i":%d}`, i))
		e.wait(t, arn)
		e.evicted(t, arn)
		arns = append(arns, arn)
	}

	desc := e.wait(t, arns[2])
	if desc.Status != "SUCCEEDED" || aws.ToString(desc.Name) != "closed-2" || aws.ToString(desc.Input) != `{"i":2}` || desc.StopDate == nil {
		t.Errorf("DescribeExecution of a closed execution = %+v", desc)
	}
	jsonEqual(t, aws.ToString(desc.Output), `{"done":true}`)
	want := []string{"ExecutionStarted", "PassStateEntered", "PassStateExited", "ExecutionSucceeded"}
	if got := eventTypes(e.history(t, arns[2])); !slices.Equal(got, want) {
		t.Errorf("history of a closed execution = %v, want %v", got, want)
	}

	// Pages of two, newest first, with every execution exactly once.
	var listed []string
	var token *string
	for page := 0; ; page++ {
		out, err := e.client.ListExecutions(context.Background(), &sfn.ListExecutionsInput{
			StateMachineArn: aws.String(machine), MaxResults: 2, NextToken: token})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Executions) > 2 {
			t.Fatalf("page %d has %d executions, want at most 2", page, len(out.Executions))
		}
		for _, x := range out.Executions {
			listed = append(listed, aws.ToString(x.ExecutionArn))
		}
		if token = out.NextToken; token == nil {
			break
		}
	}
	if len(listed) != len(arns) {
		t.Fatalf("listed %v, want the %d executions", listed, len(arns))
	}
	for i := 1; i < len(listed); i++ {
		if !e.startedNoLaterThan(t, listed[i], listed[i-1]) {
			t.Errorf("listing %v is not newest first at %d", listed, i)
		}
	}
	if got, all := slices.Sorted(slices.Values(listed)), slices.Sorted(slices.Values(arns)); !slices.Equal(got, all) {
		t.Errorf("listed %v, want %v", got, all)
	}

	// The name of a closed execution stays taken, with the same input too.
	_, err := e.client.StartExecution(context.Background(), &sfn.StartExecutionInput{
		StateMachineArn: aws.String(machine), Name: aws.String("closed-0"), Input: aws.String(`{"i":0}`)})
	if code := apiErrorCode(err); code != "ExecutionAlreadyExists" {
		t.Errorf("StartExecution with a closed execution's name: err = %v, want ExecutionAlreadyExists", err)
	}
}

// startedNoLaterThan reports whether a started no later than b.
func (e *env) startedNoLaterThan(t *testing.T, a, b string) bool {
	t.Helper()
	return !e.wait(t, a).StartDate.After(*e.wait(t, b).StartDate)
}

func TestClosedExecutionsSurviveARestartOnDiskOnly(t *testing.T) {
	dir := t.TempDir()
	first := newEnv(t, dir)
	machine := first.createMachine(t, "Kept", passDefinition)
	arn := first.start(t, machine, "kept", `{}`)
	first.wait(t, arn)
	first.stop()

	second := newEnv(t, dir)
	second.svc.mu.RLock()
	held := len(second.svc.executions)
	second.svc.mu.RUnlock()
	if held != 0 {
		t.Errorf("%d executions loaded into memory, want none (the only one is closed)", held)
	}
	if got := second.wait(t, arn).Status; got != "SUCCEEDED" {
		t.Errorf("after restart: status %s, want SUCCEEDED", got)
	}
}

// sweeplessClock is a manualClock whose sleeps never end, so the
// background sweeper runs once at start and the test alone calls
// deleteExpired afterwards.
type sweeplessClock struct{ *manualClock }

func (sweeplessClock) Sleep(ctx context.Context, _ time.Duration) error {
	<-ctx.Done()
	return context.Cause(ctx)
}

func TestRetentionDeletesExpiredExecutionsInBatches(t *testing.T) {
	clock := newManualClock(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
	e := newEnvWith(t, "", Options{Clock: sweeplessClock{clock}, Retention: 48 * time.Hour})
	machine := e.createMachine(t, "Expiring", passDefinition)
	var arns []string
	for i := range 3 {
		arn := e.start(t, machine, fmt.Sprintf("old-%d", i), `{}`)
		e.wait(t, arn)
		arns = append(arns, arn)
	}

	// Within the retention nothing goes.
	clock.advance(47 * time.Hour)
	if n, err := e.svc.deleteExpired(sweepBatch); err != nil || n != 0 {
		t.Fatalf("deleteExpired within the retention = %d, %v; want 0", n, err)
	}
	fresh := e.start(t, machine, "fresh", `{}`)
	e.wait(t, fresh)

	// Past it, the expired ones go in batches of the given size; the
	// fresh one stays.
	clock.advance(2 * time.Hour)
	for i, want := range []int{2, 1, 0} {
		if n, err := e.svc.deleteExpired(2); err != nil || n != want {
			t.Fatalf("batch %d = %d, %v; want %d", i, n, err, want)
		}
	}
	for _, arn := range arns {
		_, err := e.client.DescribeExecution(context.Background(), &sfn.DescribeExecutionInput{ExecutionArn: aws.String(arn)})
		if code := apiErrorCode(err); code != "ExecutionDoesNotExist" {
			t.Errorf("DescribeExecution of expired %s: err = %v, want ExecutionDoesNotExist", arn, err)
		}
		_, err = e.client.GetExecutionHistory(context.Background(), &sfn.GetExecutionHistoryInput{ExecutionArn: aws.String(arn)})
		if code := apiErrorCode(err); code != "ExecutionDoesNotExist" {
			t.Errorf("history of expired %s: err = %v, want ExecutionDoesNotExist", arn, err)
		}
		if events, err := e.svc.readHistory(arn); err != nil || len(events) != 0 {
			t.Errorf("expired %s left %d history events on disk (%v)", arn, len(events), err)
		}
	}
	out, err := e.client.ListExecutions(context.Background(), &sfn.ListExecutionsInput{StateMachineArn: aws.String(machine)})
	if err != nil || len(out.Executions) != 1 || aws.ToString(out.Executions[0].ExecutionArn) != fresh {
		t.Errorf("ListExecutions after expiry = %+v, %v; want only %s", out, err, fresh)
	}
	// An expired execution's name is free again, as on AWS after 90 days.
	again := e.start(t, machine, "old-0", `{}`)
	if got := e.wait(t, again).Status; got != "SUCCEEDED" {
		t.Errorf("reused name: status %s", got)
	}
}

func TestRetentionSweeperRunsInTheBackground(t *testing.T) {
	clock := newManualClock(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
	e := newEnvWith(t, "", Options{Clock: clock, Retention: 48 * time.Hour})
	machine := e.createMachine(t, "Swept", passDefinition)
	arn := e.start(t, machine, "swept", `{}`)
	e.wait(t, arn)

	clock.waitSleep(t, sweepEvery)
	clock.advance(49 * time.Hour)
	for deadline := time.Now().Add(testDeadline); ; {
		_, err := e.client.DescribeExecution(context.Background(), &sfn.DescribeExecutionInput{ExecutionArn: aws.String(arn)})
		if apiErrorCode(err) == "ExecutionDoesNotExist" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("expired execution still there after %v: %v", testDeadline, err)
		}
		time.Sleep(time.Millisecond)
	}
}
