package catalog

import (
	"fmt"

	"github.com/shopstream/shopstream/internal/domain"
)

// OutOfStockError says a reservation asked for more than is available. It
// unwraps to a *domain.RuleError with code out_of_stock, so callers that only
// know the domain error types still classify it.
type OutOfStockError struct {
	ProductID string
	Available int64
	Requested int64
}

func (e *OutOfStockError) Error() string {
	return fmt.Sprintf("out_of_stock: product %s has %d available, %d requested", e.ProductID, e.Available, e.Requested)
}

func (e *OutOfStockError) Unwrap() error {
	return &domain.RuleError{Code: domain.CodeOutOfStock, Message: fmt.Sprintf("product %s has %d available, %d requested", e.ProductID, e.Available, e.Requested)}
}

// ReservationReleasedError says a checkout asked to reserve a product after
// it released its reservation of that product (or left the release mark
// before any reservation landed). The checkout is failing: the reservation
// must not be made. It unwraps to a *domain.RuleError with code
// reservation_conflict.
type ReservationReleasedError struct {
	ProductID  string
	CheckoutID string
}

func (e *ReservationReleasedError) Error() string {
	return "reservation_released: " + e.message()
}

func (e *ReservationReleasedError) message() string {
	return fmt.Sprintf("checkout %s already released its reservation of product %s", e.CheckoutID, e.ProductID)
}

func (e *ReservationReleasedError) Unwrap() error {
	return &domain.RuleError{Code: domain.CodeReservationConflict, Message: e.message()}
}
