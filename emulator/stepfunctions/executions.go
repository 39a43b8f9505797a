package stepfunctions

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/shopstream/shopstream/emulator/awsapi"
	"github.com/shopstream/shopstream/emulator/stepfunctions/asl"
)

// Execution statuses as the API reports them.
const (
	statusRunning   = "RUNNING"
	statusSucceeded = "SUCCEEDED"
	statusFailed    = "FAILED"
	statusTimedOut  = "TIMED_OUT"
	statusAborted   = "ABORTED"
)

// maxPayload is Step Functions' limit on an execution's input (256 KiB).
const maxPayload = 256 * 1024

// executionRecord is an execution as persisted.
type executionRecord struct {
	ARN        string     `json:"arn"`
	MachineARN string     `json:"machineArn"`
	Name       string     `json:"name"`
	Status     string     `json:"status"`
	Input      string     `json:"input"`
	Output     *string    `json:"output,omitempty"`
	Error      string     `json:"error,omitempty"`
	Cause      string     `json:"cause,omitempty"`
	Start      time.Time  `json:"start"`
	Stop       *time.Time `json:"stop,omitempty"`
	// Resume is where a RUNNING execution continues after a restart.
	Resume *resumePoint `json:"resume,omitempty"`
	// Elapsed is the running time the execution has spent, for its
	// TimeoutSeconds (see deadline.go).
	Elapsed time.Duration `json:"elapsed,omitempty"`
	// PendingEvents are status change event details not yet accepted by
	// the event bus, oldest first (see statusevents.go).
	PendingEvents []json.RawMessage `json:"pendingEvents,omitempty"`
}

type resumePoint struct {
	State string          `json:"state"`
	Input json.RawMessage `json:"input"`
}

// execution is an execution's record, how many history events it has
// (the events themselves are read from the store) and, while it runs in
// this process, its controls. Only executions that still need this
// process are kept in Service.executions (see closed.go).
type execution struct {
	mu     sync.Mutex
	rec    executionRecord
	events int64
	// dirty marks a record change (a new resume point) not yet persisted;
	// it is written with the next history event.
	dirty bool

	cancel context.CancelCauseFunc // nil unless running here
	done   chan struct{}
	// runStart is when this process last started counting the
	// execution's running time; zero when it is not running here.
	runStart time.Time
	// flushing is set while a goroutine emits PendingEvents.
	flushing bool
	// lastType is the type of the last history event this process
	// appended ("" after a restart), for meterTransition.
	lastType string
}

// stopRequest is the cancellation cause StopExecution uses.
type stopRequest struct{ error, cause string }

func (stopRequest) Error() string { return "execution stopped" }

// errMachineTimeout is the cause when the machine's TimeoutSeconds passes.
var errMachineTimeout = errors.New("execution timed out")

func executionARN(machineName, name string) string {
	return awsapi.ARN("states", "execution:"+machineName+":"+name)
}

func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

func (s *Service) startExecution(_ context.Context, body []byte) (any, error) {
	var in struct {
		StateMachineArn string  `json:"stateMachineArn"`
		Name            string  `json:"name"`
		Input           *string `json:"input"`
		TraceHeader     string  `json:"traceHeader"`
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	m, err := s.machine(in.StateMachineArn)
	if err != nil {
		return nil, err
	}
	if in.Name == "" {
		in.Name = newUUID()
	}
	if err := validName("name", in.Name); err != nil {
		return nil, err
	}
	input := "{}"
	if in.Input != nil {
		input = *in.Input
	}
	if len(input) > maxPayload {
		return nil, awsapi.Errorf("InvalidExecutionInput", "Invalid execution input: it is %d bytes, more than the maximum of %d", len(input), maxPayload)
	}
	inputValue, err := asl.ParseJSON([]byte(input))
	if err != nil {
		return nil, awsapi.Errorf("InvalidExecutionInput", "Invalid execution input: %v", err)
	}
	arn := executionARN(m.rec.Name, in.Name)

	s.mu.Lock()
	if old, ok := s.executions[arn]; ok {
		s.mu.Unlock()
		old.mu.Lock()
		defer old.mu.Unlock()
		// StartExecution is idempotent for a running execution started
		// with the same input; anything else is a conflict.
		if old.rec.Status == statusRunning && sameJSON(old.rec.Input, input) {
			return map[string]any{"executionArn": arn, "startDate": epoch(old.rec.Start)}, nil
		}
		return nil, awsapi.Errorf("ExecutionAlreadyExists", "Execution Already Exists: '%s'", arn)
	}
	// A closed execution is on disk only; its name stays taken until
	// retention deletes it, as on AWS. (s.mu is held, so no execution of
	// this name can start meanwhile.)
	if _, closed, err := s.readExecution(arn); err != nil || closed {
		s.mu.Unlock()
		if err != nil {
			return nil, err
		}
		return nil, awsapi.Errorf("ExecutionAlreadyExists", "Execution Already Exists: '%s'", arn)
	}
	e := &execution{rec: executionRecord{
		ARN: arn, MachineARN: m.rec.ARN, Name: in.Name, Status: statusRunning, Input: input, Start: s.now(),
		Resume: &resumePoint{State: m.parsed.StartAt, Input: json.RawMessage(input)},
	}}
	s.executions[arn] = e
	s.mu.Unlock()

	e.mu.Lock()
	s.queueStatusEventLocked(e, m)
	err = s.appendLocked(e, asl.Event{Type: "ExecutionStarted", DetailsKey: "executionStartedEventDetails", Details: map[string]any{
		"input": input, "inputDetails": map[string]any{"truncated": false}, "roleArn": m.rec.RoleArn,
	}}, true)
	e.mu.Unlock()
	if err != nil {
		s.mu.Lock()
		delete(s.executions, arn)
		s.mu.Unlock()
		return nil, err
	}
	s.flushStatusEvents(e)
	s.launch(e, m, inputValue)
	s.recordMetric(m.rec.ARN, "ExecutionsStarted", 1, "Count")
	return map[string]any{"executionArn": arn, "startDate": epoch(e.rec.Start)}, nil
}

func sameJSON(a, b string) bool {
	if a == b {
		return true
	}
	x, err1 := asl.ParseJSON([]byte(a))
	y, err2 := asl.ParseJSON([]byte(b))
	if err1 != nil || err2 != nil {
		return false
	}
	xs, _ := asl.MarshalJSON(x)
	ys, _ := asl.MarshalJSON(y)
	return xs == ys
}

// ResumeExecutions restarts, from their last resume point, the executions
// a previous run left RUNNING. Call it once the services their tasks need
// are up. An execution whose machine is gone fails with States.Runtime.
func (s *Service) ResumeExecutions() {
	s.mu.RLock()
	var todo []*execution
	for _, e := range s.executions {
		e.mu.Lock()
		if e.rec.Status == statusRunning && e.cancel == nil {
			todo = append(todo, e)
		}
		e.mu.Unlock()
	}
	s.mu.RUnlock()
	sort.Slice(todo, func(i, j int) bool { return todo[i].rec.Start.Before(todo[j].rec.Start) })
	for _, e := range todo {
		s.mu.RLock()
		m := s.machines[e.rec.MachineARN]
		s.mu.RUnlock()
		var input any
		var err error
		if m == nil {
			err = fmt.Errorf("state machine %s no longer exists", e.rec.MachineARN)
		} else if e.rec.Resume == nil {
			err = errors.New("no resume point was recorded")
		} else {
			input, err = asl.ParseJSON(e.rec.Resume.Input)
		}
		if err != nil {
			s.finish(e, m, nil, &asl.Error{Name: asl.ErrRuntime, Cause: "local runtime restarted and could not resume: " + err.Error()})
			continue
		}
		s.log.Info("stepfunctions: resuming execution", "execution", e.rec.ARN, "state", e.rec.Resume.State)
		s.launch(e, m, input)
	}
	s.flushAllStatusEvents()
}

// launch runs e in the background from its resume point, unless it is
// already running here or has closed meanwhile.
func (s *Service) launch(e *execution, m *machine, input any) {
	e.mu.Lock()
	if e.rec.Status != statusRunning || e.cancel != nil {
		e.mu.Unlock()
		return
	}
	ctx, cancel := context.WithCancelCause(awsapi.WithPrincipal(s.base, machinePrincipal(m)))
	ctx, stopTimer := s.startDeadline(ctx, e, m)
	e.cancel = cancel
	e.done = make(chan struct{})
	start := e.rec.Resume.State
	execInput, _ := asl.ParseJSON([]byte(e.rec.Input))
	e.mu.Unlock()

	interp := &asl.Interpreter{
		Clock:     s.clock,
		Tasks:     &taskRunner{s: s},
		TimeScale: s.scale,
		Emit:      func(ev asl.Event) { s.append(e, ev) },
		Checkpoint: func(state string, input any) {
			raw, err := asl.MarshalJSON(input)
			if err != nil {
				return
			}
			// Every state begins with its StateEntered event, which
			// persists the record along with it.
			e.mu.Lock()
			e.rec.Resume = &resumePoint{State: state, Input: json.RawMessage(raw)}
			e.dirty = true
			e.mu.Unlock()
		},
	}
	exec := asl.Execution{
		ID: e.rec.ARN, Name: e.rec.Name, RoleArn: m.rec.RoleArn, StartTime: e.rec.Start, Input: execInput,
		StateMachineID: m.rec.ARN, StateMachineName: m.rec.Name,
	}
	s.running.Add(1)
	go func() {
		defer s.running.Done()
		defer close(e.done)
		defer stopTimer()
		out, err := interp.Run(ctx, m.parsed, exec, start, input)
		if errors.Is(context.Cause(ctx), errShutdown) {
			e.mu.Lock()
			e.cancel = nil
			s.pauseLocked(e)
			e.mu.Unlock()
			return // stays RUNNING; resumes on the next start
		}
		cancel(nil)
		s.finish(e, m, out, err)
	}()
}

// finish records an execution's outcome and its closing history event.
// m is the execution's machine, nil when it no longer exists.
func (s *Service) finish(e *execution, m *machine, out any, err error) {
	defer s.evictClosed(e)       // after the events are handed over
	defer s.flushStatusEvents(e) // after the unlock below
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.rec.Status != statusRunning {
		// Closed already (StopExecution raced the execution's own end):
		// an execution closes once, with one closing event.
		return
	}
	s.checkpointElapsedLocked(e)
	e.runStart = time.Time{}
	now := s.now()
	e.rec.Stop = &now
	e.rec.Resume = nil
	e.cancel = nil
	var ev asl.Event
	var stop stopRequest
	var ae *asl.Error
	switch {
	case err == nil:
		output, mErr := asl.MarshalJSON(out)
		if mErr != nil {
			output = "null"
		}
		e.rec.Status, e.rec.Output = statusSucceeded, &output
		ev = asl.Event{Type: "ExecutionSucceeded", DetailsKey: "executionSucceededEventDetails", Details: map[string]any{
			"output": output, "outputDetails": map[string]any{"truncated": false}}}
	case errors.As(err, &stop):
		e.rec.Status, e.rec.Error, e.rec.Cause = statusAborted, stop.error, stop.cause
		ev = asl.Event{Type: "ExecutionAborted", DetailsKey: "executionAbortedEventDetails", Details: errorDetails(stop.error, stop.cause)}
	case errors.Is(err, errMachineTimeout) || errors.Is(err, context.DeadlineExceeded):
		e.rec.Status, e.rec.Error, e.rec.Cause = statusTimedOut, asl.ErrTimeout, "The execution timed out"
		ev = asl.Event{Type: "ExecutionTimedOut", DetailsKey: "executionTimedOutEventDetails", Details: errorDetails(e.rec.Error, e.rec.Cause)}
	default:
		if !errors.As(err, &ae) {
			ae = &asl.Error{Name: asl.ErrRuntime, Cause: err.Error()}
		}
		e.rec.Status, e.rec.Error, e.rec.Cause = statusFailed, ae.Name, ae.Cause
		ev = asl.Event{Type: "ExecutionFailed", DetailsKey: "executionFailedEventDetails", Details: errorDetails(ae.Name, ae.Cause)}
	}
	s.queueStatusEventLocked(e, m)
	if err := s.appendLocked(e, ev, true); err != nil {
		s.log.Error("stepfunctions: persist execution outcome", "execution", e.rec.ARN, "err", err)
	}
	s.recordOutcome(&e.rec)
}

func errorDetails(name, cause string) map[string]any {
	d := map[string]any{}
	if name != "" {
		d["error"] = name
	}
	if cause != "" {
		d["cause"] = cause
	}
	return d
}

// append adds a history event from the interpreter. Events that arrive
// after the execution closed (a cancelled branch reporting late) are
// dropped, as AWS never shows events after the closing one.
func (s *Service) append(e *execution, ev asl.Event) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.rec.Status != statusRunning {
		return
	}
	if err := s.appendLocked(e, ev, false); err != nil {
		s.log.Error("stepfunctions: persist history event", "execution", e.rec.ARN, "err", err)
	}
}

// appendLocked renders and persists one event (and, with withRecord, the
// execution record in the same transaction). e.mu must be held.
func (s *Service) appendLocked(e *execution, ev asl.Event, withRecord bool) error {
	id := e.events + 1
	at := s.now()
	m := map[string]any{"id": id, "previousEventId": id - 1, "timestamp": epoch(at), "type": ev.Type}
	if ev.DetailsKey != "" {
		m[ev.DetailsKey] = ev.Details
	}
	raw, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("stepfunctions: encode event: %w", err)
	}
	var rec *executionRecord
	if withRecord || e.dirty {
		s.checkpointElapsedLocked(e)
		r := e.rec
		rec = &r
	}
	if err := s.persistEvent(e.rec.ARN, id, raw, rec); err != nil {
		return err
	}
	e.dirty = false
	s.meterTransition(e, ev.Type)
	e.events = id
	s.logHistoryEvent(e.rec, id, ev, at)
	return nil
}

// execution finds an execution by ARN: in memory, else a closed one on
// disk (returned detached: it is not added to Service.executions).
func (s *Service) execution(arn string) (*execution, error) {
	e, err := find(s, s.executions, arn, "execution", "ExecutionDoesNotExist", "Execution Does Not Exist")
	var ae *awsapi.Error
	if err == nil || !errors.As(err, &ae) || ae.Type != "ExecutionDoesNotExist" {
		return e, err
	}
	// Evicted executions were persisted closed before they left the map,
	// so a miss there and a hit here is never a stale RUNNING record.
	rec, ok, rerr := s.readExecution(arn)
	if rerr != nil {
		return nil, rerr
	}
	if !ok {
		return nil, err
	}
	return &execution{rec: rec}, nil
}

// decodeExecution decodes a request whose only input is executionArn and
// finds that execution.
func (s *Service) decodeExecution(body []byte) (*execution, error) {
	var in struct {
		ExecutionArn string `json:"executionArn"`
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	return s.execution(in.ExecutionArn)
}

func (s *Service) describeExecution(_ context.Context, body []byte) (any, error) {
	e, err := s.decodeExecution(body)
	if err != nil {
		return nil, err
	}
	e.mu.Lock()
	rec := e.rec
	e.mu.Unlock()
	out := map[string]any{
		"executionArn": rec.ARN, "stateMachineArn": rec.MachineARN, "name": rec.Name, "status": rec.Status,
		"startDate": epoch(rec.Start), "input": rec.Input, "inputDetails": map[string]any{"included": true},
		"redriveCount": 0, "redriveStatus": "NOT_REDRIVABLE",
	}
	if rec.Stop != nil {
		out["stopDate"] = epoch(*rec.Stop)
	}
	if rec.Output != nil {
		out["output"] = *rec.Output
		out["outputDetails"] = map[string]any{"included": true}
	}
	if rec.Error != "" {
		out["error"] = rec.Error
	}
	if rec.Cause != "" {
		out["cause"] = rec.Cause
	}
	return out, nil
}

var executionStatuses = []string{statusRunning, statusSucceeded, statusFailed, statusTimedOut, statusAborted, "PENDING_REDRIVE"}

func (s *Service) listExecutions(_ context.Context, body []byte) (any, error) {
	var in struct {
		StateMachineArn string `json:"stateMachineArn"`
		StatusFilter    string `json:"statusFilter"`
		MaxResults      int    `json:"maxResults"`
		NextToken       string `json:"nextToken"`
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if in.StateMachineArn == "" {
		return nil, validation("Must provide a StateMachine ARN or MapRun ARN")
	}
	if in.StatusFilter != "" && !contains(executionStatuses, in.StatusFilter) {
		return nil, validation("1 validation error detected: Value '%s' at 'statusFilter' failed to satisfy constraint: Member must satisfy enum value set: %v", in.StatusFilter, executionStatuses)
	}
	if _, err := s.machine(in.StateMachineArn); err != nil {
		return nil, err
	}
	list, err := s.listedExecutions(in.StateMachineArn, in.StatusFilter)
	if err != nil {
		return nil, err
	}
	// Newest first, as AWS lists them.
	sort.Slice(list, func(i, j int) bool {
		if !list[i].Start.Equal(list[j].Start) {
			return list[i].Start.After(list[j].Start)
		}
		return list[i].ARN < list[j].ARN
	})
	page, next, err := paginate(len(list), in.MaxResults, in.NextToken)
	if err != nil {
		return nil, err
	}
	items := []map[string]any{}
	for _, r := range list[page.start:page.end] {
		item := map[string]any{"executionArn": r.ARN, "stateMachineArn": r.MachineARN, "name": r.Name, "status": r.Status, "startDate": epoch(r.Start)}
		if r.Stop != nil {
			item["stopDate"] = epoch(*r.Stop)
		}
		items = append(items, item)
	}
	return pageOutput("executions", items, next), nil
}

func (s *Service) getExecutionHistory(_ context.Context, body []byte) (any, error) {
	var in struct {
		ExecutionArn string `json:"executionArn"`
		MaxResults   int    `json:"maxResults"`
		ReverseOrder bool   `json:"reverseOrder"`
		NextToken    string `json:"nextToken"`
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if _, err := s.execution(in.ExecutionArn); err != nil {
		return nil, err
	}
	events, err := s.readHistory(in.ExecutionArn)
	if err != nil {
		return nil, err
	}
	if in.ReverseOrder {
		for i, j := 0, len(events)-1; i < j; i, j = i+1, j-1 {
			events[i], events[j] = events[j], events[i]
		}
	}
	page, next, err := paginate(len(events), in.MaxResults, in.NextToken)
	if err != nil {
		return nil, err
	}
	return pageOutput("events", events[page.start:page.end], next), nil
}

func (s *Service) describeStateMachineForExecution(_ context.Context, body []byte) (any, error) {
	e, err := s.decodeExecution(body)
	if err != nil {
		return nil, err
	}
	e.mu.Lock()
	machineARN := e.rec.MachineARN
	e.mu.Unlock()
	m, err := s.machine(machineARN)
	if err != nil {
		return nil, err
	}
	return map[string]any{
		"stateMachineArn": m.rec.ARN, "name": m.rec.Name, "definition": m.rec.Definition,
		"roleArn": m.rec.RoleArn, "updateDate": epoch(m.rec.Created),
	}, nil
}

func (s *Service) stopExecution(_ context.Context, body []byte) (any, error) {
	var in struct {
		ExecutionArn string `json:"executionArn"`
		Error        string `json:"error"`
		Cause        string `json:"cause"`
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if len(in.Error) > 256 || len(in.Cause) > 32768 {
		return nil, validation("error must be at most 256 and cause at most 32768 characters")
	}
	e, err := s.execution(in.ExecutionArn)
	if err != nil {
		return nil, err
	}
	e.mu.Lock()
	status, cancel, done, machineARN := e.rec.Status, e.cancel, e.done, e.rec.MachineARN
	e.mu.Unlock()
	stop := stopRequest{error: in.Error, cause: in.Cause}
	switch {
	case status != statusRunning:
		// Already closed: nothing to stop; report when it stopped, so a
		// caller racing the execution's end needs no special case.
	case cancel != nil:
		cancel(stop)
		<-done
	default:
		// RUNNING in the store but not resumed in this process (yet:
		// ResumeExecutions may launch it meanwhile, so look again).
		e.mu.Lock()
		cancel, done = e.cancel, e.done
		e.mu.Unlock()
		if cancel != nil {
			cancel(stop)
			<-done
			break
		}
		s.mu.RLock()
		m := s.machines[machineARN]
		s.mu.RUnlock()
		s.finish(e, m, nil, stop)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	stopDate := s.now()
	if e.rec.Stop != nil {
		stopDate = *e.rec.Stop
	}
	return map[string]any{"stopDate": epoch(stopDate)}, nil
}

func contains(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}
