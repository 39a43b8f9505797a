package audit_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/shopstream/shopstream/eventstore"
	"github.com/shopstream/shopstream/eventstore/memory"
	"github.com/shopstream/shopstream/internal/audit"
)

// pagedStore is a memory store that refuses whole-stream loads and records,
// at each LoadRange, how many lines History had written so far.
type pagedStore struct {
	*memory.Store
	t       *testing.T
	out     *bytes.Buffer
	written []int
}

func (s *pagedStore) Load(context.Context, string, int64) ([]eventstore.Event, error) {
	s.t.Error("History loaded the whole stream")
	return nil, fmt.Errorf("whole-stream load")
}

func (s *pagedStore) LoadRange(ctx context.Context, stream string, from int64, limit int) ([]eventstore.Event, bool, error) {
	s.written = append(s.written, strings.Count(s.out.String(), "\n"))
	return s.Store.LoadRange(ctx, stream, from, limit)
}

// Issue 13: history printed a stream after loading all of it. It now
// pages through the stream, writing each page before reading the next.
func TestHistoryPagesThroughTheStream(t *testing.T) {
	ctx := context.Background()
	const n = 2*audit.HistoryPage + 1
	mem := memory.New()
	f := eventstore.NewFactory(nil, nil)
	for v := 0; v < n; v += eventstore.MaxAppend {
		var batch []eventstore.Event
		for i := v; i < min(v+eventstore.MaxAppend, n); i++ {
			e, err := f.New("ThingHappened", 1, map[string]int{"n": i + 1}, eventstore.Metadata{Actor: "test"})
			if err != nil {
				t.Fatal(err)
			}
			batch = append(batch, e)
		}
		if _, err := mem.Append(ctx, "product-long", int64(v), batch...); err != nil {
			t.Fatal(err)
		}
	}
	var out bytes.Buffer
	s := &pagedStore{Store: mem, t: t, out: &out}
	if err := audit.History(ctx, s, "product-long", &out); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(lines) != n+1 || !strings.HasPrefix(lines[0], "VERSION") {
		t.Fatalf("history wrote %d lines, want a header and %d events", len(lines), n)
	}
	for i, l := range lines[1:] {
		if !strings.HasPrefix(l, fmt.Sprintf("%d ", i+1)) || !strings.Contains(l, fmt.Sprintf(`{"n":%d}`, i+1)) {
			t.Fatalf("line %d: %q, want version %d", i+1, l, i+1)
		}
	}
	// Three pages; before reading each, the previous pages were written.
	want := []int{0, 1 + audit.HistoryPage, 1 + 2*audit.HistoryPage}
	if fmt.Sprint(s.written) != fmt.Sprint(want) {
		t.Fatalf("lines written before each page read: %v, want %v", s.written, want)
	}
}
