package main

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/shopstream/shopstream/eventstore"
	"github.com/shopstream/shopstream/eventstore/memory"
	"github.com/shopstream/shopstream/internal/catalog"
	"github.com/shopstream/shopstream/internal/command"
	"github.com/shopstream/shopstream/internal/domain"
	"github.com/shopstream/shopstream/internal/domain/registry"
)

// BenchmarkReserve measures one ReserveStock task on the memory store: load
// a product stream of about 50 events, decide, append. It isolates the
// task's own cost from DynamoDB's latency.
func BenchmarkReserve(b *testing.B) {
	r := command.Runner{Store: memory.New(), Registry: registry.Default(), Factory: eventstore.NewFactory(nil, nil)}
	h := &Reserver{Commands: r}
	ctx := context.Background()
	const perProduct = 50
	lat := make([]time.Duration, 0, b.N)
	i := 0
	for b.Loop() {
		id := fmt.Sprintf("p%d", i/perProduct)
		if i%perProduct == 0 {
			b.StopTimer()
			if _, _, err := command.Run(ctx, r, catalog.StreamID(id), func() (*catalog.Product, error) { return catalog.New(id) }, eventstore.Metadata{},
				func(p *catalog.Product) ([]domain.Event, error) {
					created, _ := p.Create(catalog.Details{Name: "Mug", Category: "kitchen", Price: 900, Currency: "EUR"})
					_ = p.Apply(created...)
					stocked, err := p.AddStock(domain.MaxQuantity)
					return append(created, stocked...), err
				}); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
		}
		start := time.Now()
		if _, err := h.Handle(ctx, line(fmt.Sprintf("c%d", i), id, 1)); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(start))
		i++
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
}
