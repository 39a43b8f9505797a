package audit

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/eventbridge/types"

	"github.com/shopstream/shopstream/eventstore"
	"github.com/shopstream/shopstream/internal/publish"
	"github.com/shopstream/shopstream/internal/registry"
)

// Replay re-publishes every event recorded at or after since to the bus,
// in global order and in the publisher's exact shape, so downstream
// consumers can rebuild. It is safe to run more than once: every consumer
// is idempotent (projections are version-guarded, an order is placed once
// per checkout), so a replayed event changes nothing that already
// reflects it. It returns how many events it published and fails if any
// could not be put on the bus after retries.
func Replay(ctx context.Context, store eventstore.Store, reg *registry.Registry, bus publish.Sender, busName string, since time.Time, progress io.Writer) (int, error) {
	return ReplayWindow(ctx, store, reg, bus, busName, since, time.Time{}, progress)
}

// errWindowEnd stops reading the log past a replay window's end.
var errWindowEnd = errors.New("past the window")

// ReplayWindow is Replay of the events recorded from since to until, both
// included ("recorded" as the global order has it: the time in the event's
// ID); a zero until means no end.
func ReplayWindow(ctx context.Context, store eventstore.Store, reg *registry.Registry, bus publish.Sender, busName string, since, until time.Time, progress io.Writer) (int, error) {
	// The largest ID made before until + 1 ms: every ID made at or before
	// until sorts at or before it (PositionAt).
	last := ""
	if !until.IsZero() {
		last = eventstore.PositionAt(until.Add(time.Millisecond))
	}
	n := 0
	err := eachPage(ctx, store, eventstore.PositionAt(since), func(events []eventstore.Event) error {
		end := len(events)
		if last != "" {
			end = sort.Search(len(events), func(i int) bool { return events[i].ID > last })
		}
		entries := make([]types.PutEventsRequestEntry, 0, end)
		for _, e := range events[:end] {
			entry, err := publish.Entry(reg, busName, e)
			if err != nil {
				return err
			}
			entries = append(entries, entry)
		}
		if failed := bus.Send(ctx, entries); len(failed) > 0 {
			first := events[failed[0]]
			return fmt.Errorf("%d of %d events could not be put on the bus, the first %s of %s; no later events were sent, rerun with -since %s",
				len(failed), len(entries), first.ID, first.StreamID, first.Metadata.RecordedAt.UTC().Format(time.RFC3339Nano))
		}
		n += len(entries)
		if len(entries) > 0 {
			fmt.Fprintf(progress, "replayed %d events (up to %s)\n", n, events[end-1].ID)
		}
		if end < len(events) {
			return errWindowEnd
		}
		return nil
	})
	if err != nil && !errors.Is(err, errWindowEnd) {
		return n, fmt.Errorf("replay: %w", err)
	}
	return n, nil
}
