package main

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/shopstream/shopstream/internal/publish"
	"github.com/shopstream/shopstream/internal/registry"
	"github.com/shopstream/shopstream/internal/testutil/localbus"
)

func TestPublishesToTheLocalBus(t *testing.T) {
	ctx := context.Background()
	evs := stored(t, 25)
	tests := []struct {
		name string
		// createAtWait creates the bus during the n-th wait between
		// attempts (0: before publishing, -1: never).
		createAtWait int
		wantWaits    int
		wantFailure  string // sequence number reported; "" means none
	}{
		{"bus exists", 0, 0, ""},
		{"bus appears before the first retry", 1, 1, ""},
		{"bus never appears", -1, 2, fmt.Sprintf("%021d", 100)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := localbus.Start(t)
			if tt.createAtWait == 0 {
				if err := b.Create(ctx, "shop"); err != nil {
					t.Fatal(err)
				}
			}
			bus := &countingBus{Client: b.Client}
			waits := 0
			p := &Publisher{BusName: "shop", Registry: registry.Default(), Bus: publish.Sender{Bus: bus, Attempts: 3,
				Sleep: func(ctx context.Context, _ time.Duration) error {
					waits++
					if waits == tt.createAtWait {
						return b.Create(ctx, "shop")
					}
					return nil
				}}}
			resp, err := p.Handle(ctx, inserts(t, evs))
			if err != nil {
				t.Fatal(err)
			}
			var want []events.DynamoDBBatchItemFailure
			if tt.wantFailure != "" {
				want = []events.DynamoDBBatchItemFailure{{ItemIdentifier: tt.wantFailure}}
			}
			if !reflect.DeepEqual(resp.BatchItemFailures, want) || waits != tt.wantWaits {
				t.Fatalf("failures %+v after %d waits, want %+v after %d", resp.BatchItemFailures, waits, want, tt.wantWaits)
			}
			if tt.wantFailure != "" {
				return
			}
			if bus.calls != 3*(tt.wantWaits+1) {
				t.Fatalf("%d PutEvents calls, want %d", bus.calls, 3*(tt.wantWaits+1))
			}
			if got := b.Archived(t, "shop"); !reflect.DeepEqual(got, evs) {
				t.Fatalf("archived %d events, want the %d stored ones in order", len(got), len(evs))
			}
		})
	}
}
