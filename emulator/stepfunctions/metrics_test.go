package stepfunctions

import (
	"context"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/shopstream/shopstream/emulator/localtest"
	"github.com/shopstream/shopstream/emulator/stack"
	"github.com/shopstream/shopstream/emulator/telemetry"
)

func TestExecutionMetrics(t *testing.T) {
	e := newEnv(t, "")
	m := &localtest.Metrics{}
	e.svc.metrics = m
	ok := e.createMachine(t, "metered-ok", `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`)
	bad := e.createMachine(t, "metered-bad", `{"StartAt":"F","States":{"F":{"Type":"Fail","Error":"E"}}}`)
	e.wait(t, e.start(t, ok, "a", "{}"))
	e.wait(t, e.start(t, ok, "b", "{}"))
	e.wait(t, e.start(t, bad, "c", "{}"))
	for _, c := range []struct {
		machine, metric string
		want            float64
	}{
		{ok, "ExecutionsStarted", 2}, {ok, "ExecutionsSucceeded", 2}, {ok, "ExecutionsFailed", 0},
		{bad, "ExecutionsStarted", 1}, {bad, "ExecutionsFailed", 1}, {bad, "ExecutionsSucceeded", 0},
	} {
		if got := m.Sum("AWS/States", c.metric, map[string]string{"StateMachineArn": c.machine}); got != c.want {
			t.Errorf("%s %s = %v, want %v", c.machine, c.metric, got, c.want)
		}
	}
	if pts := m.Points("AWS/States", "ExecutionTime", map[string]string{"StateMachineArn": ok}); len(pts) != 2 || pts[0].Unit != "Milliseconds" {
		t.Errorf("ExecutionTime: %+v", pts)
	}
}

// TestStateTransitionMeter counts what AWS bills a Standard workflow: one
// transition per state entered (inside a Map's iterations too) and one per
// Task retry.
func TestStateTransitionMeter(t *testing.T) {
	e := newEnv(t, "")
	m := &localtest.Metrics{}
	e.svc.metrics = m
	var mu sync.Mutex
	calls := 0
	e.fns.set("flaky", func(context.Context, []byte) (stack.InvokeResult, error) {
		mu.Lock()
		defer mu.Unlock()
		if calls++; calls <= 2 {
			return stack.InvokeResult{Payload: []byte(`{"errorType":"Flaky","errorMessage":"try again"}`), FunctionError: "Unhandled"}, nil
		}
		return stack.InvokeResult{Payload: []byte(`{}`)}, nil
	})
	// P, T (+2 retries), M, then 3 iterations of one Pass state each, and S:
	// 1 + 1 + 2 + 1 + 3 + 1 = 9.
	machine := e.createMachine(t, "metered-transitions", `{"StartAt":"P","States":{
		"P":{"Type":"Pass","Result":[1,2,3],"Next":"T"},
		"T":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:000000000000:function:flaky","ResultPath":null,
		     "Retry":[{"ErrorEquals":["Flaky"],"IntervalSeconds":1,"MaxAttempts":3}],"Next":"M"},
		"M":{"Type":"Map","ItemProcessor":{"StartAt":"I","States":{"I":{"Type":"Pass","End":true}}},"Next":"S"},
		"S":{"Type":"Succeed"}}}`)
	exec := e.start(t, machine, "x", "{}")
	if out := e.wait(t, exec); out.Status != "SUCCEEDED" {
		t.Fatalf("execution: %s %v", out.Status, aws.ToString(out.Cause))
	}
	if got := m.Sum(telemetry.MetersNamespace, "StateTransitions", map[string]string{"StateMachineArn": machine}); got != 9 {
		t.Errorf("StateTransitions = %v, want 9", got)
	}
}
