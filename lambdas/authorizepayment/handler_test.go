package main

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/shopstream/shopstream/internal/checkout"
	"github.com/shopstream/shopstream/internal/checkout/errnames"
	"github.com/shopstream/shopstream/internal/payment"
	"github.com/shopstream/shopstream/internal/testutil/shoptest"
)

func stateFor(t *testing.T, card string, attempt int) checkout.State {
	t.Helper()
	tok, err := shoptest.Tokenizer.Tokenize(payment.Card{Number: card, Expiry: "12/30", CVC: "123"}, time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	return checkout.State{
		Input:   checkout.Input{CheckoutID: "c1", UserName: "ada", Payment: tok},
		Priced:  &checkout.Priced{Total: 2500, Currency: "EUR"},
		Attempt: attempt,
	}
}

func TestAuthorize(t *testing.T) {
	tests := []struct {
		name     string
		card     string
		attempt  int
		wantType string // "" means authorized
	}{
		{"approved", payment.CardApproved, 0, ""},
		{"declined", payment.CardDeclined, 0, errnames.PaymentDeclined},
		{"insufficient funds", payment.CardInsufficientFunds, 0, errnames.PaymentDeclined},
		{"flaky card, first attempt", payment.CardFlaky, 0, errnames.TransientPayment},
		{"flaky card, retried", payment.CardFlaky, 1, ""},
		{"unavailable, even retried", payment.CardUnavailable, 3, errnames.TransientPayment},
	}
	a := &Authorizer{Gateway: payment.Simulated{}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := stateFor(t, tt.card, tt.attempt)
			got, err := a.Handle(context.Background(), in)
			if tt.wantType != "" {
				if shoptest.ErrorName(err) != tt.wantType {
					t.Fatalf("err = %v, want %s", err, tt.wantType)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Amount != 2500 || got.Currency != "EUR" || got.Last4 != in.Payment.Last4 || got.ID == "" {
				t.Fatalf("authorization = %+v", got)
			}
			// A retry after a lost response is recognisably the same one.
			again, err := a.Handle(context.Background(), in)
			if err != nil || again != got {
				t.Fatalf("second authorization = %+v, %v; want %+v", again, err, got)
			}
		})
	}
}

func TestAuthorizeWithoutPriceIsABug(t *testing.T) {
	in := stateFor(t, payment.CardApproved, 0)
	in.Priced = nil
	_, err := (&Authorizer{Gateway: payment.Simulated{}}).Handle(context.Background(), in)
	if err == nil {
		t.Fatal("authorized without a price")
	}
	for _, name := range errnames.All() {
		if reflect.TypeOf(err).String() == "*errnames."+name {
			t.Fatalf("a missing price is reported as %s, which the workflow would treat as expected", name)
		}
	}
}
