package main

import (
	"context"
	"log/slog"

	"github.com/shopstream/shopstream/eventstore"
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
func (r *Releaser) Handle(ctx context.Context, in checkout.Release) (Released, error) {
	meta := eventstore.Metadata{CorrelationID: in.CheckoutID, Actor: lambdaenv.CheckoutActor}
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
