package lambda

import (
	"testing"

	"github.com/shopstream/shopstream/emulator/localtest"
)

func TestInvocationMetrics(t *testing.T) {
	m := &localtest.Metrics{}
	s, _ := newService(t, Config{Endpoint: "http://127.0.0.1:4566", Metrics: m})
	addFunction(t, s, "metered-fn", nil)
	invoke(t, s, "metered-fn", map[string]any{"op": "echo", "value": 1})
	invoke(t, s, "metered-fn", map[string]any{"op": "fail", "value": "x"})
	fn := map[string]string{"FunctionName": "metered-fn"}
	for name, want := range map[string]float64{"Invocations": 2, "Errors": 1, "Throttles": 0} {
		if got := m.Sum("AWS/Lambda", name, fn); got != want {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}
	d := m.Points("AWS/Lambda", "Duration", fn)
	if len(d) != 2 || d[0].Value <= 0 || d[0].Unit != "Milliseconds" {
		t.Errorf("Duration points: %+v", d)
	}
	if c := m.Points("AWS/Lambda", "ConcurrentExecutions", fn); len(c) != 2 || c[0].Value != 1 {
		t.Errorf("ConcurrentExecutions points: %+v", c)
	}
}
