package asl

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// The States Language specification's Map example: ItemsPath, Parameters
// reading $$.Map.Item.Value, ResultPath back into the input.
func TestMapSpecExample(t *testing.T) {
	const def = `{"StartAt":"Validate-All","States":{"Validate-All":{
	  "Type":"Map","InputPath":"$.detail","ItemsPath":"$.shipped","MaxConcurrency":0,
	  "Parameters":{"parcel.$":"$$.Map.Item.Value","courier.$":"$.delivery-partner","index.$":"$$.Map.Item.Index"},
	  "Iterator":{"StartAt":"Validate","States":{"Validate":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:ship-val","End":true}}},
	  "ResultPath":"$.detail.shipped","End":true}}}`
	const input = `{"ship-date":"2016-03-14T01:59:00Z","detail":{"delivery-partner":"UQS","shipped":[
	  {"prod":"R31","dest-code":9511,"quantity":1344},{"prod":"S39","dest-code":9511,"quantity":40},
	  {"prod":"R31","dest-code":9833,"quantity":12},{"prod":"R40","dest-code":9860,"quantity":887},
	  {"prod":"R40","dest-code":9511,"quantity":1220}]}}`
	out, _, rec, err := runDef(t, def, input, echo)
	if err != nil {
		t.Fatal(err)
	}
	shipped := out.(map[string]any)["detail"].(map[string]any)["shipped"].([]any)
	if len(shipped) != 5 {
		t.Fatalf("got %d results, want 5", len(shipped))
	}
	assertJSON(t, shipped[1], `{"parcel":{"prod":"S39","dest-code":9511,"quantity":40},"courier":"UQS","index":1}`)
	if n := count(rec.types(), "MapIterationSucceeded"); n != 5 {
		t.Errorf("MapIterationSucceeded events = %d, want 5", n)
	}
}

func count(list []string, s string) int {
	n := 0
	for _, e := range list {
		if e == s {
			n++
		}
	}
	return n
}

// Each task holds its Map slot until the test releases it, and the test
// releases one only while two are held: the Map must reach two at once,
// and a third could start only if it ignored MaxConcurrency.
func TestMapItemSelectorAndConcurrency(t *testing.T) {
	var running, peak atomic.Int32
	started := make(chan struct{})
	release := make(chan struct{})
	tasks := TaskRunnerFunc(func(ctx context.Context, req TaskRequest) (any, error) {
		defer running.Add(-1)
		n := running.Add(1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		select {
		case started <- struct{}{}:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		select {
		case <-release:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		return req.Input.(map[string]any)["v"].(int64) * 10, nil
	})
	def := `{"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.items","MaxConcurrency":2,
	  "ItemSelector":{"v.$":"$$.Map.Item.Value","tag.$":"$.tag"},
	  "ItemProcessor":{"ProcessorConfig":{"Mode":"INLINE"},"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","End":true}}},
	  "ResultSelector":{"values.$":"$","n.$":"States.ArrayLength($)"},"End":true}}}`
	const items = 6
	run := startDef(t, def, `{"items":[1,2,3,4,5,6],"tag":"x"}`, tasks)
	deadline := time.After(testDeadline)
	for begun, held := 0, 0; begun < items || held > 0; {
		if held == 2 || begun == items {
			// Both slots are held, or no task is left to start: let one finish.
			select {
			case release <- struct{}{}:
				held--
			case res := <-run:
				t.Fatalf("the Map ended (%v, %v) with %d task(s) held", res.out, res.err, held)
			case <-deadline:
				t.Fatalf("no held task took its release within %v", testDeadline)
			}
			continue
		}
		select {
		case <-started:
			begun++
			held++
		case res := <-run:
			t.Fatalf("the Map ended (%v, %v) after %d of %d tasks started", res.out, res.err, begun, items)
		case <-deadline:
			t.Fatalf("task %d of %d did not start within %v while %d held a slot", begun+1, items, testDeadline, held)
		}
	}
	res := received(t, run, "end of the Map")
	if res.err != nil {
		t.Fatal(res.err)
	}
	assertJSON(t, res.out, `{"values":[10,20,30,40,50,60],"n":6}`)
	if p := peak.Load(); p != 2 {
		t.Errorf("peak concurrency %d, want MaxConcurrency 2", p)
	}
}

func TestMapFailureFailsTheState(t *testing.T) {
	tasks := TaskRunnerFunc(func(_ context.Context, req TaskRequest) (any, error) {
		if req.Input == int64(3) {
			return nil, &Error{Name: "OutOfStockError", Cause: "item 3"}
		}
		return req.Input, nil
	})
	def := `{"StartAt":"M","States":{"M":{"Type":"Map","Iterator":{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","End":true}}},"End":true,
	  "Catch":[{"ErrorEquals":["OutOfStockError"],"Next":"Caught"}]},"Caught":{"Type":"Pass","End":true}}}`
	out, _, rec, err := runDef(t, def, `[1,2,3,4]`, tasks)
	if err != nil {
		t.Fatal(err)
	}
	assertJSON(t, out, `{"Error":"OutOfStockError","Cause":"item 3"}`)
	if !contains(rec.types(), "MapStateFailed") || !contains(rec.types(), "MapIterationFailed") {
		t.Errorf("history %v lacks MapStateFailed/MapIterationFailed", rec.types())
	}
}

// The specification's Parallel example: two branches see the same input
// and the result is the array of their outputs, in branch order, even
// when the first branch finishes last.
func TestParallel(t *testing.T) {
	rec := &recorder{}
	phoneDone := rec.seen(func(e Event) bool { return e.Type == "TaskStateExited" && e.Details["name"] == "LookupPhone" })
	tasks := TaskRunnerFunc(func(ctx context.Context, req TaskRequest) (any, error) {
		switch req.Resource.ARN {
		case "arn:aws:lambda:us-east-1:123456789012:function:AddressFinder":
			// Answer only once the other branch has left its last state.
			select {
			case <-phoneDone:
			case <-ctx.Done():
				return nil, ctx.Err()
			case <-time.After(testDeadline):
				return nil, errors.New("LookupPhone never exited")
			}
			return map[string]any{"address": "1 Main St"}, nil
		default:
			return map[string]any{"phone": "555-0100"}, nil
		}
	})
	def := `{"StartAt":"LookupCustomerInfo","States":{"LookupCustomerInfo":{"Type":"Parallel","End":true,"ResultPath":"$.info","Branches":[
	  {"StartAt":"LookupAddress","States":{"LookupAddress":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:AddressFinder","End":true}}},
	  {"StartAt":"LookupPhone","States":{"LookupPhone":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:PhoneFinder","End":true}}}]}}}`
	out, _, rec, err := runDefWith(t, rec, def, `{"customer":"c-1"}`, tasks)
	if err != nil {
		t.Fatal(err)
	}
	assertJSON(t, out, `{"customer":"c-1","info":[{"address":"1 Main St"},{"phone":"555-0100"}]}`)
	types := rec.types()
	if n := len(types); n < 4 || types[0] != "ParallelStateEntered" || types[1] != "ParallelStateStarted" || types[n-2] != "ParallelStateSucceeded" || types[n-1] != "ParallelStateExited" {
		t.Errorf("history = %v", types)
	}
}

func TestParallelBranchFailureCancelsSiblings(t *testing.T) {
	var cancelled atomic.Bool
	slowStarted := make(chan struct{})
	tasks := TaskRunnerFunc(func(ctx context.Context, req TaskRequest) (any, error) {
		if req.StateName == "Bad" {
			// Fail only once the sibling is running, so there is one to cancel.
			select {
			case <-slowStarted:
				return nil, &Error{Name: "Boom", Cause: "bad branch"}
			case <-time.After(testDeadline):
				return nil, errors.New("the Slow branch never started")
			}
		}
		close(slowStarted)
		select {
		case <-ctx.Done():
			cancelled.Store(true)
			return nil, ctx.Err()
		case <-time.After(testDeadline):
			return "slow", nil // never cancelled: the assertions below fail
		}
	})
	def := `{"StartAt":"P","States":{"P":{"Type":"Parallel","End":true,"Branches":[
	  {"StartAt":"Slow","States":{"Slow":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","End":true}}},
	  {"StartAt":"Bad","States":{"Bad":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","End":true}}}]}}}`
	_, _, _, err := runDef(t, def, `{}`, tasks)
	if !isErr(err, "Boom") {
		t.Fatalf("err = %v, want Boom", err)
	}
	if !cancelled.Load() {
		t.Error("the slow branch was not cancelled")
	}
}

func TestWait(t *testing.T) {
	tests := []struct {
		name, state, input string
		want               time.Duration
	}{
		{"Seconds", `"Seconds":10`, `{}`, 10 * time.Second},
		{"SecondsPath", `"SecondsPath":"$.delay"`, `{"delay":3}`, 3 * time.Second},
		{"Timestamp in the future", `"Timestamp":"2026-01-02T03:05:05Z"`, `{}`, time.Minute},
		{"TimestampPath in the past", `"TimestampPath":"$.at"`, `{"at":"2016-03-14T01:59:00Z"}`, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, clock, rec, err := runDef(t, `{"StartAt":"W","States":{"W":{"Type":"Wait","End":true,`+tt.state+`}}}`, tt.input, nil)
			if err != nil {
				t.Fatal(err)
			}
			assertJSON(t, out, tt.input)
			if got := clock.slept(); !reflect.DeepEqual(got, []time.Duration{tt.want}) {
				t.Errorf("sleeps = %v, want [%v]", got, tt.want)
			}
			if !reflect.DeepEqual(rec.types(), []string{"WaitStateEntered", "WaitStateExited"}) {
				t.Errorf("history = %v", rec.types())
			}
		})
	}
	_, _, _, err := runDef(t, `{"StartAt":"W","States":{"W":{"Type":"Wait","End":true,"SecondsPath":"$.d"}}}`, `{"d":"soon"}`, nil)
	if !isErr(err, ErrRuntime) {
		t.Errorf("SecondsPath to a string: err = %v, want %s", err, ErrRuntime)
	}
}

func TestFailErrorPathAndCausePath(t *testing.T) {
	def := `{"StartAt":"F","States":{"F":{"Type":"Fail","ErrorPath":"$.err","CausePath":"States.Format('order {} failed', $.id)"}}}`
	_, _, rec, err := runDef(t, def, `{"err":"CheckoutFailed","id":"o-1"}`, nil)
	e, ok := asError(err)
	if !ok || e.Name != "CheckoutFailed" || e.Cause != "order o-1 failed" {
		t.Fatalf("err = %v", err)
	}
	if !reflect.DeepEqual(rec.types(), []string{"FailStateEntered"}) {
		t.Errorf("history = %v", rec.types())
	}
}

func TestHistoryOfTasks(t *testing.T) {
	def := `{"StartAt":"Invoke","States":{
	  "Invoke":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"f","Payload.$":"$"},"Next":"Bare"},
	  "Bare":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:000000000000:function:g","Next":"Put"},
	  "Put":{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:dynamodb:putItem","Parameters":{"TableName":"t"},"End":true}}}`
	_, _, rec, err := runDef(t, def, `{}`, echo)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"TaskStateEntered", "TaskScheduled", "TaskStarted", "TaskSucceeded", "TaskStateExited",
		"TaskStateEntered", "LambdaFunctionScheduled", "LambdaFunctionStarted", "LambdaFunctionSucceeded", "TaskStateExited",
		"TaskStateEntered", "TaskScheduled", "TaskStarted", "TaskSucceeded", "TaskStateExited",
	}
	if got := rec.types(); !reflect.DeepEqual(got, want) {
		t.Fatalf("history =\n%v\nwant\n%v", got, want)
	}
	sched := rec.events[1].Details
	if sched["resourceType"] != "lambda" || sched["resource"] != "invoke" || sched["region"] != "us-east-1" {
		t.Errorf("TaskScheduled details = %v", sched)
	}
	if d := rec.events[11].Details; d["resourceType"] != "aws-sdk:dynamodb" || d["resource"] != "putItem" {
		t.Errorf("aws-sdk TaskScheduled details = %v", d)
	}
	if rec.events[1].DetailsKey != "taskScheduledEventDetails" || rec.events[0].DetailsKey != "stateEnteredEventDetails" {
		t.Errorf("details keys = %q, %q", rec.events[1].DetailsKey, rec.events[0].DetailsKey)
	}
}

func TestCheckpointAndResume(t *testing.T) {
	def := mustParse(t, `{"StartAt":"A","States":{"A":{"Type":"Pass","Result":1,"ResultPath":"$.a","Next":"B"},"B":{"Type":"Pass","Result":2,"ResultPath":"$.b","Next":"C"},"C":{"Type":"Succeed"}}}`)
	type cp struct {
		state string
		input string
	}
	var got []cp
	in := &Interpreter{Clock: newFakeClock(), Checkpoint: func(s string, v any) { got = append(got, cp{s, mustJSON(v)}) }}
	out, err := in.Run(context.Background(), def, testExecution, "", map[string]any{})
	if err != nil {
		t.Fatal(err)
	}
	want := []cp{{"A", `{}`}, {"B", `{"a":1}`}, {"C", `{"a":1,"b":2}`}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("checkpoints = %v, want %v", got, want)
	}
	// Resuming at B with B's recorded input finishes as the full run did.
	resumed, err := in.Run(context.Background(), def, testExecution, "B", mustJSONValue(t, got[1].input))
	if err != nil {
		t.Fatal(err)
	}
	if !equalJSON(resumed, out) {
		t.Errorf("resumed output %s, want %s", mustJSON(resumed), mustJSON(out))
	}
}

// A run cancelled while it sleeps in a Wait returns the cancellation's
// cause. The held clock reports the sleep, so the cancel lands inside it.
func TestCancelledRunReturnsTheCause(t *testing.T) {
	stop := errors.New("stopped by user")
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	clock := newHeldClock()
	in := &Interpreter{Clock: clock}
	m := mustParse(t, `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":60,"End":true}}}`)
	done := make(chan error, 1)
	go func() {
		_, err := in.Run(ctx, m, testExecution, "", map[string]any{})
		done <- err
	}()
	if d := received(t, clock.sleeping, "sleep in the Wait state"); d != time.Minute {
		t.Errorf("the Wait sleeps %v, want 1m0s", d)
	}
	cancel(stop)
	if err := received(t, done, "end of the cancelled run"); !errors.Is(err, stop) {
		t.Fatalf("err = %v, want %v", err, stop)
	}
}

// SystemClock.Sleep keeps the contract the interpreter relies on: no wait
// for a non-positive duration, and a done context ends it with its cause.
func TestSystemClockSleep(t *testing.T) {
	if err := (SystemClock{}).Sleep(context.Background(), 0); err != nil {
		t.Errorf("Sleep(0) = %v, want nil", err)
	}
	stop := errors.New("stopped by user")
	ctx, cancel := context.WithCancelCause(context.Background())
	cancel(stop)
	if err := (SystemClock{}).Sleep(ctx, time.Hour); !errors.Is(err, stop) {
		t.Errorf("Sleep(1h) on a cancelled context = %v, want %v", err, stop)
	}
}

func TestParseRejectsInvalidDefinitions(t *testing.T) {
	tests := []struct{ name, def, want string }{
		{"not JSON", `{`, "INVALID_JSON_DESCRIPTION"},
		{"missing StartAt", `{"States":{"A":{"Type":"Succeed"}}}`, `"StartAt" should be non-empty at /StartAt`},
		{"StartAt unknown", `{"StartAt":"B","States":{"A":{"Type":"Succeed"}}}`, "MISSING_TRANSITION_TARGET"},
		{"unknown Next", `{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"Nope"}}}`, "Missing 'Next' target: Nope at /States/A/Next"},
		{"no Next nor End", `{"StartAt":"A","States":{"A":{"Type":"Pass"}}}`, `needs "Next" or "End": true at /States/A`},
		{"unknown type", `{"StartAt":"A","States":{"A":{"Type":"Loop","End":true}}}`, `"Type" should be one of`},
		{"unknown field", `{"StartAt":"A","States":{"A":{"Type":"Succeed","Next":"A"}}}`, `Field "Next" is not supported by Succeed states at /States/A/Next`},
		{"States.ALL not last", `{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","End":true,"Retry":[{"ErrorEquals":["States.ALL"]},{"ErrorEquals":["E"]}]}}}`, "States.ALL must appear alone"},
		{"States.ALL not alone", `{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","End":true,"Catch":[{"ErrorEquals":["E","States.ALL"],"Next":"A"}]}}}`, "States.ALL must appear alone"},
		{"unknown Catch target", `{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","End":true,"Catch":[{"ErrorEquals":["E"],"Next":"X"}]}}}`, "/States/A/Catch[0]/Next"},
		{"unknown comparator", `{"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"Variable":"$.a","StringSameAs":"x","Next":"C"}]}}}`, `unknown comparison operator "StringSameAs"`},
		{"wrong operand type", `{"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"Variable":"$.a","NumericEquals":"1","Next":"C"}]}}}`, "NumericEquals takes a number operand"},
		{"indefinite ResultPath", `{"StartAt":"A","States":{"A":{"Type":"Pass","End":true,"ResultPath":"$..a"}}}`, "must be a reference path"},
		{"Wait without a duration", `{"StartAt":"W","States":{"W":{"Type":"Wait","End":true}}}`, "exactly one of Seconds"},
		{"bad path in Parameters", `{"StartAt":"A","States":{"A":{"Type":"Pass","End":true,"Parameters":{"x.$":"nope"}}}}`, `must be a JSONPath or an intrinsic function`},
		{"problem inside a Map iterator", `{"StartAt":"M","States":{"M":{"Type":"Map","End":true,"Iterator":{"StartAt":"X","States":{"X":{"Type":"Pass","Next":"Y"}}}}}}`, "at /States/M/Iterator/States/X/Next"},
		{"unreachable state", `{"StartAt":"A","States":{"A":{"Type":"Succeed"},"Orphan":{"Type":"Succeed"}}}`, `UNREACHABLE_STATE: State "Orphan" is not reachable at /States/Orphan`},
		{"state reachable only from a Catch is fine, unknown one is not", `{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","End":true,"Catch":[{"ErrorEquals":["E"],"Next":"B"}]},"B":{"Type":"Succeed"},"C":{"Type":"Fail"}}}`, `State "C" is not reachable`},
		{"duplicate name in a branch", `{"StartAt":"P","States":{"P":{"Type":"Parallel","End":true,"Branches":[{"StartAt":"P","States":{"P":{"Type":"Succeed"}}}]}}}`, "DUPLICATE_STATE_NAME: Duplicate State name: P"},
		{"BackoffRate below 1", `{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","End":true,"Retry":[{"ErrorEquals":["E"],"BackoffRate":0.5}]}}}`, "BackoffRate must be"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.def))
			var de *DefinitionError
			if !errors.As(err, &de) {
				t.Fatalf("err = %v, want a *DefinitionError", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v\nwant it to contain %q", err, tt.want)
			}
		})
	}
}
