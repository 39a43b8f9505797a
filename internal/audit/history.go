package audit

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/shopstream/shopstream/eventstore"
)

// History writes the events of stream to w, one per line, in version order.
// It returns an error if the stream has no events.
func History(ctx context.Context, store eventstore.Store, stream string, w io.Writer) error {
	events, err := store.Load(ctx, stream, 1)
	if err != nil {
		return fmt.Errorf("history %s: %w", stream, err)
	}
	if len(events) == 0 {
		return fmt.Errorf("history %s: stream has no events", stream)
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "VERSION\tRECORDED AT\tTYPE\tACTOR\tCORRELATION\tDATA")
	for _, e := range events {
		fmt.Fprintf(tw, "%d\t%s\t%s v%d\t%s\t%s\t%s\n", e.Version, e.Metadata.RecordedAt.UTC().Format(time.RFC3339Nano),
			e.Type, e.SchemaVersion, dash(e.Metadata.Actor), dash(e.Metadata.CorrelationID), e.Data)
	}
	return tw.Flush()
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
