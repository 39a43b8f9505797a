package main

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/shopstream/shopstream/internal/basket"
	"github.com/shopstream/shopstream/internal/checkout"
	"github.com/shopstream/shopstream/internal/checkout/errnames"
	"github.com/shopstream/shopstream/internal/domain"
	"github.com/shopstream/shopstream/internal/testutil/shoptest"
)

func TestRecordFailure(t *testing.T) {
	declined := &checkout.Error{Error: errnames.PaymentDeclined, Cause: `{"errorType":"PaymentDeclinedError","errorMessage":"PaymentDeclinedError: card_declined"}`}
	tests := []struct {
		name         string
		startedID    string // the checkout the basket runs; "" for none
		err          *checkout.Error
		wantRecorded bool
		wantCode     string
	}{
		{"declined", "c1", declined, true, "payment_declined"},
		{"out of stock", "c1", &checkout.Error{Error: errnames.OutOfStock, Cause: `{"errorMessage":"OutOfStockError: product mug: requested 3, available 1"}`}, true, "out_of_stock"},
		{"unexpected error", "c1", &checkout.Error{Error: "Lambda.Unknown", Cause: "secret internals"}, true, "internal_error"},
		{"never started", "", &checkout.Error{Error: errnames.BasketEmpty, Cause: "{}"}, false, "basket_empty"},
		{"another checkout holds the basket", "other", &checkout.Error{Error: errnames.CheckoutInProgress, Cause: "{}"}, false, "checkout_in_progress"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := shoptest.Runner()
			shoptest.RunBasket(t, r, "ada", func(b *basket.Basket) ([]domain.Event, error) { return b.SetQuantity("mug", 1) })
			if tt.startedID != "" {
				shoptest.RunBasket(t, r, "ada", func(b *basket.Basket) ([]domain.Event, error) {
					return b.StartCheckout(tt.startedID, shoptest.Customer)
				})
			}
			before := len(shoptest.Events(t, r.Store, basket.StreamID("ada")))
			h := &Recorder{Commands: r}
			in := checkout.RecordFailure{CheckoutID: "c1", UserName: "ada", Error: tt.err}
			for i := range 2 { // the second run is a redelivery
				got, err := h.Handle(context.Background(), in)
				if err != nil {
					t.Fatalf("run %d: %v", i, err)
				}
				if got.Recorded != tt.wantRecorded || got.Reason.Code != tt.wantCode {
					t.Fatalf("run %d: got %+v, want recorded %v with %s", i, got, tt.wantRecorded, tt.wantCode)
				}
			}
			events := shoptest.Events(t, r.Store, basket.StreamID("ada"))
			if !tt.wantRecorded {
				if len(events) != before {
					t.Fatalf("basket stream grew from %d to %d events", before, len(events))
				}
				return
			}
			if len(events) != before+1 || events[before].Type != "CheckoutFailed" {
				t.Fatalf("basket stream: %d events after %d, want one CheckoutFailed", len(events), before)
			}
			var failed basket.CheckoutFailed
			if err := json.Unmarshal(events[before].Data, &failed); err != nil {
				t.Fatal(err)
			}
			if failed.CheckoutID != "c1" || failed.Reason != checkout.FailureReason(tt.err) {
				t.Fatalf("recorded %+v", failed)
			}
			// The basket is usable again.
			shoptest.RunBasket(t, r, "ada", func(b *basket.Basket) ([]domain.Event, error) { return b.SetQuantity("mug", 2) })
		})
	}
}

func TestRecordAfterSuccessIsABug(t *testing.T) {
	r := shoptest.Runner()
	shoptest.RunBasket(t, r, "ada", func(b *basket.Basket) ([]domain.Event, error) { return b.SetQuantity("mug", 1) })
	shoptest.RunBasket(t, r, "ada", func(b *basket.Basket) ([]domain.Event, error) { return b.StartCheckout("c1", shoptest.Customer) })
	shoptest.RunBasket(t, r, "ada", func(b *basket.Basket) ([]domain.Event, error) {
		return b.CompleteCheckout(basket.Completion{CheckoutID: "c1", OrderID: "c1", Total: 900, Currency: "EUR",
			Lines: []domain.PricedLine{{ProductID: "mug", Name: "Mug", UnitPrice: 900, Currency: "EUR", Quantity: 1, LineTotal: 900}}})
	})
	_, err := (&Recorder{Commands: r}).Handle(context.Background(), checkout.RecordFailure{CheckoutID: "c1", UserName: "ada",
		Error: &checkout.Error{Error: errnames.PaymentDeclined}})
	if err == nil {
		t.Fatal("recorded a failure on a succeeded checkout")
	}
	if n := len(shoptest.Events(t, r.Store, basket.StreamID("ada"))); n != 3 {
		t.Fatalf("basket stream has %d events, want 3", n)
	}
}
