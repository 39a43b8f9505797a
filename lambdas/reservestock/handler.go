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

// Reserver is the ReserveStock task: one iteration of the workflow's Map
// over the priced lines.
type Reserver struct {
	Commands command.Runner
}

// Handle reserves the line's quantity of its product for the checkout with
// a conditional append to the product stream. A checkout reserves at most
// once per product, so a retried iteration appends nothing and reports the
// same reservation.
//
// It returns *errnames.OutOfStockError when too few units are available,
// *errnames.ReservationReleasedError when the checkout already released
// the product (this call landed after the compensation),
// *errnames.ProductUnavailableError for an unknown or deleted product and
// *errnames.StockConflictError when concurrent appends kept winning (the
// workflow retries it). Other errors are bugs or infrastructure failures.
func (r *Reserver) Handle(ctx context.Context, in checkout.ReserveLine) (checkout.Reservation, error) {
	id, qty := in.Line.ProductID, in.Line.Quantity
	meta := eventstore.Metadata{CorrelationID: in.CheckoutID, Actor: lambdaenv.CheckoutActor}
	p, stored, err := command.Run(ctx, r.Commands, catalog.StreamID(id),
		func() (*catalog.Product, error) { return catalog.New(id) }, meta,
		func(p *catalog.Product) ([]domain.Event, error) { return p.Reserve(in.CheckoutID, qty) })
	if err != nil {
		return checkout.Reservation{}, classify(id, err)
	}
	slog.Info("reserved", "checkout", in.CheckoutID, "product", id, "quantity", qty, "appended", len(stored), "version", p.Version())
	return checkout.Reservation{Reserved: true, ProductID: id, Quantity: qty, Version: p.Version()}, nil
}

// classify turns a failed reservation into the error the workflow matches.
func classify(productID string, err error) error {
	var oos *catalog.OutOfStockError
	var released *catalog.ReservationReleasedError
	var rule *domain.RuleError
	switch {
	case errors.As(err, &oos):
		return &errnames.OutOfStockError{ProductID: oos.ProductID, Requested: int(oos.Requested), Available: int(max(oos.Available, 0))}
	case errors.As(err, &released):
		return &errnames.ReservationReleasedError{ProductID: productID}
	case errors.As(err, &rule) && (rule.Code == domain.CodeProductNotFound || rule.Code == domain.CodeProductDeleted):
		return &errnames.ProductUnavailableError{ProductID: productID, Reason: rule.Message}
	case errors.Is(err, eventstore.ErrConcurrency):
		return &errnames.StockConflictError{ProductID: productID}
	}
	return fmt.Errorf("reservestock: reserve product %s: %w", productID, err)
}
