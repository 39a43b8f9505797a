package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/shopstream/shopstream/eventstore"
	"github.com/shopstream/shopstream/internal/catalog"
	"github.com/shopstream/shopstream/internal/checkout"
	"github.com/shopstream/shopstream/internal/checkout/errnames"
	"github.com/shopstream/shopstream/internal/command"
	"github.com/shopstream/shopstream/internal/domain"
	"github.com/shopstream/shopstream/internal/lambdaenv"
)

// Released is ReleaseStock's result: how many reservations it gave back,
// and on how many products it left a release mark where nothing was held
// (so that a reservation still in flight is refused when it lands).
type Released struct {
	Released int `json:"released"`
	Marked   int `json:"marked"`
}

// Releaser is the ReleaseStock task, the compensation of ReserveStock.
type Releaser struct {
	Commands command.Runner
}

// Handle releases the checkout's reservation of every line's product. A
// line whose product holds nothing for the checkout yet gets a release
// mark instead (catalog.Product.Release), which refuses that checkout's
// later reservation; a line already released by an earlier attempt is
// skipped, so retries are harmless. It tries every line before it fails, returning
// *errnames.StockConflictError when a line lost to concurrent appends (the
// workflow retries, and the lines released already stay released).
func (r *Releaser) Handle(ctx context.Context, in checkout.Release) (Released, error) {
	meta := eventstore.Metadata{CorrelationID: in.CheckoutID, Actor: lambdaenv.CheckoutActor}
	var (
		out      Released
		firstErr error
	)
	for _, l := range in.Lines {
		id := l.ProductID
		var held bool
		_, stored, err := command.Run(ctx, r.Commands, catalog.StreamID(id),
			func() (*catalog.Product, error) { return catalog.New(id) }, meta,
			func(p *catalog.Product) ([]domain.Event, error) {
				_, held = p.Reserved(in.CheckoutID)
				return p.Release(in.CheckoutID)
			})
		switch {
		case errors.Is(err, eventstore.ErrConcurrency):
			err = &errnames.StockConflictError{ProductID: id}
		case err != nil:
			err = fmt.Errorf("releasestock: release product %s for checkout %s: %w", id, in.CheckoutID, err)
		}
		if err != nil {
			slog.Warn("release failed", "checkout", in.CheckoutID, "product", id, "error", err)
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		switch {
		case len(stored) == 0:
		case held:
			out.Released++
		default:
			out.Marked++
		}
	}
	if firstErr != nil {
		return Released{}, firstErr
	}
	slog.Info("stock released", "checkout", in.CheckoutID, "lines", len(in.Lines), "released", out.Released, "marked", out.Marked)
	return out, nil
}
