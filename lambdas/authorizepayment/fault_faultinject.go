//go:build faultinject

// This file exists only in builds with the faultinject tag, which the
// end-to-end tests ask the local runtime for (shopstream-local
// --build-tags faultinject). The CDK bundler builds with -tags lambda.norpc
// only, so the deployed binary contains neither the switch nor the hang.

package main

import (
	"context"
	"log/slog"
	"os"
	"strings"

	"github.com/shopstream/shopstream/internal/checkout"
	"github.com/shopstream/shopstream/internal/payment"
)

// FaultEnv selects a fault to inject. FaultHangPrefix + a card's last four
// digits ("authorize-hang:1111") makes the function hang, until its
// invocation is cut off, for every checkout paid with such a card: the
// checkout then outlives its execution's timeout, or waits in
// AuthorizePayment until it is stopped. Other checkouts are unaffected.
const (
	FaultEnv        = "SHOPSTREAM_FAULT"
	FaultHangPrefix = "authorize-hang:"
)

type handler = func(context.Context, checkout.State) (payment.Authorization, error)

// withFaults wraps h with the fault FaultEnv names, if any.
func withFaults(h handler) handler {
	last4, ok := strings.CutPrefix(os.Getenv(FaultEnv), FaultHangPrefix)
	if !ok || last4 == "" {
		return h
	}
	return func(ctx context.Context, in checkout.State) (payment.Authorization, error) {
		if in.Payment.Last4 != last4 {
			return h(ctx, in)
		}
		slog.Warn("fault injected: hanging in AuthorizePayment", "checkout", in.CheckoutID)
		<-ctx.Done()
		return payment.Authorization{}, ctx.Err()
	}
}
