package main

import (
	"context"
	"encoding/json"
	"reflect"
	"testing"

	"github.com/shopstream/shopstream/internal/basket"
	"github.com/shopstream/shopstream/internal/checkout"
	"github.com/shopstream/shopstream/internal/checkout/errnames"
	"github.com/shopstream/shopstream/internal/command"
	"github.com/shopstream/shopstream/internal/domain"
	"github.com/shopstream/shopstream/internal/lambdaenv"
	"github.com/shopstream/shopstream/internal/testutil/shoptest"
)

// started returns a store whose basket "ada" runs checkout c1 of two mugs.
func started(t *testing.T) command.Runner {
	r := shoptest.Runner()
	shoptest.RunBasket(t, r, "ada", func(b *basket.Basket) ([]domain.Event, error) { return b.SetQuantity("mug", 2) })
	shoptest.RunBasket(t, r, "ada", func(b *basket.Basket) ([]domain.Event, error) { return b.StartCheckout("c1", shoptest.Customer) })
	return r
}

var priced = &checkout.Priced{Currency: "EUR", Total: 1800, Lines: []domain.PricedLine{
	{ProductID: "mug", Name: "Mug", UnitPrice: 900, Currency: "EUR", Quantity: 2, LineTotal: 1800},
}}

func TestConfirmAppendsBasketCheckedOutOnce(t *testing.T) {
	r := started(t)
	c := &Confirmer{Commands: r}
	in := checkout.State{Input: checkout.Input{CheckoutID: "c1", UserName: "ada", Customer: shoptest.Customer}, Priced: priced}
	for i := range 2 {
		got, err := c.Handle(context.Background(), in)
		if err != nil {
			t.Fatalf("run %d: %v", i, err)
		}
		if got.OrderID != domain.OrderIDFor("c1") {
			t.Fatalf("run %d: order id %q", i, got.OrderID)
		}
	}
	events := shoptest.Events(t, r.Store, basket.StreamID("ada"))
	if len(events) != 3 || events[2].Type != "BasketCheckedOut" {
		t.Fatalf("basket stream has %d events, last %s", len(events), events[len(events)-1].Type)
	}
	var got basket.BasketCheckedOut
	if err := json.Unmarshal(events[2].Data, &got); err != nil {
		t.Fatal(err)
	}
	want := basket.BasketCheckedOut{UserName: "ada", CheckoutID: "c1", OrderID: "c1", Lines: priced.Lines, Total: 1800, Currency: "EUR"}
	if !reflect.DeepEqual(got, want) || events[2].Metadata.CorrelationID != "c1" || events[2].Metadata.Actor != lambdaenv.CheckoutActor {
		t.Fatalf("stored %+v with metadata %+v, want %+v", got, events[2].Metadata, want)
	}
}

func TestConfirmFailuresAreInternal(t *testing.T) {
	other := *priced
	other.Lines = []domain.PricedLine{{ProductID: "tea", Name: "Tea", UnitPrice: 900, Currency: "EUR", Quantity: 2, LineTotal: 1800}}
	tests := []struct {
		name   string
		priced *checkout.Priced
		id     string
	}{
		{"no price", nil, "c1"},
		{"lines other than the snapshot", &other, "c1"},
		{"checkout never started", priced, "c2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := started(t)
			in := checkout.State{Input: checkout.Input{CheckoutID: tt.id, UserName: "ada"}, Priced: tt.priced}
			_, err := (&Confirmer{Commands: r}).Handle(context.Background(), in)
			if err == nil {
				t.Fatal("confirmed")
			}
			for _, name := range errnames.All() {
				if reflect.TypeOf(err).String() == "*errnames."+name {
					t.Fatalf("a bug is reported as the expected failure %s", name)
				}
			}
			if n := len(shoptest.Events(t, r.Store, basket.StreamID("ada"))); n != 2 {
				t.Fatalf("basket stream has %d events, want the 2 it had", n)
			}
		})
	}
}
