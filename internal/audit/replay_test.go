package audit_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/shopstream/shopstream/internal/audit"
	"github.com/shopstream/shopstream/internal/publish"
	"github.com/shopstream/shopstream/internal/testutil/localbus"
)

func TestReplayRepublishesInPublisherShape(t *testing.T) {
	ctx := context.Background()
	r, _, _ := seed(t)
	all, err := r.Store.ReadAll(ctx, "", 100)
	if err != nil || len(all.Events) != 2 {
		t.Fatalf("seed: %v %d", err, len(all.Events))
	}
	bus := localbus.Start(t)
	if err := bus.Create(ctx, "shop"); err != nil {
		t.Fatal(err)
	}
	var progress bytes.Buffer
	n, err := audit.Replay(ctx, r.Store, r.Registry, publish.Sender{Bus: bus.Client}, "shop", time.Unix(0, 0), &progress)
	if err != nil || n != 2 {
		t.Fatalf("replay: %d %v", n, err)
	}
	got := bus.Archived(t, "shop")
	if len(got) != 2 || got[0].ID != all.Events[0].ID || got[1].ID != all.Events[1].ID || got[1].Version != all.Events[1].Version {
		t.Fatalf("archived %+v", got)
	}

	// Nothing was recorded after now: a replay since now sends nothing.
	n, err = audit.Replay(ctx, r.Store, r.Registry, publish.Sender{Bus: bus.Client}, "shop", time.Now().Add(time.Minute), &progress)
	if err != nil || n != 0 {
		t.Fatalf("replay since the future: %d %v", n, err)
	}

	// A bus that does not exist: the replay fails and says where to resume.
	_, err = audit.Replay(ctx, r.Store, r.Registry, publish.Sender{Bus: bus.Client, Attempts: 1}, "missing", time.Unix(0, 0), &progress)
	if err == nil {
		t.Fatal("replay to a missing bus succeeded")
	}
}
