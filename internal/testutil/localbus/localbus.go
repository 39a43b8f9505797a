// Package localbus runs the local runtime's EventBridge on a loopback
// endpoint for tests: a real bus, reached with the real SDK client, with
// an archive to read back what was put on it.
package localbus

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"

	"github.com/shopstream/shopstream/emulator/awsapi"
	localeb "github.com/shopstream/shopstream/emulator/eventbridge"
	"github.com/shopstream/shopstream/emulator/state"
	"github.com/shopstream/shopstream/eventstore"
	"github.com/shopstream/shopstream/internal/testutil/awstest"
)

// Bus is a local EventBridge and an SDK client for it.
type Bus struct {
	Client  *eventbridge.Client
	service *localeb.Service
}

// Start starts an in-memory EventBridge for the test.
func Start(t testing.TB) *Bus {
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
	return &Bus{Client: eventbridge.NewFromConfig(awstest.Config(ts.URL)), service: svc}
}

// Create creates the bus name with an archive of everything put on it.
func (b *Bus) Create(ctx context.Context, name string) error {
	out, err := b.Client.CreateEventBus(ctx, &eventbridge.CreateEventBusInput{Name: aws.String(name)})
	if err != nil {
		return err
	}
	_, err = b.Client.CreateArchive(ctx, &eventbridge.CreateArchiveInput{ArchiveName: aws.String(name + "-all"), EventSourceArn: out.EventBusArn})
	return err
}

// Archived returns the stored events the bus name's archive holds, in the
// order they were put, after checking that each envelope is the
// publisher's: detail-type the event type, time its recorded-at
// (to the second, as EventBridge keeps it).
func (b *Bus) Archived(t testing.TB, name string) []eventstore.Event {
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
		if env.DetailType != env.Detail.Type || !env.Time.Equal(env.Detail.Metadata.RecordedAt.Truncate(time.Second)) {
			t.Fatalf("envelope %s", r)
		}
		out = append(out, env.Detail)
	}
	return out
}
