package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge/types"

	ddbstore "github.com/shopstream/shopstream/eventstore/dynamodb"
	"github.com/shopstream/shopstream/internal/domain/registry"
)

// PutEvents limits, as EventBridge enforces them.
const (
	MaxBatchEntries = 10
	MaxBatchSize    = 256 * 1024 // bytes, counted as EventBridge counts them (entrySize)
)

// Retry defaults for entries EventBridge reports as failed.
const (
	DefaultAttempts = 5
	DefaultBackoff  = 100 * time.Millisecond // doubled after each attempt
	maxBackoff      = 2 * time.Second
)

// Bus is the part of the EventBridge API the publisher uses;
// *eventbridge.Client implements it.
type Bus interface {
	PutEvents(ctx context.Context, in *eventbridge.PutEventsInput, opts ...func(*eventbridge.Options)) (*eventbridge.PutEventsOutput, error)
}

// Publisher puts every event appended to the event store on the event bus.
type Publisher struct {
	Bus      Bus
	BusName  string
	Registry *registry.Registry
	// Attempts bounds the PutEvents calls per entry; 0 means DefaultAttempts.
	Attempts int
	// Backoff is the wait before the first retry, doubled for each next
	// one; 0 means DefaultBackoff.
	Backoff time.Duration
	// Sleep waits between attempts; nil means a timer that stops early
	// when ctx is done (tests inject one that does not wait).
	Sleep func(ctx context.Context, d time.Duration) error
}

// entry is one event to put, with the stream record it came from.
type entry struct {
	record int // index in the batch of stream records
	req    types.PutEventsRequestEntry
	size   int
}

// Handle publishes the INSERT records of a DynamoDB stream batch (other
// records are not appends and are skipped). Entries EventBridge rejects are
// retried with backoff; none is dropped. If some still fail, the response
// names the earliest failed record, so the event source mapping retries the
// batch from there, in stream order (ReportBatchItemFailures). Records after
// it that were published already are published again then: consumers are
// idempotent, and EventBridge itself delivers at least once.
func (p *Publisher) Handle(ctx context.Context, in events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
	failed := make([]bool, len(in.Records))
	var pending []entry
	for i, rec := range in.Records {
		if rec.EventName != string(events.DynamoDBOperationTypeInsert) {
			continue
		}
		e, err := p.entry(i, rec)
		if err != nil {
			// Retrying cannot fix this record, but dropping it would lose
			// an event: it fails until the mapping's retries are spent and
			// its on-failure destination keeps it.
			slog.Error("cannot publish record", "sequenceNumber", rec.Change.SequenceNumber, "error", err)
			failed[i] = true
			continue
		}
		pending = append(pending, e)
	}
	for _, e := range p.put(ctx, pending) {
		failed[e.record] = true
	}
	var out events.DynamoDBEventResponse
	for i, f := range failed {
		if f {
			out.BatchItemFailures = []events.DynamoDBBatchItemFailure{{ItemIdentifier: in.Records[i].Change.SequenceNumber}}
			break
		}
	}
	return out, nil
}

// entry builds the bus entry of stream record i.
func (p *Publisher) entry(i int, rec events.DynamoDBEventRecord) (entry, error) {
	e, ok, err := ddbstore.DecodeStreamImage(rec.Change.NewImage)
	if err != nil {
		return entry{}, fmt.Errorf("publisher: record %s: %w", rec.EventID, err)
	}
	if !ok {
		return entry{}, fmt.Errorf("publisher: record %s: INSERT without a new image (the stream must carry NEW_IMAGE)", rec.EventID)
	}
	source, err := p.Registry.Source(e.Type)
	if err != nil {
		return entry{}, fmt.Errorf("publisher: event %s of %s: %w", e.ID, e.StreamID, err)
	}
	detail, err := json.Marshal(e)
	if err != nil {
		return entry{}, fmt.Errorf("publisher: encode event %s: %w", e.ID, err)
	}
	req := types.PutEventsRequestEntry{
		EventBusName: aws.String(p.BusName),
		Source:       aws.String(source),
		DetailType:   aws.String(e.Type),
		Detail:       aws.String(string(detail)),
		Time:         aws.Time(e.Metadata.RecordedAt),
	}
	size := entrySize(req)
	if size > MaxBatchSize {
		return entry{}, fmt.Errorf("publisher: event %s of %s is %d bytes on the bus, over EventBridge's %d", e.ID, e.StreamID, size, MaxBatchSize)
	}
	return entry{record: i, req: req, size: size}, nil
}

// entrySize is an entry's size as EventBridge counts it against the
// request limit: its strings' UTF-8 lengths plus 14 bytes for a time.
func entrySize(e types.PutEventsRequestEntry) int {
	n := len(aws.ToString(e.Source)) + len(aws.ToString(e.DetailType)) + len(aws.ToString(e.Detail))
	for _, r := range e.Resources {
		n += len(r)
	}
	if e.Time != nil {
		n += 14
	}
	return n
}

// put sends entries in batches, retrying the failed ones, and returns those
// that still failed after the last attempt.
func (p *Publisher) put(ctx context.Context, pending []entry) []entry {
	attempts := p.Attempts
	if attempts <= 0 {
		attempts = DefaultAttempts
	}
	wait := p.Backoff
	if wait <= 0 {
		wait = DefaultBackoff
	}
	for attempt := 1; len(pending) > 0; attempt++ {
		var retry []entry
		for _, b := range batches(pending) {
			retry = append(retry, p.putBatch(ctx, b)...)
		}
		pending = retry
		if len(pending) == 0 || attempt == attempts {
			break
		}
		if err := p.sleep(ctx, wait); err != nil {
			break
		}
		wait = min(2*wait, maxBackoff)
	}
	return pending
}

// putBatch makes one PutEvents call and returns the entries that failed.
func (p *Publisher) putBatch(ctx context.Context, batch []entry) []entry {
	reqs := make([]types.PutEventsRequestEntry, len(batch))
	for i, e := range batch {
		reqs[i] = e.req
	}
	out, err := p.Bus.PutEvents(ctx, &eventbridge.PutEventsInput{Entries: reqs})
	if err != nil {
		slog.Warn("PutEvents failed", "entries", len(batch), "error", err)
		return batch
	}
	var failed []entry
	for i, e := range batch {
		// An entry without a result is not known to be on the bus.
		if i >= len(out.Entries) || out.Entries[i].ErrorCode != nil {
			if i < len(out.Entries) {
				slog.Warn("entry rejected", "detailType", aws.ToString(e.req.DetailType),
					"errorCode", aws.ToString(out.Entries[i].ErrorCode), "errorMessage", aws.ToString(out.Entries[i].ErrorMessage))
			}
			failed = append(failed, e)
		}
	}
	return failed
}

func (p *Publisher) sleep(ctx context.Context, d time.Duration) error {
	if p.Sleep != nil {
		return p.Sleep(ctx, d)
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

// batches splits entries, in order, into PutEvents requests of at most
// MaxBatchEntries entries and MaxBatchSize bytes.
func batches(entries []entry) [][]entry {
	var (
		out  [][]entry
		cur  []entry
		size int
	)
	for _, e := range entries {
		if len(cur) == MaxBatchEntries || (len(cur) > 0 && size+e.size > MaxBatchSize) {
			out = append(out, cur)
			cur, size = nil, 0
		}
		cur = append(cur, e)
		size += e.size
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out
}
