package eventstore

import (
	"encoding/json"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/oklog/ulid/v2"
)

// Clock returns the current time. Inject a fixed clock in tests.
type Clock func() time.Time

// Factory makes new events with ULID ids from an injected clock and entropy
// source, so tests are deterministic and production ids sort by time.
type Factory struct {
	clock   Clock
	mu      sync.Mutex
	entropy io.Reader
}

// NewFactory returns a Factory. A nil clock means time.Now; a nil entropy
// means a monotonic source seeded from crypto/rand.
func NewFactory(clock Clock, entropy io.Reader) *Factory {
	if clock == nil {
		clock = time.Now
	}
	if entropy == nil {
		entropy = ulid.Monotonic(ulid.DefaultEntropy(), 0)
	}
	return &Factory{clock: clock, entropy: entropy}
}

// NewID returns a fresh ULID string.
func (f *Factory) NewID() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return ulid.MustNew(ulid.Timestamp(f.clock()), f.entropy).String()
}

// Now returns the factory's clock reading.
func (f *Factory) Now() time.Time { return f.clock() }

// New returns an event of the given type and schema version whose Data is
// data encoded as JSON. StreamID and Version are left for the store.
func (f *Factory) New(eventType string, schemaVersion int, data any, meta Metadata) (Event, error) {
	raw, err := json.Marshal(data)
	if err != nil {
		return Event{}, fmt.Errorf("eventstore: encode %s: %w", eventType, err)
	}
	f.mu.Lock()
	now := f.clock()
	id := ulid.MustNew(ulid.Timestamp(now), f.entropy).String()
	f.mu.Unlock()
	if meta.RecordedAt.IsZero() {
		meta.RecordedAt = now.UTC()
	}
	return Event{ID: id, Type: eventType, SchemaVersion: schemaVersion, Data: raw, Metadata: meta}, nil
}

// PositionAt returns a ReadAll position that starts at the first event made
// at or after t, for replays "since" a time.
func PositionAt(t time.Time) string {
	ms := ulid.Timestamp(t)
	if ms == 0 {
		return ""
	}
	// ReadAll returns ids strictly after the position, so use the largest
	// id of the millisecond before t: every id made at or after t sorts after.
	var id ulid.ULID
	if err := id.SetTime(ms - 1); err != nil {
		return ""
	}
	for i := 6; i < 16; i++ {
		id[i] = 0xFF
	}
	return id.String()
}
