package stepfunctions

import (
	"testing"

	"github.com/shopstream/shopstream/emulator/localtest"
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
