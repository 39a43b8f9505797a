package main

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/shopstream/shopstream/eventstore"
	"github.com/shopstream/shopstream/eventstore/memory"
	"github.com/shopstream/shopstream/internal/catalog"
	"github.com/shopstream/shopstream/internal/checkout"
	"github.com/shopstream/shopstream/internal/command"
	"github.com/shopstream/shopstream/internal/domain"
	"github.com/shopstream/shopstream/internal/domain/registry"
	"github.com/shopstream/shopstream/workflows/errnames"
)

func newRunner(store eventstore.Store) command.Runner {
	clock := func() time.Time { return time.Date(2026, 11, 26, 6, 0, 0, 0, time.UTC) }
	return command.Runner{Store: store, Registry: registry.Default(), Factory: eventstore.NewFactory(clock, nil)}
}

func runProduct(t *testing.T, r command.Runner, id string, decide func(*catalog.Product) ([]domain.Event, error)) {
	t.Helper()
	if _, _, err := command.Run(context.Background(), r, catalog.StreamID(id), func() (*catalog.Product, error) { return catalog.New(id) }, eventstore.Metadata{}, decide); err != nil {
		t.Fatal(err)
	}
}

func stocked(t *testing.T, r command.Runner, id string, stock int64) {
	t.Helper()
	runProduct(t, r, id, func(p *catalog.Product) ([]domain.Event, error) {
		return p.Create(catalog.Details{Name: "Mug", Category: "kitchen", Price: 900, Currency: "EUR"})
	})
	if stock > 0 {
		runProduct(t, r, id, func(p *catalog.Product) ([]domain.Event, error) { return p.AddStock(stock) })
	}
}

func line(checkoutID, productID string, qty int64) checkout.ReserveLine {
	return checkout.ReserveLine{CheckoutID: checkoutID, Line: domain.PricedLine{ProductID: productID, Name: "Mug",
		UnitPrice: 900, Currency: "EUR", Quantity: qty, LineTotal: 900 * qty}}
}

func types(t *testing.T, s eventstore.Store, stream string) []string {
	t.Helper()
	events, err := s.Load(context.Background(), stream, 1)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range events {
		out = append(out, e.Type)
	}
	return out
}

func TestReserveIsIdempotent(t *testing.T) {
	r := newRunner(memory.New())
	stocked(t, r, "mug", 5)
	h := &Reserver{Commands: r}
	want := checkout.Reservation{ProductID: "mug", Quantity: 3, Version: 3}
	for i := range 2 {
		got, err := h.Handle(context.Background(), line("c1", "mug", 3))
		if err != nil {
			t.Fatalf("run %d: %v", i, err)
		}
		if got != want {
			t.Fatalf("run %d: got %+v, want %+v", i, got, want)
		}
	}
	if got := types(t, r.Store, catalog.StreamID("mug")); !reflect.DeepEqual(got, []string{"ProductCreated", "StockAdded", "StockReserved"}) {
		t.Fatalf("product stream = %v", got)
	}
}

func TestReserveErrors(t *testing.T) {
	tests := []struct {
		name     string
		setup    func(t *testing.T, r command.Runner)
		qty      int64
		wantType string
		check    func(t *testing.T, err error)
	}{
		{"out of stock", func(t *testing.T, r command.Runner) { stocked(t, r, "mug", 2) }, 3, errnames.OutOfStock, func(t *testing.T, err error) {
			if e := err.(*errnames.OutOfStockError); *e != (errnames.OutOfStockError{ProductID: "mug", Requested: 3, Available: 2}) {
				t.Fatalf("error = %+v", e)
			}
		}},
		{"unknown product", func(t *testing.T, r command.Runner) {}, 1, errnames.ProductUnavailable, nil},
		{"deleted product", func(t *testing.T, r command.Runner) {
			stocked(t, r, "mug", 5)
			runProduct(t, r, "mug", (*catalog.Product).Delete)
		}, 1, errnames.ProductUnavailable, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRunner(memory.New())
			tt.setup(t, r)
			before := types(t, r.Store, catalog.StreamID("mug"))
			_, err := (&Reserver{Commands: r}).Handle(context.Background(), line("c1", "mug", tt.qty))
			if err == nil {
				t.Fatal("no error")
			}
			if got := reflect.TypeOf(err).Elem().Name(); got != tt.wantType {
				t.Fatalf("error %v has type %s, want %s", err, got, tt.wantType)
			}
			if tt.check != nil {
				tt.check(t, err)
			}
			if after := types(t, r.Store, catalog.StreamID("mug")); !reflect.DeepEqual(after, before) {
				t.Fatalf("failed reservation changed the stream: %v -> %v", before, after)
			}
		})
	}
}

// racing is a store where another writer adds stock to a product stream
// just before each of the first races appends to it.
type racing struct {
	eventstore.Store
	other command.Runner
	races int
}

func (s *racing) Append(ctx context.Context, stream string, expected int64, events ...eventstore.Event) ([]eventstore.Event, error) {
	if s.races > 0 {
		s.races--
		id := stream[len(catalog.StreamID("")):]
		if _, _, err := command.Run(ctx, s.other, stream, func() (*catalog.Product, error) { return catalog.New(id) }, eventstore.Metadata{},
			func(p *catalog.Product) ([]domain.Event, error) { return p.AddStock(1) }); err != nil {
			return nil, err
		}
	}
	return s.Store.Append(ctx, stream, expected, events...)
}

func TestReserveUnderContention(t *testing.T) {
	tests := []struct {
		name     string
		races    int
		wantType string // "" means reserved
	}{
		{"one lost race is decided again", 1, ""},
		{"always losing is a StockConflictError", command.DefaultAttempts, errnames.StockConflict},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mem := memory.New()
			stocked(t, newRunner(mem), "mug", 5)
			store := &racing{Store: mem, other: newRunner(mem), races: tt.races}
			got, err := (&Reserver{Commands: newRunner(store)}).Handle(context.Background(), line("c1", "mug", 2))
			if tt.wantType != "" {
				if err == nil || reflect.TypeOf(err).Elem().Name() != tt.wantType {
					t.Fatalf("err = %v, want %s", err, tt.wantType)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			p, _ := catalog.New("mug")
			if err := newRunner(mem).Load(context.Background(), catalog.StreamID("mug"), p); err != nil {
				t.Fatal(err)
			}
			if q, held := p.Reserved("c1"); !held || q != 2 || got.Version != p.Version() || p.Available() != 5+int64(tt.races)-2 {
				t.Fatalf("reservation %+v; product holds %d (held %v), version %d, available %d", got, q, held, p.Version(), p.Available())
			}
		})
	}
}
