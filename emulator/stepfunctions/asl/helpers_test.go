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

// recorder collects emitted events.
type recorder struct {
	mu     sync.Mutex
	events []Event
}

func (r *recorder) emit(e Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, e)
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

// run executes def on input with the given task runner and a fake clock.
func runDef(t testing.TB, def, input string, tasks TaskRunner) (any, *fakeClock, *recorder, error) {
	t.Helper()
	clock := newFakeClock()
	rec := &recorder{}
	in := &Interpreter{Clock: clock, Tasks: tasks, Emit: rec.emit, Random: func() float64 { return 0.5 }, UUID: func() string { return "00000000-0000-4000-8000-000000000000" }}
	m := mustParse(t, def)
	v := mustJSONValue(t, input)
	exec := testExecution
	exec.Input = v
	out, err := in.Run(context.Background(), m, exec, "", v)
	return out, clock, rec, err
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
