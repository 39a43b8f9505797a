package eventstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Expected-version sentinels for Append. Any non-negative value other than
// NoStream is the version the stream must be at (its last event's version).
const (
	// Any appends whatever version the stream is at. Use it only where the
	// caller has no decision that depends on the stream's state.
	Any int64 = -1
	// NoStream requires that the stream does not exist yet.
	NoStream int64 = 0
)

// Limits shared by every adapter. MaxEventSize leaves headroom under
// DynamoDB's 400 KB item limit for keys and attribute names; MaxAppend is
// DynamoDB's TransactWriteItems cap, which keeps a multi-event append atomic.
const (
	MaxEventSize = 350 * 1024
	MaxAppend    = 100
	// MaxAppendSize bounds the stored size of one append: DynamoDB caps a
	// transaction at 4 MB, and this leaves room for keys and attribute names.
	MaxAppendSize = 3584 * 1024
	// MaxStreamIDLength keeps a stream id well inside DynamoDB's 2048-byte
	// partition key limit.
	MaxStreamIDLength = 1024
)

// ReadAll page sizes: a limit below 1 means DefaultReadLimit, a limit above
// MaxReadLimit is lowered to it.
const (
	DefaultReadLimit = 100
	MaxReadLimit     = 1000
)

// MaxLoadLimit is the most events one LoadRange call returns. Like
// MaxReadLimit it bounds what one read holds in memory.
const MaxLoadLimit = 1000

// Sentinel errors. Adapters wrap them in *Error; match with errors.Is.
var (
	// ErrConcurrency means the stream was not at the expected version:
	// another writer got there first. Reload, decide again, retry.
	ErrConcurrency = errors.New("eventstore: concurrency conflict")
	// ErrEventTooLarge means one event's stored form exceeds MaxEventSize.
	ErrEventTooLarge = errors.New("eventstore: event too large")
	// ErrTooManyEvents means one append carries more than MaxAppend events.
	ErrTooManyEvents = errors.New("eventstore: too many events in one append")
	// ErrAppendTooLarge means the events of one append together exceed
	// MaxAppendSize.
	ErrAppendTooLarge = errors.New("eventstore: append too large")
	// ErrInvalidEvent means an event is missing a required field, or the
	// stream id is empty or too long.
	ErrInvalidEvent = errors.New("eventstore: invalid event")
	// ErrInvalidArgument means an expected version, a ReadAll position or
	// a LoadRange version or limit is malformed.
	ErrInvalidArgument = errors.New("eventstore: invalid argument")
)

// Event is one stored fact. The store assigns StreamID and Version on append;
// the writer supplies the rest (see NewEvent).
type Event struct {
	// ID is a ULID: unique, and sortable by the time it was made, which is
	// what "global order" means across streams.
	ID            string          `json:"id"`
	StreamID      string          `json:"streamId"`
	Version       int64           `json:"version"`
	Type          string          `json:"type"`
	SchemaVersion int             `json:"schemaVersion"`
	Data          json.RawMessage `json:"data"`
	Metadata      Metadata        `json:"metadata"`
}

// Metadata says why and by whom an event was written.
type Metadata struct {
	CorrelationID string    `json:"correlationId,omitempty"`
	CausationID   string    `json:"causationId,omitempty"`
	Actor         string    `json:"actor,omitempty"`
	RecordedAt    time.Time `json:"recordedAt"`
}

// Page is one slice of the global log. Next is the position to pass to the
// following ReadAll call; it is empty when the log has been read to its end.
type Page struct {
	Events []Event
	Next   string
}

// Store is the event store port.
type Store interface {
	// Append atomically adds events to the end of stream, which must be at
	// expectedVersion (or Any / NoStream). The first event of a stream gets
	// Version 1, the next 2, and so on. It returns the events as stored,
	// with StreamID and Version set and Metadata.RecordedAt in UTC. It
	// returns an error wrapping ErrConcurrency if the stream is not at
	// expectedVersion (behind or ahead of it), and ErrEventTooLarge /
	// ErrTooManyEvents / ErrAppendTooLarge / ErrInvalidEvent /
	// ErrInvalidArgument for bad input; on any error nothing is written.
	// Appending no events writes nothing, checks nothing and returns nil.
	// Repeating an append that succeeded (same expected version, same event
	// ids, as a retry after a lost answer does) succeeds without writing.
	Append(ctx context.Context, stream string, expectedVersion int64, events ...Event) ([]Event, error)
	// Load returns the events of stream with Version >= fromVersion, in
	// version order. An unknown stream yields no events and no error.
	// It reads the whole rest of the stream: use it to fold an aggregate,
	// and LoadRange for anything that shows or scans a stream.
	Load(ctx context.Context, stream string, fromVersion int64) ([]Event, error)
	// LoadRange returns at most limit events of stream with Version >=
	// fromVersion, in version order, and more = true when the stream has
	// events after the last one returned (continue from its Version + 1).
	// fromVersion 0 and 1 both read from the first event; beyond the end,
	// or for an unknown stream, it returns no events and more = false. A
	// negative fromVersion, or a limit outside 1..MaxLoadLimit, is an
	// error wrapping ErrInvalidArgument that names the argument.
	LoadRange(ctx context.Context, stream string, fromVersion int64, limit int) (events []Event, more bool, err error)
	// ReadAll returns up to limit events of every stream whose ID sorts after
	// position ("" reads from the beginning), in global (ID) order. Pass
	// Page.Next to the following call; a page may hold fewer than limit
	// events (even none) while Next is not empty.
	//
	// Global order is ID order, not append order: an event appended late
	// with an ID older than a reader's position is not seen by that reader.
	// Replays from "" see everything; a reader that tails the log should
	// stay a few seconds behind (PositionAt(now - lag)).
	ReadAll(ctx context.Context, position string, limit int) (Page, error)
}

// Error carries the operation and stream that failed around a sentinel or
// an adapter error.
type Error struct {
	Op     string // e.g. "append", "load"
	Stream string
	Err    error
}

func (e *Error) Error() string {
	if e.Stream == "" {
		return fmt.Sprintf("eventstore %s: %v", e.Op, e.Err)
	}
	return fmt.Sprintf("eventstore %s %q: %v", e.Op, e.Stream, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }
