package dynamodb_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/shopstream/shopstream/eventstore"
	"github.com/shopstream/shopstream/eventstore/dynamodb"
	"github.com/shopstream/shopstream/internal/testutil/localdynamo"
)

// TestReadAllWalksMonths spreads events over several month buckets, with
// empty months between them, and reads them back in pages that cross the
// bucket boundaries.
func TestReadAllWalksMonths(t *testing.T) {
	ctx := context.Background()
	client := localdynamo.Client(t)
	now := time.Date(2026, 3, 15, 0, 0, 0, 0, time.UTC)
	s := newStore(t, client,
		dynamodb.WithClock(func() time.Time { return now }),
		dynamodb.WithEpoch(time.Date(2025, 11, 1, 0, 0, 0, 0, time.UTC)))

	at := []time.Time{ // December and February stay empty
		time.Date(2025, 11, 3, 9, 0, 0, 0, time.UTC),
		time.Date(2025, 11, 30, 23, 59, 59, 0, time.UTC),
		time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2026, 1, 10, 8, 0, 0, 0, time.UTC),
		time.Date(2026, 3, 14, 10, 0, 0, 0, time.UTC),
		time.Date(2026, 3, 15, 12, 0, 0, 0, time.UTC), // ahead of the clock, within MaxClockSkew
	}
	streams := []string{"a", "b", "a", "c", "b", "a"}
	var want []eventstore.Event
	// Append newest first, so the table's write order is not the id order.
	for i := len(at) - 1; i >= 0; i-- {
		e := eventAt(t, at[i])
		got, err := s.Append(ctx, streams[i], eventstore.Any, e)
		if err != nil {
			t.Fatalf("Append event of %s: %v", at[i], err)
		}
		want = append(want, got...)
	}
	slices.SortFunc(want, func(a, b eventstore.Event) int { return strings.Compare(a.ID, b.ID) })

	for _, limit := range []int{1, 2, 4, 100} {
		if got := readAll(t, s, "", limit); !sameIDs(got, want) {
			t.Errorf("limit %d: ReadAll ids %v, want %v", limit, ids(got), ids(want))
		}
	}
	tests := []struct {
		from time.Time
		want []eventstore.Event
	}{
		{time.Date(2025, 12, 15, 0, 0, 0, 0, time.UTC), want[2:]}, // starts in an empty month
		{time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), want[2:]},
		{time.Date(2026, 1, 1, 0, 0, 0, 1e6, time.UTC), want[3:]},
		{time.Date(2026, 3, 16, 0, 0, 0, 0, time.UTC), nil},
		{time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC), want}, // before the epoch
	}
	for _, tt := range tests {
		if got := readAll(t, s, eventstore.PositionAt(tt.from), 2); !sameIDs(got, tt.want) {
			t.Errorf("from %s: ReadAll ids %v, want %v", tt.from, ids(got), ids(tt.want))
		}
	}
}

// TestAppendRejectsIDsOutsideTheWalk checks that ids ReadAll could not reach
// are refused, and nothing is written.
func TestAppendRejectsIDsOutsideTheWalk(t *testing.T) {
	ctx := context.Background()
	client := localdynamo.Client(t)
	now := time.Date(2026, 3, 15, 0, 0, 0, 0, time.UTC)
	s := newStore(t, client,
		dynamodb.WithClock(func() time.Time { return now }),
		dynamodb.WithEpoch(time.Date(2025, 11, 1, 0, 0, 0, 0, time.UTC)))
	tests := []struct {
		at   time.Time
		want string
	}{
		{time.Date(2025, 10, 31, 23, 59, 59, 0, time.UTC), "before the store's epoch"},
		{now.Add(dynamodb.MaxClockSkew + time.Second), "ahead of the store's clock"},
	}
	for _, tt := range tests {
		ok := eventAt(t, now)
		_, err := s.Append(ctx, "late", eventstore.NoStream, ok, eventAt(t, tt.at))
		if !errors.Is(err, eventstore.ErrInvalidEvent) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Append of an id made at %s: got %v, want ErrInvalidEvent saying %q", tt.at, err, tt.want)
		}
	}
	if got := readAll(t, s, "", 10); len(got) != 0 {
		t.Errorf("ReadAll after refused appends: %d events, want none", len(got))
	}
}

func eventAt(t *testing.T, at time.Time) eventstore.Event {
	t.Helper()
	e, err := eventstore.NewFactory(func() time.Time { return at }, nil).New("Happened", 1, map[string]string{"at": at.String()}, eventstore.Metadata{})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func readAll(t *testing.T, s eventstore.Store, position string, limit int) []eventstore.Event {
	t.Helper()
	var out []eventstore.Event
	for range 100 {
		page, err := s.ReadAll(context.Background(), position, limit)
		if err != nil {
			t.Fatalf("ReadAll(%q, %d): %v", position, limit, err)
		}
		out = append(out, page.Events...)
		if page.Next == "" {
			return out
		}
		position = page.Next
	}
	t.Fatalf("ReadAll(%q, %d) did not reach the end", position, limit)
	return nil
}

func ids(events []eventstore.Event) []string {
	out := make([]string, len(events))
	for i, e := range events {
		out[i] = e.ID
	}
	return out
}

func sameIDs(a, b []eventstore.Event) bool { return slices.Equal(ids(a), ids(b)) }
