package eventstoretest

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shopstream/shopstream/eventstore"
)

// stepClock is a deterministic clock that moves forward one millisecond per
// reading, so every event made through it has its own ULID timestamp and the
// global order of the suite's events is the order they were made in. It
// starts at the real current time because adapters may reject ids far from
// now (see eventstore/dynamodb).
type stepClock struct {
	mu  sync.Mutex
	now time.Time
}

func newStepClock() *stepClock {
	return &stepClock{now: time.Now().UTC().Truncate(time.Millisecond)}
}

func (c *stepClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now
	c.now = c.now.Add(time.Millisecond)
	return now
}

// Advance moves the clock by d without making an event.
func (c *stepClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// fixture makes events for one test.
type fixture struct {
	tb      testing.TB
	clock   *stepClock
	factory *eventstore.Factory
	n       int
	mu      sync.Mutex
}

func newFixture(tb testing.TB) *fixture {
	c := newStepClock()
	return &fixture{tb: tb, clock: c, factory: eventstore.NewFactory(c.Now, nil)}
}

// event makes one event whose data is a small JSON object with a counter
// and non-ASCII text, so adapters must keep bytes exactly.
func (f *fixture) event(eventType string) eventstore.Event {
	f.tb.Helper()
	f.mu.Lock()
	f.n++
	n := f.n
	f.mu.Unlock()
	e, err := f.factory.New(eventType, 1, map[string]any{"n": n, "note": "prix 9,99 € — ok"}, eventstore.Metadata{
		CorrelationID: fmt.Sprintf("corr-%d", n),
		CausationID:   fmt.Sprintf("cause-%d", n),
		Actor:         "eventstoretest",
	})
	if err != nil {
		f.tb.Fatalf("make event: %v", err)
	}
	return e
}

// events makes n events of type "Thing<i>Happened".
func (f *fixture) events(n int) []eventstore.Event {
	f.tb.Helper()
	out := make([]eventstore.Event, n)
	for i := range out {
		out[i] = f.event(fmt.Sprintf("Thing%dHappened", i%3))
	}
	return out
}

// sized makes an event whose StoredSize is exactly size bytes.
func (f *fixture) sized(size int) eventstore.Event {
	f.tb.Helper()
	e := f.event("BigThingHappened")
	e.Data = json.RawMessage(`""`)
	pad := size - eventstore.StoredSize(e)
	if pad < 0 {
		f.tb.Fatalf("sized: %d bytes is below the envelope size", size)
	}
	e.Data = json.RawMessage(`"` + strings.Repeat("x", pad) + `"`)
	return e
}

// stored returns events as the store should return them after appending
// them to stream at versions first, first+1, ….
func stored(stream string, first int64, events []eventstore.Event) []eventstore.Event {
	out := make([]eventstore.Event, len(events))
	for i, e := range events {
		e.StreamID = stream
		e.Version = first + int64(i)
		e.Metadata.RecordedAt = e.Metadata.RecordedAt.UTC()
		out[i] = e
	}
	return out
}
