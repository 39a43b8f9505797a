package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"reflect"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"

	"github.com/shopstream/shopstream/eventstore"
	"github.com/shopstream/shopstream/internal/domain/registry"
	"github.com/shopstream/shopstream/internal/local/awsapi"
	localeb "github.com/shopstream/shopstream/internal/local/eventbridge"
	"github.com/shopstream/shopstream/internal/local/state"
	"github.com/shopstream/shopstream/internal/testutil/awstest"
)

// localBus is the local runtime's EventBridge on a loopback endpoint, with
// an SDK client and a way to read what an archive recorded.
type localBus struct {
	client  *eventbridge.Client
	service *localeb.Service
}

func newLocalBus(t *testing.T) *localBus {
	t.Helper()
	db, err := state.Open("")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	srv := awsapi.New(nil)
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	svc, err := localeb.New(localeb.Config{DB: db, Caller: srv})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { svc.Close(context.Background()) })
	svc.Register(srv)
	return &localBus{client: eventbridge.NewFromConfig(awstest.Config(ts.URL)), service: svc}
}

// create creates the bus name with an archive of everything put on it.
func (b *localBus) create(ctx context.Context, name string) error {
	out, err := b.client.CreateEventBus(ctx, &eventbridge.CreateEventBusInput{Name: aws.String(name)})
	if err != nil {
		return err
	}
	_, err = b.client.CreateArchive(ctx, &eventbridge.CreateArchiveInput{ArchiveName: aws.String(name + "-all"), EventSourceArn: out.EventBusArn})
	return err
}

// archived returns the stored events the bus's archive holds, after
// checking each envelope.
func (b *localBus) archived(t *testing.T, name string) []eventstore.Event {
	t.Helper()
	raw, err := b.service.ArchivedEvents(name + "-all")
	if err != nil {
		t.Fatal(err)
	}
	var out []eventstore.Event
	for _, r := range raw {
		var env struct {
			DetailType string           `json:"detail-type"`
			Source     string           `json:"source"`
			Time       time.Time        `json:"time"`
			Detail     eventstore.Event `json:"detail"`
		}
		if err := json.Unmarshal(r, &env); err != nil {
			t.Fatalf("envelope %s: %v", r, err)
		}
		if env.Source != "shopstream.catalog" || env.DetailType != env.Detail.Type || !env.Time.Equal(env.Detail.Metadata.RecordedAt) {
			t.Fatalf("envelope %s", r)
		}
		out = append(out, env.Detail)
	}
	return out
}

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
			b := newLocalBus(t)
			if tt.createAtWait == 0 {
				if err := b.create(ctx, "shop"); err != nil {
					t.Fatal(err)
				}
			}
			bus := &countingBus{Client: b.client}
			waits := 0
			p := &Publisher{Bus: bus, BusName: "shop", Registry: registry.Default(), Attempts: 3,
				Sleep: func(ctx context.Context, _ time.Duration) error {
					waits++
					if waits == tt.createAtWait {
						return b.create(ctx, "shop")
					}
					return nil
				}}
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
			if got := b.archived(t, "shop"); !reflect.DeepEqual(got, evs) {
				t.Fatalf("archived %d events, want the %d stored ones in order", len(got), len(evs))
			}
		})
	}
}
