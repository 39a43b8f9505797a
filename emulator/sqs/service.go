package sqs

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/shopstream/shopstream/emulator/awsapi"
	"github.com/shopstream/shopstream/emulator/state"
	"github.com/shopstream/shopstream/emulator/telemetry"
)

// TargetPrefix is the X-Amz-Target prefix of the SQS JSON protocol.
const TargetPrefix = "AmazonSQS"

// typePrefix is the namespace AWS puts before error types; SDKs strip it.
const typePrefix = "com.amazonaws.sqs#"

// Buckets in the shared state store.
var (
	bucketQueues   = []byte("sqs/queues")   // name → queueConfig JSON
	bucketMessages = []byte("sqs/messages") // name \x00 seq → message JSON
)

// Options configures a Service. The zero value is usable.
type Options struct {
	// BaseURL prefixes queue URLs: "<BaseURL>/000000000000/<name>". It
	// should be the endpoint's address (default http://127.0.0.1:4566).
	BaseURL string
	// Now is the clock (default time.Now).
	Now func() time.Time
	// NewID returns message ids and receipt nonces (default: random UUIDs).
	NewID func() string
	// TimeScale multiplies visibility timeouts and delivery delays, so
	// tests see a failed message come back in a fraction of its 180 s
	// (0 or 1: real time). Attributes still report the configured values.
	TimeScale float64
	// Metrics receives the queues' counting metrics (nil: none); the
	// depth gauges are read through Sample.
	Metrics telemetry.Metrics
}

// Service is the local SQS. Its methods are safe for concurrent use.
type Service struct {
	db      *state.DB
	baseURL string
	now     func() time.Time
	newID   func() string
	scale   float64 // see Options.TimeScale
	metrics telemetry.Metrics

	mu     sync.Mutex
	queues map[string]*queue // by name
	seq    uint64            // last message sequence number
	// moveTasks are the message move tasks by source queue ARN, oldest
	// first (moves.go).
	moveTasks map[string][]*moveTask
}

// scaled applies the time scale to a visibility timeout or delay.
func (s *Service) scaled(d time.Duration) time.Duration {
	if s.scale <= 0 || s.scale == 1 {
		return d
	}
	return time.Duration(float64(d) * s.scale)
}

// New loads the queues and messages kept in db.
func New(db *state.DB, opts Options) (*Service, error) {
	s := &Service{db: db, baseURL: opts.BaseURL, now: opts.Now, newID: opts.NewID, scale: opts.TimeScale, metrics: telemetry.OrMetrics(opts.Metrics), queues: map[string]*queue{}}
	if s.baseURL == "" {
		s.baseURL = "http://127.0.0.1:4566"
	}
	s.baseURL = strings.TrimSuffix(s.baseURL, "/")
	if s.now == nil {
		s.now = time.Now
	}
	if s.newID == nil {
		s.newID = awsapi.RequestID
	}
	if err := s.load(); err != nil {
		return nil, fmt.Errorf("sqs: load: %w", err)
	}
	return s, nil
}

func (s *Service) load() error {
	return s.db.Update(func(tx *bolt.Tx) error {
		qb, err := tx.CreateBucketIfNotExists(bucketQueues)
		if err != nil {
			return err
		}
		mb, err := tx.CreateBucketIfNotExists(bucketMessages)
		if err != nil {
			return err
		}
		err = qb.ForEach(func(k, v []byte) error {
			var cfg queueConfig
			if err := json.Unmarshal(v, &cfg); err != nil {
				return fmt.Errorf("queue %s: %w", k, err)
			}
			s.queues[cfg.Name] = newQueue(cfg)
			return nil
		})
		if err != nil {
			return err
		}
		// Keys sort by queue name then sequence, so messages load in send order.
		now := s.now()
		return mb.ForEach(func(k, v []byte) error {
			var m message
			if err := json.Unmarshal(v, &m); err != nil {
				return fmt.Errorf("message %q: %w", k, err)
			}
			// A message in flight when the runtime stopped was held by a
			// consumer of the old process (an event source mapping), which
			// is gone: it becomes visible now rather than after its full
			// visibility timeout. Its receive count is kept, so redrive to
			// the dead-letter queue still applies. Delayed messages (never
			// received) keep their delay.
			if m.ReceiveCount > 0 && m.VisibleAt.After(now) {
				m.VisibleAt = now
				m.Receipt = ""
			}
			name, _, _ := strings.Cut(string(k), "\x00")
			q := s.queues[name]
			if q == nil {
				return nil // queue deleted before its messages; ignore
			}
			q.msgs = append(q.msgs, &m)
			q.byID[m.ID] = &m
			s.seq = max(s.seq, m.Seq)
			return nil
		})
	})
}

// Register serves the SQS JSON protocol on srv.
func (s *Service) Register(srv *awsapi.Server) {
	ops := map[string]func(context.Context, []byte) (any, error){
		"CreateQueue": s.createQueue, "GetQueueUrl": s.getQueueURL, "ListQueues": s.listQueues,
		"DeleteQueue": s.deleteQueue, "GetQueueAttributes": s.getQueueAttributes,
		"SetQueueAttributes": s.setQueueAttributes, "PurgeQueue": s.purgeQueue,
		"SendMessage": s.sendMessage, "SendMessageBatch": s.sendMessageBatch,
		"ReceiveMessage": s.receiveMessage, "DeleteMessage": s.deleteMessage,
		"DeleteMessageBatch": s.deleteMessageBatch, "ChangeMessageVisibility": s.changeMessageVisibility,
		"ChangeMessageVisibilityBatch": s.changeMessageVisibilityBatch,
		"ListQueueTags":                s.listQueueTags, "TagQueue": s.tagQueue, "UntagQueue": s.untagQueue,
		"ListDeadLetterSourceQueues": s.listDeadLetterSourceQueues,
		"StartMessageMoveTask":       s.startMessageMoveTask, "ListMessageMoveTasks": s.listMessageMoveTasks,
	}
	srv.Register(TargetPrefix, "1.0", typePrefix, func(ctx context.Context, op string, body []byte) (any, error) {
		f, ok := ops[op]
		if !ok {
			return nil, &awsapi.Error{Type: "UnsupportedOperation", Message: op + " is not supported by the local SQS.", Status: http.StatusBadRequest}
		}
		if err := s.authorize(ctx, op, body); err != nil {
			return nil, err
		}
		s.meterRequest(op, body)
		out, err := f(ctx, body)
		var ae *apiError
		if errors.As(err, &ae) {
			return nil, ae.aws()
		}
		return out, err
	})
}

// apiError is an SQS error: typ is the JSON protocol's error type (the
// name the SDK's error types match).
type apiError struct {
	typ, msg string
}

func (e *apiError) Error() string { return e.typ + ": " + e.msg }

func (e *apiError) aws() *awsapi.Error {
	code := e.typ
	if legacy, ok := legacyCodes[e.typ]; ok {
		code = legacy
	}
	return &awsapi.Error{Type: e.typ, Message: e.msg, Status: http.StatusBadRequest,
		Header: map[string]string{"x-amzn-query-error": code + ";Sender"}}
}

// legacyCodes are the query-protocol error codes SQS still reports in the
// x-amzn-query-error header, from which SDKs take the error code.
var legacyCodes = map[string]string{
	"QueueDoesNotExist":            "AWS.SimpleQueueService.NonExistentQueue",
	"TooManyEntriesInBatchRequest": "AWS.SimpleQueueService.TooManyEntriesInBatchRequest",
	"EmptyBatchRequest":            "AWS.SimpleQueueService.EmptyBatchRequest",
	"BatchEntryIdsNotDistinct":     "AWS.SimpleQueueService.BatchEntryIdsNotDistinct",
	"InvalidBatchEntryId":          "AWS.SimpleQueueService.InvalidBatchEntryId",
	"BatchRequestTooLong":          "AWS.SimpleQueueService.BatchRequestTooLong",
	"PurgeQueueInProgress":         "AWS.SimpleQueueService.PurgeQueueInProgress",
	"QueueDeletedRecently":         "AWS.SimpleQueueService.QueueDeletedRecently",
	"UnsupportedOperation":         "AWS.SimpleQueueService.UnsupportedOperation",
}

func invalidParameter(format string, args ...any) error {
	return &apiError{typ: "InvalidParameterValue", msg: fmt.Sprintf(format, args...)}
}

func missingParameter(name string) error {
	return &apiError{typ: "MissingParameter", msg: "The request must contain the parameter " + name + "."}
}

func invalidAttributeValue(name, value, reason string) error {
	return &apiError{typ: "InvalidAttributeValue", msg: fmt.Sprintf("Invalid value %s for the parameter %s. Reason: %s", value, name, reason)}
}

// ErrQueueDoesNotExist is returned (wrapped) by Send for an unknown queue.
var ErrQueueDoesNotExist error = &apiError{typ: "QueueDoesNotExist", msg: "The specified queue does not exist."}

func decodeInput(body []byte, v any) error {
	if err := json.Unmarshal(body, v); err != nil {
		return &apiError{typ: "SerializationException", msg: "Request body is not valid JSON: " + err.Error()}
	}
	return nil
}

// QueueURL returns the URL of a queue name.
func (s *Service) QueueURL(name string) string {
	return s.baseURL + "/" + awsapi.AccountID + "/" + name
}

func queueARN(name string) string { return awsapi.ARN("sqs", name) }

// nameFromURL accepts any URL whose path ends "/<account>/<name>", so URLs
// built from another host name for the endpoint still resolve.
func nameFromURL(raw string) (string, error) {
	if raw == "" {
		return "", missingParameter("QueueUrl")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "", ErrQueueDoesNotExist
	}
	parts := strings.Split(strings.Trim(u.Path, "/"), "/")
	if len(parts) != 2 || parts[1] == "" {
		return "", ErrQueueDoesNotExist
	}
	return parts[1], nil
}

// nameFromARN returns the queue name of an SQS ARN in the local account.
func nameFromARN(arn string) (string, bool) {
	prefix := queueARN("")
	if !strings.HasPrefix(arn, prefix) || len(arn) == len(prefix) {
		return "", false
	}
	return arn[len(prefix):], true
}

// queueByURL looks a queue up; the caller holds s.mu.
func (s *Service) queueByURL(raw string) (*queue, error) {
	name, err := nameFromURL(raw)
	if err != nil {
		return nil, err
	}
	q := s.queues[name]
	if q == nil {
		return nil, ErrQueueDoesNotExist
	}
	return q, nil
}

// withQueue runs fn on the queue queueURL names, holding s.mu throughout;
// an unknown queue is an error and fn does not run.
func (s *Service) withQueue(queueURL string, fn func(q *queue) (any, error)) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	q, err := s.queueByURL(queueURL)
	if err != nil {
		return nil, err
	}
	return fn(q)
}

// onQueueURL serves an operation whose only input is QueueUrl.
func (s *Service) onQueueURL(body []byte, fn func(q *queue) (any, error)) (any, error) {
	var in struct {
		QueueURL string `json:"QueueUrl"`
	}
	if err := decodeInput(body, &in); err != nil {
		return nil, err
	}
	return s.withQueue(in.QueueURL, fn)
}

func (s *Service) queueExists(arn string) bool {
	name, ok := nameFromARN(arn)
	return ok && s.queues[name] != nil
}

// Persistence. Callers hold s.mu, so writes reach bbolt in the order the
// in-memory state changed.

func messageKey(queue string, seq uint64) []byte {
	k := make([]byte, len(queue)+1+8)
	copy(k, queue)
	binary.BigEndian.PutUint64(k[len(queue)+1:], seq)
	return k
}

func (s *Service) saveQueue(cfg *queueConfig) error {
	raw, err := json.Marshal(cfg)
	if err != nil {
		return err
	}
	return s.db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketQueues).Put([]byte(cfg.Name), raw)
	})
}

// saveMessages writes put and removes del for queue name in one transaction.
// moved carries messages stored under another queue (redrive to a DLQ).
func (s *Service) saveMessages(name string, put, del []*message, moved map[string][]*message) error {
	if len(put) == 0 && len(del) == 0 && len(moved) == 0 {
		return nil
	}
	return s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketMessages)
		for _, m := range del {
			if err := b.Delete(messageKey(name, m.Seq)); err != nil {
				return err
			}
		}
		write := func(q string, ms []*message) error {
			for _, m := range ms {
				raw, err := json.Marshal(m)
				if err != nil {
					return err
				}
				if err := b.Put(messageKey(q, m.Seq), raw); err != nil {
					return err
				}
			}
			return nil
		}
		if err := write(name, put); err != nil {
			return err
		}
		for q, ms := range moved {
			if err := write(q, ms); err != nil {
				return err
			}
		}
		return nil
	})
}

func (s *Service) deleteQueueState(name string) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		if err := tx.Bucket(bucketQueues).Delete([]byte(name)); err != nil {
			return err
		}
		c := tx.Bucket(bucketMessages).Cursor()
		prefix := []byte(name + "\x00")
		for k, _ := c.Seek(prefix); k != nil && strings.HasPrefix(string(k), string(prefix)); k, _ = c.Seek(prefix) {
			if err := c.Delete(); err != nil {
				return err
			}
		}
		return nil
	})
}
