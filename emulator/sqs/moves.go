package sqs

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/shopstream/shopstream/emulator/awsapi"
)

// Dead-letter queue redrive: StartMessageMoveTask and ListMessageMoveTasks
// (the API behind the console's "Start DLQ redrive").
//
// Locally a task moves every message that is visible when it starts before
// the call returns, so it is COMPLETED (or FAILED) by the time anyone lists
// it; MaxNumberOfMessagesPerSecond is validated and reported but there is
// nothing to pace. Tasks are kept in memory only: a restart forgets their
// history (never their messages, which are stored like any other move).

const (
	maxMoveRate       = 500 // messages per second, AWS's limit
	maxMoveTaskList   = 10  // ListMessageMoveTasks MaxResults, AWS's limit
	moveTaskCompleted = "COMPLETED"
	moveTaskFailed    = "FAILED"
)

// moveTask is one task as ListMessageMoveTasks reports it.
type moveTask struct {
	Handle         string
	Status         string
	SourceARN      string
	DestinationARN string // "" means each message's own source queue
	Rate           *int
	Moved, ToMove  int
	FailureReason  string
	Started        time.Time
}

func resourceNotFound(param string) error {
	return &awsapi.Error{Type: "ResourceNotFoundException", Status: http.StatusNotFound,
		Message: "The resource that you specified for the " + param + " parameter doesn't exist.",
		Header:  map[string]string{"x-amzn-query-error": "ResourceNotFoundException;Sender"}}
}

// queueByARN looks a queue up by ARN; the caller holds s.mu.
func (s *Service) queueByARN(arn, param string) (*queue, error) {
	if arn == "" {
		return nil, missingParameter(param)
	}
	name, ok := nameFromARN(arn)
	if !ok || s.queues[name] == nil {
		return nil, resourceNotFound(param)
	}
	return s.queues[name], nil
}

func (s *Service) startMessageMoveTask(ctx context.Context, body []byte) (any, error) {
	var in struct {
		SourceArn                    string
		DestinationArn               *string
		MaxNumberOfMessagesPerSecond *int
	}
	if err := decodeInput(body, &in); err != nil {
		return nil, err
	}
	if r := in.MaxNumberOfMessagesPerSecond; r != nil && (*r < 1 || *r > maxMoveRate) {
		return nil, invalidParameter("Value %d for parameter MaxNumberOfMessagesPerSecond is invalid. Reason: Must be between 1 and %d, if provided.", *r, maxMoveRate)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	src, err := s.queueByARN(in.SourceArn, "SourceArn")
	if err != nil {
		return nil, err
	}
	if len(s.deadLetterSources(src)) == 0 {
		return nil, invalidParameter("Source queue must be configured as a Dead Letter Queue.")
	}
	var dst *queue
	if in.DestinationArn != nil {
		if dst, err = s.queueByARN(*in.DestinationArn, "DestinationArn"); err != nil {
			return nil, err
		}
		if dst == src {
			return nil, invalidParameter("Source queue arn and destination queue arn cannot be the same.")
		}
	}
	// The task reads and deletes on the source and sends to the
	// destination, so the caller needs those permissions as well.
	if err := authorizeMove(ctx, src, dst, s.deadLetterSources(src)); err != nil {
		return nil, err
	}
	if s.moveTasks == nil {
		s.moveTasks = map[string][]*moveTask{}
	}
	// Tasks finish before the call returns, so none is ever still running
	// here; AWS's "There is already a task running" cannot happen locally.
	t := &moveTask{Handle: s.newID(), Status: moveTaskCompleted, SourceARN: src.arn, Rate: in.MaxNumberOfMessagesPerSecond, Started: s.now()}
	if dst != nil {
		t.DestinationARN = dst.arn
	}
	s.runMove(t, src, dst)
	s.moveTasks[src.arn] = append(s.moveTasks[src.arn], t)
	return map[string]string{"TaskHandle": t.Handle}, nil
}

// deadLetterSources are the queues whose redrive policy names q; the
// caller holds s.mu.
func (s *Service) deadLetterSources(q *queue) []*queue {
	var out []*queue
	for _, other := range s.queues {
		if other.DeadLetterARN == q.arn {
			out = append(out, other)
		}
	}
	return out
}

// runMove moves src's visible messages to dst, or each back to the queue
// it was dead-lettered from when dst is nil. A message with no such queue
// (sent to the dead-letter queue directly, or from a queue since deleted)
// stays and fails the task, as the rest still move. Each moved message
// keeps its id, body, attributes and sent time (retention counts from the
// original send, as on AWS) and starts with no receives. The caller holds
// s.mu.
func (s *Service) runMove(t *moveTask, src, dst *queue) {
	now := s.now()
	expired := src.expired(now)
	moved := map[*queue][]*message{}
	var out []*message
	stranded := 0
	for _, m := range src.msgs {
		if m.VisibleAt.After(now) {
			continue // in flight or delayed: a later task moves it
		}
		t.ToMove++
		to := dst
		if to == nil {
			if name, ok := nameFromARN(m.DLQSource); ok {
				to = s.queues[name]
			}
		}
		if to == nil {
			stranded++
			continue
		}
		s.seq++
		c := *m
		c.Seq, c.VisibleAt, c.ReceiveCount, c.FirstReceive, c.Receipt, c.DLQSource = s.seq, now, 0, time.Time{}, "", ""
		moved[to] = append(moved[to], &c)
		out = append(out, m)
	}
	byName := map[string][]*message{}
	for q, ms := range moved {
		byName[q.Name] = ms
	}
	if err := s.saveMessages(src.Name, nil, append(expired, out...), byName); err != nil {
		t.Status, t.FailureReason = moveTaskFailed, "the local state store failed: "+err.Error()
		return
	}
	for _, m := range out {
		src.remove(m)
	}
	for q, ms := range moved {
		for _, m := range ms {
			q.add(m)
		}
	}
	t.Moved = len(out)
	if stranded > 0 {
		t.Status = moveTaskFailed
		t.FailureReason = fmt.Sprintf("%d message(s) have no source queue to return to (sent to the dead-letter queue directly, or their queue is gone): give a DestinationArn", stranded)
	}
}

func (s *Service) listMessageMoveTasks(_ context.Context, body []byte) (any, error) {
	var in struct {
		SourceArn  string
		MaxResults *int
	}
	if err := decodeInput(body, &in); err != nil {
		return nil, err
	}
	limit := 1
	if in.MaxResults != nil {
		if *in.MaxResults < 1 || *in.MaxResults > maxMoveTaskList {
			return nil, invalidParameter("Value %d for parameter MaxResults is invalid. Reason: You must enter a number that's between 1 and %d.", *in.MaxResults, maxMoveTaskList)
		}
		limit = *in.MaxResults
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	src, err := s.queueByARN(in.SourceArn, "SourceArn")
	if err != nil {
		return nil, err
	}
	results := []map[string]any{}
	for _, t := range slices.Backward(s.moveTasks[src.arn]) { // most recent first
		if len(results) == limit {
			break
		}
		r := map[string]any{
			"Status": t.Status, "SourceArn": t.SourceARN,
			"ApproximateNumberOfMessagesMoved": t.Moved, "ApproximateNumberOfMessagesToMove": t.ToMove,
			"StartedTimestamp": t.Started.UnixMilli(),
		}
		if t.DestinationARN != "" {
			r["DestinationArn"] = t.DestinationARN
		}
		if t.Rate != nil {
			r["MaxNumberOfMessagesPerSecond"] = *t.Rate
		}
		if t.FailureReason != "" {
			r["FailureReason"] = t.FailureReason
		}
		results = append(results, r)
	}
	return map[string]any{"Results": results}, nil
}

// authorizeMove checks what a move task does for its caller, as AWS
// documents for StartMessageMoveTask: sqs:ReceiveMessage, DeleteMessage and
// GetQueueAttributes on the source, sqs:SendMessage on the destination
// (every source queue of the dead-letter queue when none is given).
func authorizeMove(ctx context.Context, src, dst *queue, sources []*queue) error {
	if awsapi.PrincipalFrom(ctx).IsZero() {
		return nil
	}
	for _, action := range []string{"receivemessage", "deletemessage", "getqueueattributes"} {
		if err := denial(awsapi.Authorize(ctx, "sqs:"+action, src.arn, nil)); err != nil {
			return err
		}
	}
	if dst != nil {
		sources = []*queue{dst}
	}
	for _, q := range sources {
		if err := denial(awsapi.Authorize(ctx, "sqs:sendmessage", q.arn, nil)); err != nil {
			return err
		}
	}
	return nil
}

// denial reshapes an access denial as SQS sends it (see authorize).
func denial(err error) error {
	var ae *awsapi.Error
	if errors.As(err, &ae) && awsapi.IsAccessDenied(ae) {
		return &awsapi.Error{Type: ae.Type, Message: ae.Message, Status: http.StatusForbidden,
			Header: map[string]string{"x-amzn-query-error": "AccessDenied;Sender"}}
	}
	return err
}
