package audit

import (
	"context"
	"fmt"
	"io"
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
	n := 0
	err := eachPage(ctx, store, eventstore.PositionAt(since), func(events []eventstore.Event) error {
		entries := make([]types.PutEventsRequestEntry, 0, len(events))
		for _, e := range events {
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
			fmt.Fprintf(progress, "replayed %d events (up to %s)\n", n, events[len(events)-1].ID)
		}
		return nil
	})
	if err != nil {
		return n, fmt.Errorf("replay: %w", err)
	}
	return n, nil
}
