package payment

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/shopstream/shopstream/internal/checkout/errnames"
	"github.com/shopstream/shopstream/internal/domain"
)

var now = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

var testTokenizer = Tokenizer{Key: []byte("0123456789abcdef0123456789abcdef")}

func card(number string) Card { return Card{Number: number, Expiry: "12/30", CVC: "123"} }

func TestValidateCard(t *testing.T) {
	tests := []struct {
		name      string
		card      Card
		wantField string
	}{
		{"valid", card(CardApproved), ""},
		{"valid with spaces", card("4242 4242 4242 4242"), ""},
		{"letters", card("4242abcd42424242"), "cardInfo.number"},
		{"too short", card("42424242"), "cardInfo.number"},
		{"luhn", card("4242424242424241"), "cardInfo.number"},
		{"bad expiry", Card{Number: CardApproved, Expiry: "2030-12", CVC: "123"}, "cardInfo.expiry"},
		{"expired", Card{Number: CardApproved, Expiry: "10/26", CVC: "123"}, "cardInfo.expiry"},
		{"this month is fine", Card{Number: CardApproved, Expiry: "11/26", CVC: "123"}, ""},
		{"cvc", Card{Number: CardApproved, Expiry: "12/30", CVC: "12"}, "cardInfo.cvc"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ValidateCard(tt.card, now)
			if tt.wantField == "" {
				if err != nil {
					t.Fatalf("unexpected error %v", err)
				}
				return
			}
			var fe *domain.ValidationError
			if !errors.As(err, &fe) || fe.Field != tt.wantField {
				t.Fatalf("err = %v, want field %s", err, tt.wantField)
			}
		})
	}
}

func TestSimulatedAuthorize(t *testing.T) {
	tests := []struct {
		number   string
		attempt  int
		wantType string // errnames name, "" for approved
	}{
		{CardApproved, 0, ""},
		{"5555555555554444", 0, ""}, // any other valid card
		{CardDeclined, 0, errnames.PaymentDeclined},
		{CardDeclined, 2, errnames.PaymentDeclined},
		{CardInsufficientFunds, 0, errnames.PaymentDeclined},
		{CardFlaky, 0, errnames.TransientPayment},
		{CardFlaky, 1, ""},
		{CardUnavailable, 3, errnames.TransientPayment},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s/%d", tt.number, tt.attempt), func(t *testing.T) {
			tok, err := testTokenizer.Tokenize(card(tt.number), now)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(tok.ID, tt.number) || tok.Last4 != tt.number[len(tt.number)-4:] {
				t.Fatalf("token %+v", tok)
			}
			auth, err := Simulated{}.Authorize(context.Background(), Request{
				CheckoutID: "c1", AmountMinor: 1999, Currency: "EUR", Token: tok, Attempt: tt.attempt,
			})
			var declined *errnames.PaymentDeclinedError
			var transient *errnames.TransientPaymentError
			switch tt.wantType {
			case "":
				if err != nil {
					t.Fatalf("err = %v", err)
				}
				if auth.Last4 != tok.Last4 || auth.Amount != 1999 || auth.ID == "" {
					t.Fatalf("auth = %+v", auth)
				}
			case errnames.PaymentDeclined:
				if !errors.As(err, &declined) {
					t.Fatalf("err = %v, want declined", err)
				}
			case errnames.TransientPayment:
				if !errors.As(err, &transient) {
					t.Fatalf("err = %v, want transient", err)
				}
			}
		})
	}
	if _, err := (Simulated{}).Authorize(context.Background(), Request{Token: Token{ID: "forged"}, AmountMinor: 1}); err == nil {
		t.Fatal("forged token authorized")
	}
	if _, err := testTokenizer.Tokenize(card("4242424242424241"), now); err == nil {
		t.Fatal("invalid card tokenized")
	}
}

func TestCardNeverPrintsNumber(t *testing.T) {
	s := fmt.Sprint(card(CardApproved)) + fmt.Sprintf("%v %+v", card(CardApproved), card(CardApproved))
	for _, secret := range []string{CardApproved, "123"} {
		if strings.Contains(s, secret) {
			t.Fatalf("printed card %q contains %q", s, secret)
		}
	}
}

// The measured flaw: the token was SHA-256 of the number under a key in
// the source, so a token was reversed by trying every number with its last
// four. Now it is an HMAC under the deployment's key: without the key no
// number reproduces it, another deployment's key gives another token, and
// the same card under one key gives one token (the checkout's idempotent
// retry compares tokens).
func TestTokenIsKeyedMAC(t *testing.T) {
	other := Tokenizer{Key: []byte("another-deployment-key-0123456789")}
	a1, err := testTokenizer.Tokenize(card(CardApproved), now)
	if err != nil {
		t.Fatal(err)
	}
	a2, _ := testTokenizer.Tokenize(card("4242 4242 4242 4242"), now)
	b, _ := other.Tokenize(card(CardApproved), now)
	c, _ := testTokenizer.Tokenize(card("5555555555554444"), now)
	if a1 != a2 {
		t.Errorf("same card, same key: %v != %v", a1, a2)
	}
	if a1.ID == b.ID {
		t.Errorf("another key gave the same token %s", a1.ID)
	}
	if a1.ID == c.ID {
		t.Errorf("another card gave the same token %s", a1.ID)
	}
	// The old scheme's derivation no longer matches.
	old := sha256.Sum256([]byte("shopstream-simulated-vault|" + CardApproved))
	if strings.Contains(a1.ID, hex.EncodeToString(old[:12])) {
		t.Error("token is still the unkeyed hash")
	}
	for _, key := range [][]byte{nil, []byte("short")} {
		if _, err := (Tokenizer{Key: key}).Tokenize(card(CardApproved), now); !errors.Is(err, ErrNoKey) {
			t.Errorf("key %q: err = %v, want ErrNoKey", key, err)
		}
	}
}

func TestTestCardMarker(t *testing.T) {
	for number, want := range map[string]string{
		CardApproved: TestApproved, CardDeclined: TestDeclined, CardInsufficientFunds: TestInsufficientFunds,
		CardFlaky: TestFlaky, CardUnavailable: TestUnavailable, "5555555555554444": "",
	} {
		tok, err := testTokenizer.Tokenize(card(number), now)
		if err != nil || tok.Test != want {
			t.Errorf("%s: %+v, %v; want test %q", number, tok, err, want)
		}
	}
}
