package registry

import (
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/shopstream/shopstream/eventstore"
	"github.com/shopstream/shopstream/internal/basket"
	"github.com/shopstream/shopstream/internal/catalog"
	"github.com/shopstream/shopstream/internal/domain"
	"github.com/shopstream/shopstream/internal/ordering"
)

var clock = func() time.Time { return time.Date(2026, 11, 26, 6, 0, 0, 0, time.UTC) }

func factory() *eventstore.Factory {
	return eventstore.NewFactory(clock, rand.NewChaCha8([32]byte{1}))
}

func TestDefaultKnowsEveryAggregate(t *testing.T) {
	want := map[string]int{"catalog": len(catalog.EventTypes()), "basket": len(basket.EventTypes()), "ordering": len(ordering.EventTypes())}
	got := map[string]int{}
	for _, et := range Default().Types() {
		got[et.Aggregate]++
		src, err := Default().Source(et.Name)
		if err != nil || src != "shopstream."+et.Aggregate {
			t.Errorf("Source(%s) = %q, %v", et.Name, src, err)
		}
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("types per aggregate = %v, want %v", got, want)
	}
	if _, err := Default().Source("Nope"); err == nil {
		t.Error("Source of an unknown type succeeded")
	}
}

func TestEncodeDecode(t *testing.T) {
	meta := eventstore.Metadata{CorrelationID: "corr", Actor: "ada"}
	in := []domain.Event{
		catalog.StockReserved{ProductID: "p1", CheckoutID: "c1", Quantity: 2},
		basket.BasketCleared{UserName: "ada"},
	}
	stored, err := Default().Encode(factory(), meta, in...)
	if err != nil {
		t.Fatal(err)
	}
	for i, e := range stored {
		if e.Type != in[i].EventType() || e.SchemaVersion != 1 || e.Metadata.Actor != "ada" || !e.Metadata.RecordedAt.Equal(clock()) {
			t.Errorf("stored[%d] = %+v", i, e)
		}
	}
	if err := eventstore.Validate("append", "s", stored); err != nil {
		t.Errorf("encoded events fail the store's checks: %v", err)
	}
	out, err := Default().DecodeAll(stored)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(out, in) {
		t.Errorf("decoded %#v, want %#v", out, in)
	}
	if _, err := Default().Encode(factory(), meta, foreign{}); err == nil {
		t.Error("Encode accepted an unregistered event")
	}
}

type foreign struct{}

func (foreign) EventType() string { return "Foreign" }

func TestDecodeErrors(t *testing.T) {
	ok := eventstore.Event{ID: "01J9ZK8Q3Y6V2C7D5E4F3G2H1J", StreamID: "product-p1", Type: "StockAdded", SchemaVersion: 1,
		Data: json.RawMessage(`{"productId":"p1","quantity":3}`)}
	cases := []struct {
		name string
		edit func(*eventstore.Event)
		want string
	}{
		{"unknown type", func(e *eventstore.Event) { e.Type = "StockStolen" }, "unknown event type"},
		{"future version", func(e *eventstore.Event) { e.SchemaVersion = 2 }, "schema version 2 unknown"},
		{"version zero", func(e *eventstore.Event) { e.SchemaVersion = 0 }, "schema version 0 unknown"},
		{"unknown field", func(e *eventstore.Event) { e.Data = json.RawMessage(`{"productId":"p1","quantity":3,"x":1}`) }, "unknown field"},
		{"wrong type", func(e *eventstore.Event) { e.Data = json.RawMessage(`{"productId":"p1","quantity":"3"}`) }, "cannot unmarshal"},
		{"trailing data", func(e *eventstore.Event) { e.Data = json.RawMessage(`{"productId":"p1"} {}`) }, "after the JSON value"},
	}
	if _, err := Default().Decode(ok); err != nil {
		t.Fatalf("valid event: %v", err)
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := ok
			tc.edit(&e)
			_, err := Default().Decode(e)
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), e.ID) {
				t.Errorf("Decode = %v, want an error naming the event and containing %q", err, tc.want)
			}
		})
	}
}

// widgetRenamed stands for an event whose schema moved to v2: v1 called the
// field "title".
type widgetRenamed struct {
	Name string `json:"name"`
}

func (widgetRenamed) EventType() string { return "WidgetRenamed" }

func renameTitle(data []byte) ([]byte, error) {
	var v1 struct {
		Title string `json:"title"`
	}
	if err := domain.DecodeStrict(data, &v1); err != nil {
		return nil, err
	}
	return json.Marshal(widgetRenamed{Name: v1.Title})
}

func TestUpcast(t *testing.T) {
	r, err := New(domain.Describe[widgetRenamed]("test", 2).WithUpcaster(1, renameTitle))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		version int
		data    string
	}{
		{1, `{"title":"gear"}`},
		{2, `{"name":"gear"}`},
	} {
		got, err := r.Decode(eventstore.Event{Type: "WidgetRenamed", SchemaVersion: tc.version, Data: json.RawMessage(tc.data)})
		if err != nil || got != (widgetRenamed{Name: "gear"}) {
			t.Errorf("Decode v%d = %#v, %v", tc.version, got, err)
		}
	}
	if _, err := r.Decode(eventstore.Event{Type: "WidgetRenamed", SchemaVersion: 1, Data: json.RawMessage(`{"name":"gear"}`)}); err == nil {
		t.Error("v1 decode of v2 data succeeded")
	}
}

func TestNewRejects(t *testing.T) {
	cases := map[string][]domain.EventType{
		"duplicate":         {domain.Describe[widgetRenamed]("test", 1), domain.Describe[widgetRenamed]("test", 1)},
		"missing upcaster":  {domain.Describe[widgetRenamed]("test", 2)},
		"no aggregate":      {domain.Describe[widgetRenamed]("", 1)},
		"not from Describe": {{Name: "X", Version: 1, Aggregate: "test"}},
	}
	for name, types := range cases {
		if _, err := New(types...); err == nil {
			t.Errorf("%s: New succeeded", name)
		}
	}
}
