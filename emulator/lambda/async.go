package lambda

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"log/slog"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/shopstream/shopstream/emulator/awsapi"
	"github.com/shopstream/shopstream/emulator/outbox"
	"github.com/shopstream/shopstream/emulator/state"
)

// maxAsyncPayload is Lambda's limit for asynchronous (Event) invocations.
const maxAsyncPayload = 1 << 20

// AWS's asynchronous invocation rules ("How Lambda handles errors and
// retries with asynchronous invocation"): a function error is retried
// after about one minute, then two; a throttle or system error is retried
// with a backoff from 1 s doubling to 5 minutes, for as long as the event
// is younger than its maximum age. Config.TimeScale scales every wait.
const (
	firstRetryWait   = time.Minute
	secondRetryWait  = 2 * time.Minute
	systemBackoff    = time.Second
	systemBackoffMax = 5 * time.Minute
	// asyncWorkers bounds the asynchronous attempts in progress; each
	// function's own concurrency limit applies within it.
	asyncWorkers = 16
)

// Invocation record conditions.
const (
	conditionSuccess          = "Success"
	conditionRetriesExhausted = "RetriesExhausted"
	conditionEventAgeExceeded = "EventAgeExceeded"
)

// bucketAsync in the shared state store holds the queue: seq → asyncEvent.
var bucketAsync = []byte("lambda/async")

// asyncEvent is one accepted asynchronous invocation, kept in the queue
// (and in the state store) until it succeeds or is given up.
type asyncEvent struct {
	Seq          uint64          `json:"seq"`
	RequestID    string          `json:"requestId"`
	Function     string          `json:"function"` // name
	Payload      json.RawMessage `json:"payload"`
	Accepted     time.Time       `json:"accepted"`
	Invokes      int             `json:"invokes"`      // times the function ran
	SystemErrors int             `json:"systemErrors"` // attempts that could not run it
	NextAttempt  time.Time       `json:"nextAttempt"`
	// The last run's error, for the on-failure record.
	LastError    string          `json:"lastError,omitempty"`
	LastResponse json.RawMessage `json:"lastResponse,omitempty"`

	// restored marks an event a previous run queued: it waits for
	// ResumeAsync, so it runs with the functions and configs of this run's
	// deployment.
	restored bool
}

// asyncQueue holds the accepted asynchronous invocations, written through
// to db when there is one, and the event invoke configs. The configs are
// not stored: each start provisions them from the template again, so one
// removed from the template is gone.
type asyncQueue struct {
	db  *state.DB
	log *slog.Logger
	err error // loading failed: asynchronous invocations are refused

	mu      sync.Mutex
	events  map[uint64]*asyncEvent
	busy    map[uint64]bool // attempts in progress
	seq     uint64
	configs map[string]*eventInvokeConfig // by function name
	resumed bool                          // restored events may run

	// disp starts due invocations; it shares mu, events and busy.
	disp  *outbox.Dispatcher[*asyncEvent]
	start sync.Once
}

func openQueue(db *state.DB, log *slog.Logger) *asyncQueue {
	q := &asyncQueue{db: db, log: log, events: map[uint64]*asyncEvent{}, busy: map[uint64]bool{},
		configs: map[string]*eventInvokeConfig{}}
	q.disp = outbox.New(outbox.Config[*asyncEvent]{
		Lock: &q.mu, Items: q.events, Busy: q.busy, Workers: asyncWorkers,
		Due:  func(e *asyncEvent) time.Time { return e.NextAttempt },
		Hold: func(e *asyncEvent) bool { return e.restored && !q.resumed },
	})
	if db == nil {
		return q
	}
	q.err = db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bucketAsync)
		if err != nil {
			return err
		}
		return b.ForEach(func(k, v []byte) error {
			e := &asyncEvent{restored: true}
			if err := json.Unmarshal(v, e); err != nil {
				return fmt.Errorf("%s %x: %w", bucketAsync, k, err)
			}
			q.events[e.Seq] = e
			q.seq = max(q.seq, e.Seq)
			return nil
		})
	})
	if q.err != nil {
		q.err = fmt.Errorf("lambda: load the asynchronous invocation queue: %w", q.err)
	}
	return q
}

// put writes v under key in bucket; without a store it does nothing.
func (q *asyncQueue) put(bucket, key []byte, v any) error {
	if q.db == nil {
		return nil
	}
	raw, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return q.db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bucket).Put(key, raw) })
}

func (q *asyncQueue) del(bucket, key []byte) error {
	if q.db == nil {
		return nil
	}
	return q.db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bucket).Delete(key) })
}

func seqKey(seq uint64) []byte { return binary.BigEndian.AppendUint64(nil, seq) }

// InvokeAsync accepts an asynchronous (InvocationType Event) invocation:
// it is stored in the queue (Config.DB) and the call returns at once, as
// EventBridge and the Invoke API's 202 expect. The queue then runs it with
// AWS's retries, maximum event age and destinations (see attempt). The
// error is for an unknown function, a denied caller, a bad payload or a
// closed service: then nothing is queued.
func (s *Service) InvokeAsync(ctx context.Context, function string, payload []byte) error {
	fn, err := s.lookup(function)
	if err != nil {
		return err
	}
	if err := s.authorize(ctx, fn); err != nil {
		return err
	}
	if err := checkPayload(payload, maxAsyncPayload); err != nil {
		return err
	}
	if len(payload) == 0 {
		payload = []byte("{}")
	}
	if err := s.enqueue(fn, payload); err != nil {
		return err
	}
	s.startAsync()
	s.queue.disp.Wake()
	return nil
}

// enqueue stores a new asynchronous invocation of fn, unless the service
// is closed.
func (s *Service) enqueue(fn *function, payload []byte) error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return ErrClosed
	}
	q := s.queue
	if q.err != nil {
		return q.err
	}
	now := s.cfg.Now()
	q.mu.Lock()
	defer q.mu.Unlock()
	e := &asyncEvent{Seq: q.seq + 1, RequestID: awsapi.RequestID(), Function: fn.name, Payload: payload, Accepted: now, NextAttempt: now}
	if err := q.put(bucketAsync, seqKey(e.Seq), e); err != nil {
		return fmt.Errorf("lambda: queue asynchronous invocation of %s: %w", fn.name, err)
	}
	q.seq = e.Seq
	q.events[e.Seq] = e
	return nil
}

// ResumeAsync lets the asynchronous invocations a previous run left queued
// run; call it once the stack is deployed, so they find their functions
// and event invoke configs. (InvokeAsync starts the queue for new
// invocations without it.) The error is the queue's loading error.
func (s *Service) ResumeAsync() error {
	q := s.queue
	if q.err != nil {
		return q.err
	}
	q.mu.Lock()
	q.resumed = true
	q.mu.Unlock()
	s.startAsync()
	q.disp.Wake()
	return nil
}

func (s *Service) startAsync() {
	s.queue.start.Do(func() {
		s.mu.RLock()
		defer s.mu.RUnlock()
		if s.closed {
			return
		}
		s.async.Go(func() { s.queue.disp.Run(s.stop, s.cfg.Now, s.attempt) })
	})
}

// scaled is d under Config.TimeScale.
func (s *Service) scaled(d time.Duration) time.Duration {
	return time.Duration(float64(d) * s.cfg.TimeScale)
}

func (s *Service) stopping() bool {
	select {
	case <-s.stop:
		return true
	default:
		return false
	}
}

// attempt runs e once and records the outcome: done (with the on-success
// record), retry later, or given up (with the on-failure record). The
// queue's dispatcher runs it with e busy; e stays busy until the outcome is
// recorded.
func (s *Service) attempt(e *asyncEvent) {
	q := s.queue
	cfg := q.config(e.Function)
	if age := s.cfg.Now().Sub(e.Accepted); age > s.scaled(cfg.maxAge()) {
		s.giveUp(e, cfg, conditionEventAgeExceeded)
		return
	}
	fn, err := s.lookup(e.Function)
	var res result
	if err == nil {
		res, err = s.invoke(context.Background(), fn, e.RequestID, e.Payload, false)
	}
	if s.stopping() {
		// Stopped mid-attempt (the process may have been killed): the
		// stored invocation runs again after the restart.
		q.unbusy(e)
		return
	}
	now := s.cfg.Now()
	switch {
	case err != nil:
		// Lambda could not run the function (a process that did not
		// start, a function not provisioned yet after a restart): retry
		// with backoff while the event is young enough.
		e.SystemErrors++
		wait := s.scaled(min(systemBackoff<<min(e.SystemErrors-1, 20), systemBackoffMax))
		s.cfg.Log.Warn("lambda async invoke: not run, will retry", "function", e.Function, "requestId", e.RequestID, "in", wait, "err", err)
		q.retry(e, now.Add(wait))
	case res.functionError == "":
		e.Invokes++
		if cfg.OnSuccess != "" {
			s.sendRecord(e, cfg.OnSuccess, conditionSuccess, "", res.payload)
		}
		q.finish(e)
	default:
		e.Invokes++
		e.LastError, e.LastResponse = res.functionError, res.payload
		if e.Invokes > cfg.retries() {
			s.giveUp(e, cfg, conditionRetriesExhausted)
			return
		}
		wait := firstRetryWait
		if e.Invokes > 1 {
			wait = secondRetryWait
		}
		wait = s.scaled(wait)
		s.cfg.Log.Warn("lambda async invoke: function error, will retry", "function", e.Function, "requestId", e.RequestID, "attempt", e.Invokes, "in", wait)
		q.retry(e, now.Add(wait))
	}
}

// giveUp sends e's on-failure record, or logs that it is dropped as AWS
// drops it, and removes it from the queue.
func (s *Service) giveUp(e *asyncEvent, cfg *eventInvokeConfig, condition string) {
	if cfg.OnFailure != "" {
		s.sendRecord(e, cfg.OnFailure, condition, e.LastError, e.LastResponse)
	} else {
		s.cfg.Log.Error("lambda async invoke dropped: no on-failure destination", "function", e.Function, "requestId", e.RequestID,
			"condition", condition, "attempts", e.Invokes, "error", string(e.LastResponse))
	}
	s.queue.finish(e)
}

// retry schedules e's next attempt.
func (q *asyncQueue) retry(e *asyncEvent, at time.Time) {
	q.mu.Lock()
	defer q.mu.Unlock()
	e.NextAttempt = at
	delete(q.busy, e.Seq)
	if err := q.put(bucketAsync, seqKey(e.Seq), e); err != nil {
		q.log.Error("lambda: persist asynchronous retry", "function", e.Function, "requestId", e.RequestID, "err", err)
	}
}

// finish removes e from the queue.
func (q *asyncQueue) finish(e *asyncEvent) {
	q.mu.Lock()
	defer q.mu.Unlock()
	delete(q.busy, e.Seq)
	delete(q.events, e.Seq)
	if err := q.del(bucketAsync, seqKey(e.Seq)); err != nil {
		q.log.Error("lambda: remove finished asynchronous invocation", "function", e.Function, "requestId", e.RequestID, "err", err)
	}
}

func (q *asyncQueue) unbusy(e *asyncEvent) {
	q.mu.Lock()
	defer q.mu.Unlock()
	delete(q.busy, e.Seq)
}
