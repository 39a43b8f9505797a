package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/shopstream/shopstream/internal/basket"
	"github.com/shopstream/shopstream/internal/checkout"
	"github.com/shopstream/shopstream/internal/domain"
	"github.com/shopstream/shopstream/internal/httpapi"
	"github.com/shopstream/shopstream/internal/payment"
)

// IdempotencyHeader makes a retried checkout request return the checkout
// the first one started instead of starting another.
const IdempotencyHeader = "Idempotency-Key"

// maxIdempotencyKey bounds the header; longer keys are a client bug.
const maxIdempotencyKey = 200

type checkoutRequest struct {
	UserName      string       `json:"userName"`
	FirstName     string       `json:"firstName"`
	LastName      string       `json:"lastName"`
	Email         string       `json:"email"`
	Address       string       `json:"address"`
	PaymentMethod string       `json:"paymentMethod"`
	CardInfo      payment.Card `json:"cardInfo"`
}

type checkoutResponse struct {
	CheckoutID   string `json:"checkoutId"`
	ExecutionARN string `json:"executionArn"`
	StatusURL    string `json:"statusUrl"`
}

// checkout validates the request and the basket, exchanges the card for a
// token and starts the workflow. The workflow, not this handler, locks the
// basket (CheckoutStarted): a checkout is accepted (202) exactly when its
// execution exists, so nothing accepted can be stranded by a failure
// between two writes here. The checks below only give fast, synchronous
// answers for the common mistakes; the workflow re-checks everything.
func (a *API) checkout(w http.ResponseWriter, r *http.Request) {
	var req checkoutRequest
	if err := httpapi.Decode(w, r, &req); err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	key := r.Header.Get(IdempotencyHeader)
	if len(key) > maxIdempotencyKey {
		httpapi.WriteError(w, r, domain.Invalid(IdempotencyHeader, "must be at most %d characters", maxIdempotencyKey))
		return
	}
	b, err := a.load(r.Context(), req.UserName)
	if err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	token, err := payment.Tokenize(req.CardInfo, a.Now())
	if err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	checkoutID := a.Commands.Factory.NewID()
	if key != "" {
		checkoutID = keyedCheckoutID(req.UserName, key)
	}
	customer := basket.Customer{FirstName: req.FirstName, LastName: req.LastName, Email: req.Email,
		Address: req.Address, PaymentMethod: req.PaymentMethod, CardLast4: token.Last4}
	// Decide without appending: validates the customer and reports an
	// empty basket or a checkout already running. A retried request
	// whose checkout already started decides nothing and passes.
	if _, err := b.StartCheckout(checkoutID, customer); err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	input, err := json.Marshal(checkout.Input{CheckoutID: checkoutID, UserName: req.UserName, Customer: customer, Payment: token})
	if err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	out, err := a.Workflows.StartExecution(r.Context(), &sfn.StartExecutionInput{
		StateMachineArn: aws.String(a.StateMachineARN),
		Name:            aws.String(checkoutID),
		Input:           aws.String(string(input)),
	})
	var exists *sfntypes.ExecutionAlreadyExists
	if errors.As(err, &exists) {
		// Step Functions answers a repeated name with the same input with
		// the same execution; a different input under the same key is a
		// client error.
		httpapi.WriteError(w, r, httpapi.Errorf(http.StatusConflict, "idempotency_key_reused", IdempotencyHeader,
			"%s was already used for a different checkout request", IdempotencyHeader))
		return
	}
	if err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	httpapi.WriteJSON(w, http.StatusAccepted, checkoutResponse{
		CheckoutID:   checkoutID,
		ExecutionARN: aws.ToString(out.ExecutionArn),
		StatusURL:    a.statusURL(r, checkoutID),
	})
}

// keyedCheckoutID derives the checkout id from the customer and their
// idempotency key, so a retry maps to the same execution name.
func keyedCheckoutID(userName, key string) string {
	sum := sha256.Sum256([]byte(userName + "\x00" + key))
	return "ik-" + hex.EncodeToString(sum[:16])
}

func (a *API) statusURL(r *http.Request, checkoutID string) string {
	path := "/checkout/" + checkoutID
	if a.Stage != "" {
		path = "/" + a.Stage + path
	}
	if r.Host == "" {
		return path
	}
	scheme := r.Header.Get("X-Forwarded-Proto")
	if scheme == "" {
		scheme = "https"
	}
	return scheme + "://" + r.Host + path
}

type statusResponse struct {
	CheckoutID string         `json:"checkoutId"`
	UserName   string         `json:"userName"`
	Status     basket.Status  `json:"status"`
	OrderID    string         `json:"orderId,omitempty"`
	Reason     *basket.Reason `json:"reason,omitempty"`
}

// status reports a checkout from its execution (is it still running?) and
// its basket's events (the order id, or the recorded failure reason).
func (a *API) status(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("checkoutId")
	if err := domain.CheckID("checkoutId", id); err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	out, err := a.Workflows.DescribeExecution(r.Context(), &sfn.DescribeExecutionInput{
		ExecutionArn: aws.String(checkout.ExecutionARN(a.StateMachineARN, id)),
	})
	var missing *sfntypes.ExecutionDoesNotExist
	if errors.As(err, &missing) {
		httpapi.WriteError(w, r, httpapi.Errorf(http.StatusNotFound, "checkout_not_found", "", "checkout %s does not exist", id))
		return
	}
	if err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	var in checkout.Input
	if err := json.Unmarshal([]byte(aws.ToString(out.Input)), &in); err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	res := statusResponse{CheckoutID: id, UserName: in.UserName, Status: basket.Running}
	switch out.Status {
	case sfntypes.ExecutionStatusSucceeded:
		res.Status = basket.Succeeded
	case sfntypes.ExecutionStatusFailed, sfntypes.ExecutionStatusTimedOut, sfntypes.ExecutionStatusAborted:
		res.Status = basket.Failed
	}
	if res.Status == basket.Running {
		httpapi.WriteJSON(w, http.StatusOK, res)
		return
	}
	b, err := a.load(r.Context(), in.UserName)
	if err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	c, recorded := b.Checkout(id)
	switch {
	case res.Status == basket.Succeeded:
		res.OrderID = c.OrderID
	case recorded && c.Status == basket.Failed:
		res.Reason = &c.Reason
	default:
		// Failed before the basket recorded it (e.g. another checkout held
		// the basket): the execution's error is the reason.
		reason := checkout.FailureReason(&checkout.Error{Error: aws.ToString(out.Error), Cause: aws.ToString(out.Cause)})
		if strings.HasPrefix(reason.Message, "checkout failed") && out.Status != sfntypes.ExecutionStatusFailed {
			reason.Message = "checkout " + strings.ToLower(string(out.Status))
		}
		res.Reason = &reason
	}
	httpapi.WriteJSON(w, http.StatusOK, res)
}
