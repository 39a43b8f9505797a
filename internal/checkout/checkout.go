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
	"regexp"
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
	CheckoutID string `json:"checkoutId"`
	// UserName names the basket, which says whether the checkout was
	// confirmed after all (see releasestock).
	UserName string              `json:"userName"`
	Lines    []domain.PricedLine `json:"lines"`
	Error    *Error              `json:"error,omitempty"`
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

// reasonMessages say what each reason code means, for people. A reason's
// message is this, then the task's detail in parentheses when it has one.
var reasonMessages = map[string]string{
	"basket_empty":         "The basket is empty.",
	"checkout_in_progress": "Another checkout of this basket is in progress.",
	"product_unavailable":  "A product in the basket is no longer available",
	"out_of_stock":         "A product in the basket does not have enough stock",
	"payment_declined":     "The payment was declined",
	"payment_unavailable":  "The payment service did not answer; try again later.",
	"stock_contention":     "The stock changed while it was being reserved; try again.",
	"timeout":              "The checkout took too long and was stopped.",
	InternalError:          "The checkout failed.",
	// Recorded by the sweeper (internal/sweeper) for an execution that
	// ended without recording its failure.
	ReasonTimedOut: "The checkout did not finish in time; its stock was released.",
	ReasonAborted:  "The checkout was stopped; its stock was released.",
	ReasonFailed:   "The checkout failed; its stock was released.",
}

// Reason codes of checkouts whose execution ended (timed out, stopped, or
// failed) without the workflow recording why.
const (
	ReasonTimedOut = "timed_out"
	ReasonAborted  = "aborted"
	ReasonFailed   = "failed"
)

// EndedReason returns the reason the sweeper records for an execution that
// closed with status (TIMED_OUT, ABORTED or FAILED) while its checkout was
// still in progress; false for any other status.
func EndedReason(status string) (basket.Reason, bool) {
	code, ok := map[string]string{"TIMED_OUT": ReasonTimedOut, "ABORTED": ReasonAborted, "FAILED": ReasonFailed}[status]
	if !ok {
		return basket.Reason{}, false
	}
	return basket.Reason{Code: code, Message: reasonMessages[code]}, true
}

// InternalError is the reason code of a checkout that failed for a reason
// the workflow does not name (a bug or an outage). Its message carries no
// detail: unexpected errors may carry internals.
const InternalError = "internal_error"

// errorName matches a Go error type name leading a message
// ("PaymentDeclinedError: card_declined"): the workflow matches on it,
// clients must never see it.
var errorName = regexp.MustCompile(`^(?:[A-Za-z0-9_]+\.)*[A-Z][A-Za-z0-9]*(?:Error|Exception)(?::\s*|$)`)

// FailureReason turns the error a Catch recorded into the basket's reason:
// a stable code and a human message (never a Go type name, never a stack
// trace: Lambda error causes carry only errorType and errorMessage).
func FailureReason(e *Error) basket.Reason {
	if e == nil {
		return basket.Reason{Code: InternalError, Message: reasonMessages[InternalError]}
	}
	code, ok := reasonCodes[e.Error]
	if !ok {
		code = InternalError
	}
	if code == InternalError {
		// Unexpected errors may carry internals: no detail.
		return basket.Reason{Code: code, Message: describe(code, "")}
	}
	detail := e.Cause
	var lambdaErr struct {
		ErrorMessage string `json:"errorMessage"`
	}
	if json.Unmarshal([]byte(e.Cause), &lambdaErr) == nil && lambdaErr.ErrorMessage != "" {
		detail = lambdaErr.ErrorMessage
	}
	return basket.Reason{Code: code, Message: describe(code, detail)}
}

// describe is the human message for code, with the task's detail (its
// error message without the error's type name) when the code takes one.
func describe(code, detail string) string {
	base, ok := reasonMessages[code]
	if !ok {
		base = reasonMessages[InternalError]
	}
	detail = strings.TrimSpace(errorName.ReplaceAllString(strings.TrimSpace(detail), ""))
	msg := base
	switch {
	case strings.HasSuffix(base, "."):
	case detail == "" || code == "timeout":
		msg = base + "."
	default:
		msg = base + " (" + detail + ")."
	}
	if len(msg) > basket.MaxReasonLength {
		msg = strings.ToValidUTF8(msg[:basket.MaxReasonLength], "")
	}
	return msg
}

// PublicReason returns a recorded reason as clients see it. Reasons
// recorded before they were written for people carry a Go error type name
// ("PaymentDeclinedError: card_declined") or an internal error's name
// ("checkout failed: Runtime.ExitError"); those get their code's message.
// The events keep what they recorded: facts are not rewritten.
func PublicReason(r basket.Reason) basket.Reason {
	switch {
	case r.Code == InternalError && strings.HasPrefix(r.Message, "checkout failed"):
		return basket.Reason{Code: r.Code, Message: describe(r.Code, "")}
	case errorName.MatchString(r.Message):
		return basket.Reason{Code: r.Code, Message: describe(r.Code, r.Message)}
	}
	return r
}

// ExecutionARN returns the ARN of the checkout's execution of the state
// machine stateMachineARN (executions are named after the checkout).
func ExecutionARN(stateMachineARN, checkoutID string) string {
	return strings.Replace(stateMachineARN, ":stateMachine:", ":execution:", 1) + ":" + checkoutID
}
