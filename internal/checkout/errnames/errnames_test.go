package errnames

import (
	"reflect"
	"slices"
	"testing"
)

// aws-lambda-go reports a returned error's type name (the element type's,
// for a pointer) as errorType, which is what ErrorEquals matches. Each
// error type must therefore be named exactly like its constant.
func errorTypeName(err error) string {
	t := reflect.TypeOf(err)
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t.Name()
}

func TestTypeNamesEqualErrorNames(t *testing.T) {
	errs := map[string]error{
		BasketEmpty:         &BasketEmptyError{Reason: "no lines"},
		CheckoutInProgress:  &CheckoutInProgressError{Reason: "checkout c1 holds the basket"},
		ProductUnavailable:  &ProductUnavailableError{ProductID: "p1", Reason: "deleted"},
		OutOfStock:          &OutOfStockError{ProductID: "p1", Requested: 3, Available: 1},
		ReservationReleased: &ReservationReleasedError{ProductID: "p1"},
		PaymentDeclined:     &PaymentDeclinedError{Reason: "card ending 0002 declined"},
		TransientPayment:    &TransientPaymentError{Reason: "gateway timeout"},
		StockConflict:       &StockConflictError{ProductID: "p1"},
	}
	if len(errs) != len(All()) {
		t.Fatalf("%d error types for %d names: add the new type here", len(errs), len(All()))
	}
	for _, name := range All() {
		err, ok := errs[name]
		if !ok {
			t.Errorf("no error type for %s", name)
			continue
		}
		if got := errorTypeName(err); got != name {
			t.Errorf("type %s reports errorType %q, want %q", reflect.TypeOf(err), got, name)
		}
		if msg := err.Error(); len(msg) <= len(name) || msg[:len(name)] != name {
			t.Errorf("%s: message %q does not start with the name and a reason", name, msg)
		}
	}
}

func TestSetsPartitionAll(t *testing.T) {
	all := All()
	seen := map[string]bool{}
	for _, n := range all {
		if seen[n] {
			t.Errorf("%s listed twice", n)
		}
		seen[n] = true
		if IsTransient(n) == slices.Contains(Terminal(), n) {
			t.Errorf("%s must be exactly one of transient or terminal", n)
		}
	}
}
