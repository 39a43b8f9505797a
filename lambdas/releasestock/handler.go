package main

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/shopstream/shopstream/eventstore"
	"github.com/shopstream/shopstream/internal/basket"
	"github.com/shopstream/shopstream/internal/checkout"
	"github.com/shopstream/shopstream/internal/command"
	"github.com/shopstream/shopstream/internal/lambdaenv"
)

// Released is ReleaseStock's result (see checkout.Released).
type Released = checkout.Released

// Releaser is the ReleaseStock task, the compensation of ReserveStock.
type Releaser struct {
	Commands command.Runner
}

// Handle releases the checkout's reservation of every line's product (see
// checkout.ReleaseStock): a line already released by an earlier attempt
// is skipped, so retries are harmless, and a stock conflict is
// *errnames.StockConflictError, which the workflow retries.
//
// A checkout its basket shows confirmed keeps its stock: ConfirmCheckout
// can append BasketCheckedOut and still fail (a timeout after the append,
// a lost response), and its Catch leads here; releasing then would sell
// the stock twice. It fails instead, with a plain error: the workflow then
// ends failed, and RecordCheckoutFailed refuses to fail a confirmed
// checkout, so the order stands with its stock.
func (r *Releaser) Handle(ctx context.Context, in checkout.Release) (Released, error) {
	meta := eventstore.Metadata{CorrelationID: in.CheckoutID, Actor: lambdaenv.CheckoutActor}
	b, err := basket.New(in.UserName)
	if err != nil {
		return Released{}, fmt.Errorf("releasestock: %w", err)
	}
	if err := r.Commands.Load(ctx, basket.StreamID(in.UserName), b); err != nil {
		return Released{}, fmt.Errorf("releasestock: %w", err)
	}
	if c, ok := b.Checkout(in.CheckoutID); ok && c.Status == basket.Succeeded {
		slog.Warn("checkout confirmed: its stock stays reserved", "checkout", in.CheckoutID, "order", c.OrderID)
		return Released{}, fmt.Errorf("releasestock: checkout %s was confirmed (order %s): its stock stays reserved", in.CheckoutID, c.OrderID)
	}
	ids := make([]string, len(in.Lines))
	for i, l := range in.Lines {
		ids[i] = l.ProductID
	}
	out, err := checkout.ReleaseStock(ctx, r.Commands, meta, in.CheckoutID, ids)
	if err != nil {
		return Released{}, err
	}
	slog.Info("stock released", "checkout", in.CheckoutID, "lines", len(in.Lines), "released", out.Released, "marked", out.Marked)
	return out, nil
}
