// Package checkout is the contract between the checkout route, the
// checkout workflow (workflows/) and its task Lambdas: the execution input,
// the state the workflow carries from task to task, and how a failure
// becomes the reason recorded on the basket.
//
// The workflow passes its whole state ("$") to PriceBasket, AuthorizePayment
// and ConfirmCheckout, and each task result is stored under its own key
// (ResultPath), so State grows as the checkout advances.
package checkout

import (
	"encoding/json"
	"strings"

	"github.com/shopstream/shopstream/internal/basket"
	"github.com/shopstream/shopstream/internal/checkout/errnames"
	"github.com/shopstream/shopstream/internal/domain"
	"github.com/shopstream/shopstream/internal/payment"
)

// Input is the execution input POST /basket/checkout starts a checkout
// with. The execution is named after CheckoutID. It carries no card data:
// Payment is the card's token and last four digits.
type Input struct {
	CheckoutID string          `json:"checkoutId"`
	UserName   string          `json:"userName"`
	Customer   basket.Customer `json:"customer"`
	Payment    payment.Token   `json:"payment"`
	// Request is unique per request for a checkout without an
	// Idempotency-Key, whose execution name is derived from the basket
	// (see basketapi): two such requests racing for one basket then start
	// different inputs under one name, and Step Functions refuses the
	// second. Empty for a keyed checkout, whose retries must match.
	Request string `json:"request,omitempty"`
}

// Priced is PriceBasket's result (at $.priced): the basket's lines priced
// from the catalog at checkout time.
type Priced struct {
	Lines    []domain.PricedLine `json:"lines"`
	Total    int64               `json:"total"`
	Currency string              `json:"currency"`
}

// ReserveLine is the input of one ReserveStock Map iteration.
type ReserveLine struct {
	CheckoutID string            `json:"checkoutId"`
	Line       domain.PricedLine `json:"line"`
}

// Reservation is one ReserveStock Map iteration's result. Every line
// settles inside the Map: a line whose reservation failed ends with
// Reserved false and the error its Catch recorded (the workflow's
// ReserveLineFailed state builds it), so the Map finishes only once no
// reservation is in flight, and the workflow then releases if any failed.
type Reservation struct {
	Reserved  bool   `json:"reserved"`
	ProductID string `json:"productId"`
	Quantity  int64  `json:"quantity"`
	// Version is the product stream's version after the reservation.
	Version int64 `json:"version,omitempty"`
	// Error is why a line was not reserved.
	Error *Error `json:"error,omitempty"`
}

// Reservations is the ReserveStock Map's result (at $.reservations): every
// line's outcome, and the errors of the lines that were not reserved, in
// line order. Any error sends the workflow to ReleaseStock with the first.
type Reservations struct {
	Lines  []Reservation `json:"lines"`
	Failed []Error       `json:"failed"`
}

// Confirmation is ConfirmCheckout's result (at $.confirmation).
type Confirmation struct {
	OrderID string `json:"orderId"`
}

// Error is what a Catch puts at $.error: the error name Step Functions
// matched and its cause (for Lambda errors, the function's error JSON).
type Error struct {
	Error string `json:"Error"`
	Cause string `json:"Cause"`
}

// State is the workflow's state as the tasks see it.
type State struct {
	Input
	Priced        *Priced                `json:"priced,omitempty"`
	Reservations  *Reservations          `json:"reservations,omitempty"`
	Authorization *payment.Authorization `json:"authorization,omitempty"`
	Confirmation  *Confirmation          `json:"confirmation,omitempty"`
	// Attempt is $$.State.RetryCount, passed to AuthorizePayment.
	Attempt int    `json:"attempt,omitempty"`
	Error   *Error `json:"error,omitempty"`
}

// Release is ReleaseStock's input.
type Release struct {
	CheckoutID string              `json:"checkoutId"`
	Lines      []domain.PricedLine `json:"lines"`
	Error      *Error              `json:"error,omitempty"`
}

// RecordFailure is RecordCheckoutFailed's input.
type RecordFailure struct {
	CheckoutID string `json:"checkoutId"`
	UserName   string `json:"userName"`
	Error      *Error `json:"error"`
}

// Reason codes recorded in CheckoutFailed, by the error that failed the
// checkout. They are stable: clients switch on them.
var reasonCodes = map[string]string{
	errnames.BasketEmpty:        "basket_empty",
	errnames.CheckoutInProgress: "checkout_in_progress",
	errnames.ProductUnavailable: "product_unavailable",
	errnames.OutOfStock:         "out_of_stock",
	// Seen only when a line's reservation lands after its checkout already
	// released (so the checkout was failing for another reason first).
	errnames.ReservationReleased: "stock_released",
	errnames.PaymentDeclined:     "payment_declined",
	errnames.TransientPayment:    "payment_unavailable",
	errnames.StockConflict:       "stock_contention",
	"States.Timeout":             "timeout",
}

// FailureReason turns the error a Catch recorded into the basket's reason:
// a stable code and the error message the task gave (never a stack trace:
// Lambda error causes carry only errorType and errorMessage).
func FailureReason(e *Error) basket.Reason {
	if e == nil {
		return basket.Reason{Code: "internal_error", Message: "checkout failed"}
	}
	code, ok := reasonCodes[e.Error]
	if !ok {
		code = "internal_error"
	}
	msg := e.Cause
	var lambdaErr struct {
		ErrorMessage string `json:"errorMessage"`
	}
	if json.Unmarshal([]byte(e.Cause), &lambdaErr) == nil && lambdaErr.ErrorMessage != "" {
		msg = lambdaErr.ErrorMessage
	}
	if code == "internal_error" {
		// Unexpected errors may carry internals: keep only their name.
		msg = "checkout failed: " + e.Error
	}
	if len(msg) > basket.MaxReasonLength {
		msg = msg[:basket.MaxReasonLength]
	}
	return basket.Reason{Code: code, Message: strings.TrimSpace(msg)}
}

// ExecutionARN returns the ARN of the checkout's execution of the state
// machine stateMachineARN (executions are named after the checkout).
func ExecutionARN(stateMachineARN, checkoutID string) string {
	return strings.Replace(stateMachineARN, ":stateMachine:", ":execution:", 1) + ":" + checkoutID
}
