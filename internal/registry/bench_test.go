package registry

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/shopstream/shopstream/eventstore"
	"github.com/shopstream/shopstream/internal/basket"
	"github.com/shopstream/shopstream/internal/domain"
)

// BenchmarkDecodeAndFold100 measures what every command handler pays
// before deciding: decode 100 stored basket events and fold them.
func BenchmarkDecodeAndFold100(b *testing.B) {
	var decided []domain.Event
	for i := range 100 {
		decided = append(decided, basket.BasketItemQuantitySet{UserName: "ada", ProductID: fmt.Sprint("p", i%20), Quantity: int64(i%5 + 1)})
	}
	stored, err := Default().Encode(factory(), eventstore.Metadata{}, decided...)
	if err != nil {
		b.Fatal(err)
	}
	var laps []time.Duration
	for b.Loop() {
		start := time.Now()
		events, err := Default().DecodeAll(stored)
		if err != nil {
			b.Fatal(err)
		}
		bk, _ := basket.New("ada")
		if err := bk.Apply(events...); err != nil {
			b.Fatal(err)
		}
		laps = append(laps, time.Since(start))
	}
	slices.Sort(laps)
	b.ReportMetric(float64(laps[len(laps)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(laps[len(laps)*99/100].Microseconds()), "p99-µs")
}
