package lambda

import (
	"testing"
	"time"

	"github.com/shopstream/shopstream/emulator/localtest"
	"github.com/shopstream/shopstream/emulator/telemetry"
)

func TestInvocationMetrics(t *testing.T) {
	m := &localtest.Metrics{}
	s, _ := newService(t, Config{Endpoint: "http://127.0.0.1:4566", Metrics: m})
	addFunction(t, s, "metered-fn", map[string]any{"MemorySize": 256})
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
	// Each invocation is billed its duration rounded up to a millisecond,
	// at the function's MemorySize.
	billed := m.Points(telemetry.MetersNamespace, "BilledDuration", fn)
	gbs := m.Points(telemetry.MetersNamespace, "GBSeconds", fn)
	if len(billed) != 2 || len(gbs) != 2 {
		t.Fatalf("billing meters: %+v %+v", billed, gbs)
	}
	for i := range billed {
		if b := billed[i].Value; b < d[i].Value || b >= d[i].Value+1.001 || b != float64(int(b)) {
			t.Errorf("BilledDuration %v for Duration %v: want it rounded up to a whole ms", b, d[i].Value)
		}
		if want := billed[i].Value / 1000 * 256 / 1024; gbs[i].Value != want {
			t.Errorf("GBSeconds = %v, want %v", gbs[i].Value, want)
		}
	}
}

func TestBilledMillis(t *testing.T) {
	for _, c := range []struct {
		d    time.Duration
		want float64
	}{{0, 0}, {time.Microsecond, 1}, {time.Millisecond, 1}, {time.Millisecond + time.Nanosecond, 2}, {1500 * time.Microsecond, 2}} {
		if got := billedMillis(c.d); got != c.want {
			t.Errorf("billedMillis(%v) = %v, want %v", c.d, got, c.want)
		}
	}
}
