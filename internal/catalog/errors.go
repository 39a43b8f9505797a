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
