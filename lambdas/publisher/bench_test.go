package main

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge/types"

	"github.com/shopstream/shopstream/internal/publish"
	"github.com/shopstream/shopstream/internal/registry"
	"github.com/shopstream/shopstream/internal/testutil/shoptest"
)

// acceptingBus accepts every entry without recording it.
type acceptingBus struct{}

func (acceptingBus) PutEvents(_ context.Context, in *eventbridge.PutEventsInput, _ ...func(*eventbridge.Options)) (*eventbridge.PutEventsOutput, error) {
	return &eventbridge.PutEventsOutput{Entries: make([]types.PutEventsResultEntry, len(in.Entries))}, nil
}

// BenchmarkPublishBatch measures the publisher's own work for a full
// stream batch of 100 records (decode, envelope, batching), without the
// network: p50/p99 per batch and records per second.
func BenchmarkPublishBatch(b *testing.B) {
	in := inserts(b, stored(b, 100))
	p := &Publisher{Bus: publish.Sender{Bus: acceptingBus{}}, BusName: "bus", Registry: registry.Default()}
	ctx := context.Background()
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for b.Loop() {
		start := time.Now()
		if resp, _ := p.Handle(ctx, in); len(resp.BatchItemFailures) != 0 {
			b.Fatal("failures")
		}
		lat = append(lat, time.Since(start))
	}
	b.StopTimer()
	shoptest.ReportLatency(b, lat, "µs/batch")
	var total time.Duration
	for _, l := range lat {
		total += l
	}
	b.ReportMetric(float64(len(lat)*100)/total.Seconds(), "records/s")
}
