package publish

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge/types"

	"github.com/shopstream/shopstream/eventstore"
	"github.com/shopstream/shopstream/internal/registry"
)

func TestEntry(t *testing.T) {
	at := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
	e := eventstore.Event{ID: "01JDX0000000000000000000AA", StreamID: "basket-ann", Version: 3, Type: "BasketCheckedOut", SchemaVersion: 1,
		Data: json.RawMessage(`{"userName":"ann"}`), Metadata: eventstore.Metadata{RecordedAt: at}}
	got, err := Entry(registry.Default(), "bus", e)
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(got.Source) != "shopstream.basket" || aws.ToString(got.DetailType) != "BasketCheckedOut" || !aws.ToTime(got.Time).Equal(at) {
		t.Fatalf("entry %+v", got)
	}
	var back eventstore.Event
	if err := json.Unmarshal([]byte(aws.ToString(got.Detail)), &back); err != nil || back.ID != e.ID || back.Version != 3 {
		t.Fatalf("detail %s does not round-trip: %v", aws.ToString(got.Detail), err)
	}

	e.Type = "NoSuchEvent"
	if _, err := Entry(registry.Default(), "bus", e); err == nil {
		t.Fatal("unknown type accepted")
	}
	e.Type = "BasketCheckedOut"
	e.Data = json.RawMessage(`{"x":"` + strings.Repeat("x", MaxBatchSize) + `"}`)
	if _, err := Entry(registry.Default(), "bus", e); err == nil || !strings.Contains(err.Error(), "over EventBridge") {
		t.Fatalf("oversized entry: %v", err)
	}
}

func TestBatches(t *testing.T) {
	small := types.PutEventsRequestEntry{Source: aws.String("s"), DetailType: aws.String("t"), Detail: aws.String("{}")}
	big := types.PutEventsRequestEntry{Source: aws.String("s"), DetailType: aws.String("t"), Detail: aws.String(strings.Repeat("x", 100*1024))}
	tests := []struct {
		name    string
		entries []types.PutEventsRequestEntry
		want    []int // batch sizes
	}{
		{"25 small", repeat(small, 25), []int{10, 10, 5}},
		{"3 big", repeat(big, 3), []int{2, 1}},
		{"none", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			idx := make([]int, len(tt.entries))
			for i := range idx {
				idx[i] = i
			}
			var got []int
			next := 0
			for _, b := range Batches(tt.entries, idx) {
				got = append(got, len(b))
				for _, i := range b {
					if i != next {
						t.Fatalf("batches reorder entries: got %d, want %d", i, next)
					}
					next++
				}
			}
			if len(got) != len(tt.want) {
				t.Fatalf("batch sizes %v, want %v", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Fatalf("batch sizes %v, want %v", got, tt.want)
				}
			}
		})
	}
}

func repeat(e types.PutEventsRequestEntry, n int) []types.PutEventsRequestEntry {
	out := make([]types.PutEventsRequestEntry, n)
	for i := range out {
		out[i] = e
	}
	return out
}
