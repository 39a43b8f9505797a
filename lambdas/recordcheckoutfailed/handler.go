package main

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/shopstream/shopstream/eventstore"
	"github.com/shopstream/shopstream/internal/basket"
	"github.com/shopstream/shopstream/internal/checkout"
	"github.com/shopstream/shopstream/internal/command"
	"github.com/shopstream/shopstream/internal/domain"
	"github.com/shopstream/shopstream/internal/lambdaenv"
)

// Recorded is RecordCheckoutFailed's result.
type Recorded struct {
	// Recorded is false when the basket never started the checkout, so
	// there was nothing to fail.
	Recorded bool          `json:"recorded"`
	Reason   basket.Reason `json:"reason"`
}

// Recorder is the RecordCheckoutFailed task.
type Recorder struct {
	Commands command.Runner
}

// Handle appends CheckoutFailed with the reason derived from the error the
// workflow caught, which unlocks the basket. Recording a failure already
// recorded appends nothing. When the basket never started this checkout
// (PriceBasket failed before locking it, say because another checkout
// held the basket), it records nothing and returns normally: the
// execution still ends in its Fail state, which is where the reason shows.
func (r *Recorder) Handle(ctx context.Context, in checkout.RecordFailure) (Recorded, error) {
	reason := checkout.FailureReason(in.Error)
	var started bool
	meta := eventstore.Metadata{CorrelationID: in.CheckoutID, Actor: lambdaenv.CheckoutActor}
	_, stored, err := command.Run(ctx, r.Commands, basket.StreamID(in.UserName),
		func() (*basket.Basket, error) { return basket.New(in.UserName) }, meta,
		func(b *basket.Basket) ([]domain.Event, error) {
			if _, started = b.Checkout(in.CheckoutID); !started {
				return nil, nil
			}
			return b.FailCheckout(in.CheckoutID, reason)
		})
	if err != nil {
		return Recorded{}, fmt.Errorf("recordcheckoutfailed: fail checkout %s: %w", in.CheckoutID, err)
	}
	if !started {
		slog.Info("checkout never started on the basket; nothing to record", "checkout", in.CheckoutID, "user", in.UserName, "reason", reason.Code)
		return Recorded{Recorded: false, Reason: reason}, nil
	}
	slog.Info("checkout failed", "checkout", in.CheckoutID, "reason", reason.Code, "appended", len(stored))
	return Recorded{Recorded: true, Reason: reason}, nil
}
