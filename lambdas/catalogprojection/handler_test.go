package main

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/shopstream/shopstream/eventstore"
	"github.com/shopstream/shopstream/internal/catalog"
	"github.com/shopstream/shopstream/internal/domain"
	"github.com/shopstream/shopstream/internal/readmodel"
	"github.com/shopstream/shopstream/internal/readmodel/readmodeltest"
	"github.com/shopstream/shopstream/internal/testutil/shoptest"
)

func TestProjectionConvergesWhateverTheDelivery(t *testing.T) {
	ctx := context.Background()
	runner := shoptest.Runner()
	cat := readmodeltest.Catalog(t, readmodeltest.Client(t))
	p := &Projector{Streams: runner, Catalog: cat}

	var stored []eventstore.Event
	run := func(decide func(*catalog.Product) ([]domain.Event, error)) {
		stored = append(stored, shoptest.RunProduct(t, runner, "p1", decide)...)
	}
	run(func(p *catalog.Product) ([]domain.Event, error) {
		return p.Create(catalog.Details{Name: "Mug", Category: "kitchen", Price: 900, Currency: "EUR"})
	})
	run(func(p *catalog.Product) ([]domain.Event, error) { return p.AddStock(4) })
	run(func(p *catalog.Product) ([]domain.Event, error) { return p.Reserve("c1", 3) })

	// Deliver newest first, then everything again: duplicates and reordering.
	order := []int{2, 0, 1, 2, 1, 0}
	for _, i := range order {
		detail, _ := json.Marshal(stored[i])
		if err := p.Handle(ctx, events.EventBridgeEvent{ID: "x", Detail: detail}); err != nil {
			t.Fatal(err)
		}
	}
	row, err := cat.Get(ctx, "p1")
	if err != nil {
		t.Fatal(err)
	}
	want := readmodel.Product{ProductID: "p1", Name: "Mug", Category: "kitchen", Price: 900, Currency: "EUR", Stock: 1, Version: 3}
	if row != want {
		t.Fatalf("row = %+v, want %+v", row, want)
	}

	run(func(p *catalog.Product) ([]domain.Event, error) { return p.Delete() })
	detail, _ := json.Marshal(stored[3])
	if err := p.Handle(ctx, events.EventBridgeEvent{Detail: detail}); err != nil {
		t.Fatal(err)
	}
	if _, err := cat.Get(ctx, "p1"); err == nil {
		t.Fatal("deleted product still listed")
	}
}

func TestProjectionRejectsGarbage(t *testing.T) {
	p := &Projector{}
	if err := p.Handle(context.Background(), events.EventBridgeEvent{Detail: json.RawMessage(`"x"`)}); err == nil {
		t.Fatal("undecodable detail accepted")
	}
	detail, _ := json.Marshal(eventstore.Event{StreamID: "basket-ann", Type: "BasketCleared"})
	if err := p.Handle(context.Background(), events.EventBridgeEvent{Detail: detail}); err != nil {
		t.Fatalf("non-product event: %v", err)
	}
}
