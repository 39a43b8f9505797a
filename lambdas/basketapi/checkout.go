package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

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
	UserName      string       `json:"userName" required:"true"`
	FirstName     string       `json:"firstName" required:"true"`
	LastName      string       `json:"lastName" required:"true"`
	Email         string       `json:"email" required:"true"`
	Address       string       `json:"address" required:"true"`
	PaymentMethod string       `json:"paymentMethod" required:"true"`
	CardInfo      payment.Card `json:"cardInfo" required:"true"`
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
//
// With an Idempotency-Key the execution is named after the key, and the
// key is bound to the first request made with it for as long as Step
// Functions keeps the execution (90 days): the same request again gets the
// first answer, however that checkout has ended since; another request
// with the key gets 409 idempotency_key_reused (see sameCheckout). A retry
// is validated like any request first, so one whose card has expired
// since gets that 400.
func (a *API) checkout(w http.ResponseWriter, r *http.Request) {
	var req checkoutRequest
	if !decodeFor(w, r, &req, func() string { return req.UserName }) {
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
	token, err := a.Tokenizer.Tokenize(req.CardInfo, a.Now())
	if err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	// Without a key the checkout is named after the basket as it is now
	// (see freeSlot), so a second request racing the first for the same
	// basket is refused before the workflow locks the basket.
	checkoutID := slotCheckoutID(req.UserName, b.Version(), 0)
	if key != "" {
		checkoutID = keyedCheckoutID(req.UserName, key)
	}
	customer := basket.Customer{FirstName: req.FirstName, LastName: req.LastName, Email: req.Email,
		Address: req.Address, PaymentMethod: req.PaymentMethod, CardLast4: token.Last4}
	want := checkout.Input{CheckoutID: checkoutID, UserName: req.UserName, Customer: customer, Payment: token}
	if key != "" {
		// Look for the key's checkout before judging the basket: once it
		// has run, the basket is empty or held by a later checkout, and a
		// retry must still get the first answer, not basket_empty or
		// checkout_in_progress.
		prior, err := a.prior(r.Context(), checkoutID)
		if err != nil {
			httpapi.WriteError(w, r, err)
			return
		}
		if prior != nil {
			a.answerRetry(w, r, want, prior)
			return
		}
	}
	// Decide without appending: validates the customer and reports an
	// empty basket or a checkout already running.
	if _, err := b.StartCheckout(checkoutID, customer); err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	if _, mixed, err := a.currencies(r.Context(), b.Items()); err != nil || mixed {
		if err == nil {
			err = domain.Rule(domain.CodeCurrencyMismatch, "basket %s holds products priced in different currencies", req.UserName)
		}
		httpapi.WriteError(w, r, err)
		return
	}
	// A checkout started for this basket and not yet locking it holds
	// the basket's slot: refuse at the door rather than start a second
	// one that can only fail.
	slot, err := a.freeSlot(r.Context(), req.UserName, b.Version())
	if err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	if key == "" {
		checkoutID, want.CheckoutID, want.Request = slot, slot, a.Commands.Factory.NewID()
	}
	input, err := json.Marshal(want)
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
	if errors.As(err, &exists) && key == "" {
		// Another request for the same basket took the slot since
		// freeSlot looked.
		httpapi.WriteError(w, r, inProgress(req.UserName, checkoutID))
		return
	}
	if errors.As(err, &exists) && key != "" {
		// A concurrent request with the key started the execution since
		// the look-up above. Step Functions answers a repeated name with
		// the same execution only while that execution runs with the same
		// input; once it has closed, or for another input, it answers
		// ExecutionAlreadyExists, so decide from the execution itself.
		prior, perr := a.prior(r.Context(), checkoutID)
		if perr == nil && prior == nil {
			perr = fmt.Errorf("checkout %s: StartExecution: %w, yet DescribeExecution finds none", checkoutID, err)
		}
		if perr != nil {
			httpapi.WriteError(w, r, perr)
			return
		}
		a.answerRetry(w, r, want, prior)
		return
	}
	if err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	a.accepted(w, r, checkoutID, aws.ToString(out.ExecutionArn))
}

// accepted writes the 202 a started checkout gets, and its retries too.
func (a *API) accepted(w http.ResponseWriter, r *http.Request, checkoutID, executionARN string) {
	httpapi.WriteJSON(w, http.StatusAccepted, checkoutResponse{
		CheckoutID:   checkoutID,
		ExecutionARN: executionARN,
		StatusURL:    a.statusURL(r, checkoutID),
	})
}

// prior describes the execution of checkout id, or returns nil if there is
// none. It needs states:DescribeExecution on the checkout machine's
// executions, which config.BasketAPI's access to the machine grants.
func (a *API) prior(ctx context.Context, id string) (*sfn.DescribeExecutionOutput, error) {
	out, err := a.Workflows.DescribeExecution(ctx, &sfn.DescribeExecutionInput{
		ExecutionArn: aws.String(checkout.ExecutionARN(a.StateMachineARN, id)),
	})
	var missing *sfntypes.ExecutionDoesNotExist
	if errors.As(err, &missing) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("checkout %s: describe execution: %w", id, err)
	}
	return out, nil
}

// answerRetry answers a keyed request whose key already named the
// execution prior: the first request's 202 if it is the same request,
// whatever the execution's status, else 409.
func (a *API) answerRetry(w http.ResponseWriter, r *http.Request, want checkout.Input, prior *sfn.DescribeExecutionOutput) {
	if !sameCheckout(aws.ToString(prior.Input), want) {
		httpapi.WriteError(w, r, httpapi.Errorf(http.StatusConflict, "idempotency_key_reused", IdempotencyHeader,
			"%s was already used for a different checkout request", IdempotencyHeader))
		return
	}
	a.accepted(w, r, want.CheckoutID, aws.ToString(prior.ExecutionArn))
}

// sameCheckout reports whether the execution input stored (JSON) is the
// one the request that built want would start: then the request is a
// retry of the one that started it.
//
// "Same request" means the same checkout, compared field by field on the
// decoded input rather than on bytes or on a digest of the body:
//   - nothing in the input is fresh per request: a keyed checkout id is
//     derived from the user and the key, and the payment token is a keyed
//     MAC of the card number (payment.Tokenizer), so a retry rebuilds
//     exactly the input the first request stored, and another card, even
//     one with the same last four digits, gives another token;
//   - every field the checkout acts on is compared: user, customer
//     (name, email, address, payment method, card's last four), token;
//   - the card's expiry, CVC and holder name are validated and then
//     dropped, so they cannot be compared and do not need to be: two
//     requests differing only there start identical checkouts, and the
//     first one's answer is the one the second would have got;
//   - a digest of the raw body would refuse a retry whose JSON a client
//     library re-encoded (key order, spacing), and would put a value
//     derived from the card number and CVC in the execution's history,
//     which the input is designed never to carry.
//
// If payment tokens ever become random per request (a real vault), the
// comparison must use a card fingerprint instead of Payment.ID.
func sameCheckout(stored string, want checkout.Input) bool {
	var got checkout.Input
	if err := json.Unmarshal([]byte(stored), &got); err != nil {
		return false
	}
	// == rather than reflect.DeepEqual: a field that is not comparable
	// (a slice, a map) added to the input must be a compile error here,
	// so that someone decides how it is compared.
	return got == want
}

// maxSlots bounds how many closed executions freeSlot steps over for one
// basket version; past it the checkout gets a fresh ULID and no door check.
const maxSlots = 20

// freeSlot returns the id an unkeyed checkout of userName's basket at
// version takes: the first of slotCheckoutID(userName, version, n) with no
// execution. If one of them is running, the basket is being checked out
// and freeSlot fails with 409 checkout_in_progress. Slots with a closed
// execution are skipped: a checkout that failed before locking the basket
// leaves the basket's version as it was.
func (a *API) freeSlot(ctx context.Context, userName string, version int64) (string, error) {
	for n := 0; n < maxSlots; n++ {
		id := slotCheckoutID(userName, version, n)
		out, err := a.prior(ctx, id)
		if err != nil {
			return "", err
		}
		if out == nil {
			return id, nil
		}
		if out.Status == sfntypes.ExecutionStatusRunning {
			return "", inProgress(userName, id)
		}
	}
	return a.Commands.Factory.NewID(), nil
}

func inProgress(userName, checkoutID string) error {
	return domain.Rule(domain.CodeCheckoutInProgress, "basket %s is being checked out (checkout %s)", userName, checkoutID)
}

// slotCheckoutID names the n-th unkeyed checkout of userName's basket at
// version. Every request for the same basket state computes the same
// names, which is what lets Step Functions' unique execution names refuse
// a concurrent second checkout.
func slotCheckoutID(userName string, version int64, n int) string {
	sum := sha256.Sum256(fmt.Appendf(nil, "%s\x00%d\x00%d", userName, version, n))
	return "co-" + hex.EncodeToString(sum[:16])
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
// its basket's events (the order id, or the recorded failure reason). Only
// the checkout's customer or an admin may see it; anyone else gets 403 (a
// 404 would hide that the checkout exists, but ids are unguessable ULIDs
// or digests of the customer's own key, and the API answers another's
// resource with 403 everywhere else).
func (a *API) status(w http.ResponseWriter, r *http.Request) {
	if _, err := httpapi.Authenticate(r); err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	id := r.PathValue("checkoutId")
	if err := domain.CheckID("checkoutId", id); err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	out, err := a.prior(r.Context(), id)
	if err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	if out == nil {
		httpapi.WriteError(w, r, httpapi.Errorf(http.StatusNotFound, "checkout_not_found", "", "checkout %s does not exist", id))
		return
	}
	var in checkout.Input
	if err := json.Unmarshal([]byte(aws.ToString(out.Input)), &in); err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	if _, err := httpapi.AuthorizeUser(r, in.UserName); err != nil {
		httpapi.WriteError(w, r, httpapi.Forbidden("checkout %s is not yours", id))
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
		reason := checkout.PublicReason(c.Reason)
		res.Reason = &reason
	default:
		// Failed before the basket recorded it (e.g. another checkout held
		// the basket): the execution's error is the reason.
		reason := checkout.FailureReason(&checkout.Error{Error: aws.ToString(out.Error), Cause: aws.ToString(out.Cause)})
		switch {
		case reason.Code != checkout.InternalError:
		case out.Status == sfntypes.ExecutionStatusTimedOut:
			reason = basket.Reason{Code: "timeout", Message: "The checkout took too long and was stopped."}
		case out.Status == sfntypes.ExecutionStatusAborted:
			reason = basket.Reason{Code: "aborted", Message: "The checkout was stopped."}
		}
		res.Reason = &reason
	}
	httpapi.WriteJSON(w, http.StatusOK, res)
}
