package asl

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"math"
	mrand "math/rand/v2"
	"sync"
	"time"
)

// TaskRunner performs Task states. It returns the task's result, or an
// *Error whose Name is what Retry/Catch match (a Lambda function's
// errorType, "DynamoDB.ConditionalCheckFailedException", ...). Any other
// error becomes States.TaskFailed.
type TaskRunner interface {
	RunTask(ctx context.Context, req TaskRequest) (any, error)
}

// TaskRunnerFunc adapts a function to TaskRunner.
type TaskRunnerFunc func(ctx context.Context, req TaskRequest) (any, error)

func (f TaskRunnerFunc) RunTask(ctx context.Context, req TaskRequest) (any, error) {
	return f(ctx, req)
}

// TaskRequest is one attempt of a Task state.
type TaskRequest struct {
	Resource Resource
	// Input is the state's effective input: InputPath then Parameters applied.
	Input            any
	TimeoutSeconds   int
	HeartbeatSeconds int
	StateName        string
}

// Event is one history event, as GetExecutionHistory reports it: Type is
// the AWS event type ("TaskStateEntered"), DetailsKey the name of its
// details member ("stateEnteredEventDetails"). Inputs and outputs in
// Details are JSON text.
type Event struct {
	Type       string
	DetailsKey string
	Details    map[string]any
}

// Execution identifies the run, for the "$$" context object.
type Execution struct {
	ID               string
	Name             string
	RoleArn          string
	StartTime        time.Time
	Input            any
	StateMachineID   string
	StateMachineName string
}

// Interpreter runs machines. Its fields are the injected dependencies;
// the zero value of each optional one has a sensible default.
type Interpreter struct {
	Clock Clock      // default SystemClock
	Tasks TaskRunner // required for machines with Task states
	// TimeScale multiplies every Wait and Retry interval and every task
	// timeout (0.001 makes a 10 s wait take 10 ms); 0 means 1.
	TimeScale float64
	Random    func() float64 // [0,1): retry jitter and States.MathRandom
	UUID      func() string  // States.UUID
	// Emit receives history events; it may be called from several
	// goroutines (Parallel branches, Map iterations).
	Emit func(Event)
	// Checkpoint is called before each top-level state is entered with
	// the state's name and raw input: enough to resume the run there.
	Checkpoint func(state string, input any)
}

// maxInlineConcurrency bounds a Map with MaxConcurrency 0 ("unlimited").
const maxInlineConcurrency = 40

// Run executes m from state start (m.StartAt when empty) with input and
// returns the execution's output. A failed execution returns an *Error;
// a cancelled ctx returns context.Cause(ctx).
func (in *Interpreter) Run(ctx context.Context, m *Machine, exec Execution, start string, input any) (any, error) {
	if start == "" {
		start = m.StartAt
	}
	if m.States[start] == nil {
		return nil, errorf(ErrRuntime, "unknown state %q to start from", start)
	}
	r := &run{in: in, exec: exec, clock: in.Clock, execCtx: map[string]any{
		"Id": exec.ID, "Name": exec.Name, "RoleArn": exec.RoleArn,
		"StartTime": exec.StartTime.UTC().Format(time.RFC3339Nano), "Input": exec.Input,
	}, machineCtx: map[string]any{"Id": exec.StateMachineID, "Name": exec.StateMachineName}}
	if r.clock == nil {
		r.clock = SystemClock{}
	}
	return r.machine(ctx, m, start, input, true, nil)
}

type run struct {
	in         *Interpreter
	exec       Execution
	clock      Clock
	execCtx    map[string]any
	machineCtx map[string]any
}

func (r *run) emit(typ, key string, details map[string]any) {
	if r.in.Emit != nil {
		r.in.Emit(Event{Type: typ, DetailsKey: key, Details: details})
	}
}

// emitting reports whether building event details is worth it.
func (r *run) emitting() bool { return r.in.Emit != nil }

func (r *run) scaled(seconds float64) time.Duration {
	scale := r.in.TimeScale
	if scale <= 0 {
		scale = 1
	}
	return time.Duration(seconds * scale * float64(time.Second))
}

// errTaskTimeout is the cause withTimeout cancels a task with.
var errTaskTimeout = errors.New("asl: task timeout")

// withTimeout is context.WithTimeout on the interpreter's clock: ctx
// cancelled with errTaskTimeout once d has passed on it.
func (r *run) withTimeout(ctx context.Context, d time.Duration) (context.Context, func()) {
	tctx, cancel := context.WithCancelCause(ctx)
	go func() {
		if r.clock.Sleep(tctx, d) == nil {
			cancel(errTaskTimeout)
		}
	}()
	return tctx, func() { cancel(nil) }
}

func (r *run) random() float64 {
	if r.in.Random != nil {
		return r.in.Random()
	}
	return mrand.Float64()
}

func (r *run) uuid() string {
	if r.in.UUID != nil {
		return r.in.UUID()
	}
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

// machine runs states from start until one ends the machine. mapItem is
// set inside Map iterations for "$$.Map".
func (r *run) machine(ctx context.Context, m *Machine, start string, input any, top bool, mapItem map[string]any) (any, error) {
	name := start
	for {
		if err := ctx.Err(); err != nil {
			return nil, context.Cause(ctx)
		}
		if top && r.in.Checkpoint != nil {
			r.in.Checkpoint(name, input)
		}
		s := m.States[name]
		out, next, err := r.state(ctx, s, input, mapItem)
		if err != nil {
			return nil, err
		}
		if next == "" {
			return out, nil
		}
		name, input = next, out
	}
}

// stateCtx is one state's view of the context object.
type stateCtx struct {
	entered time.Time
	retries int
	mapItem map[string]any
}

func (r *run) context(s *State, sc *stateCtx) map[string]any {
	c := map[string]any{
		"Execution":    r.execCtx,
		"StateMachine": r.machineCtx,
		"State": map[string]any{
			"Name": s.Name, "EnteredTime": sc.entered.UTC().Format(time.RFC3339Nano), "RetryCount": int64(sc.retries),
		},
	}
	if sc.mapItem != nil {
		c["Map"] = map[string]any{"Item": sc.mapItem}
	}
	return c
}

func (r *run) env(s *State, sc *stateCtx, input any) *env {
	return &env{input: input, context: r.context(s, sc), random: r.random, uuid: r.uuid}
}

// state runs one state and returns its output and the next state's name
// ("" when the machine ends).
func (r *run) state(ctx context.Context, s *State, raw any, mapItem map[string]any) (any, string, error) {
	sc := &stateCtx{entered: r.clock.Now(), mapItem: mapItem}
	if r.emitting() {
		r.emit(s.Type+"StateEntered", "stateEnteredEventDetails", map[string]any{
			"name": s.Name, "input": mustJSON(raw), "inputDetails": map[string]any{"truncated": false},
		})
	}
	var out any
	next := s.Next
	var err error
	switch s.Type {
	case "Pass":
		out, err = r.pass(s, sc, raw)
	case "Choice":
		out, next, err = r.choice(s, raw)
	case "Wait":
		out, err = r.wait(ctx, s, raw)
	case "Succeed":
		out, err = r.succeed(s, raw)
		next = ""
	case "Fail":
		return nil, "", r.fail(s, sc, raw)
	case "Task", "Parallel", "Map":
		out, next, err = r.withRetry(ctx, s, sc, raw)
	default:
		err = errorf(ErrRuntime, "unsupported state type %q", s.Type)
	}
	if err != nil {
		return nil, "", err
	}
	if r.emitting() {
		r.emit(s.Type+"StateExited", "stateExitedEventDetails", map[string]any{
			"name": s.Name, "output": mustJSON(out), "outputDetails": map[string]any{"truncated": false},
		})
	}
	return out, next, nil
}

// inputPath applies InputPath; failure is a States.Runtime error.
func inputPath(s *State, raw any) (any, error) { return selectPath(s, s.InputPath, "InputPath", raw) }

func outputPath(s *State, v any) (any, error) { return selectPath(s, s.OutputPath, "OutputPath", v) }

func selectPath(s *State, p optPath, field string, v any) (any, error) {
	switch {
	case p.null:
		return map[string]any{}, nil
	case p.path == nil:
		return v, nil
	}
	out, ok := p.path.Get(v)
	if !ok {
		return nil, errorf(ErrRuntime, "An error occurred while executing the state '%s'. Invalid path '%s' in %s: the path selects nothing in '%s'", s.Name, p.path, field, mustJSON(v))
	}
	return out, nil
}

// resultPath merges result into the raw input as ResultPath directs.
func resultPath(stateName string, p optPath, raw, result any) (any, error) {
	switch {
	case p.null:
		return raw, nil
	case p.path == nil:
		return result, nil
	}
	out, err := p.path.set(deepCopy(raw), result)
	if err != nil {
		return nil, errorf(ErrResultPathMatchFailure, "An error occurred while executing the state '%s': %v", stateName, err)
	}
	return out, nil
}

// effectiveInput applies InputPath and then Parameters to a state's raw
// input, as Pass, Task, Parallel and Map states all do.
func (r *run) effectiveInput(s *State, sc *stateCtx, raw any) (any, error) {
	eff, err := inputPath(s, raw)
	if err != nil || s.Parameters == nil {
		return eff, err
	}
	return s.Parameters.eval(r.env(s, sc, eff))
}

func (r *run) pass(s *State, sc *stateCtx, raw any) (any, error) {
	eff, err := r.effectiveInput(s, sc, raw)
	if err != nil {
		return nil, err
	}
	result := eff
	if s.HasResult {
		result = deepCopy(s.Result)
	}
	out, err := resultPath(s.Name, s.ResultPath, raw, result)
	if err != nil {
		return nil, err
	}
	return outputPath(s, out)
}

func (r *run) choice(s *State, raw any) (any, string, error) {
	eff, err := inputPath(s, raw)
	if err != nil {
		return nil, "", err
	}
	next := s.Default
	for _, c := range s.Choices {
		ok, err := c.eval(eff)
		if err != nil {
			return nil, "", err
		}
		if ok {
			next = c.next
			break
		}
	}
	if next == "" {
		return nil, "", errorf(ErrNoChoiceMatched, "No Choice Rules matched and no Default is specified in the Choice state '%s'", s.Name)
	}
	out, err := outputPath(s, eff)
	return out, next, err
}

func (r *run) wait(ctx context.Context, s *State, raw any) (any, error) {
	eff, err := inputPath(s, raw)
	if err != nil {
		return nil, err
	}
	var d time.Duration
	switch {
	case s.Seconds != nil:
		d = r.scaled(*s.Seconds)
	case s.SecondsPath != nil:
		v, ok := s.SecondsPath.Get(eff)
		n, isNum := number(v)
		if !ok || !isNum || n < 0 {
			return nil, errorf(ErrRuntime, "An error occurred while executing the state '%s'. The SecondsPath parameter does not reference a valid non-negative integer: %s", s.Name, s.SecondsPath)
		}
		d = r.scaled(n)
	default:
		ts := s.Timestamp
		if s.TimestampPath != nil {
			v, ok := s.TimestampPath.Get(eff)
			ts, _ = v.(string)
			if _, valid := parseTimestamp(ts); !ok || !valid {
				return nil, errorf(ErrRuntime, "An error occurred while executing the state '%s'. The TimestampPath parameter does not reference a valid ISO-8601 extended offset date-time format string: %s", s.Name, s.TimestampPath)
			}
		}
		t, _ := parseTimestamp(ts)
		if until := t.Sub(r.clock.Now()); until > 0 {
			d = r.scaled(until.Seconds())
		}
	}
	if err := r.clock.Sleep(ctx, d); err != nil {
		return nil, context.Cause(ctx)
	}
	return outputPath(s, eff)
}

func (r *run) succeed(s *State, raw any) (any, error) {
	eff, err := inputPath(s, raw)
	if err != nil {
		return nil, err
	}
	return outputPath(s, eff)
}

func (r *run) fail(s *State, sc *stateCtx, raw any) error {
	e := &Error{Name: s.Error, Cause: s.Cause}
	for _, f := range []struct {
		d   *dynamicString
		dst *string
	}{{s.ErrorPath, &e.Name}, {s.CausePath, &e.Cause}} {
		if f.d == nil {
			continue
		}
		var v any
		var err error
		if f.d.call != nil {
			v, err = f.d.call.eval(r.env(s, sc, raw))
		} else if got, ok := f.d.path.Get(raw); ok {
			v = got
		} else {
			err = errorf(ErrRuntime, "An error occurred while executing the state '%s'. The path '%s' selects nothing", s.Name, f.d.path)
		}
		if err != nil {
			return err
		}
		str, ok := v.(string)
		if !ok {
			return errorf(ErrRuntime, "An error occurred while executing the state '%s'. ErrorPath and CausePath must select strings, got %s", s.Name, typeName(v))
		}
		*f.dst = str
	}
	return e
}

// asError reports whether err is (or wraps) a States Language error.
func asError(err error) (*Error, bool) {
	var e *Error
	if errors.As(err, &e) {
		return e, true
	}
	return nil, false
}

// withRetry runs a Task, Parallel or Map state, applying Retry and Catch.
func (r *run) withRetry(ctx context.Context, s *State, sc *stateCtx, raw any) (any, string, error) {
	counts := make([]int, len(s.Retry))
	for {
		out, err := r.attempt(ctx, s, sc, raw)
		if err == nil {
			return out, s.Next, nil
		}
		if ctx.Err() != nil {
			return nil, "", context.Cause(ctx)
		}
		e, ok := asError(err)
		if !ok {
			e = &Error{Name: ErrTaskFailed, Cause: err.Error()}
		}
		if i := retrierFor(s.Retry, e.Name); i >= 0 && counts[i] < s.Retry[i].MaxAttempts {
			delay := retryDelay(s.Retry[i], counts[i], r.random)
			counts[i]++
			sc.retries++
			if err := r.clock.Sleep(ctx, r.scaled(delay)); err != nil {
				return nil, "", context.Cause(ctx)
			}
			continue
		}
		for _, c := range s.Catch {
			if !matches(c.ErrorEquals, e.Name) {
				continue
			}
			out, err := resultPath(s.Name, c.ResultPath, raw, map[string]any{"Error": e.Name, "Cause": e.Cause})
			if err != nil {
				return nil, "", err
			}
			return out, c.Next, nil
		}
		return nil, "", e
	}
}

// retrierFor returns the index of the first retrier matching name, or -1.
// Only that retrier applies, even when its attempts are used up.
func retrierFor(retry []Retrier, name string) int {
	for i, rt := range retry {
		if matches(rt.ErrorEquals, name) {
			return i
		}
	}
	return -1
}

// retryDelay is the wait before retry number n+1 (n retries done so far):
// IntervalSeconds × BackoffRate^n, capped at MaxDelaySeconds, and with
// FULL jitter a uniformly random fraction of that.
func retryDelay(rt Retrier, n int, random func() float64) float64 {
	d := rt.IntervalSeconds * math.Pow(rt.BackoffRate, float64(n))
	if rt.MaxDelaySeconds > 0 && d > rt.MaxDelaySeconds {
		d = rt.MaxDelaySeconds
	}
	if rt.JitterStrategy == "FULL" {
		d *= random()
	}
	return d
}

// attempt is one try of a Task, Parallel or Map state, from InputPath to
// OutputPath.
func (r *run) attempt(ctx context.Context, s *State, sc *stateCtx, raw any) (any, error) {
	eff, err := r.effectiveInput(s, sc, raw)
	if err != nil {
		return nil, err
	}
	var result any
	switch s.Type {
	case "Task":
		result, err = r.task(ctx, s, sc, eff)
	case "Parallel":
		result, err = r.parallel(ctx, s, eff)
	case "Map":
		result, err = r.mapState(ctx, s, sc, eff)
	}
	if err != nil {
		return nil, err
	}
	if s.ResultSelector != nil {
		if result, err = s.ResultSelector.eval(r.env(s, sc, result)); err != nil {
			return nil, err
		}
	}
	out, err := resultPath(s.Name, s.ResultPath, raw, result)
	if err != nil {
		return nil, err
	}
	return outputPath(s, out)
}

func (r *run) task(ctx context.Context, s *State, sc *stateCtx, input any) (any, error) {
	res := ParseResource(s.Resource)
	timeout := s.TimeoutSeconds
	if s.TimeoutPath != nil {
		v, ok := s.TimeoutPath.Get(input)
		n, isInt := integer(v)
		if !ok || !isInt || n <= 0 {
			return nil, errorf(ErrRuntime, "An error occurred while executing the state '%s'. TimeoutSecondsPath '%s' does not select a positive integer", s.Name, s.TimeoutPath)
		}
		timeout = int(n)
	}
	ev := taskEvents(res)
	if r.emitting() {
		in := mustJSON(input)
		if res.Lambda {
			d := map[string]any{"resource": res.ARN, "input": in, "inputDetails": map[string]any{"truncated": false}}
			if timeout > 0 {
				d["timeoutInSeconds"] = timeout
			}
			r.emit("LambdaFunctionScheduled", "lambdaFunctionScheduledEventDetails", d)
			r.emit("LambdaFunctionStarted", "", nil)
		} else {
			d := map[string]any{"resourceType": res.Type, "resource": res.Name, "region": regionOf(r.exec.StateMachineID), "parameters": in}
			if timeout > 0 {
				d["timeoutInSeconds"] = timeout
			}
			if s.HeartbeatSeconds > 0 {
				d["heartbeatInSeconds"] = s.HeartbeatSeconds
			}
			r.emit("TaskScheduled", "taskScheduledEventDetails", d)
			r.emit("TaskStarted", "taskStartedEventDetails", map[string]any{"resourceType": res.Type, "resource": res.Name})
		}
	}
	if r.in.Tasks == nil {
		return nil, errorf(ErrRuntime, "no task runner is configured for %s", s.Resource)
	}
	tctx, cancel := ctx, func() {}
	if timeout > 0 {
		tctx, cancel = r.withTimeout(ctx, r.scaled(float64(timeout)))
	}
	result, err := r.in.Tasks.RunTask(tctx, TaskRequest{Resource: res, Input: input, TimeoutSeconds: timeout, HeartbeatSeconds: s.HeartbeatSeconds, StateName: s.Name})
	// A result that arrived is kept even if the timeout fired meanwhile.
	timedOut := err != nil && errors.Is(context.Cause(tctx), errTaskTimeout) && ctx.Err() == nil
	cancel()
	if ctx.Err() != nil {
		return nil, context.Cause(ctx)
	}
	if timedOut {
		err = errorf(ErrTimeout, "The task '%s' did not finish within %d seconds", s.Name, timeout)
		r.taskEvent(ev.timedOut, res, map[string]any{"error": ErrTimeout, "cause": err.(*Error).Cause})
		return nil, err
	}
	if err != nil {
		e, ok := asError(err)
		if !ok {
			e = &Error{Name: ErrTaskFailed, Cause: err.Error()}
		}
		r.taskEvent(ev.failed, res, map[string]any{"error": e.Name, "cause": e.Cause})
		return nil, e
	}
	if r.emitting() {
		r.taskEvent(ev.succeeded, res, map[string]any{"output": mustJSON(result), "outputDetails": map[string]any{"truncated": false}})
	}
	return result, nil
}

type taskEventNames struct{ succeeded, failed, timedOut string }

func taskEvents(res Resource) taskEventNames {
	if res.Lambda {
		return taskEventNames{"LambdaFunctionSucceeded", "LambdaFunctionFailed", "LambdaFunctionTimedOut"}
	}
	return taskEventNames{"TaskSucceeded", "TaskFailed", "TaskTimedOut"}
}

// taskEvent emits a task outcome; Task* events also name the resource.
func (r *run) taskEvent(typ string, res Resource, d map[string]any) {
	if !r.emitting() {
		return
	}
	key := lowerFirst(typ) + "EventDetails"
	if !res.Lambda {
		d["resourceType"], d["resource"] = res.Type, res.Name
	}
	r.emit(typ, key, d)
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return string(s[0]|0x20) + s[1:]
}

// regionOf reads the region out of an ARN ("" when it has none).
func regionOf(arn string) string {
	n, start := 0, 0
	for i := 0; i < len(arn); i++ {
		if arn[i] == ':' {
			n++
			if n == 3 {
				start = i + 1
			} else if n == 4 {
				return arn[start:i]
			}
		}
	}
	return ""
}

func (r *run) parallel(ctx context.Context, s *State, input any) (any, error) {
	r.emit("ParallelStateStarted", "", nil)
	return r.collect(ctx, "Parallel", len(s.Branches), len(s.Branches), func(ctx context.Context, i int) (any, error) {
		return r.machine(ctx, s.Branches[i], s.Branches[i].StartAt, deepCopy(input), false, nil)
	})
}

func (r *run) mapState(ctx context.Context, s *State, sc *stateCtx, input any) (any, error) {
	itemsV, err := selectPath(s, s.ItemsPath, "ItemsPath", input)
	if err != nil {
		return nil, err
	}
	items, ok := itemsV.([]any)
	if !ok {
		return nil, errorf(ErrRuntime, "An error occurred while executing the state '%s'. Items of a Map state must be an array, got %s", s.Name, typeName(itemsV))
	}
	limit := s.MaxConcurrency
	if s.MaxConcurrencyPath != nil {
		v, _ := s.MaxConcurrencyPath.Get(input)
		n, isInt := integer(v)
		if !isInt || n < 0 {
			return nil, errorf(ErrRuntime, "An error occurred while executing the state '%s'. MaxConcurrencyPath must select a non-negative integer", s.Name)
		}
		limit = int(n)
	}
	if limit == 0 || limit > maxInlineConcurrency {
		limit = maxInlineConcurrency
	}
	r.emit("MapStateStarted", "mapStateStartedEventDetails", map[string]any{"length": len(items)})
	return r.collect(ctx, "Map", len(items), limit, func(ctx context.Context, i int) (any, error) {
		item := map[string]any{"Index": int64(i), "Value": items[i]}
		iterInput := items[i]
		if s.ItemSelector != nil {
			isc := &stateCtx{entered: sc.entered, retries: sc.retries, mapItem: item}
			v, err := s.ItemSelector.eval(r.env(s, isc, input))
			if err != nil {
				return nil, err
			}
			iterInput = v
		}
		d := map[string]any{"name": s.Name, "index": i}
		r.emit("MapIterationStarted", "mapIterationStartedEventDetails", d)
		out, err := r.machine(ctx, s.Iterator, s.Iterator.StartAt, deepCopy(iterInput), false, item)
		if err != nil {
			r.emit("MapIterationFailed", "mapIterationFailedEventDetails", d)
			return nil, err
		}
		r.emit("MapIterationSucceeded", "mapIterationSucceededEventDetails", d)
		return out, nil
	})
}

// collect runs n jobs through fanOut, gathers their results in order, and
// emits the kind's ("Parallel", "Map") StateSucceeded or StateFailed event.
func (r *run) collect(ctx context.Context, kind string, n, limit int, job func(context.Context, int) (any, error)) (any, error) {
	results := make([]any, n)
	err := r.fanOut(ctx, n, limit, func(ctx context.Context, i int) error {
		out, err := job(ctx, i)
		results[i] = out
		return err
	})
	if err != nil {
		r.emit(kind+"StateFailed", "", nil)
		return nil, err
	}
	r.emit(kind+"StateSucceeded", "", nil)
	return results, nil
}

// fanOut runs n jobs with at most limit at once. The first failure
// cancels the rest and is returned.
func (r *run) fanOut(ctx context.Context, n, limit int, job func(context.Context, int) error) error {
	if n == 0 {
		return nil
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var (
		wg    sync.WaitGroup
		once  sync.Once
		first error
		sem   = make(chan struct{}, limit)
	)
	for i := 0; i < n; i++ {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			defer func() { <-sem }()
			if err := job(ctx, i); err != nil {
				once.Do(func() {
					first = err
					cancel(err)
				})
			}
		}(i)
	}
	wg.Wait()
	if first != nil {
		return first
	}
	return context.Cause(ctx)
}
