package eventstoretest

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/shopstream/shopstream/eventstore"
)

// Bench runs the adapter benchmarks: Append1 and Append10 (events per
// append, each at the stream's exact version, as a command does) and
// Load100 (a 100-event stream). Besides ns/op it reports the p50 and p99
// latency of one operation. newStore must return an empty store.
func Bench(b *testing.B, newStore func(b *testing.B) eventstore.Store) {
	for _, n := range []int{1, 10} {
		b.Run(fmt.Sprintf("Append%d", n), func(b *testing.B) { benchAppend(b, newStore, n) })
	}
	b.Run("Load100", func(b *testing.B) { benchLoad(b, newStore, 100) })
}

// storeSize bounds how many events the append benchmarks write to one store
// before moving to a fresh one (outside the timer), so a fast adapter's b.N
// does not fill memory, and an emulator whose cost grows with the table
// (moto copies a table per transaction item) is measured at a steady size.
const storeSize = 200

func benchAppend(b *testing.B, newStore func(*testing.B) eventstore.Store, n int) {
	ctx := context.Background()
	s, f := newStore(b), newFixture(b)
	var lat latencies
	var ready []eventstore.Event // made ahead, outside the timer
	version := eventstore.NoStream
	for b.Loop() {
		if len(ready) < n || version+int64(n) > storeSize {
			b.StopTimer()
			if len(ready) < n {
				ready = f.events(storeSize)
			}
			if version+int64(n) > storeSize {
				s, version = newStore(b), eventstore.NoStream
			}
			b.StartTimer()
		}
		start := time.Now()
		if _, err := s.Append(ctx, "bench-append", version, ready[:n]...); err != nil {
			b.Fatalf("Append: %v", err)
		}
		lat = append(lat, time.Since(start))
		ready = ready[n:]
		version += int64(n)
	}
	lat.report(b)
}

func benchLoad(b *testing.B, newStore func(*testing.B) eventstore.Store, n int) {
	ctx := context.Background()
	s, f := newStore(b), newFixture(b)
	if _, err := s.Append(ctx, "bench-load", eventstore.NoStream, f.events(n)...); err != nil {
		b.Fatalf("Append: %v", err)
	}
	var lat latencies
	for b.Loop() {
		start := time.Now()
		events, err := s.Load(ctx, "bench-load", 0)
		if err != nil {
			b.Fatalf("Load: %v", err)
		}
		lat = append(lat, time.Since(start))
		if len(events) != n {
			b.Fatalf("Load: %d events, want %d", len(events), n)
		}
	}
	lat.report(b)
}

type latencies []time.Duration

// report adds p50-ns and p99-ns metrics.
func (l latencies) report(b *testing.B) {
	if len(l) == 0 {
		return
	}
	slices.Sort(l)
	at := func(p float64) float64 { return float64(l[int(p*float64(len(l)-1))].Nanoseconds()) }
	b.ReportMetric(at(0.50), "p50-ns")
	b.ReportMetric(at(0.99), "p99-ns")
}
