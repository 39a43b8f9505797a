package stepfunctions

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
)

// manualClock is a clock that moves only when the test advances it. Each
// Sleep is recorded with its duration and returns nil once the clock has
// advanced past its end, or the context's cause when that ends first.
type manualClock struct {
	mu       sync.Mutex
	now      time.Time
	sleepers []*sleeper
}

type sleeper struct {
	d     time.Duration
	until time.Time
	wake  chan struct{}
}

func newManualClock(at time.Time) *manualClock { return &manualClock{now: at} }

func (c *manualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *manualClock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	s := &sleeper{d: d, until: c.now.Add(d), wake: make(chan struct{})}
	if d <= 0 {
		close(s.wake)
	} else {
		c.sleepers = append(c.sleepers, s)
	}
	c.mu.Unlock()
	select {
	case <-s.wake:
		return nil
	case <-ctx.Done():
		c.mu.Lock()
		c.sleepers = slices.DeleteFunc(c.sleepers, func(x *sleeper) bool { return x == s })
		c.mu.Unlock()
		return context.Cause(ctx)
	}
}

// advance moves the clock by d and wakes the sleeps that have ended.
func (c *manualClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	c.sleepers = slices.DeleteFunc(c.sleepers, func(s *sleeper) bool {
		if c.now.Before(s.until) {
			return false
		}
		close(s.wake)
		return true
	})
}

// waitSleep waits until someone sleeps for exactly d, failing the test
// with the pending sleeps after testDeadline.
func (c *manualClock) waitSleep(t *testing.T, d time.Duration) {
	t.Helper()
	deadline := time.Now().Add(testDeadline)
	for {
		c.mu.Lock()
		var pending []time.Duration
		for _, s := range c.sleepers {
			pending = append(pending, s.d)
		}
		c.mu.Unlock()
		if slices.Contains(pending, d) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no sleep of %v within %v; pending sleeps %v", d, testDeadline, pending)
		}
		time.Sleep(time.Millisecond)
	}
}

func (e *env) status(t *testing.T, exec string) types.ExecutionStatus {
	t.Helper()
	out, err := e.client.DescribeExecution(context.Background(), &sfn.DescribeExecutionInput{ExecutionArn: aws.String(exec)})
	if err != nil {
		t.Fatal(err)
	}
	return out.Status
}

func TestMachineTimeoutFollowsTheTimeScale(t *testing.T) {
	// At scale 0.001 a 300-second machine times out after 300 ms of the
	// service's clock, while its hour-long Wait (3.6 s) is still waiting.
	clock := newManualClock(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	e := newEnvWith(t, "", Options{Clock: clock, TimeScale: 0.001})
	arn := e.createMachine(t, "Slow", `{"TimeoutSeconds":300,"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":3600,"End":true}}}`)
	exec := e.start(t, arn, "slow", `{}`)
	clock.waitSleep(t, 3600*time.Millisecond) // the Wait
	clock.waitSleep(t, 300*time.Millisecond)  // the execution's budget
	clock.advance(299 * time.Millisecond)
	if got := e.status(t, exec); got != types.ExecutionStatusRunning {
		t.Fatalf("after 299 ms of a 300 ms budget: %s", got)
	}
	clock.advance(time.Millisecond)
	desc := e.wait(t, exec)
	events := e.history(t, exec)
	if desc.Status != types.ExecutionStatusTimedOut || aws.ToString(desc.Error) != "States.Timeout" {
		t.Fatalf("status %s error %q; history %v", desc.Status, aws.ToString(desc.Error), eventTypes(events))
	}
	if n := len(events); n == 0 || events[n-1].Type != types.HistoryEventTypeExecutionTimedOut {
		t.Errorf("history %v does not end with ExecutionTimedOut", eventTypes(events))
	}
}

func TestTaskTimeoutFollowsTheTimeScale(t *testing.T) {
	clock := newManualClock(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	e := newEnvWith(t, "", Options{Clock: clock, TimeScale: 0.01})
	started := make(chan struct{}, 1)
	e.fns.set("reserve", blockUntilCancelled(started))
	arn := e.createMachine(t, "SlowTask", `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:000000000000:function:reserve","TimeoutSeconds":20,"End":true}}}`)
	exec := e.start(t, arn, "slow-task", `{}`)
	received(t, started, "call to the reserve function")
	clock.waitSleep(t, 200*time.Millisecond) // 20 s at scale 0.01
	clock.advance(200 * time.Millisecond)
	desc := e.wait(t, exec)
	if desc.Status != types.ExecutionStatusFailed || aws.ToString(desc.Error) != "States.Timeout" {
		t.Fatalf("status %s error %q cause %q", desc.Status, aws.ToString(desc.Error), aws.ToString(desc.Cause))
	}
	if got := eventTypes(e.history(t, exec)); !slices.Contains(got, string(types.HistoryEventTypeLambdaFunctionTimedOut)) {
		t.Errorf("history %v has no LambdaFunctionTimedOut", got)
	}
}

func TestResumedExecutionKeepsItsRemainingBudget(t *testing.T) {
	// 300 s at scale 0.001 is a 300 ms budget. The execution runs 100 ms,
	// the runtime stops for ten minutes, and on resume it has 200 ms left:
	// the stop counts for nothing.
	dir := t.TempDir()
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	clock := newManualClock(t0)
	first := newEnvWith(t, dir, Options{Clock: clock, TimeScale: 0.001})
	started := make(chan struct{}, 1)
	first.fns.set("reserve", blockUntilCancelled(started))
	def := `{"TimeoutSeconds":300,"StartAt":"B","States":{"B":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:000000000000:function:reserve","End":true}}}`
	arn := first.createMachine(t, "Budget", def)
	exec := first.start(t, arn, "budget", `{}`)
	received(t, started, "call to the reserve function")
	clock.waitSleep(t, 300*time.Millisecond)
	clock.advance(100 * time.Millisecond)
	first.stop()

	later := newManualClock(t0.Add(100*time.Millisecond + 10*time.Minute))
	second := newEnvWith(t, dir, Options{Clock: later, TimeScale: 0.001})
	second.fns.set("reserve", blockUntilCancelled(started))
	second.svc.ResumeExecutions()
	received(t, started, "call to the reserve function after the restart")
	later.waitSleep(t, 200*time.Millisecond)
	if got := second.status(t, exec); got != types.ExecutionStatusRunning {
		t.Fatalf("after a ten-minute stop: %s, want RUNNING", got)
	}
	later.advance(200 * time.Millisecond)
	if desc := second.wait(t, exec); desc.Status != types.ExecutionStatusTimedOut {
		t.Fatalf("after its whole budget: %s, want TIMED_OUT", desc.Status)
	}
}
