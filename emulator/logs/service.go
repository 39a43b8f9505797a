package logs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/shopstream/shopstream/emulator/awsapi"
	"github.com/shopstream/shopstream/emulator/state"
	"github.com/shopstream/shopstream/emulator/telemetry"
)

// TargetPrefix is the X-Amz-Target prefix of the CloudWatch Logs API.
const TargetPrefix = "Logs_20140328"

// DefaultMaxEventsPerGroup is how many events a group keeps when
// Options.MaxEventsPerGroup is zero.
const DefaultMaxEventsPerGroup = 20000

// maxMessage is CloudWatch Logs' limit on one event's message (256 KB,
// less the 26 bytes of per-event overhead AWS counts); a longer line is
// truncated, as Lambda truncates it.
const maxMessage = 256*1024 - 26

// Options configures a Service. The zero value is usable.
type Options struct {
	// MaxEventsPerGroup caps the events a group keeps; the oldest go
	// first (default DefaultMaxEventsPerGroup). It bounds state.db.
	MaxEventsPerGroup int
	// Metrics receives the data points of embedded-metric-format lines
	// (nil: they are kept as log lines only).
	Metrics telemetry.Metrics
	// FlushInterval is the longest an accepted event waits for its disk
	// write (default 200ms).
	FlushInterval time.Duration
	// Now is the clock: ingestion times and retention (default time.Now).
	Now func() time.Time
	// Log receives disk-write failures (default: discarded).
	Log *slog.Logger
}

// Service is the local CloudWatch Logs. Its methods are safe for
// concurrent use.
type Service struct {
	db      *state.DB
	max     int
	metrics telemetry.Metrics
	now     func() time.Time
	log     *slog.Logger
	every   time.Duration

	mu     sync.Mutex
	groups map[string]*group
	// gone lists groups deleted since the last flush, whose buckets the
	// flusher removes.
	gone   []string
	closed bool

	flushMu sync.Mutex // one flush at a time
	wake    chan struct{}
	stop    chan struct{}
	done    chan struct{}
}

var _ telemetry.Logs = (*Service)(nil)

// New loads the groups kept in db and starts the flusher; Close stops it.
func New(db *state.DB, opts Options) (*Service, error) {
	if db == nil {
		return nil, errors.New("logs: a state store is required")
	}
	s := &Service{
		db: db, max: opts.MaxEventsPerGroup, metrics: telemetry.OrMetrics(opts.Metrics),
		now: opts.Now, log: opts.Log, every: opts.FlushInterval,
		groups: map[string]*group{}, wake: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{}),
	}
	if s.max <= 0 {
		s.max = DefaultMaxEventsPerGroup
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.every <= 0 {
		s.every = 200 * time.Millisecond
	}
	if err := s.load(); err != nil {
		return nil, fmt.Errorf("logs: load: %w", err)
	}
	go s.flusher()
	return s, nil
}

// Put implements telemetry.Logs: it keeps e in its group and stream,
// creating either when missing (as Lambda does with its role's
// logs:CreateLogGroup), and records the metrics of an embedded-metric-
// format line. The disk write happens later, batched. Events older than
// the group's retention are dropped, as CloudWatch Logs rejects them.
func (s *Service) Put(e telemetry.LogEvent) {
	if e.Group == "" || e.Stream == "" {
		return
	}
	if len(e.Message) > maxMessage {
		e.Message = e.Message[:maxMessage]
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	now := s.now()
	g := s.groups[e.Group]
	if g == nil {
		g = newGroup(groupRecord{Name: e.Group, Created: now.UnixMilli()})
		s.groups[e.Group] = g
	}
	st := g.stream(e.Stream, now)
	ok := g.add(st, e.Time.UnixMilli(), now.UnixMilli(), e.Message, e.RequestID, s.max)
	s.mu.Unlock()
	if ok {
		s.kick()
		s.recordIncoming(e.Group, 1, len(e.Message), now)
		s.extractMetrics(e.Message, e.Time)
	}
}

// kick wakes the flusher without waiting.
func (s *Service) kick() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// flusher writes accepted events to disk, batching what arrived while the
// last write ran and at most every FlushInterval, and applies retention
// once a minute.
func (s *Service) flusher() {
	defer close(s.done)
	prune := time.NewTicker(time.Minute)
	defer prune.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-prune.C:
			s.pruneAll()
		case <-s.wake:
		}
		if err := s.flush(); err != nil {
			s.log.Error("logs: write events", "err", err)
		}
		// Let a burst of lines gather into the next batch.
		select {
		case <-s.stop:
			return
		case <-time.After(s.every):
		}
	}
}

// pruneAll drops every group's events older than its retention.
func (s *Service) pruneAll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	for _, g := range s.groups {
		g.prune(now)
	}
}

// Close stops the flusher and writes every accepted event; nothing Put or
// PutLogEvents accepted before Close is lost.
func (s *Service) Close(context.Context) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	s.mu.Unlock()
	close(s.stop)
	<-s.done
	return s.flush()
}

// Register serves the API on srv.
func (s *Service) Register(srv *awsapi.Server) {
	ops := map[string]func(context.Context, []byte) (any, error){
		"CreateLogGroup": s.createLogGroup, "DeleteLogGroup": s.deleteLogGroup,
		"DescribeLogGroups": s.describeLogGroups, "PutRetentionPolicy": s.putRetentionPolicy,
		"CreateLogStream": s.createLogStream, "DescribeLogStreams": s.describeLogStreams,
		"PutLogEvents": s.putLogEvents, "GetLogEvents": s.getLogEvents,
		"FilterLogEvents": s.filterLogEvents,
	}
	srv.Register(TargetPrefix, "1.1", "", func(ctx context.Context, op string, body []byte) (any, error) {
		f, ok := ops[op]
		if !ok {
			return nil, &awsapi.Error{Type: "UnsupportedOperation", Message: op + " is not supported by the local CloudWatch Logs.", Status: http.StatusBadRequest}
		}
		return f(ctx, body)
	})
}
