package domain

import "fmt"

// ValidationError says which input field is invalid and why. The command
// that returns it has changed nothing. The HTTP layer answers 400.
type ValidationError struct {
	Field  string // JSON name of the field, e.g. "price" or "lines[2].quantity"
	Reason string // e.g. "must be at most 200 characters"
}

func (e *ValidationError) Error() string { return e.Field + ": " + e.Reason }

// Invalid returns a *ValidationError for field with a formatted reason.
func Invalid(field, format string, args ...any) error {
	return &ValidationError{Field: field, Reason: fmt.Sprintf(format, args...)}
}

// Code is a stable business-rule error code; clients switch on it.
type Code string

// The business-rule codes. Their Kind says how a caller should classify them.
const (
	CodeProductNotFound     Code = "product_not_found"    // NotFound
	CodeProductExists       Code = "product_exists"       // Conflict
	CodeProductDeleted      Code = "product_deleted"      // Conflict
	CodeReservationConflict Code = "reservation_conflict" // Conflict
	CodeCheckoutInProgress  Code = "checkout_in_progress" // Conflict
	CodeCheckoutNotCurrent  Code = "checkout_not_current" // Conflict
	CodeOrderExists         Code = "order_exists"         // Conflict
	CodeOutOfStock          Code = "out_of_stock"         // Rejected
	CodeBasketEmpty         Code = "basket_empty"         // Rejected
	CodeBasketFull          Code = "basket_full"          // Rejected
	CodeCurrencyMismatch    Code = "currency_mismatch"    // Rejected
)

// Kind classifies a Code: the HTTP layer maps NotFound to 404, Conflict
// (the aggregate is in the wrong state for the command) to 409 and Rejected
// (a business rule said no) to 422.
type Kind int

// The kinds of business-rule error.
const (
	Rejected Kind = iota
	NotFound
	Conflict
)

var kinds = map[Code]Kind{
	CodeProductNotFound:     NotFound,
	CodeProductExists:       Conflict,
	CodeProductDeleted:      Conflict,
	CodeReservationConflict: Conflict,
	CodeCheckoutInProgress:  Conflict,
	CodeCheckoutNotCurrent:  Conflict,
	CodeOrderExists:         Conflict,
	CodeOutOfStock:          Rejected,
	CodeBasketEmpty:         Rejected,
	CodeBasketFull:          Rejected,
	CodeCurrencyMismatch:    Rejected,
}

// Kind returns the code's classification; unknown codes are Rejected.
func (c Code) Kind() Kind { return kinds[c] }

// RuleError says a well-formed command breaks a business rule in the
// aggregate's current state. The command that returns it has changed nothing.
type RuleError struct {
	Code    Code
	Message string // for humans; never parse it
}

func (e *RuleError) Error() string { return string(e.Code) + ": " + e.Message }

// Rule returns a *RuleError with a formatted message.
func Rule(code Code, format string, args ...any) error {
	return &RuleError{Code: code, Message: fmt.Sprintf(format, args...)}
}
