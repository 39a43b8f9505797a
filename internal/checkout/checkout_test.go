package checkout

import (
	"strings"
	"testing"

	"github.com/shopstream/shopstream/internal/basket"
	"github.com/shopstream/shopstream/internal/checkout/errnames"
)

func TestFailureReason(t *testing.T) {
	tests := []struct {
		name     string
		err      *Error
		wantCode string
		wantMsg  string
	}{
		{"declined", &Error{Error: errnames.PaymentDeclined, Cause: `{"errorType":"PaymentDeclinedError","errorMessage":"PaymentDeclinedError: card_declined"}`}, "payment_declined", "The payment was declined (card_declined)."},
		{"out of stock", &Error{Error: errnames.OutOfStock, Cause: `{"errorMessage":"OutOfStockError: product p1: requested 3, available 1"}`}, "out_of_stock", "A product in the basket does not have enough stock (product p1: requested 3, available 1)."},
		{"unavailable", &Error{Error: errnames.ProductUnavailable, Cause: `{"errorMessage":"ProductUnavailableError: product p1: deleted"}`}, "product_unavailable", "A product in the basket is no longer available (product p1: deleted)."},
		{"declined, no detail", &Error{Error: errnames.PaymentDeclined, Cause: `{"errorMessage":"PaymentDeclinedError"}`}, "payment_declined", "The payment was declined."},
		{"transient", &Error{Error: errnames.TransientPayment, Cause: `{"errorMessage":"TransientPaymentError: gateway timeout"}`}, "payment_unavailable", "The payment service did not answer; try again later."},
		{"empty", &Error{Error: errnames.BasketEmpty, Cause: `{"errorMessage":"BasketEmptyError: basket ann is empty"}`}, "basket_empty", "The basket is empty."},
		{"timeout", &Error{Error: "States.Timeout", Cause: "task timed out"}, "timeout", "The checkout took too long and was stopped."},
		{"unexpected hides cause", &Error{Error: "Runtime.ExitError", Cause: "panic: runtime error at handler.go:42"}, "internal_error", "The checkout failed."},
		{"nil", nil, "internal_error", "The checkout failed."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := FailureReason(tt.err)
			if r.Code != tt.wantCode || r.Message != tt.wantMsg || strings.Contains(r.Message, "Error") {
				t.Fatalf("got %+v, want %s %q", r, tt.wantCode, tt.wantMsg)
			}
		})
	}
}

func TestPublicReason(t *testing.T) {
	tests := []struct{ code, recorded, want string }{
		{"payment_declined", "PaymentDeclinedError: card_declined", "The payment was declined (card_declined)."},
		{"out_of_stock", "OutOfStockError: product p1: requested 3, available 1", "A product in the basket does not have enough stock (product p1: requested 3, available 1)."},
		{"internal_error", "checkout failed: Runtime.ExitError", "The checkout failed."},
		{"payment_declined", "The payment was declined (card_declined).", "The payment was declined (card_declined)."},
	}
	for _, tt := range tests {
		if got := PublicReason(basket.Reason{Code: tt.code, Message: tt.recorded}); got.Code != tt.code || got.Message != tt.want {
			t.Errorf("PublicReason(%s %q) = %+v, want %q", tt.code, tt.recorded, got, tt.want)
		}
	}
}

func TestExecutionARN(t *testing.T) {
	got := ExecutionARN("arn:aws:states:us-east-1:000000000000:stateMachine:Checkout-abc", "01JDX")
	want := "arn:aws:states:us-east-1:000000000000:execution:Checkout-abc:01JDX"
	if got != want {
		t.Fatalf("got %s, want %s", got, want)
	}
}
