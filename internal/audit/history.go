package audit

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/shopstream/shopstream/eventstore"
)

// HistoryPage is how many events History reads from the store at a time.
const HistoryPage = 500

// History writes the events of stream to w, one per line, in version order.
// It reads the stream one page at a time (LoadRange) and writes each page
// before reading the next, so a long stream never sits in memory whole;
// columns are aligned within a page. It returns an error if the stream has
// no events.
func History(ctx context.Context, store eventstore.Store, stream string, w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	from := int64(1)
	for {
		events, more, err := store.LoadRange(ctx, stream, from, HistoryPage)
		if err != nil {
			return fmt.Errorf("history %s: %w", stream, err)
		}
		if from == 1 {
			if len(events) == 0 {
				return fmt.Errorf("history %s: stream has no events", stream)
			}
			fmt.Fprintln(tw, "VERSION\tRECORDED AT\tTYPE\tACTOR\tCORRELATION\tDATA")
		}
		for _, e := range events {
			fmt.Fprintf(tw, "%d\t%s\t%s v%d\t%s\t%s\t%s\n", e.Version, e.Metadata.RecordedAt.UTC().Format(time.RFC3339Nano),
				e.Type, e.SchemaVersion, dash(e.Metadata.Actor), dash(e.Metadata.CorrelationID), e.Data)
		}
		// tabwriter holds every line until Flush: flushing per page is
		// what keeps the memory bounded.
		if err := tw.Flush(); err != nil {
			return fmt.Errorf("history %s: %w", stream, err)
		}
		if !more || len(events) == 0 {
			return nil
		}
		from = events[len(events)-1].Version + 1
	}
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
