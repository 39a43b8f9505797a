package httpapi

import (
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/shopstream/shopstream/eventstore"
	"github.com/shopstream/shopstream/internal/domain"
	"github.com/shopstream/shopstream/internal/payment"
)

func TestAsError(t *testing.T) {
	wrap := func(err error) error { return fmt.Errorf("add to basket: %w", err) }
	tests := []struct {
		name       string
		err        error
		wantStatus int
		wantCode   string
		wantField  string
	}{
		{"validation", wrap(domain.Invalid("quantity", "must be at least 1")), 400, "invalid_field", "quantity"},
		{"card", wrap(payment.ValidateCard(payment.Card{Number: "4242", Expiry: "12/30", CVC: "123"}, time.Now())), 400, "invalid_field", "cardInfo.number"},
		{"out of stock", wrap(&domain.RuleError{Code: domain.CodeOutOfStock}), 422, "out_of_stock", ""},
		{"not found", wrap(&domain.RuleError{Code: domain.CodeProductNotFound}), 404, "product_not_found", ""},
		{"wrong state", wrap(&domain.RuleError{Code: domain.CodeCheckoutInProgress}), 409, "checkout_in_progress", ""},
		{"concurrency", wrap(&eventstore.Error{Op: "append", Stream: "basket-a", Err: eventstore.ErrConcurrency}), 409, "concurrency_conflict", ""},
		{"event too large", wrap(&eventstore.Error{Op: "append", Err: eventstore.ErrEventTooLarge}), 413, "too_large", ""},
		{"too many events", wrap(&eventstore.Error{Op: "append", Err: eventstore.ErrTooManyEvents}), 413, "too_large", ""},
		{"append too large", wrap(&eventstore.Error{Op: "append", Err: eventstore.ErrAppendTooLarge}), 413, "too_large", ""},
		{"explicit", Errorf(http.StatusNotFound, "order_not_found", "", "no order"), 404, "order_not_found", ""},
		{"unknown", errors.New("dial tcp 10.0.0.1: refused"), 500, "internal", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			he := AsError(tt.err)
			if he.Status != tt.wantStatus || he.Code != tt.wantCode || he.Field != tt.wantField {
				t.Fatalf("got %d %q %q, want %d %q %q", he.Status, he.Code, he.Field, tt.wantStatus, tt.wantCode, tt.wantField)
			}
			if tt.wantStatus == 500 && he.Message != "Internal error." {
				t.Fatalf("internal message leaked: %q", he.Message)
			}
		})
	}
}
