// Package publish puts stored events on the EventBridge bus in the one
// shape every consumer relies on: source "shopstream.<aggregate>",
// detail-type the event type, detail the stored event's JSON. The stream
// publisher Lambda and `shopstream-audit replay` both use it, so a replayed
// event is indistinguishable from the original publication.
package publish

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge/types"

	"github.com/shopstream/shopstream/eventstore"
	"github.com/shopstream/shopstream/internal/registry"
)

// PutEvents limits, as EventBridge enforces them.
const (
	MaxBatchEntries = 10
	MaxBatchSize    = 256 * 1024 // bytes, counted as EventBridge counts them (Size)
)

// Retry defaults for entries EventBridge reports as failed.
const (
	DefaultAttempts = 5
	DefaultBackoff  = 100 * time.Millisecond // doubled after each attempt
	maxBackoff      = 2 * time.Second
)

// Bus is the part of the EventBridge API used here; *eventbridge.Client
// implements it.
type Bus interface {
	PutEvents(ctx context.Context, in *eventbridge.PutEventsInput, opts ...func(*eventbridge.Options)) (*eventbridge.PutEventsOutput, error)
}

// Entry returns the bus entry of a stored event. It fails for an unknown
// event type and for an event too large for EventBridge.
func Entry(reg *registry.Registry, busName string, e eventstore.Event) (types.PutEventsRequestEntry, error) {
	source, err := reg.Source(e.Type)
	if err != nil {
		return types.PutEventsRequestEntry{}, fmt.Errorf("publish: event %s of %s: %w", e.ID, e.StreamID, err)
	}
	detail, err := json.Marshal(e)
	if err != nil {
		return types.PutEventsRequestEntry{}, fmt.Errorf("publish: encode event %s: %w", e.ID, err)
	}
	req := types.PutEventsRequestEntry{
		EventBusName: aws.String(busName),
		Source:       aws.String(source),
		DetailType:   aws.String(e.Type),
		Detail:       aws.String(string(detail)),
		Time:         aws.Time(e.Metadata.RecordedAt),
	}
	if size := Size(req); size > MaxBatchSize {
		return types.PutEventsRequestEntry{}, fmt.Errorf("publish: event %s of %s is %d bytes on the bus, over EventBridge's %d", e.ID, e.StreamID, size, MaxBatchSize)
	}
	return req, nil
}

// Size is an entry's size as EventBridge counts it against the request
// limit: its strings' UTF-8 lengths plus 14 bytes for a time.
func Size(e types.PutEventsRequestEntry) int {
	n := len(aws.ToString(e.Source)) + len(aws.ToString(e.DetailType)) + len(aws.ToString(e.Detail))
	for _, r := range e.Resources {
		n += len(r)
	}
	if e.Time != nil {
		n += 14
	}
	return n
}

// Sender puts entries on the bus in batches and retries the ones
// EventBridge rejects.
type Sender struct {
	Bus Bus
	// Attempts bounds the PutEvents calls per entry; 0 means DefaultAttempts.
	Attempts int
	// Backoff is the wait before the first retry, doubled for each next
	// one; 0 means DefaultBackoff.
	Backoff time.Duration
	// Sleep waits between attempts; nil means a timer that stops early
	// when ctx is done (tests inject one that does not wait).
	Sleep func(ctx context.Context, d time.Duration) error
}

// Send puts entries, in order, in batches of at most MaxBatchEntries and
// MaxBatchSize, retrying failed entries with backoff. It returns the
// indexes of the entries that still failed after the last attempt.
func (s Sender) Send(ctx context.Context, entries []types.PutEventsRequestEntry) []int {
	attempts := s.Attempts
	if attempts <= 0 {
		attempts = DefaultAttempts
	}
	wait := s.Backoff
	if wait <= 0 {
		wait = DefaultBackoff
	}
	pending := make([]int, len(entries))
	for i := range pending {
		pending[i] = i
	}
	for attempt := 1; len(pending) > 0; attempt++ {
		var retry []int
		for _, b := range Batches(entries, pending) {
			retry = append(retry, s.sendBatch(ctx, entries, b)...)
		}
		pending = retry
		if len(pending) == 0 || attempt == attempts {
			break
		}
		if err := s.sleep(ctx, wait); err != nil {
			break
		}
		wait = min(2*wait, maxBackoff)
	}
	return pending
}

// sendBatch makes one PutEvents call and returns the indexes that failed.
func (s Sender) sendBatch(ctx context.Context, entries []types.PutEventsRequestEntry, batch []int) []int {
	reqs := make([]types.PutEventsRequestEntry, len(batch))
	for i, idx := range batch {
		reqs[i] = entries[idx]
	}
	out, err := s.Bus.PutEvents(ctx, &eventbridge.PutEventsInput{Entries: reqs})
	if err != nil {
		slog.Warn("PutEvents failed", "entries", len(batch), "error", err)
		return batch
	}
	var failed []int
	for i, idx := range batch {
		// An entry without a result is not known to be on the bus.
		if i >= len(out.Entries) || out.Entries[i].ErrorCode != nil {
			if i < len(out.Entries) {
				slog.Warn("entry rejected", "detailType", aws.ToString(reqs[i].DetailType),
					"errorCode", aws.ToString(out.Entries[i].ErrorCode), "errorMessage", aws.ToString(out.Entries[i].ErrorMessage))
			}
			failed = append(failed, idx)
		}
	}
	return failed
}

func (s Sender) sleep(ctx context.Context, d time.Duration) error {
	if s.Sleep != nil {
		return s.Sleep(ctx, d)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Batches splits the entries named by idx, in order, into PutEvents
// requests of at most MaxBatchEntries entries and MaxBatchSize bytes.
func Batches(entries []types.PutEventsRequestEntry, idx []int) [][]int {
	var (
		out  [][]int
		cur  []int
		size int
	)
	for _, i := range idx {
		n := Size(entries[i])
		if len(cur) == MaxBatchEntries || (len(cur) > 0 && size+n > MaxBatchSize) {
			out = append(out, cur)
			cur, size = nil, 0
		}
		cur = append(cur, i)
		size += n
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out
}
