// Package errnames defines the errors the checkout workflow's task Lambdas
// return and the state machine matches by name.
//
// Step Functions matches a Retry or Catch by the error's name, and
// aws-lambda-go names a returned error after its Go type (the pointed-to
// type for a pointer). So each name here is also a Go type here: a task
// Lambda returns, say, &errnames.PaymentDeclinedError{...} unwrapped from its
// handler, and the workflow's ErrorEquals uses the constant of the same
// name. A test keeps the two equal. This package imports only the standard
// library, so Lambdas can use it without pulling in the CDK.
package errnames

import "fmt"

// Error names, as they appear in the state machine's ErrorEquals.
const (
	// BasketEmpty: the basket has no lines to check out.
	BasketEmpty = "BasketEmptyError"
	// CheckoutInProgress: another checkout holds the basket.
	CheckoutInProgress = "CheckoutInProgressError"
	// ProductUnavailable: a line's product is unknown or deleted, so it
	// cannot be priced.
	ProductUnavailable = "ProductUnavailableError"
	// OutOfStock: a product has fewer units available than the line asks.
	OutOfStock = "OutOfStockError"
	// PaymentDeclined: the gateway refused the card. Retrying cannot help.
	PaymentDeclined = "PaymentDeclinedError"
	// TransientPayment: the gateway failed in a way that may pass on retry.
	TransientPayment = "TransientPaymentError"
	// ReservationReleased: the checkout already released its reservation
	// of the product (it is failing), so the line may not reserve it.
	ReservationReleased = "ReservationReleasedError"
	// StockConflict: another writer appended to the product stream between
	// the read and the conditional append; reloading and retrying is safe.
	StockConflict = "StockConflictError"
)

// Transient returns the names the workflow retries, in a stable order.
func Transient() []string { return []string{TransientPayment, StockConflict} }

// Terminal returns the names that end a checkout as failed without retry.
func Terminal() []string {
	return []string{BasketEmpty, CheckoutInProgress, ProductUnavailable, OutOfStock, ReservationReleased, PaymentDeclined}
}

// All returns every name: Terminal then Transient.
func All() []string { return append(Terminal(), Transient()...) }

// IsTransient reports whether name is one the workflow retries.
func IsTransient(name string) bool {
	for _, n := range Transient() {
		if n == name {
			return true
		}
	}
	return false
}

// The error types. Each carries a human-readable reason, which becomes the
// error's Cause in the execution history and the checkout's failure reason;
// it must never contain card data beyond the last four digits.

// BasketEmptyError is returned by PriceBasket for a basket without lines.
type BasketEmptyError struct{ Reason string }

func (e *BasketEmptyError) Error() string { return msg(BasketEmpty, e.Reason) }

// CheckoutInProgressError is returned by PriceBasket when another checkout
// holds the basket (two checkouts raced past the API's check).
type CheckoutInProgressError struct{ Reason string }

func (e *CheckoutInProgressError) Error() string { return msg(CheckoutInProgress, e.Reason) }

// ProductUnavailableError is returned by PriceBasket for a line whose
// product is unknown or deleted.
type ProductUnavailableError struct{ ProductID, Reason string }

func (e *ProductUnavailableError) Error() string {
	return msg(ProductUnavailable, fmt.Sprintf("product %s: %s", e.ProductID, e.Reason))
}

// OutOfStockError is returned by ReserveStock when a product cannot cover
// the quantity asked.
type OutOfStockError struct {
	ProductID            string
	Requested, Available int
}

func (e *OutOfStockError) Error() string {
	return msg(OutOfStock, fmt.Sprintf("product %s: requested %d, available %d", e.ProductID, e.Requested, e.Available))
}

// ReservationReleasedError is returned by ReserveStock when the checkout
// already released the product: a reservation landing after its
// checkout's compensation is refused, never held.
type ReservationReleasedError struct{ ProductID string }

func (e *ReservationReleasedError) Error() string {
	return msg(ReservationReleased, fmt.Sprintf("product %s: the checkout released its reservation", e.ProductID))
}

// PaymentDeclinedError is returned by AuthorizePayment when the gateway
// refuses the payment.
type PaymentDeclinedError struct{ Reason string }

func (e *PaymentDeclinedError) Error() string { return msg(PaymentDeclined, e.Reason) }

// TransientPaymentError is returned by AuthorizePayment when the gateway
// fails in a way worth retrying (timeout, unavailable).
type TransientPaymentError struct{ Reason string }

func (e *TransientPaymentError) Error() string { return msg(TransientPayment, e.Reason) }

// StockConflictError is returned by ReserveStock or ReleaseStock when a
// concurrent append to the product stream won; the retry reloads the stream.
type StockConflictError struct{ ProductID string }

func (e *StockConflictError) Error() string {
	return msg(StockConflict, fmt.Sprintf("product %s: concurrent update", e.ProductID))
}

func msg(name, reason string) string {
	if reason == "" {
		return name
	}
	return name + ": " + reason
}
