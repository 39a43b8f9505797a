package main

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge/types"

	ddbstore "github.com/shopstream/shopstream/eventstore/dynamodb"
	"github.com/shopstream/shopstream/internal/publish"
	"github.com/shopstream/shopstream/internal/registry"
)

// Publisher puts every event appended to the event store on the event bus.
type Publisher struct {
	// Bus sends the entries, with publish.Sender's batching and retries.
	Bus      publish.Sender
	BusName  string
	Registry *registry.Registry
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
	var (
		entries []types.PutEventsRequestEntry
		records []int // records[i] is the stream record of entries[i]
	)
	for i, rec := range in.Records {
		if rec.EventName != string(events.DynamoDBOperationTypeInsert) {
			continue
		}
		e, err := p.entry(rec)
		if err != nil {
			// Retrying cannot fix this record, but dropping it would lose
			// an event: it fails until the mapping's retries are spent and
			// its on-failure destination keeps it.
			slog.Error("cannot publish record", "sequenceNumber", rec.Change.SequenceNumber, "error", err)
			failed[i] = true
			continue
		}
		entries = append(entries, e)
		records = append(records, i)
	}
	for _, i := range p.Bus.Send(ctx, entries) {
		failed[records[i]] = true
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

// entry builds the bus entry of a stream record.
func (p *Publisher) entry(rec events.DynamoDBEventRecord) (types.PutEventsRequestEntry, error) {
	e, ok, err := ddbstore.DecodeStreamImage(rec.Change.NewImage)
	if err != nil {
		return types.PutEventsRequestEntry{}, fmt.Errorf("publisher: record %s: %w", rec.EventID, err)
	}
	if !ok {
		return types.PutEventsRequestEntry{}, fmt.Errorf("publisher: record %s: INSERT without a new image (the stream must carry NEW_IMAGE)", rec.EventID)
	}
	return publish.Entry(p.Registry, p.BusName, e)
}
