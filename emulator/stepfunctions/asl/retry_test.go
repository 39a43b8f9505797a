package asl

import (
	"context"
	"reflect"
	"sync/atomic"
	"testing"
	"time"
)

// failing returns a runner that fails with the given error names in turn,
// then succeeds with "ok"; it counts its calls.
func failing(names ...string) (TaskRunner, *atomic.Int32) {
	var calls atomic.Int32
	return TaskRunnerFunc(func(context.Context, TaskRequest) (any, error) {
		n := int(calls.Add(1)) - 1
		if n < len(names) {
			return nil, &Error{Name: names[n], Cause: "attempt failed"}
		}
		return "ok", nil
	}), &calls
}

func secs(f ...float64) []time.Duration {
	var out []time.Duration
	for _, s := range f {
		out = append(out, time.Duration(s*float64(time.Second)))
	}
	return out
}

func TestRetryTiming(t *testing.T) {
	tests := []struct {
		name      string
		retry     string
		failures  []string
		wantSleep []time.Duration
		wantCalls int32
		wantErr   string
	}{
		{
			name:      "spec example: 3 s then 4.5 s",
			retry:     `[{"ErrorEquals":["States.Timeout"],"IntervalSeconds":3,"MaxAttempts":2,"BackoffRate":1.5}]`,
			failures:  []string{ErrTimeout, ErrTimeout},
			wantSleep: secs(3, 4.5), wantCalls: 3,
		},
		{
			name:      "defaults: 1 s, backoff 2, three attempts",
			retry:     `[{"ErrorEquals":["States.ALL"]}]`,
			failures:  []string{"E", "E", "E", "E"},
			wantSleep: secs(1, 2, 4), wantCalls: 4, wantErr: "E",
		},
		{
			name:      "MaxDelaySeconds caps the backoff",
			retry:     `[{"ErrorEquals":["E"],"IntervalSeconds":2,"MaxAttempts":5,"BackoffRate":3,"MaxDelaySeconds":10}]`,
			failures:  []string{"E", "E", "E", "E"},
			wantSleep: secs(2, 6, 10, 10), wantCalls: 5,
		},
		{
			name:      "FULL jitter scales by the random source (0.5)",
			retry:     `[{"ErrorEquals":["E"],"IntervalSeconds":4,"MaxAttempts":2,"JitterStrategy":"FULL"}]`,
			failures:  []string{"E", "E"},
			wantSleep: secs(2, 4), wantCalls: 3,
		},
		{
			name:      "MaxAttempts 0 never retries",
			retry:     `[{"ErrorEquals":["E"],"MaxAttempts":0},{"ErrorEquals":["States.ALL"]}]`,
			failures:  []string{"E"},
			wantSleep: nil, wantCalls: 1, wantErr: "E",
		},
		{
			name:      "each retrier counts its own attempts",
			retry:     `[{"ErrorEquals":["A"],"MaxAttempts":1,"IntervalSeconds":1},{"ErrorEquals":["B"],"MaxAttempts":1,"IntervalSeconds":5}]`,
			failures:  []string{"A", "B"},
			wantSleep: secs(1, 5), wantCalls: 3,
		},
		{
			name:      "States.TaskFailed does not match States.Timeout",
			retry:     `[{"ErrorEquals":["States.TaskFailed"]}]`,
			failures:  []string{ErrTimeout},
			wantSleep: nil, wantCalls: 1, wantErr: ErrTimeout,
		},
		{
			name:      "States.ALL does not retry States.Runtime",
			retry:     `[{"ErrorEquals":["States.ALL"]}]`,
			failures:  []string{ErrRuntime},
			wantSleep: nil, wantCalls: 1, wantErr: ErrRuntime,
		},
		{
			name:      "a Lambda error name",
			retry:     `[{"ErrorEquals":["Lambda.ServiceException","PaymentDeclinedError"],"IntervalSeconds":2,"MaxAttempts":1}]`,
			failures:  []string{"PaymentDeclinedError"},
			wantSleep: secs(2), wantCalls: 2,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tasks, calls := failing(tt.failures...)
			def := `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","End":true,"Retry":` + tt.retry + `}}}`
			out, clock, _, err := runDef(t, def, `{}`, tasks)
			if tt.wantErr != "" {
				if !isErr(err, tt.wantErr) {
					t.Fatalf("err = %v, want %s", err, tt.wantErr)
				}
			} else if err != nil || out != "ok" {
				t.Fatalf("got %v, %v", out, err)
			}
			if got := clock.slept(); !reflect.DeepEqual(got, tt.wantSleep) {
				t.Errorf("sleeps = %v, want %v", got, tt.wantSleep)
			}
			if calls.Load() != tt.wantCalls {
				t.Errorf("calls = %d, want %d", calls.Load(), tt.wantCalls)
			}
		})
	}
}

func TestTimeScaleShrinksWaitsAndRetries(t *testing.T) {
	clock := newFakeClock()
	tasks, _ := failing("E")
	in := &Interpreter{Clock: clock, Tasks: tasks, TimeScale: 0.001}
	m := mustParse(t, `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":10,"Next":"T"},"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","End":true,"Retry":[{"ErrorEquals":["E"],"IntervalSeconds":3}]}}}`)
	if _, err := in.Run(context.Background(), m, testExecution, "", map[string]any{}); err != nil {
		t.Fatal(err)
	}
	want := []time.Duration{10 * time.Millisecond, 3 * time.Millisecond}
	if got := clock.slept(); !reflect.DeepEqual(got, want) {
		t.Errorf("sleeps = %v, want %v", got, want)
	}
}

func TestCatch(t *testing.T) {
	tests := []struct {
		name    string
		catch   string
		failure string
		want    string // output of the machine
		wantErr string
	}{
		{
			name:    "error output replaces the input by default",
			catch:   `[{"ErrorEquals":["PaymentDeclinedError"],"Next":"Handled"}]`,
			failure: "PaymentDeclinedError",
			want:    `{"Error":"PaymentDeclinedError","Cause":"attempt failed"}`,
		},
		{
			name:    "ResultPath keeps the input",
			catch:   `[{"ErrorEquals":["States.ALL"],"Next":"Handled","ResultPath":"$.error"}]`,
			failure: "Anything",
			want:    `{"order":"o-1","error":{"Error":"Anything","Cause":"attempt failed"}}`,
		},
		{
			name:    "first matching catcher wins",
			catch:   `[{"ErrorEquals":["Other"],"Next":"Handled","ResultPath":"$.other"},{"ErrorEquals":["States.TaskFailed"],"Next":"Handled","ResultPath":null}]`,
			failure: "E",
			want:    `{"order":"o-1"}`,
		},
		{
			name:    "States.TaskFailed does not catch a timeout",
			catch:   `[{"ErrorEquals":["States.TaskFailed"],"Next":"Handled"}]`,
			failure: ErrTimeout,
			wantErr: ErrTimeout,
		},
		{
			name:    "States.Timeout is caught by name",
			catch:   `[{"ErrorEquals":["States.Timeout"],"Next":"Handled","ResultPath":"$.t"}]`,
			failure: ErrTimeout,
			want:    `{"order":"o-1","t":{"Error":"States.Timeout","Cause":"attempt failed"}}`,
		},
		{
			name:    "States.Runtime cannot be caught",
			catch:   `[{"ErrorEquals":["States.ALL"],"Next":"Handled"}]`,
			failure: ErrRuntime,
			wantErr: ErrRuntime,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tasks, _ := failing(tt.failure)
			def := `{"StartAt":"T","States":{
			  "T":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:000000000000:function:pay","End":true,"Catch":` + tt.catch + `},
			  "Handled":{"Type":"Pass","End":true}}}`
			out, _, _, err := runDef(t, def, `{"order":"o-1"}`, tasks)
			assertOutcome(t, out, err, tt.wantErr, tt.want)
		})
	}
}

func TestTaskTimeout(t *testing.T) {
	slow := TaskRunnerFunc(func(ctx context.Context, _ TaskRequest) (any, error) {
		<-ctx.Done()
		return nil, ctx.Err()
	})
	def := `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","TimeoutSeconds":1,"End":true,"Catch":[{"ErrorEquals":["States.Timeout"],"Next":"Done"}]},"Done":{"Type":"Succeed"}}}`
	out, _, rec, err := runDef(t, def, `{}`, slow)
	if err != nil {
		t.Fatal(err)
	}
	assertJSON(t, out, `{"Error":"States.Timeout","Cause":"The task 'T' did not finish within 1 seconds"}`)
	if !contains(rec.types(), "TaskTimedOut") {
		t.Errorf("history %v has no TaskTimedOut", rec.types())
	}
}

func TestCatchOnAnEndStateTransitions(t *testing.T) {
	tasks, _ := failing("E")
	def := `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","End":true,"Catch":[{"ErrorEquals":["E"],"Next":"After"}]},"After":{"Type":"Pass","Result":"after","End":true}}}`
	out, _, _, err := runDef(t, def, `{}`, tasks)
	if err != nil || out != "after" {
		t.Errorf("got %v, %v; want the catcher's Next to run", out, err)
	}
}

// The developer guide's "complex retry scenario": a retrier's attempts
// count across all the errors it matches within one state's execution.
func TestComplexRetryScenario(t *testing.T) {
	tasks, calls := failing("ErrorA", "ErrorB", "ErrorC", "ErrorB")
	def := `{"StartAt":"X","States":{
	  "X":{"Type":"Task","Resource":"arn:aws:states:us-east-1:123456789012:task:X","Next":"Y",
	    "Retry":[{"ErrorEquals":["ErrorA","ErrorB"],"IntervalSeconds":1,"BackoffRate":2.0,"MaxAttempts":2},{"ErrorEquals":["ErrorC"],"IntervalSeconds":5}],
	    "Catch":[{"ErrorEquals":["States.ALL"],"Next":"Z"}]},
	  "Y":{"Type":"Pass","Result":"Y","End":true},
	  "Z":{"Type":"Pass","Result":"Z","End":true}}}`
	out, clock, _, err := runDef(t, def, `{}`, tasks)
	if err != nil || out != "Z" {
		t.Fatalf("got %v, %v; want the Catch to reach Z", out, err)
	}
	if got, want := clock.slept(), secs(1, 2, 5); !reflect.DeepEqual(got, want) {
		t.Errorf("sleeps = %v, want %v", got, want)
	}
	if calls.Load() != 4 {
		t.Errorf("calls = %d, want 4", calls.Load())
	}
}
