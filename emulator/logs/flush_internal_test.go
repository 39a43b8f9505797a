package logs

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/shopstream/shopstream/emulator/localtest"
	"github.com/shopstream/shopstream/emulator/state"
	"github.com/shopstream/shopstream/emulator/telemetry"
)

// A flush whose write fails gives back what it took: the next flush (here
// Close's) writes the events and the group deletion, so a failed write
// loses nothing that was accepted.
func TestFailedFlushIsRetried(t *testing.T) {
	dir := t.TempDir()
	db, err := state.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	// No timed flush during the test: only the ones it makes.
	s, err := New(db, Options{FlushInterval: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	at := time.Now()
	for i := range 10 {
		s.Put(telemetry.LogEvent{Group: "/aws/lambda/f", Stream: "s1", Time: at, Message: fmt.Sprintf("line %d", i)})
	}
	s.Put(telemetry.LogEvent{Group: "/gone", Stream: "s", Time: at, Message: "x"})
	if err := s.flush(); err != nil { // "/gone" and its line reach the disk
		t.Fatal(err)
	}
	if _, err := s.deleteLogGroup(context.Background(), []byte(`{"logGroupName":"/gone"}`)); err != nil {
		t.Fatal(err)
	}
	s.Put(telemetry.LogEvent{Group: "/aws/lambda/f", Stream: "s2", Time: at, Message: "line 10"})

	// A flush takes its work, and its write fails.
	s.flushMu.Lock()
	gone, work := s.take()
	if len(gone) != 1 || len(work) != 1 || len(work[0].events) != 1 {
		t.Fatalf("took gone %v and %d groups' work (%+v): want /gone and one group's new line", gone, len(work), work)
	}
	s.unflushed(gone, work)
	s.flushMu.Unlock()

	if err := s.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	again, err := New(localtest.OpenDB(t, dir), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close(context.Background())
	again.mu.Lock()
	defer again.mu.Unlock()
	if g := again.groups["/gone"]; g != nil {
		t.Error("/gone is back after the restart: its deletion was lost")
	}
	g := again.groups["/aws/lambda/f"]
	if g == nil || len(g.events) != 11 || g.streams["s2"] == nil {
		t.Fatalf("after the restart /aws/lambda/f = %+v, want 11 events and stream s2", g)
	}
}
