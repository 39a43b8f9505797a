package main

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/shopstream/shopstream/internal/domain"
	"github.com/shopstream/shopstream/internal/testutil/shoptest"
)

// BenchmarkReserve measures one ReserveStock task on the memory store: load
// a product stream of about 50 events, decide, append. It isolates the
// task's own cost from DynamoDB's latency.
func BenchmarkReserve(b *testing.B) {
	r := shoptest.Runner()
	h := &Reserver{Commands: r}
	ctx := context.Background()
	const perProduct = 50
	lat := make([]time.Duration, 0, b.N)
	i := 0
	for b.Loop() {
		id := fmt.Sprintf("p%d", i/perProduct)
		if i%perProduct == 0 {
			b.StopTimer()
			shoptest.CreateProduct(b, r, id, "Mug", 900, "EUR", domain.MaxQuantity)
			b.StartTimer()
		}
		start := time.Now()
		if _, err := h.Handle(ctx, line(fmt.Sprintf("c%d", i), id, 1)); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(start))
		i++
	}
	shoptest.ReportLatency(b, lat, "µs")
}
