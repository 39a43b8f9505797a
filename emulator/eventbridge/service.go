package eventbridge

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/shopstream/shopstream/emulator/awsapi"
	"github.com/shopstream/shopstream/emulator/eventbridge/pattern"
	"github.com/shopstream/shopstream/emulator/outbox"
	"github.com/shopstream/shopstream/emulator/sqs"
	"github.com/shopstream/shopstream/emulator/stack"
	"github.com/shopstream/shopstream/emulator/state"
	"github.com/shopstream/shopstream/emulator/telemetry"
)

// TargetPrefix is the X-Amz-Target prefix of the EventBridge JSON protocol.
const TargetPrefix = "AWSEvents"

// DefaultBus is the bus every account has.
const DefaultBus = "default"

// principal is the service principal queue policies must allow.
const principal = "events.amazonaws.com"

// Buckets in the shared state store.
var (
	bucketBuses    = []byte("eventbridge/buses")          // name → bus
	bucketRules    = []byte("eventbridge/rules")          // bus "/" name → rule
	bucketArchives = []byte("eventbridge/archives")       // name → archive
	bucketArchived = []byte("eventbridge/archive-events") // archive \x00 seq → event
	bucketOutbox   = []byte("eventbridge/outbox")         // seq → delivery
)

// Queues is what EventBridge needs from SQS; *sqs.Service implements it.
type Queues interface {
	AllowsSend(queueARN, principalService, sourceARN string) bool
	Send(ctx context.Context, queueARN, body string, attrs map[string]sqs.Attribute) (string, error)
}

// Caller reaches other emulated services in-process; *awsapi.Server
// implements it. Step Functions targets use it.
type Caller interface {
	Call(ctx context.Context, target string, body []byte) ([]byte, error)
}

// Config wires a Service. DB is required; a target kind whose dependency is
// nil fails its deliveries with an error naming what is missing.
type Config struct {
	DB      *state.DB
	Queues  Queues
	Invoker stack.AsyncInvoker
	Caller  Caller
	Log     *slog.Logger
	// Now is the clock (default time.Now).
	Now func() time.Time
	// NewID returns event ids (default: random UUIDs, as AWS uses).
	NewID func() string
	// RetryBase is the first retry delay of a failed delivery; each retry
	// doubles it, up to a minute (default 1s; tests shorten it).
	RetryBase time.Duration
	// Workers bounds concurrent deliveries (default 8).
	Workers int
	// Metrics receives the billing meter of published events (nil: none).
	Metrics telemetry.Metrics
}

// Service is the local EventBridge. Call Close to stop its workers.
type Service struct {
	cfg Config
	log *slog.Logger

	mu       sync.Mutex
	buses    map[string]*bus
	rules    map[string]*rule // by bus "/" name
	archives map[string]*archive
	outbox   map[uint64]*delivery
	busy     map[uint64]bool // deliveries in progress
	seq      uint64          // last outbox / archive sequence number

	// disp starts due deliveries; it shares mu, outbox and busy.
	disp   *outbox.Dispatcher[*delivery]
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

type bus struct {
	Name    string    `json:"name"`
	ARN     string    `json:"arn"`
	Created time.Time `json:"created"`
}

type rule struct {
	Name               string    `json:"name"`
	Bus                string    `json:"bus"`
	ARN                string    `json:"arn"`
	EventPattern       string    `json:"eventPattern,omitempty"`
	ScheduleExpression string    `json:"scheduleExpression,omitempty"`
	State              string    `json:"state"`
	Description        string    `json:"description,omitempty"`
	RoleARN            string    `json:"roleArn,omitempty"`
	Targets            []Target  `json:"targets,omitempty"`
	Created            time.Time `json:"created"`

	compiled *pattern.Pattern
}

// Target is a rule target with the fields of the API and of
// AWS::Events::Rule (they share names).
type Target struct {
	ID               string            `json:"Id"`
	ARN              string            `json:"Arn"`
	RoleARN          string            `json:"RoleArn,omitempty"`
	Input            string            `json:"Input,omitempty"`
	InputPath        string            `json:"InputPath,omitempty"`
	InputTransformer *InputTransformer `json:"InputTransformer,omitempty"`
	SqsParameters    map[string]any    `json:"SqsParameters,omitempty"`
	DeadLetterConfig *struct {
		ARN string `json:"Arn,omitempty"`
	} `json:"DeadLetterConfig,omitempty"`
	RetryPolicy *RetryPolicy `json:"RetryPolicy,omitempty"`
}

// InputTransformer rewrites the event with placeholders (<name>) filled
// from JSON paths into the event.
type InputTransformer struct {
	InputPathsMap map[string]string `json:"InputPathsMap,omitempty"`
	InputTemplate string            `json:"InputTemplate"`
}

// RetryPolicy bounds redelivery; AWS's defaults are 185 attempts and 24 h.
type RetryPolicy struct {
	MaximumRetryAttempts     *int `json:"MaximumRetryAttempts,omitempty"`
	MaximumEventAgeInSeconds *int `json:"MaximumEventAgeInSeconds,omitempty"`
}

type archive struct {
	Name          string    `json:"name"`
	ARN           string    `json:"arn"`
	SourceARN     string    `json:"sourceArn"`
	EventPattern  string    `json:"eventPattern,omitempty"`
	Description   string    `json:"description,omitempty"`
	RetentionDays int       `json:"retentionDays,omitempty"`
	Created       time.Time `json:"created"`
	EventCount    int       `json:"eventCount"`
	SizeBytes     int       `json:"sizeBytes"`

	compiled *pattern.Pattern
}

// delivery is one event bound for one target, kept in the outbox until it
// is delivered or given up.
type delivery struct {
	Seq         uint64          `json:"seq"`
	EventID     string          `json:"eventId"`
	Event       json.RawMessage `json:"event"`
	RuleARN     string          `json:"ruleArn"`
	RuleName    string          `json:"ruleName"`
	Target      Target          `json:"target"`
	Accepted    time.Time       `json:"accepted"`
	Attempts    int             `json:"attempts"`
	NextAttempt time.Time       `json:"nextAttempt"`
	LastError   string          `json:"lastError,omitempty"`
}

// New loads the buses, rules, archives and undelivered events kept in
// cfg.DB and starts delivering.
func New(cfg Config) (*Service, error) {
	if cfg.DB == nil {
		return nil, errors.New("eventbridge: Config.DB is required")
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.NewID == nil {
		cfg.NewID = awsapi.RequestID
	}
	if cfg.RetryBase <= 0 {
		cfg.RetryBase = time.Second
	}
	if cfg.Workers <= 0 {
		cfg.Workers = 8
	}
	cfg.Metrics = telemetry.OrMetrics(cfg.Metrics)
	s := &Service{
		cfg: cfg, log: cfg.Log,
		buses: map[string]*bus{}, rules: map[string]*rule{}, archives: map[string]*archive{},
		outbox: map[uint64]*delivery{}, busy: map[uint64]bool{},
	}
	s.disp = outbox.New(outbox.Config[*delivery]{
		Lock: &s.mu, Items: s.outbox, Busy: s.busy, Workers: cfg.Workers,
		Due: func(d *delivery) time.Time { return d.NextAttempt },
	})
	if err := s.load(); err != nil {
		return nil, fmt.Errorf("eventbridge: load: %w", err)
	}
	if s.buses[DefaultBus] == nil {
		b := &bus{Name: DefaultBus, ARN: busARN(DefaultBus), Created: cfg.Now()}
		if err := s.put(bucketBuses, []byte(b.Name), b); err != nil {
			return nil, fmt.Errorf("eventbridge: %w", err)
		}
		s.buses[DefaultBus] = b
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.wg.Go(func() { s.disp.Run(s.ctx.Done(), cfg.Now, s.attempt) })
	return s, nil
}

// Close stops delivering; undelivered events stay in the outbox for the
// next start.
func (s *Service) Close(ctx context.Context) error {
	s.cancel()
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("eventbridge: close: %w", ctx.Err())
	}
}

func (s *Service) load() error {
	return s.cfg.DB.Update(func(tx *bolt.Tx) error {
		for _, name := range [][]byte{bucketBuses, bucketRules, bucketArchives, bucketArchived, bucketOutbox} {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return err
			}
		}
		if err := forEach(tx, bucketBuses, func(b *bus) error { s.buses[b.Name] = b; return nil }); err != nil {
			return err
		}
		err := forEach(tx, bucketRules, func(r *rule) error {
			if r.EventPattern != "" {
				p, err := pattern.Compile([]byte(r.EventPattern))
				if err != nil {
					return fmt.Errorf("rule %s: %w", r.ARN, err)
				}
				r.compiled = p
			}
			s.rules[ruleKey(r.Bus, r.Name)] = r
			return nil
		})
		if err != nil {
			return err
		}
		err = forEach(tx, bucketArchives, func(a *archive) error {
			if a.EventPattern != "" {
				p, err := pattern.Compile([]byte(a.EventPattern))
				if err != nil {
					return fmt.Errorf("archive %s: %w", a.Name, err)
				}
				a.compiled = p
			}
			s.archives[a.Name] = a
			return nil
		})
		if err != nil {
			return err
		}
		if k, _ := tx.Bucket(bucketArchived).Cursor().Last(); k != nil {
			s.seq = max(s.seq, binary.BigEndian.Uint64(k[len(k)-8:]))
		}
		return forEach(tx, bucketOutbox, func(d *delivery) error {
			s.outbox[d.Seq] = d
			s.seq = max(s.seq, d.Seq)
			return nil
		})
	})
}

func forEach[T any](tx *bolt.Tx, bucket []byte, f func(*T) error) error {
	return tx.Bucket(bucket).ForEach(func(k, v []byte) error {
		x := new(T)
		if err := json.Unmarshal(v, x); err != nil {
			return fmt.Errorf("%s %q: %w", bucket, k, err)
		}
		return f(x)
	})
}

func (s *Service) put(bucket, key []byte, v any) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return s.cfg.DB.Update(func(tx *bolt.Tx) error { return tx.Bucket(bucket).Put(key, raw) })
}

func (s *Service) del(bucket, key []byte) error {
	return s.cfg.DB.Update(func(tx *bolt.Tx) error { return tx.Bucket(bucket).Delete(key) })
}

func seqKey(seq uint64) []byte { return binary.BigEndian.AppendUint64(nil, seq) }

func ruleKey(bus, name string) string { return bus + "/" + name }

func busARN(name string) string { return awsapi.ARN("events", "event-bus/"+name) }

// ruleARN is AWS's: rules on the default bus omit the bus name.
func ruleARN(bus, name string) string {
	if bus == DefaultBus {
		return awsapi.ARN("events", "rule/"+name)
	}
	return awsapi.ARN("events", "rule/"+bus+"/"+name)
}

func archiveARN(name string) string { return awsapi.ARN("events", "archive/"+name) }

// busName accepts a bus name or ARN; empty means the default bus.
func busName(nameOrARN string) string {
	if nameOrARN == "" {
		return DefaultBus
	}
	if i := strings.LastIndex(nameOrARN, ":event-bus/"); i >= 0 {
		return nameOrARN[i+len(":event-bus/"):]
	}
	return nameOrARN
}

// Register serves the EventBridge JSON protocol on srv.
func (s *Service) Register(srv *awsapi.Server) {
	ops := map[string]func([]byte) (any, error){
		"PutRule": s.putRule, "DescribeRule": s.describeRule,
		"ListRules": s.listRules, "DeleteRule": s.deleteRule, "EnableRule": s.enableRule,
		"DisableRule": s.disableRule, "PutTargets": s.putTargets, "RemoveTargets": s.removeTargets,
		"ListTargetsByRule": s.listTargetsByRule, "TestEventPattern": s.testEventPattern,
		"CreateEventBus": s.createEventBus, "DescribeEventBus": s.describeEventBus,
		"ListEventBuses": s.listEventBuses, "DeleteEventBus": s.deleteEventBus,
		"CreateArchive": s.createArchive, "DescribeArchive": s.describeArchive, "ListArchives": s.listArchives,
	}
	srv.Register(TargetPrefix, "1.1", "", func(ctx context.Context, op string, body []byte) (any, error) {
		if op == "PutEvents" {
			return s.putEvents(ctx, body) // authorized per entry
		}
		f, ok := ops[op]
		if !ok {
			return nil, &awsapi.Error{Type: "UnknownOperationException", Message: op + " is not supported by the local EventBridge.", Status: http.StatusBadRequest}
		}
		if err := s.authorize(ctx, op, body); err != nil {
			return nil, err
		}
		return f(body)
	})
}

func validation(format string, args ...any) *awsapi.Error {
	return awsapi.Errorf("ValidationException", format, args...)
}

func notFound(format string, args ...any) *awsapi.Error {
	return awsapi.Errorf("ResourceNotFoundException", format, args...)
}

func decodeInput(body []byte, v any) error {
	if err := json.Unmarshal(body, v); err != nil {
		return awsapi.Errorf("SerializationException", "Request body is not valid JSON: %v", err)
	}
	return nil
}
