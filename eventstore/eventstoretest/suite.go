// Package eventstoretest is the contract every eventstore.Store adapter
// passes. An adapter's test calls Run with a constructor for fresh, empty
// stores, and its benchmark calls Bench:
//
//	func TestContract(t *testing.T) {
//		eventstoretest.Run(t, func(t *testing.T) eventstore.Store { return memory.New() })
//	}
package eventstoretest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shopstream/shopstream/eventstore"
)

// Run runs the contract suite. newStore is called once per subtest and must
// return an empty store that no other subtest uses; register any cleanup on
// the t it is given.
func Run(t *testing.T, newStore func(t *testing.T) eventstore.Store) {
	run(t, newStore, append(serialCases(), concurrentCases()...))
}

// RunSerial runs the suite without the cases that race writers against one
// stream. It is for oracle targets whose conditional writes are not atomic
// under concurrent requests (moto_server): there a concurrency case can
// only flake, and says nothing about the adapter. Every real adapter
// target runs Run.
func RunSerial(t *testing.T, newStore func(t *testing.T) eventstore.Store) {
	run(t, newStore, serialCases())
}

type suiteCase struct {
	name string
	fn   func(*testing.T, func(*testing.T) eventstore.Store)
}

func serialCases() []suiteCase {
	return []suiteCase{
		{"AppendAndLoad", testAppendAndLoad},
		{"VersionsContinue", testVersionsContinue},
		{"ExpectedVersion", testExpectedVersion},
		{"EmptyAppend", testEmptyAppend},
		{"RepeatedAppend", testRepeatedAppend},
		{"InvalidInput", testInvalidInput},
		{"Limits", testLimits},
		{"AtLimits", testAtLimits},
		{"LoadFromVersion", testLoadFromVersion},
		{"LoadRange", testLoadRange},
		{"LoadRangeLargeEvents", testLoadRangeLargeEvents},
		{"LoadRangeInvalid", testLoadRangeInvalid},
		{"ReadAllGlobalOrder", testReadAllGlobalOrder},
		{"ReadAllPaging", testReadAllPaging},
		{"PositionAt", testPositionAt},
		{"CanceledContext", testCanceledContext},
	}
}

func concurrentCases() []suiteCase {
	return []suiteCase{
		{"ConcurrentAppends", testConcurrentAppends},
		{"ConcurrentAny", testConcurrentAny},
	}
}

func run(t *testing.T, newStore func(t *testing.T) eventstore.Store, cases []suiteCase) {
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, newStore) })
	}
}

func testAppendAndLoad(t *testing.T, newStore func(*testing.T) eventstore.Store) {
	ctx := context.Background()
	s, f := newStore(t), newFixture(t)
	in := f.events(3)

	got, err := s.Append(ctx, "basket-1", eventstore.NoStream, in...)
	if err != nil {
		t.Fatalf("Append: %v", err)
	}
	want := stored("basket-1", 1, in)
	assertEvents(t, "Append result", got, want)
	assertEvents(t, "Load", mustLoad(t, s, "basket-1", 0), want)
	assertEvents(t, "other stream", mustLoad(t, s, "basket-2", 0), nil)
}

func testVersionsContinue(t *testing.T, newStore func(*testing.T) eventstore.Store) {
	ctx := context.Background()
	s, f := newStore(t), newFixture(t)
	var all []eventstore.Event
	version := eventstore.NoStream
	// Single and multi-event appends alternate: adapters may write them
	// differently (DynamoDB: PutItem vs TransactWriteItems).
	for _, n := range []int{1, 3, 1, 2} {
		in := f.events(n)
		got, err := s.Append(ctx, "product-1", version, in...)
		if err != nil {
			t.Fatalf("Append %d events at version %d: %v", n, version, err)
		}
		want := stored("product-1", version+1, in)
		assertEvents(t, fmt.Sprintf("Append at %d", version), got, want)
		all = append(all, want...)
		version += int64(n)
	}
	assertEvents(t, "Load", mustLoad(t, s, "product-1", 1), all)
}

func testExpectedVersion(t *testing.T, newStore func(*testing.T) eventstore.Store) {
	tests := []struct {
		name     string
		existing int   // events already in the stream
		expected int64 // expectedVersion passed to Append
		conflict bool
	}{
		{"NoStream on a new stream", 0, eventstore.NoStream, false},
		{"NoStream on an existing stream", 2, eventstore.NoStream, true},
		{"exact version", 2, 2, false},
		{"stale version", 2, 1, true},
		{"version ahead of the stream", 2, 3, true},
		{"version on a missing stream", 0, 1, true},
		{"Any on a new stream", 0, eventstore.Any, false},
		{"Any on an existing stream", 2, eventstore.Any, false},
	}
	for _, tt := range tests {
		for _, n := range []int{1, 3} {
			t.Run(fmt.Sprintf("%s/%d events", tt.name, n), func(t *testing.T) {
				ctx := context.Background()
				s, f := newStore(t), newFixture(t)
				var before []eventstore.Event
				if tt.existing > 0 {
					setup := f.events(tt.existing)
					if _, err := s.Append(ctx, "order-1", eventstore.NoStream, setup...); err != nil {
						t.Fatalf("setup Append: %v", err)
					}
					before = stored("order-1", 1, setup)
				}
				in := f.events(n)
				got, err := s.Append(ctx, "order-1", tt.expected, in...)
				if tt.conflict {
					assertErr(t, err, eventstore.ErrConcurrency)
					assertEvents(t, "Load after conflict", mustLoad(t, s, "order-1", 0), before)
					return
				}
				if err != nil {
					t.Fatalf("Append: %v", err)
				}
				want := stored("order-1", int64(tt.existing)+1, in)
				assertEvents(t, "Append result", got, want)
				assertEvents(t, "Load", mustLoad(t, s, "order-1", 0), append(before, want...))
			})
		}
	}
}

func testEmptyAppend(t *testing.T, newStore func(*testing.T) eventstore.Store) {
	s := newStore(t)
	got, err := s.Append(context.Background(), "basket-9", 7)
	if err != nil || len(got) != 0 {
		t.Fatalf("Append() with no events = %v, %v; want nothing, nil", got, err)
	}
	assertEvents(t, "Load", mustLoad(t, s, "basket-9", 0), nil)
}

// testRepeatedAppend repeats an append that succeeded, as a caller does
// when the answer was lost: it succeeds without writing twice, while other
// events at the same version still conflict.
func testRepeatedAppend(t *testing.T, newStore func(*testing.T) eventstore.Store) {
	ctx := context.Background()
	for _, n := range []int{1, 3} {
		t.Run(fmt.Sprintf("%d events", n), func(t *testing.T) {
			s, f := newStore(t), newFixture(t)
			first := f.events(2)
			if _, err := s.Append(ctx, "r", eventstore.NoStream, first...); err != nil {
				t.Fatalf("Append: %v", err)
			}
			in := f.events(n)
			if _, err := s.Append(ctx, "r", 2, in...); err != nil {
				t.Fatalf("Append: %v", err)
			}
			want := append(stored("r", 1, first), stored("r", 3, in)...)
			got, err := s.Append(ctx, "r", 2, in...)
			if err != nil {
				t.Fatalf("repeated Append: %v", err)
			}
			assertEvents(t, "repeated Append result", got, want[2:])
			_, err = s.Append(ctx, "r", 2, f.events(n)...)
			assertErr(t, err, eventstore.ErrConcurrency)
			assertEvents(t, "Load", mustLoad(t, s, "r", 0), want)
		})
	}
}

func testInvalidInput(t *testing.T, newStore func(*testing.T) eventstore.Store) {
	tests := []struct {
		name     string
		stream   string
		expected int64
		change   func(f *fixture, events []eventstore.Event) // breaks events[1] of two
		want     error
	}{
		{"empty stream id", "", eventstore.NoStream, nil, eventstore.ErrInvalidEvent},
		{"stream id too long", strings.Repeat("s", eventstore.MaxStreamIDLength+1), eventstore.NoStream, nil, eventstore.ErrInvalidEvent},
		{"expected version below Any", "s", -2, nil, eventstore.ErrInvalidArgument},
		{"empty id", "s", eventstore.NoStream, func(_ *fixture, e []eventstore.Event) { e[1].ID = "" }, eventstore.ErrInvalidEvent},
		{"id not a ULID", "s", eventstore.NoStream, func(_ *fixture, e []eventstore.Event) { e[1].ID = "evt-1" }, eventstore.ErrInvalidEvent},
		{"lower-case id", "s", eventstore.NoStream, func(_ *fixture, e []eventstore.Event) { e[1].ID = strings.ToLower(e[1].ID) }, eventstore.ErrInvalidEvent},
		{"repeated id", "s", eventstore.NoStream, func(_ *fixture, e []eventstore.Event) { e[1].ID = e[0].ID }, eventstore.ErrInvalidEvent},
		{"empty type", "s", eventstore.NoStream, func(_ *fixture, e []eventstore.Event) { e[1].Type = "" }, eventstore.ErrInvalidEvent},
		{"schema version 0", "s", eventstore.NoStream, func(_ *fixture, e []eventstore.Event) { e[1].SchemaVersion = 0 }, eventstore.ErrInvalidEvent},
		{"empty data", "s", eventstore.NoStream, func(_ *fixture, e []eventstore.Event) { e[1].Data = nil }, eventstore.ErrInvalidEvent},
		{"data not JSON", "s", eventstore.NoStream, func(_ *fixture, e []eventstore.Event) { e[1].Data = []byte("{oops") }, eventstore.ErrInvalidEvent},
		{"data not UTF-8", "s", eventstore.NoStream, func(_ *fixture, e []eventstore.Event) { e[1].Data = []byte("\"\xff\"") }, eventstore.ErrInvalidEvent},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, f := newStore(t), newFixture(t)
			in := f.events(2)
			if tt.change != nil {
				tt.change(f, in)
			}
			_, err := s.Append(context.Background(), tt.stream, tt.expected, in...)
			assertErr(t, err, tt.want)
			assertNothingStored(t, s, tt.stream)
		})
	}
}

func testLimits(t *testing.T, newStore func(*testing.T) eventstore.Store) {
	tests := []struct {
		name   string
		events func(f *fixture) []eventstore.Event
		want   error
	}{
		{"too many events", func(f *fixture) []eventstore.Event { return f.events(eventstore.MaxAppend + 1) }, eventstore.ErrTooManyEvents},
		{"one event too large", func(f *fixture) []eventstore.Event {
			return []eventstore.Event{f.sized(eventstore.MaxEventSize + 1)}
		}, eventstore.ErrEventTooLarge},
		{"second event too large", func(f *fixture) []eventstore.Event {
			return []eventstore.Event{f.event("Small"), f.sized(eventstore.MaxEventSize + 1)}
		}, eventstore.ErrEventTooLarge},
		{"append too large", func(f *fixture) []eventstore.Event {
			var out []eventstore.Event
			for size := 0; size <= eventstore.MaxAppendSize; size += eventstore.MaxEventSize {
				out = append(out, f.sized(eventstore.MaxEventSize))
			}
			return out
		}, eventstore.ErrAppendTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, f := newStore(t), newFixture(t)
			_, err := s.Append(context.Background(), "big", eventstore.NoStream, tt.events(f)...)
			assertErr(t, err, tt.want)
			assertNothingStored(t, s, "big")
		})
	}
}

// testAtLimits appends what the limits still allow, and checks it all
// comes back byte for byte.
func testAtLimits(t *testing.T, newStore func(*testing.T) eventstore.Store) {
	ctx := context.Background()
	s, f := newStore(t), newFixture(t)

	many := f.events(eventstore.MaxAppend)
	if _, err := s.Append(ctx, "many", eventstore.NoStream, many...); err != nil {
		t.Fatalf("Append %d events: %v", len(many), err)
	}
	assertEvents(t, "Load many", mustLoad(t, s, "many", 0), stored("many", 1, many))

	big := f.sized(eventstore.MaxEventSize)
	if _, err := s.Append(ctx, "big", eventstore.NoStream, big); err != nil {
		t.Fatalf("Append an event of %d bytes: %v", eventstore.MaxEventSize, err)
	}
	assertEvents(t, "Load big", mustLoad(t, s, "big", 0), stored("big", 1, []eventstore.Event{big}))
}

func testLoadFromVersion(t *testing.T, newStore func(*testing.T) eventstore.Store) {
	s, f := newStore(t), newFixture(t)
	in := f.events(5)
	if _, err := s.Append(context.Background(), "p", eventstore.NoStream, in...); err != nil {
		t.Fatalf("Append: %v", err)
	}
	all := stored("p", 1, in)
	tests := []struct {
		stream string
		from   int64
		want   []eventstore.Event
	}{
		{"p", -1, all},
		{"p", 0, all},
		{"p", 1, all},
		{"p", 3, all[2:]},
		{"p", 5, all[4:]},
		{"p", 6, nil},
		{"unknown", 1, nil},
	}
	for _, tt := range tests {
		assertEvents(t, fmt.Sprintf("Load(%q, %d)", tt.stream, tt.from), mustLoad(t, s, tt.stream, tt.from), tt.want)
	}
}

// testLoadRange reads bounded ranges of a 5-event stream: every limit
// below, at and above what is left, and the more flag that says whether
// the stream goes on after the range.
func testLoadRange(t *testing.T, newStore func(*testing.T) eventstore.Store) {
	s, f := newStore(t), newFixture(t)
	in := f.events(5)
	if _, err := s.Append(context.Background(), "p", eventstore.NoStream, in...); err != nil {
		t.Fatalf("Append: %v", err)
	}
	all := stored("p", 1, in)
	tests := []struct {
		stream string
		from   int64
		limit  int
		want   []eventstore.Event
		more   bool
	}{
		{"unknown", 0, 10, nil, false},
		{"unknown", 1, 1, nil, false},
		{"p", 0, 2, all[:2], true},
		{"p", 1, 2, all[:2], true},
		{"p", 1, 5, all, false},
		{"p", 1, 6, all, false},
		{"p", 1, eventstore.MaxLoadLimit, all, false},
		{"p", 3, 1, all[2:3], true},
		{"p", 3, 2, all[2:4], true},
		{"p", 3, 3, all[2:], false},
		{"p", 3, 4, all[2:], false},
		{"p", 5, 1, all[4:], false},
		{"p", 6, 1, nil, false},
		{"p", 100, 10, nil, false},
	}
	for _, tt := range tests {
		what := fmt.Sprintf("LoadRange(%q, %d, %d)", tt.stream, tt.from, tt.limit)
		got, more, err := s.LoadRange(context.Background(), tt.stream, tt.from, tt.limit)
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		assertEvents(t, what, got, tt.want)
		if more != tt.more {
			t.Errorf("%s: more = %v, want %v", what, more, tt.more)
		}
	}
	// Paging with the more flag visits every event once, in order.
	var paged []eventstore.Event
	for from, more := int64(1), true; more; {
		page, m, err := s.LoadRange(context.Background(), "p", from, 2)
		if err != nil {
			t.Fatalf("LoadRange(p, %d, 2): %v", from, err)
		}
		if len(page) == 0 {
			t.Fatalf("LoadRange(p, %d, 2): no events but the previous page said more", from)
		}
		paged, more, from = append(paged, page...), m, page[len(page)-1].Version+1
	}
	assertEvents(t, "LoadRange pages", paged, all)
}

// testLoadRangeLargeEvents reads a range bigger than one DynamoDB Query
// answer (1 MB): the adapter must go on reading until the range is full.
func testLoadRangeLargeEvents(t *testing.T, newStore func(*testing.T) eventstore.Store) {
	s, f := newStore(t), newFixture(t)
	big := make([]eventstore.Event, 4)
	for i := range big {
		big[i] = f.sized(eventstore.MaxEventSize)
	}
	if _, err := s.Append(context.Background(), "big", eventstore.NoStream, big...); err != nil {
		t.Fatalf("Append: %v", err)
	}
	all := stored("big", 1, big)
	for _, tt := range []struct {
		limit int
		more  bool
	}{{3, true}, {4, false}} {
		got, more, err := s.LoadRange(context.Background(), "big", 1, tt.limit)
		if err != nil {
			t.Fatalf("LoadRange(big, 1, %d): %v", tt.limit, err)
		}
		assertEvents(t, fmt.Sprintf("LoadRange(big, 1, %d)", tt.limit), got, all[:tt.limit])
		if more != tt.more {
			t.Errorf("LoadRange(big, 1, %d): more = %v, want %v", tt.limit, more, tt.more)
		}
	}
}

// testLoadRangeInvalid: a negative version or a limit outside
// 1..MaxLoadLimit is ErrInvalidArgument naming the argument, on a stream
// that exists as on one that does not.
func testLoadRangeInvalid(t *testing.T, newStore func(*testing.T) eventstore.Store) {
	s, f := newStore(t), newFixture(t)
	if _, err := s.Append(context.Background(), "p", eventstore.NoStream, f.events(2)...); err != nil {
		t.Fatalf("Append: %v", err)
	}
	tests := []struct {
		from  int64
		limit int
		names string
	}{
		{-1, 10, "fromVersion"},
		{-100, 10, "fromVersion"},
		{1, 0, "limit"},
		{1, -1, "limit"},
		{1, eventstore.MaxLoadLimit + 1, "limit"},
	}
	for _, stream := range []string{"p", "unknown"} {
		for _, tt := range tests {
			got, more, err := s.LoadRange(context.Background(), stream, tt.from, tt.limit)
			assertErr(t, err, eventstore.ErrInvalidArgument)
			if !strings.Contains(err.Error(), tt.names) {
				t.Errorf("LoadRange(%q, %d, %d): error %q does not name %s", stream, tt.from, tt.limit, err, tt.names)
			}
			if got != nil || more {
				t.Errorf("LoadRange(%q, %d, %d): %d events, more %v with an error", stream, tt.from, tt.limit, len(got), more)
			}
		}
	}
}

func testReadAllGlobalOrder(t *testing.T, newStore func(*testing.T) eventstore.Store) {
	ctx := context.Background()
	s, f := newStore(t), newFixture(t)

	// Events are made in the order a1 b1 a2 c1 b2 … but appended in a
	// different order: c before b, so global order must come from the ids.
	var want []eventstore.Event
	made := map[string][]eventstore.Event{}
	for _, stream := range []string{"a", "b", "a", "c", "b", "a", "c"} {
		e := f.event("Happened")
		made[stream] = append(made[stream], e)
	}
	for _, stream := range []string{"a", "c", "b"} {
		got, err := s.Append(ctx, stream, eventstore.NoStream, made[stream]...)
		if err != nil {
			t.Fatalf("Append %s: %v", stream, err)
		}
		want = append(want, got...)
	}
	sortByID(want)

	page, err := s.ReadAll(ctx, "", eventstore.MaxReadLimit)
	if err != nil {
		t.Fatalf("ReadAll: %v", err)
	}
	assertEvents(t, "ReadAll", page.Events, want)
	if page.Next != "" {
		t.Errorf("ReadAll of the whole log: Next = %q, want empty", page.Next)
	}
}

func testReadAllPaging(t *testing.T, newStore func(*testing.T) eventstore.Store) {
	ctx := context.Background()
	s, f := newStore(t), newFixture(t)

	empty, err := s.ReadAll(ctx, "", 10)
	if err != nil || len(empty.Events) != 0 || empty.Next != "" {
		t.Fatalf("ReadAll of an empty store = %d events, Next %q, %v; want none", len(empty.Events), empty.Next, err)
	}
	_, err = s.ReadAll(ctx, "not-an-event-id", 10)
	assertErr(t, err, eventstore.ErrInvalidArgument)

	var all []eventstore.Event
	for i := range 25 {
		stream := fmt.Sprintf("s%d", i%3)
		got, err := s.Append(ctx, stream, eventstore.Any, f.event("Paged"))
		if err != nil {
			t.Fatalf("Append: %v", err)
		}
		all = append(all, got...)
	}

	for _, limit := range []int{1, 7, 10, 25, 100} {
		t.Run(fmt.Sprintf("limit %d", limit), func(t *testing.T) {
			got := readAllPages(t, s, "", limit)
			assertEvents(t, "pages joined", got, all)
		})
	}

	t.Run("from the middle", func(t *testing.T) {
		assertEvents(t, "pages joined", readAllPages(t, s, all[9].ID, 4), all[10:])
	})
}

// readAllPages follows Next until it is empty, checking each page's size.
func readAllPages(t *testing.T, s eventstore.Store, position string, limit int) []eventstore.Event {
	t.Helper()
	var out []eventstore.Event
	for pages := 0; ; pages++ {
		if pages > 1000 {
			t.Fatalf("ReadAll did not reach the end after %d pages", pages)
		}
		page, err := s.ReadAll(context.Background(), position, limit)
		if err != nil {
			t.Fatalf("ReadAll(%q, %d): %v", position, limit, err)
		}
		if len(page.Events) > limit {
			t.Fatalf("ReadAll(%q, %d) returned %d events", position, limit, len(page.Events))
		}
		out = append(out, page.Events...)
		if page.Next == "" {
			return out
		}
		if page.Next <= position {
			t.Fatalf("ReadAll(%q, %d): Next %q does not move forward", position, limit, page.Next)
		}
		position = page.Next
	}
}

func testPositionAt(t *testing.T, newStore func(*testing.T) eventstore.Store) {
	ctx := context.Background()
	s, f := newStore(t), newFixture(t)
	var all []eventstore.Event
	for range 4 {
		got, err := s.Append(ctx, "clocked", eventstore.Any, f.events(2)...)
		if err != nil {
			t.Fatalf("Append: %v", err)
		}
		all = append(all, got...)
		f.clock.Advance(time.Second)
	}
	last := all[len(all)-1].Metadata.RecordedAt
	tests := []struct {
		name string
		at   time.Time
		want []eventstore.Event
	}{
		{"zero time reads everything", time.Time{}, all},
		{"time of the first event", all[0].Metadata.RecordedAt, all},
		{"time of the third event", all[2].Metadata.RecordedAt, all[2:]},
		// Positions have millisecond resolution, like ULID timestamps.
		{"within the third event's millisecond", all[2].Metadata.RecordedAt.Add(time.Microsecond), all[2:]},
		{"a millisecond after the third event", all[2].Metadata.RecordedAt.Add(time.Millisecond), all[3:]},
		{"time of the last event", last, all[len(all)-1:]},
		{"after the last event", last.Add(time.Millisecond), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assertEvents(t, "ReadAll", readAllPages(t, s, eventstore.PositionAt(tt.at), 3), tt.want)
		})
	}
}

func testCanceledContext(t *testing.T, newStore func(*testing.T) eventstore.Store) {
	s, f := newStore(t), newFixture(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for _, n := range []int{1, 2} {
		_, err := s.Append(ctx, "c", eventstore.NoStream, f.events(n)...)
		assertErr(t, err, context.Canceled)
	}
	_, err := s.Load(ctx, "c", 0)
	assertErr(t, err, context.Canceled)
	_, _, err = s.LoadRange(ctx, "c", 0, 10)
	assertErr(t, err, context.Canceled)
	_, err = s.ReadAll(ctx, "", 10)
	assertErr(t, err, context.Canceled)
	assertNothingStored(t, s, "c")
}

// testConcurrentAppends races writers at the same expected version: exactly
// one wins each round, every loser gets ErrConcurrency, and the stream ends
// with one event per round, no version lost or written twice.
func testConcurrentAppends(t *testing.T, newStore func(*testing.T) eventstore.Store) {
	const writers = 50
	ctx := context.Background()
	s, f := newStore(t), newFixture(t)
	var want []eventstore.Event
	version := eventstore.NoStream
	for round, size := range []int{1, 2, 1, 3} {
		batches := make([][]eventstore.Event, writers)
		for w := range batches {
			batches[w] = f.events(size)
		}
		errs := make([]error, writers)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for w := range writers {
			wg.Go(func() {
				<-start
				_, errs[w] = s.Append(ctx, "hot", version, batches[w]...)
			})
		}
		close(start)
		wg.Wait()

		winner := -1
		for w, err := range errs {
			switch {
			case err == nil && winner >= 0:
				t.Fatalf("round %d: writers %d and %d both appended at version %d", round, winner, w, version)
			case err == nil:
				winner = w
			case !errors.Is(err, eventstore.ErrConcurrency):
				t.Fatalf("round %d: writer %d: got %v, want ErrConcurrency", round, w, err)
			}
		}
		if winner < 0 {
			t.Fatalf("round %d: no writer appended at version %d", round, version)
		}
		want = append(want, stored("hot", version+1, batches[winner])...)
		version += int64(size)
	}
	assertEvents(t, "Load", mustLoad(t, s, "hot", 0), want)
}

// testConcurrentAny checks that Any never reports a conflict to the caller:
// every writer lands, each at its own version.
func testConcurrentAny(t *testing.T, newStore func(*testing.T) eventstore.Store) {
	const writers = 8
	ctx := context.Background()
	s, f := newStore(t), newFixture(t)
	batches := make([][]eventstore.Event, writers)
	for w := range batches {
		batches[w] = f.events(1 + w%2)
	}
	errs := make([]error, writers)
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() { _, errs[w] = s.Append(ctx, "any", eventstore.Any, batches[w]...) })
	}
	wg.Wait()
	total := 0
	for w, err := range errs {
		if err != nil {
			t.Fatalf("writer %d: Append with Any: %v", w, err)
		}
		total += len(batches[w])
	}
	got := mustLoad(t, s, "any", 0)
	if len(got) != total {
		t.Fatalf("Load: %d events, want %d", len(got), total)
	}
	// Each batch must be stored contiguously, in its own order.
	byID := map[string]eventstore.Event{}
	for i, e := range got {
		if e.Version != int64(i)+1 {
			t.Fatalf("event %d has version %d", i, e.Version)
		}
		byID[e.ID] = e
	}
	for w, batch := range batches {
		first, ok := byID[batch[0].ID]
		if !ok {
			t.Fatalf("writer %d: event %s missing", w, batch[0].ID)
		}
		assertEvents(t, fmt.Sprintf("writer %d", w), got[first.Version-1:first.Version-1+int64(len(batch))], stored("any", first.Version, batch))
	}
}
