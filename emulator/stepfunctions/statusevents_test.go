package stepfunctions

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
)

// bus is a fake default event bus: it records what it accepts and
// refuses while down is set.
type bus struct {
	mu     sync.Mutex
	down   bool
	events []map[string]any
}

func (b *bus) put(_ context.Context, source, detailType string, resources []string, detail []byte) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.down {
		return errors.New("bus unavailable")
	}
	var d map[string]any
	if err := json.Unmarshal(detail, &d); err != nil {
		return err
	}
	if source != "aws.states" || detailType != "Step Functions Execution Status Change" || len(resources) != 1 || resources[0] != d["executionArn"] {
		return errors.New("bad envelope: " + source + " / " + detailType)
	}
	b.events = append(b.events, d)
	return nil
}

func (b *bus) setDown(down bool) {
	b.mu.Lock()
	b.down = down
	b.mu.Unlock()
}

// statuses waits until the bus holds n events and returns their statuses.
func (b *bus) statuses(t *testing.T, n int) []string {
	t.Helper()
	deadline := time.Now().Add(testDeadline)
	for {
		b.mu.Lock()
		var out []string
		for _, e := range b.events {
			out = append(out, e["status"].(string))
		}
		b.mu.Unlock()
		if len(out) >= n {
			return out
		}
		if time.Now().After(deadline) {
			t.Fatalf("bus got %v within %v, want %d events", out, testDeadline, n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func (b *bus) last() map[string]any {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.events[len(b.events)-1]
}

func TestStatusChangeEvents(t *testing.T) {
	b := &bus{}
	e := newEnvWith(t, "", Options{Events: b.put})
	ok := e.createMachine(t, "Ok", `{"StartAt":"P","States":{"P":{"Type":"Pass","Result":{"done":true},"End":true}}}`)
	exec := e.start(t, ok, "ok-1", `{"x":1}`)
	desc := e.wait(t, exec)
	if got := b.statuses(t, 2); got[0] != "RUNNING" || got[1] != "SUCCEEDED" {
		t.Fatalf("statuses %v, want RUNNING, SUCCEEDED", got)
	}
	// The detail is what DescribeExecution says, with AWS's keys (null
	// where there is no value) and dates in epoch milliseconds. The SDK
	// parses DescribeExecution's float seconds and can land a millisecond
	// low, so the dates are compared within 1 ms, the rest exactly.
	got := b.last()
	for key, at := range map[string]time.Time{"startDate": *desc.StartDate, "stopDate": *desc.StopDate} {
		ms, ok := got[key].(float64)
		if !ok || math.Abs(ms-float64(at.UnixMilli())) > 1 {
			t.Errorf("%s = %v, want %d (DescribeExecution's, within 1 ms)", key, got[key], at.UnixMilli())
		}
		got[key] = "checked"
	}
	raw, _ := json.Marshal(got)
	want, _ := json.Marshal(map[string]any{
		"executionArn": exec, "stateMachineArn": ok, "name": "ok-1", "status": "SUCCEEDED",
		"startDate": "checked", "stopDate": "checked",
		"input": `{"x":1}`, "inputDetails": map[string]any{"included": true},
		"output": `{"done":true}`, "outputDetails": map[string]any{"included": true}, "error": nil, "cause": nil,
	})
	jsonEqual(t, string(raw), string(want))

	failing := e.createMachine(t, "Failing", `{"StartAt":"F","States":{"F":{"Type":"Fail","Error":"Boom","Cause":"it broke"}}}`)
	e.wait(t, e.start(t, failing, "f-1", `{}`))
	if got := b.statuses(t, 4); got[3] != "FAILED" {
		t.Fatalf("statuses %v, want FAILED last", got)
	}
	if d := b.last(); d["error"] != "Boom" || d["cause"] != "it broke" || d["output"] != nil {
		t.Errorf("failed detail %v", d)
	}
}

func TestStatusChangeEventOfAStoppedExecution(t *testing.T) {
	b := &bus{}
	e := newEnvWith(t, "", Options{Events: b.put, Clock: heldClock{}})
	arn := e.createMachine(t, "Waits", `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":3600,"End":true}}}`)
	exec := e.start(t, arn, "w-1", `{}`)
	if _, err := e.client.StopExecution(context.Background(), &sfn.StopExecutionInput{ExecutionArn: aws.String(exec), Error: aws.String("Cancelled"), Cause: aws.String("by a test")}); err != nil {
		t.Fatal(err)
	}
	if got := b.statuses(t, 2); got[1] != "ABORTED" {
		t.Fatalf("statuses %v, want ABORTED last", got)
	}
	if d := b.last(); d["error"] != "Cancelled" || d["cause"] != "by a test" || d["stopDate"] == nil {
		t.Errorf("aborted detail %v", d)
	}
}

func TestStatusChangeEventsSurviveAnUnavailableBusAndARestart(t *testing.T) {
	dir := t.TempDir()
	down := &bus{down: true}
	first := newEnvWith(t, dir, Options{Events: down.put})
	arn := first.createMachine(t, "Ok", `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`)
	exec := first.start(t, arn, "while-down", `{}`)
	first.wait(t, exec)
	first.stop()

	up := &bus{}
	second := newEnvWith(t, dir, Options{Events: up.put})
	second.svc.ResumeExecutions()
	if got := up.statuses(t, 2); len(got) != 2 || got[0] != "RUNNING" || got[1] != "SUCCEEDED" {
		t.Fatalf("after the restart the bus got %v, want RUNNING, SUCCEEDED", got)
	}

	// A bus that comes back while the service runs gets them too.
	third := newEnvWith(t, "", Options{Events: down.put})
	arn = third.createMachine(t, "Ok", `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`)
	third.wait(t, third.start(t, arn, "bus-back", `{}`))
	down.setDown(false)
	if got := down.statuses(t, 2); got[0] != "RUNNING" || got[1] != "SUCCEEDED" {
		t.Fatalf("once the bus is back: %v", got)
	}
}

// An execution closes once: the end its interpreter reports after a
// StopExecution closed it (the two can race) changes nothing and sends no
// second status event.
func TestAnExecutionClosesOnce(t *testing.T) {
	b := &bus{}
	e := newEnvWith(t, "", Options{Events: b.put, Clock: heldClock{}})
	arn := e.createMachine(t, "Waits", `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":3600,"End":true}}}`)
	exec := e.start(t, arn, "w-1", `{}`)
	if _, err := e.client.StopExecution(context.Background(), &sfn.StopExecutionInput{ExecutionArn: aws.String(exec)}); err != nil {
		t.Fatal(err)
	}
	b.statuses(t, 2)
	x, err := e.svc.execution(exec)
	if err != nil {
		t.Fatal(err)
	}
	e.svc.mu.RLock()
	m := e.svc.machines[arn]
	e.svc.mu.RUnlock()
	e.svc.finish(x, m, map[string]any{"late": true}, nil)

	desc, err := e.client.DescribeExecution(context.Background(), &sfn.DescribeExecutionInput{ExecutionArn: aws.String(exec)})
	if err != nil || desc.Status != "ABORTED" {
		t.Fatalf("status after a late end: %v, %v; want ABORTED", desc.Status, err)
	}
	hist, err := e.client.GetExecutionHistory(context.Background(), &sfn.GetExecutionHistoryInput{ExecutionArn: aws.String(exec)})
	if err != nil {
		t.Fatal(err)
	}
	if last := hist.Events[len(hist.Events)-1].Type; last != "ExecutionAborted" {
		t.Fatalf("last history event %s, want ExecutionAborted", last)
	}
	b.mu.Lock()
	n := len(b.events)
	b.mu.Unlock()
	if n != 2 {
		t.Fatalf("%d status events, want RUNNING and ABORTED only", n)
	}
}
