package asl

import (
	"context"
	"sync"
	"testing"
	"time"
)

// fakeClock advances instantly on Sleep and records every sleep.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	sleeps []time.Duration
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sleeps = append(c.sleeps, d)
	c.now = c.now.Add(d)
	return ctx.Err()
}

func (c *fakeClock) slept() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.sleeps...)
}

// mustParse parses a definition or fails the test.
func mustParse(t testing.TB, def string) *Machine {
	t.Helper()
	m, err := Parse([]byte(def))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return m
}

func mustJSONValue(t testing.TB, s string) any {
	t.Helper()
	v, err := ParseJSON([]byte(s))
	if err != nil {
		t.Fatalf("ParseJSON(%s): %v", s, err)
	}
	return v
}

var testExecution = Execution{
	ID:               "arn:aws:states:us-east-1:000000000000:execution:Machine:exec-1",
	Name:             "exec-1",
	RoleArn:          "arn:aws:iam::000000000000:role/Role",
	StartTime:        time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
	StateMachineID:   "arn:aws:states:us-east-1:000000000000:stateMachine:Machine",
	StateMachineName: "Machine",
}

// heldClock is a fake clock on which sleeps never elapse: Sleep reports
// its duration on sleeping, then returns only when its context ends, with
// the context's cause, as SystemClock does. A test can thus act while the
// run is certainly inside a Wait or a Retry interval.
type heldClock struct {
	*fakeClock
	sleeping chan time.Duration
}

func newHeldClock() *heldClock {
	return &heldClock{fakeClock: newFakeClock(), sleeping: make(chan time.Duration)}
}

func (c *heldClock) Sleep(ctx context.Context, d time.Duration) error {
	select {
	case c.sleeping <- d:
	case <-ctx.Done():
		return context.Cause(ctx)
	}
	<-ctx.Done()
	return context.Cause(ctx)
}

// testDeadline bounds every wait for a condition in these tests.
const testDeadline = 10 * time.Second

// received waits for ch to deliver, failing the test with what it was
// waiting for once testDeadline passes.
func received[T any](t testing.TB, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(testDeadline):
		t.Fatalf("no %s within %v", what, testDeadline)
		var zero T
		return zero // not reached: Fatalf ends the test
	}
}

// recorder collects emitted events.
type recorder struct {
	mu      sync.Mutex
	events  []Event
	watches []watch
}

type watch struct {
	match func(Event) bool
	seen  chan struct{}
}

func (r *recorder) emit(e Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, e)
	kept := r.watches[:0]
	for _, w := range r.watches {
		if w.match(e) {
			close(w.seen)
			continue
		}
		kept = append(kept, w)
	}
	r.watches = kept
}

// seen returns a channel that is closed once an event that match accepts
// is emitted. Register it before the run starts.
func (r *recorder) seen(match func(Event) bool) <-chan struct{} {
	r.mu.Lock()
	defer r.mu.Unlock()
	w := watch{match: match, seen: make(chan struct{})}
	r.watches = append(r.watches, w)
	return w.seen
}

func (r *recorder) types() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, e := range r.events {
		out = append(out, e.Type)
	}
	return out
}

// runDef executes def on input with the given task runner and a fake clock.
func runDef(t testing.TB, def, input string, tasks TaskRunner) (any, *fakeClock, *recorder, error) {
	t.Helper()
	return runDefWith(t, &recorder{}, def, input, tasks)
}

// runDefWith is runDef emitting into rec, which may already watch for events.
func runDefWith(t testing.TB, rec *recorder, def, input string, tasks TaskRunner) (any, *fakeClock, *recorder, error) {
	t.Helper()
	clock := newFakeClock()
	in, m, exec := prepare(t, clock, rec, def, input, tasks)
	out, err := in.Run(context.Background(), m, exec, "", exec.Input)
	return out, clock, rec, err
}

// outcome is what a run in the background returned.
type outcome struct {
	out any
	err error
}

// startDef runs def on input in the background with a fake clock; the
// result arrives on the returned channel. Parsing happens here, on the
// test's goroutine, so a bad definition fails the test.
func startDef(t testing.TB, def, input string, tasks TaskRunner) <-chan outcome {
	t.Helper()
	in, m, exec := prepare(t, newFakeClock(), &recorder{}, def, input, tasks)
	done := make(chan outcome, 1)
	go func() {
		out, err := in.Run(context.Background(), m, exec, "", exec.Input)
		done <- outcome{out, err}
	}()
	return done
}

// prepare builds a deterministic interpreter on clock, emitting into rec,
// and parses def and input into a machine and an execution.
func prepare(t testing.TB, clock Clock, rec *recorder, def, input string, tasks TaskRunner) (*Interpreter, *Machine, Execution) {
	t.Helper()
	in := &Interpreter{Clock: clock, Tasks: tasks, Emit: rec.emit, Random: func() float64 { return 0.5 }, UUID: func() string { return "00000000-0000-4000-8000-000000000000" }}
	m := mustParse(t, def)
	exec := testExecution
	exec.Input = mustJSONValue(t, input)
	return in, m, exec
}

// echo is a task runner that returns its input.
var echo TaskRunner = TaskRunnerFunc(func(_ context.Context, req TaskRequest) (any, error) { return req.Input, nil })

// fixed returns a task runner that always returns the JSON value s.
func fixed(t testing.TB, s string) TaskRunner {
	v := mustJSONValue(t, s)
	return TaskRunnerFunc(func(context.Context, TaskRequest) (any, error) { return deepCopy(v), nil })
}

// assertJSON compares got with the JSON text want structurally.
// assertOutcome checks a run's result: the error named wantErr when it is
// set, else no error and the JSON output want.
func assertOutcome(t testing.TB, out any, err error, wantErr, want string) {
	t.Helper()
	if wantErr != "" {
		if !isErr(err, wantErr) {
			t.Fatalf("err = %v, want %s", err, wantErr)
		}
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	assertJSON(t, out, want)
}

func assertJSON(t testing.TB, got any, want string) {
	t.Helper()
	w := mustJSONValue(t, want)
	if !equalJSON(got, w) {
		t.Errorf("got  %s\nwant %s", mustJSON(got), mustJSON(w))
	}
}
