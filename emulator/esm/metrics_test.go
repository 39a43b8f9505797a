package esm

import (
	"testing"
	"time"

	"github.com/shopstream/shopstream/emulator/localtest"
)

func TestStreamIteratorAge(t *testing.T) {
	f := newFakeAWS()
	inv := &recorder{}
	m := &localtest.Metrics{}
	c := localtest.NewClock(time.Now().Truncate(time.Second))
	s, err := New(Config{Caller: f, Invoker: inv, PollInterval: 5 * time.Millisecond, RetryDelay: 5 * time.Millisecond, Now: c.Now, Metrics: m})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { closeService(t, s) })
	// Records created 90 s and 30 s before the clock: the batch's age is
	// its last record's.
	f.putItemsAt(c.Now().Add(-90*time.Second), "old")
	f.putItemsAt(c.Now().Add(-30*time.Second), "new")
	create(t, s, "Publisher", streamProps(map[string]any{"BatchSize": 10.0}))
	waitFor(t, "both records", func() bool { return len(allIDs(t, inv.calls())) == 2 })
	pts := m.Points("AWS/Lambda", "IteratorAge", map[string]string{"FunctionName": "publisher"})
	if len(pts) == 0 || pts[len(pts)-1].Value != 30000 || pts[0].Unit != "Milliseconds" {
		t.Fatalf("IteratorAge points: %+v", pts)
	}
}
