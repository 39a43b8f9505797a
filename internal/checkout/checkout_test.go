package checkout

import (
	"testing"

	"github.com/shopstream/shopstream/internal/checkout/errnames"
)

func TestFailureReason(t *testing.T) {
	tests := []struct {
		name     string
		err      *Error
		wantCode string
		wantMsg  string
	}{
		{"declined", &Error{Error: errnames.PaymentDeclined, Cause: `{"errorType":"PaymentDeclinedError","errorMessage":"PaymentDeclinedError: card_declined"}`}, "payment_declined", "PaymentDeclinedError: card_declined"},
		{"out of stock", &Error{Error: errnames.OutOfStock, Cause: `{"errorMessage":"OutOfStockError: product p1: requested 3, available 1"}`}, "out_of_stock", "OutOfStockError: product p1: requested 3, available 1"},
		{"timeout", &Error{Error: "States.Timeout", Cause: "task timed out"}, "timeout", "task timed out"},
		{"unexpected hides cause", &Error{Error: "Runtime.ExitError", Cause: "panic: runtime error at handler.go:42"}, "internal_error", "checkout failed: Runtime.ExitError"},
		{"nil", nil, "internal_error", "checkout failed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := FailureReason(tt.err)
			if r.Code != tt.wantCode || r.Message != tt.wantMsg {
				t.Fatalf("got %+v, want %s %q", r, tt.wantCode, tt.wantMsg)
			}
		})
	}
}

func TestExecutionARN(t *testing.T) {
	got := ExecutionARN("arn:aws:states:us-east-1:000000000000:stateMachine:Checkout-abc", "01JDX")
	want := "arn:aws:states:us-east-1:000000000000:execution:Checkout-abc:01JDX"
	if got != want {
		t.Fatalf("got %s, want %s", got, want)
	}
}
