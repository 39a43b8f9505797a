package eventstoretest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/shopstream/shopstream/eventstore"
)

func mustLoad(t *testing.T, s eventstore.Store, stream string, from int64) []eventstore.Event {
	t.Helper()
	events, err := s.Load(context.Background(), stream, from)
	if err != nil {
		t.Fatalf("Load(%q, %d): %v", stream, from, err)
	}
	return events
}

// assertErr checks that err matches want with errors.Is, and that the
// adapter wrapped it in *eventstore.Error so callers see the operation.
func assertErr(t *testing.T, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("got error %v, want %v", err, want)
	}
	var se *eventstore.Error
	if !errors.As(err, &se) || se.Op == "" {
		t.Errorf("error %v is not an *eventstore.Error with its operation", err)
	}
}

// assertNothingStored checks that stream is empty and the global log has no
// events at all.
func assertNothingStored(t *testing.T, s eventstore.Store, stream string) {
	t.Helper()
	if stream != "" && len(stream) <= eventstore.MaxStreamIDLength {
		if got := mustLoad(t, s, stream, 0); len(got) != 0 {
			t.Errorf("stream %q has %d events after a failed append, want none", stream, len(got))
		}
	}
	page, err := s.ReadAll(context.Background(), "", eventstore.MaxReadLimit)
	if err != nil {
		t.Fatalf("ReadAll: %v", err)
	}
	if len(page.Events) != 0 {
		t.Errorf("global log has %d events after a failed append, want none", len(page.Events))
	}
}

func assertEvents(t *testing.T, what string, got, want []eventstore.Event) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d events, want %d\ngot:  %s\nwant: %s", what, len(got), len(want), summary(got), summary(want))
	}
	for i := range want {
		if diff := diffEvent(got[i], want[i]); diff != "" {
			t.Fatalf("%s: event %d: %s", what, i, diff)
		}
	}
}

// diffEvent names the first field where got and want differ.
func diffEvent(got, want eventstore.Event) string {
	gm, wm := got.Metadata, want.Metadata
	for _, f := range []struct {
		name      string
		got, want any
	}{
		{"ID", got.ID, want.ID},
		{"StreamID", got.StreamID, want.StreamID},
		{"Version", got.Version, want.Version},
		{"Type", got.Type, want.Type},
		{"SchemaVersion", got.SchemaVersion, want.SchemaVersion},
		{"Data", string(got.Data), string(want.Data)},
		{"CorrelationID", gm.CorrelationID, wm.CorrelationID},
		{"CausationID", gm.CausationID, wm.CausationID},
		{"Actor", gm.Actor, wm.Actor},
		{"RecordedAt", gm.RecordedAt.Format(time.RFC3339Nano), wm.RecordedAt.Format(time.RFC3339Nano)},
	} {
		if f.got != f.want {
			return fmt.Sprintf("%s: got %.80q, want %.80q", f.name, fmt.Sprint(f.got), fmt.Sprint(f.want))
		}
	}
	return ""
}

func summary(events []eventstore.Event) string {
	parts := make([]string, len(events))
	for i, e := range events {
		parts[i] = fmt.Sprintf("%s@%d", e.StreamID, e.Version)
	}
	return "[" + strings.Join(parts, " ") + "]"
}

func sortByID(events []eventstore.Event) {
	slices.SortFunc(events, func(a, b eventstore.Event) int { return strings.Compare(a.ID, b.ID) })
}
