package main

import (
	"context"
	"reflect"
	"testing"

	"github.com/shopstream/shopstream/eventstore"
	"github.com/shopstream/shopstream/eventstore/memory"
	"github.com/shopstream/shopstream/internal/catalog"
	"github.com/shopstream/shopstream/internal/checkout"
	"github.com/shopstream/shopstream/internal/checkout/errnames"
	"github.com/shopstream/shopstream/internal/command"
	"github.com/shopstream/shopstream/internal/domain"
	"github.com/shopstream/shopstream/internal/testutil/shoptest"
)

func line(checkoutID, productID string, qty int64) checkout.ReserveLine {
	return checkout.ReserveLine{CheckoutID: checkoutID, Line: domain.PricedLine{ProductID: productID, Name: "Mug",
		UnitPrice: 900, Currency: "EUR", Quantity: qty, LineTotal: 900 * qty}}
}

func TestReserveIsIdempotent(t *testing.T) {
	r := shoptest.Runner()
	shoptest.CreateProduct(t, r, "mug", "Mug", 900, "EUR", 5)
	h := &Reserver{Commands: r}
	want := checkout.Reservation{Reserved: true, ProductID: "mug", Quantity: 3, Version: 3}
	for i := range 2 {
		got, err := h.Handle(context.Background(), line("c1", "mug", 3))
		if err != nil {
			t.Fatalf("run %d: %v", i, err)
		}
		if got != want {
			t.Fatalf("run %d: got %+v, want %+v", i, got, want)
		}
	}
	if got := shoptest.Types(t, r.Store, catalog.StreamID("mug")); !reflect.DeepEqual(got, []string{"ProductCreated", "StockAdded", "StockReserved"}) {
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
		{"out of stock", func(t *testing.T, r command.Runner) { shoptest.CreateProduct(t, r, "mug", "Mug", 900, "EUR", 2) }, 3, errnames.OutOfStock, func(t *testing.T, err error) {
			if e := err.(*errnames.OutOfStockError); *e != (errnames.OutOfStockError{ProductID: "mug", Requested: 3, Available: 2}) {
				t.Fatalf("error = %+v", e)
			}
		}},
		{"unknown product", func(t *testing.T, r command.Runner) {}, 1, errnames.ProductUnavailable, nil},
		{"released before the reservation landed", func(t *testing.T, r command.Runner) {
			shoptest.CreateProduct(t, r, "mug", "Mug", 900, "EUR", 5)
			shoptest.RunProduct(t, r, "mug", func(p *catalog.Product) ([]domain.Event, error) { return p.Release("c1") })
		}, 1, errnames.ReservationReleased, nil},
		{"deleted product", func(t *testing.T, r command.Runner) {
			shoptest.CreateProduct(t, r, "mug", "Mug", 900, "EUR", 5)
			shoptest.RunProduct(t, r, "mug", (*catalog.Product).Delete)
		}, 1, errnames.ProductUnavailable, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := shoptest.Runner()
			tt.setup(t, r)
			before := shoptest.Types(t, r.Store, catalog.StreamID("mug"))
			_, err := (&Reserver{Commands: r}).Handle(context.Background(), line("c1", "mug", tt.qty))
			if err == nil {
				t.Fatal("no error")
			}
			if got := shoptest.ErrorName(err); got != tt.wantType {
				t.Fatalf("error %v has type %s, want %s", err, got, tt.wantType)
			}
			if tt.check != nil {
				tt.check(t, err)
			}
			if after := shoptest.Types(t, r.Store, catalog.StreamID("mug")); !reflect.DeepEqual(after, before) {
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
			shoptest.CreateProduct(t, shoptest.RunnerOn(mem), "mug", "Mug", 900, "EUR", 5)
			store := &racing{Store: mem, other: shoptest.RunnerOn(mem), races: tt.races}
			got, err := (&Reserver{Commands: shoptest.RunnerOn(store)}).Handle(context.Background(), line("c1", "mug", 2))
			if tt.wantType != "" {
				if shoptest.ErrorName(err) != tt.wantType {
					t.Fatalf("err = %v, want %s", err, tt.wantType)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			p, _ := catalog.New("mug")
			if err := shoptest.RunnerOn(mem).Load(context.Background(), catalog.StreamID("mug"), p); err != nil {
				t.Fatal(err)
			}
			if q, held := p.Reserved("c1"); !held || q != 2 || got.Version != p.Version() || p.Available() != 5+int64(tt.races)-2 {
				t.Fatalf("reservation %+v; product holds %d (held %v), version %d, available %d", got, q, held, p.Version(), p.Available())
			}
		})
	}
}
