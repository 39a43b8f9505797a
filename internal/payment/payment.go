// Package payment is the checkout's payment port and a simulated gateway.
//
// Card data never travels past the API: the checkout route validates the
// card and exchanges it for a Token (as a real gateway's client-side
// tokenization would), and only the token (a MAC under a per-deployment
// secret, see Tokenizer) and the last four digits enter the workflow's
// input, its history and the events.
//
// The simulated gateway is deterministic so the workflow's every path can be
// exercised end to end: a few documented test card numbers decline or fail
// transiently, every other valid card is approved.
package payment

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/shopstream/shopstream/internal/checkout/errnames"
	"github.com/shopstream/shopstream/internal/domain"
)

// Test card numbers understood by Simulated (all pass the Luhn check).
const (
	// CardApproved is approved (as is any other valid number).
	CardApproved = "4242424242424242"
	// CardDeclined is always declined: the checkout fails with reason
	// "card_declined" and its stock is released.
	CardDeclined = "4000000000000002"
	// CardInsufficientFunds is always declined with "insufficient_funds".
	CardInsufficientFunds = "4000000000009995"
	// CardFlaky fails transiently on the first attempt and is approved on a
	// retry, exercising the workflow's Retry.
	CardFlaky = "4000000000000259"
	// CardUnavailable always fails transiently, so the workflow exhausts its
	// retries and fails the checkout with "payment_unavailable".
	CardUnavailable = "4000000000000341"
)

// Card is what the client sends. It is validated and then used only to
// authorize; only Last4 is ever stored or logged.
type Card struct {
	Number string `json:"number"`
	// Expiry is "MM/YY".
	Expiry string `json:"expiry"`
	CVC    string `json:"cvc"`
	Holder string `json:"holder,omitempty"`
}

// Last4 returns the card's last four digits (the only part ever kept).
func (c Card) Last4() string {
	n := digits(c.Number)
	if len(n) < 4 {
		return n
	}
	return n[len(n)-4:]
}

// Token stands for a validated card. It is safe to store and log: ID is
// a keyed MAC of the card number, not reversible without the deployment's
// secret key (see Tokenizer).
type Token struct {
	ID    string `json:"token"`
	Last4 string `json:"last4"`
	// Test names the behaviour of a documented test card (TestDeclined …)
	// and is empty for every other card. The test numbers are public, so
	// saying a token is one of them reveals nothing; it lets the simulated
	// gateway act on them without the key (see Simulated).
	Test string `json:"test,omitempty"`
}

// Test card behaviours carried in Token.Test.
const (
	TestApproved          = "approved"
	TestDeclined          = "declined"
	TestInsufficientFunds = "insufficient_funds"
	TestFlaky             = "flaky"
	TestUnavailable       = "unavailable"
)

// testCards maps the test card numbers to their behaviours.
var testCards = map[string]string{
	CardApproved:          TestApproved,
	CardDeclined:          TestDeclined,
	CardInsufficientFunds: TestInsufficientFunds,
	CardFlaky:             TestFlaky,
	CardUnavailable:       TestUnavailable,
}

// MinKeyLen is the shortest Tokenizer key accepted (256 bits).
const MinKeyLen = 32

// ErrNoKey means the Tokenizer has no key, or one shorter than MinKeyLen:
// a configuration error, never a client's.
var ErrNoKey = errors.New("payment: tokenizer key missing or shorter than 32 bytes")

// Tokenizer exchanges validated cards for tokens.
//
// A real gateway keeps the card in its vault and hands out a random id;
// the simulation has no vault, so the id is HMAC-SHA256 of the card number
// under Key, a per-deployment secret (the stack generates it in Secrets
// Manager and the checkout function reads it at start). Without the key
// the 10^15-ish space of valid card numbers with a known last four cannot
// be searched: the number cannot be recovered from a token found in the
// workflow's input, its history or the events. The same card gives the
// same token within a deployment, which the checkout's idempotent retry
// relies on.
type Tokenizer struct {
	Key []byte
}

// Tokenize validates c at now and returns its token. It returns ErrNoKey
// when t has no usable key.
func (t Tokenizer) Tokenize(c Card, now time.Time) (Token, error) {
	if len(t.Key) < MinKeyLen {
		return Token{}, ErrNoKey
	}
	if err := ValidateCard(c, now); err != nil {
		return Token{}, err
	}
	n := digits(c.Number)
	mac := hmac.New(sha256.New, t.Key)
	mac.Write([]byte("shopstream-card-token-v1\x00"))
	mac.Write([]byte(n))
	return Token{ID: "tok_" + hex.EncodeToString(mac.Sum(nil)[:16]), Last4: c.Last4(), Test: testCards[n]}, nil
}

// Request is one authorization.
type Request struct {
	CheckoutID  string
	AmountMinor int64
	Currency    string
	Token       Token
	// Attempt is 0 on the first try and counts the workflow's retries
	// ($$.State.RetryCount), which the simulation uses for CardFlaky.
	Attempt int
}

// Authorization is an approved payment.
type Authorization struct {
	ID       string `json:"authorizationId"`
	Last4    string `json:"last4"`
	Amount   int64  `json:"amount"`
	Currency string `json:"currency"`
}

// Gateway authorizes payments. It returns *errnames.PaymentDeclinedError
// when the card is refused (final) and *errnames.TransientPaymentError when
// a retry may succeed.
type Gateway interface {
	Authorize(ctx context.Context, req Request) (Authorization, error)
}

// Simulated is a deterministic Gateway for local runs and tests. It
// approves every token except those marked as a test card that declines
// or fails (Token.Test), so it needs no key; it approves any valid card
// number, which is why the stack refuses to synthesize a production stage
// with it.
type Simulated struct{}

// Authorize implements Gateway.
func (Simulated) Authorize(ctx context.Context, req Request) (Authorization, error) {
	if err := ctx.Err(); err != nil {
		return Authorization{}, &errnames.TransientPaymentError{Reason: "payment_unavailable: " + err.Error()}
	}
	if !strings.HasPrefix(req.Token.ID, "tok_") {
		return Authorization{}, &errnames.PaymentDeclinedError{Reason: "invalid_token"}
	}
	if req.AmountMinor <= 0 {
		return Authorization{}, &errnames.PaymentDeclinedError{Reason: "invalid_amount"}
	}
	switch req.Token.Test {
	case TestDeclined:
		return Authorization{}, &errnames.PaymentDeclinedError{Reason: "card_declined"}
	case TestInsufficientFunds:
		return Authorization{}, &errnames.PaymentDeclinedError{Reason: "insufficient_funds"}
	case TestUnavailable:
		return Authorization{}, &errnames.TransientPaymentError{Reason: "payment_unavailable"}
	case TestFlaky:
		if req.Attempt == 0 {
			return Authorization{}, &errnames.TransientPaymentError{Reason: "payment_unavailable"}
		}
	}
	// The id is derived from the checkout so a retried authorization after
	// a lost response is recognisably the same one.
	sum := sha256.Sum256([]byte("auth|" + req.CheckoutID))
	return Authorization{
		ID:       "auth_" + hex.EncodeToString(sum[:8]),
		Last4:    req.Token.Last4,
		Amount:   req.AmountMinor,
		Currency: req.Currency,
	}, nil
}

// ValidateCard checks the card's shape (not whether it will be approved):
// a 12–19 digit number passing the Luhn check, an MM/YY expiry not in the
// past at now, and a 3–4 digit CVC. Errors are *domain.ValidationError
// with the field path under cardInfo.
func ValidateCard(c Card, now time.Time) error {
	n := digits(c.Number)
	switch {
	case n == "" || len(n) != len(strings.ReplaceAll(strings.ReplaceAll(c.Number, " ", ""), "-", "")):
		return &domain.ValidationError{Field: "cardInfo.number", Reason: "must contain only digits, spaces or dashes"}
	case len(n) < 12 || len(n) > 19:
		return &domain.ValidationError{Field: "cardInfo.number", Reason: "must have 12 to 19 digits"}
	case !luhn(n):
		return &domain.ValidationError{Field: "cardInfo.number", Reason: "is not a valid card number"}
	}
	exp, err := time.Parse("01/06", c.Expiry)
	if err != nil {
		return &domain.ValidationError{Field: "cardInfo.expiry", Reason: "must be MM/YY"}
	}
	// A card is valid through the last day of its expiry month.
	if !now.Before(exp.AddDate(0, 1, 0)) {
		return &domain.ValidationError{Field: "cardInfo.expiry", Reason: "card has expired"}
	}
	if cvc := digits(c.CVC); len(cvc) != len(c.CVC) || len(cvc) < 3 || len(cvc) > 4 {
		return &domain.ValidationError{Field: "cardInfo.cvc", Reason: "must be 3 or 4 digits"}
	}
	if len(c.Holder) > 200 {
		return &domain.ValidationError{Field: "cardInfo.holder", Reason: "must be at most 200 characters"}
	}
	return nil
}

func digits(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func luhn(n string) bool {
	sum := 0
	for i := 0; i < len(n); i++ {
		d := int(n[len(n)-1-i] - '0')
		if i%2 == 1 {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return sum%10 == 0
}

// String hides the card number and CVC if a Card is ever printed.
func (c Card) String() string { return fmt.Sprintf("card ending %s", c.Last4()) }
