package main

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/shopstream/shopstream/internal/basket"
	"github.com/shopstream/shopstream/internal/catalog"
	"github.com/shopstream/shopstream/internal/checkout"
	"github.com/shopstream/shopstream/internal/checkout/errnames"
	"github.com/shopstream/shopstream/internal/command"
	"github.com/shopstream/shopstream/internal/domain"
	"github.com/shopstream/shopstream/internal/payment"
	"github.com/shopstream/shopstream/internal/testutil/shoptest"
)

func state(checkoutID, user string) checkout.State {
	return checkout.State{Input: checkout.Input{CheckoutID: checkoutID, UserName: user, Customer: shoptest.Customer,
		Payment: payment.Token{ID: "tok_x", Last4: "4242"}}}
}

func TestPriceBasketPricesFromTheCatalog(t *testing.T) {
	r := shoptest.Runner()
	shoptest.CreateProduct(t, r, "mug", "Product mug", 900, "EUR", 0)
	shoptest.CreateProduct(t, r, "tea", "Product tea", 450, "EUR", 0)
	shoptest.AddToBasket(t, r, "ada", "mug", 2)
	shoptest.AddToBasket(t, r, "ada", "tea", 3)
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
	if got, want := shoptest.Types(t, r.Store, basket.StreamID("ada")), []string{"BasketItemQuantitySet", "BasketItemQuantitySet", "CheckoutStarted"}; !reflect.DeepEqual(got, want) {
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
			shoptest.CreateProduct(t, r, "mug", "Product mug", 900, "EUR", 0)
			shoptest.AddToBasket(t, r, "ada", "mug", 1)
			shoptest.RunBasket(t, r, "ada", func(b *basket.Basket) ([]domain.Event, error) {
				return b.StartCheckout("other", shoptest.Customer)
			})
		}, errnames.CheckoutInProgress, false},
		{"unknown product", func(t *testing.T, r command.Runner) {
			shoptest.AddToBasket(t, r, "ada", "ghost", 1)
		}, errnames.ProductUnavailable, true},
		{"deleted product", func(t *testing.T, r command.Runner) {
			shoptest.CreateProduct(t, r, "mug", "Product mug", 900, "EUR", 0)
			shoptest.AddToBasket(t, r, "ada", "mug", 1)
			shoptest.RunProduct(t, r, "mug", (*catalog.Product).Delete)
		}, errnames.ProductUnavailable, true},
		{"mixed currencies", func(t *testing.T, r command.Runner) {
			shoptest.CreateProduct(t, r, "mug", "Product mug", 900, "EUR", 0)
			shoptest.CreateProduct(t, r, "tea", "Product tea", 450, "USD", 0)
			shoptest.AddToBasket(t, r, "ada", "mug", 1)
			shoptest.AddToBasket(t, r, "ada", "tea", 1)
		}, errnames.ProductUnavailable, true},
		{"checkout refused by the sweeper before it started", func(t *testing.T, r command.Runner) {
			shoptest.CreateProduct(t, r, "mug", "Product mug", 900, "EUR", 0)
			shoptest.AddToBasket(t, r, "ada", "mug", 1)
			shoptest.RunBasket(t, r, "ada", func(b *basket.Basket) ([]domain.Event, error) {
				return b.RefuseCheckout("c1", basket.Reason{Code: "aborted"})
			})
		}, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := shoptest.Runner()
			tt.setup(t, r)
			before := len(shoptest.Types(t, r.Store, basket.StreamID("ada")))
			_, err := (&Pricer{Commands: r}).Handle(context.Background(), state("c1", "ada"))
			if err == nil {
				t.Fatal("no error")
			}
			got := shoptest.ErrorName(err)
			switch {
			case tt.wantType == "" && strings.HasSuffix(got, "Error"): // every errnames type ends so
				t.Fatalf("error %v has type %s, want a plain (internal) error", err, got)
			case tt.wantType != "" && got != tt.wantType:
				t.Fatalf("error %v has type %s, want %s", err, got, tt.wantType)
			}
			after := shoptest.Types(t, r.Store, basket.StreamID("ada"))
			if locked := len(after) == before+1 && after[len(after)-1] == "CheckoutStarted"; locked != tt.wantLock {
				t.Fatalf("basket stream %v: checkout started = %v, want %v", after, locked, tt.wantLock)
			}
		})
	}
}

func TestPriceBasketRejectsBadInput(t *testing.T) {
	r := shoptest.Runner()
	in := state("c1", "")
	if _, err := (&Pricer{Commands: r}).Handle(context.Background(), in); err == nil {
		t.Fatal("accepted an input without userName")
	}
	in = state("c 1", "ada")
	shoptest.CreateProduct(t, r, "mug", "Product mug", 900, "EUR", 0)
	shoptest.AddToBasket(t, r, "ada", "mug", 1)
	if _, err := (&Pricer{Commands: r}).Handle(context.Background(), in); err == nil {
		t.Fatal("accepted a malformed checkout id")
	}
	if got := shoptest.Types(t, r.Store, basket.StreamID("ada")); len(got) != 1 {
		t.Fatalf("bad input changed the basket: %v", got)
	}
}
