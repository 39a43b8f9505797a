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

// Confirmer is the ConfirmCheckout task.
type Confirmer struct {
	Commands command.Runner
}

// Handle appends BasketCheckedOut with the priced lines and the order id
// the checkout becomes; the publisher takes it from there to the ordering
// Lambda. Confirming a checkout already confirmed appends nothing and
// returns the same order id. Every error is unexpected here: the earlier
// tasks checked what can legitimately fail.
func (c *Confirmer) Handle(ctx context.Context, in checkout.State) (checkout.Confirmation, error) {
	if in.Priced == nil {
		return checkout.Confirmation{}, fmt.Errorf("confirmcheckout: checkout %s: no priced basket in the state", in.CheckoutID)
	}
	completion := basket.Completion{
		CheckoutID: in.CheckoutID,
		OrderID:    domain.OrderIDFor(in.CheckoutID),
		Lines:      in.Priced.Lines,
		Total:      in.Priced.Total,
		Currency:   in.Priced.Currency,
	}
	meta := eventstore.Metadata{CorrelationID: in.CheckoutID, Actor: lambdaenv.CheckoutActor}
	_, stored, err := command.Run(ctx, c.Commands, basket.StreamID(in.UserName),
		func() (*basket.Basket, error) { return basket.New(in.UserName) }, meta,
		func(b *basket.Basket) ([]domain.Event, error) { return b.CompleteCheckout(completion) })
	if err != nil {
		return checkout.Confirmation{}, fmt.Errorf("confirmcheckout: complete checkout %s: %w", in.CheckoutID, err)
	}
	slog.Info("checkout confirmed", "checkout", in.CheckoutID, "order", completion.OrderID, "appended", len(stored))
	return checkout.Confirmation{OrderID: completion.OrderID}, nil
}
