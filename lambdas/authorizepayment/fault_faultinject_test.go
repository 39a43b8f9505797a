//go:build faultinject

package main

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/shopstream/shopstream/internal/checkout"
	"github.com/shopstream/shopstream/internal/payment"
)

func TestHangFaultHoldsOnlyTheNamedCard(t *testing.T) {
	t.Setenv(FaultEnv, FaultHangPrefix+"1111")
	ok := func(context.Context, checkout.State) (payment.Authorization, error) {
		return payment.Authorization{ID: "auth"}, nil
	}
	h := withFaults(ok)
	if got, err := h(context.Background(), checkout.State{Input: checkout.Input{Payment: payment.Token{Last4: "4242"}}}); err != nil || got.ID != "auth" {
		t.Fatalf("another card: %+v, %v", got, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	_, err := h(ctx, checkout.State{Input: checkout.Input{Payment: payment.Token{Last4: "1111"}}})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("the named card: err = %v, want the invocation cut off", err)
	}
}
