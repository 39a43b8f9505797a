package main

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/shopstream/shopstream/eventstore"
	"github.com/shopstream/shopstream/eventstore/memory"
	"github.com/shopstream/shopstream/internal/basket"
	"github.com/shopstream/shopstream/internal/catalog"
	"github.com/shopstream/shopstream/internal/checkout"
	"github.com/shopstream/shopstream/internal/command"
	"github.com/shopstream/shopstream/internal/domain"
	"github.com/shopstream/shopstream/internal/domain/registry"
	"github.com/shopstream/shopstream/internal/payment"
	"github.com/shopstream/shopstream/workflows/errnames"
)

var customer = basket.Customer{FirstName: "Ada", LastName: "Lovelace", Email: "ada@example.com",
	Address: "1 Analytical Way", PaymentMethod: "card", CardLast4: "4242"}

func newRunner() command.Runner {
	clock := func() time.Time { return time.Date(2026, 11, 26, 6, 0, 0, 0, time.UTC) }
	return command.Runner{Store: memory.New(), Registry: registry.Default(), Factory: eventstore.NewFactory(clock, nil)}
}

func run[A command.Aggregate](t *testing.T, r command.Runner, stream string, newAgg func() (A, error), decide func(A) ([]domain.Event, error)) {
	t.Helper()
	if _, _, err := command.Run(context.Background(), r, stream, newAgg, eventstore.Metadata{}, decide); err != nil {
		t.Fatal(err)
	}
}

func product(t *testing.T, r command.Runner, id string, price int64, currency string) {
	t.Helper()
	run(t, r, catalog.StreamID(id), func() (*catalog.Product, error) { return catalog.New(id) }, func(p *catalog.Product) ([]domain.Event, error) {
		return p.Create(catalog.Details{Name: "Product " + id, Category: "kitchen", Price: price, Currency: currency})
	})
}

func addToBasket(t *testing.T, r command.Runner, user, productID string, qty int64) {
	t.Helper()
	run(t, r, basket.StreamID(user), func() (*basket.Basket, error) { return basket.New(user) }, func(b *basket.Basket) ([]domain.Event, error) {
		return b.SetQuantity(productID, qty)
	})
}

func stream(t *testing.T, r command.Runner, id string) []string {
	t.Helper()
	events, err := r.Store.Load(context.Background(), id, 1)
	if err != nil {
		t.Fatal(err)
	}
	var types []string
	for _, e := range events {
		types = append(types, e.Type)
	}
	return types
}

func state(checkoutID, user string) checkout.State {
	return checkout.State{Input: checkout.Input{CheckoutID: checkoutID, UserName: user, Customer: customer,
		Payment: payment.Token{ID: "tok_x", Last4: "4242"}}}
}

func TestPriceBasketPricesFromTheCatalog(t *testing.T) {
	r := newRunner()
	product(t, r, "mug", 900, "EUR")
	product(t, r, "tea", 450, "EUR")
	addToBasket(t, r, "ada", "mug", 2)
	addToBasket(t, r, "ada", "tea", 3)
	p := &Pricer{Commands: r}

	want := checkout.Priced{Currency: "EUR", Total: 2*900 + 3*450, Lines: []domain.PricedLine{
		{ProductID: "mug", Name: "Product mug", UnitPrice: 900, Currency: "EUR", Quantity: 2, LineTotal: 1800},
		{ProductID: "tea", Name: "Product tea", UnitPrice: 450, Currency: "EUR", Quantity: 3, LineTotal: 1350},
	}}
	// The second run is a retry of the task: same prices, no new event.
	for i := range 2 {
		got, err := p.Handle(context.Background(), state("c1", "ada"))
		if err != nil {
			t.Fatalf("run %d: %v", i, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("run %d: got %+v, want %+v", i, got, want)
		}
	}
	if got, want := stream(t, r, basket.StreamID("ada")), []string{"BasketItemQuantitySet", "BasketItemQuantitySet", "CheckoutStarted"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("basket stream = %v, want %v", got, want)
	}
	if err := domain.CheckPricedLines(want.Lines, want.Total, want.Currency); err != nil {
		t.Fatalf("priced lines do not satisfy the domain: %v", err)
	}
}

func TestPriceBasketErrors(t *testing.T) {
	tests := []struct {
		name     string
		setup    func(t *testing.T, r command.Runner)
		wantType string // errnames constant; "" means a plain (internal) error
		wantLock bool   // the checkout locked the basket anyway
	}{
		{"empty basket", func(t *testing.T, r command.Runner) {}, errnames.BasketEmpty, false},
		{"another checkout running", func(t *testing.T, r command.Runner) {
			product(t, r, "mug", 900, "EUR")
			addToBasket(t, r, "ada", "mug", 1)
			run(t, r, basket.StreamID("ada"), func() (*basket.Basket, error) { return basket.New("ada") }, func(b *basket.Basket) ([]domain.Event, error) {
				return b.StartCheckout("other", customer)
			})
		}, errnames.CheckoutInProgress, false},
		{"unknown product", func(t *testing.T, r command.Runner) {
			addToBasket(t, r, "ada", "ghost", 1)
		}, errnames.ProductUnavailable, true},
		{"deleted product", func(t *testing.T, r command.Runner) {
			product(t, r, "mug", 900, "EUR")
			addToBasket(t, r, "ada", "mug", 1)
			run(t, r, catalog.StreamID("mug"), func() (*catalog.Product, error) { return catalog.New("mug") }, (*catalog.Product).Delete)
		}, errnames.ProductUnavailable, true},
		{"mixed currencies", func(t *testing.T, r command.Runner) {
			product(t, r, "mug", 900, "EUR")
			product(t, r, "tea", 450, "USD")
			addToBasket(t, r, "ada", "mug", 1)
			addToBasket(t, r, "ada", "tea", 1)
		}, errnames.ProductUnavailable, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRunner()
			tt.setup(t, r)
			before := len(stream(t, r, basket.StreamID("ada")))
			_, err := (&Pricer{Commands: r}).Handle(context.Background(), state("c1", "ada"))
			if err == nil {
				t.Fatal("no error")
			}
			if got := reflect.TypeOf(err).Elem().Name(); got != tt.wantType {
				t.Fatalf("error %v has type %s, want %s", err, got, tt.wantType)
			}
			after := stream(t, r, basket.StreamID("ada"))
			if locked := len(after) == before+1 && after[len(after)-1] == "CheckoutStarted"; locked != tt.wantLock {
				t.Fatalf("basket stream %v: checkout started = %v, want %v", after, locked, tt.wantLock)
			}
		})
	}
}

func TestPriceBasketRejectsBadInput(t *testing.T) {
	r := newRunner()
	in := state("c1", "")
	if _, err := (&Pricer{Commands: r}).Handle(context.Background(), in); err == nil {
		t.Fatal("accepted an input without userName")
	}
	in = state("c 1", "ada")
	product(t, r, "mug", 900, "EUR")
	addToBasket(t, r, "ada", "mug", 1)
	if _, err := (&Pricer{Commands: r}).Handle(context.Background(), in); err == nil {
		t.Fatal("accepted a malformed checkout id")
	}
	if got := stream(t, r, basket.StreamID("ada")); len(got) != 1 {
		t.Fatalf("bad input changed the basket: %v", got)
	}
}
