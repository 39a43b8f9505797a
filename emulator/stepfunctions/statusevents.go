package stepfunctions

import (
	"context"
	"encoding/json"
	"time"
)

// Step Functions sends "Step Functions Execution Status Change" events for
// Standard workflows to the account's default bus, with no configuration:
// one when an execution starts (RUNNING) and one when it closes. Their
// detail carries what DescribeExecution returns.
const (
	StatusEventSource     = "aws.states"
	StatusEventDetailType = "Step Functions Execution Status Change"
)

// EventSink puts one event on the account's default event bus as the
// service itself (no caller's IAM applies). An error means the event was
// not accepted; the service tries again later.
type EventSink func(ctx context.Context, source, detailType string, resources []string, detail []byte) error

// statusRetryMax caps the wait between attempts to emit a status event.
const statusRetryMax = 30 * time.Second

// statusDetail renders the event detail for the record's current status,
// with AWS's keys: absent values are null.
func statusDetail(rec executionRecord) json.RawMessage {
	d := map[string]any{
		"executionArn": rec.ARN, "stateMachineArn": rec.MachineARN, "name": rec.Name, "status": rec.Status,
		"startDate": rec.Start.UnixMilli(), "stopDate": nil,
		"input": rec.Input, "inputDetails": map[string]any{"included": true},
		"output": nil, "outputDetails": nil, "error": nil, "cause": nil,
	}
	if rec.Stop != nil {
		d["stopDate"] = rec.Stop.UnixMilli()
	}
	if rec.Output != nil {
		d["output"], d["outputDetails"] = *rec.Output, map[string]any{"included": true}
	}
	if rec.Error != "" {
		d["error"] = rec.Error
	}
	if rec.Cause != "" {
		d["cause"] = rec.Cause
	}
	raw, _ := json.Marshal(d) // strings, numbers and maps only: cannot fail
	return raw
}

// queueStatusEventLocked adds the event for e's current status to the
// record's pending events; the caller persists the record with the status
// change itself, so a restart between the two cannot lose the event.
// Express workflows emit none, as on AWS. e.mu must be held.
func (s *Service) queueStatusEventLocked(e *execution, m *machine) {
	if s.events == nil || (m != nil && m.rec.Type == "EXPRESS") {
		return
	}
	e.rec.PendingEvents = append(e.rec.PendingEvents, statusDetail(e.rec))
}

// flushStatusEvents emits e's pending events in order, in the background,
// retrying with backoff until the bus accepts each one or the service
// closes (they are then emitted on the next start). An event accepted but
// not yet removed from the record when the runtime stops is emitted again:
// delivery is at least once, as EventBridge's is.
func (s *Service) flushStatusEvents(e *execution) {
	e.mu.Lock()
	if e.flushing || len(e.rec.PendingEvents) == 0 {
		e.mu.Unlock()
		return
	}
	e.flushing = true
	e.mu.Unlock()
	s.running.Add(1)
	go func() {
		defer s.running.Done()
		wait := 100 * time.Millisecond
		for {
			e.mu.Lock()
			if len(e.rec.PendingEvents) == 0 {
				e.flushing = false
				e.mu.Unlock()
				s.evictClosed(e)
				return
			}
			detail, arn := e.rec.PendingEvents[0], e.rec.ARN
			e.mu.Unlock()
			err := s.events(s.base, StatusEventSource, StatusEventDetailType, []string{arn}, detail)
			if err == nil {
				e.mu.Lock()
				e.rec.PendingEvents = e.rec.PendingEvents[1:]
				if len(e.rec.PendingEvents) == 0 {
					e.rec.PendingEvents = nil
				}
				perr := s.putJSON(bucketExecutions, arn, e.rec)
				e.mu.Unlock()
				if perr != nil {
					s.log.Error("stepfunctions: persist emitted status event", "execution", arn, "err", perr)
				}
				wait = 100 * time.Millisecond
				continue
			}
			s.log.Warn("stepfunctions: status change event not accepted; retrying", "execution", arn, "err", err, "retryIn", wait)
			t := time.NewTimer(wait)
			select {
			case <-t.C:
			case <-s.base.Done():
				t.Stop()
				e.mu.Lock()
				e.flushing = false
				e.mu.Unlock()
				return
			}
			wait = min(2*wait, statusRetryMax)
		}
	}()
}

// flushAllStatusEvents emits what a previous run left pending.
func (s *Service) flushAllStatusEvents() {
	if s.events == nil {
		return
	}
	s.mu.RLock()
	var all []*execution
	for _, e := range s.executions {
		all = append(all, e)
	}
	s.mu.RUnlock()
	for _, e := range all {
		s.flushStatusEvents(e)
	}
}
