package main

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/shopstream/shopstream/internal/readmodel"
	"github.com/shopstream/shopstream/internal/testutil/shoptest"
)

// discardRows accepts every row.
type discardRows struct{}

func (discardRows) Put(context.Context, readmodel.Order) (bool, error) { return true, nil }

// BenchmarkPlace measures the ordering function's own work per message
// (decode the envelope, check it against the basket stream, place the
// order, build the row) on the memory
// store, without the read model's network round trip. The first 1000
// iterations place new orders; the rest are redeliveries, which decide
// nothing.
func BenchmarkPlace(b *testing.B) {
	r := shoptest.Runner()
	p := &Placer{Commands: r, Orders: discardRows{}, Now: time.Now}
	ctx := context.Background()
	var msgs []events.SQSMessage
	for i := range 1000 {
		// A basket per checkout, as in the shop: the check against the
		// store reads the basket stream from the checkout on.
		e := checkedOut(fmt.Sprintf("c%d", i))
		e.UserName = fmt.Sprintf("u%d", i)
		msgs = append(msgs, message(b, r, fmt.Sprint(i), e, 1))
	}
	lat := make([]time.Duration, 0, b.N)
	i := 0
	for b.Loop() {
		start := time.Now()
		if err := p.Place(ctx, msgs[i%len(msgs)]); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(start))
		i++
	}
	shoptest.ReportLatency(b, lat, "µs")
}
