package main

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/shopstream/shopstream/internal/checkout"
	"github.com/shopstream/shopstream/internal/payment"
)

// Authorizer is the AuthorizePayment task.
type Authorizer struct {
	Gateway payment.Gateway
}

// Handle authorizes the priced total on the checkout's card token. The
// gateway's *errnames.PaymentDeclinedError and *errnames.TransientPaymentError
// are returned as they are, so the workflow can match them by name; the
// attempt number ($$.State.RetryCount) goes to the gateway with the request.
func (a *Authorizer) Handle(ctx context.Context, in checkout.State) (payment.Authorization, error) {
	if in.Priced == nil {
		return payment.Authorization{}, fmt.Errorf("authorizepayment: checkout %s: no priced basket in the state", in.CheckoutID)
	}
	auth, err := a.Gateway.Authorize(ctx, payment.Request{
		CheckoutID:  in.CheckoutID,
		AmountMinor: in.Priced.Total,
		Currency:    in.Priced.Currency,
		Token:       in.Payment,
		Attempt:     in.Attempt,
	})
	if err != nil {
		// Only the card's last four digits are logged, never the token.
		slog.Info("payment not authorized", "checkout", in.CheckoutID, "last4", in.Payment.Last4, "attempt", in.Attempt, "error", err)
		return payment.Authorization{}, err
	}
	slog.Info("payment authorized", "checkout", in.CheckoutID, "authorization", auth.ID, "amount", auth.Amount, "currency", auth.Currency)
	return auth, nil
}
