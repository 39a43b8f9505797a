package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/shopstream/shopstream/eventstore"
	"github.com/shopstream/shopstream/internal/basket"
	"github.com/shopstream/shopstream/internal/catalog"
	"github.com/shopstream/shopstream/internal/checkout"
	"github.com/shopstream/shopstream/internal/checkout/errnames"
	"github.com/shopstream/shopstream/internal/command"
	"github.com/shopstream/shopstream/internal/domain"
	"github.com/shopstream/shopstream/internal/lambdaenv"
)

// Pricer is the PriceBasket task: it locks the basket for the checkout
// (CheckoutStarted) and prices the items it snapshotted from the product
// streams, the authoritative catalog; the client's prices are never used.
type Pricer struct {
	Commands command.Runner
}

// Handle starts the checkout on the basket and prices it. Running it again
// for the same checkout starts nothing new and prices the same items.
//
// It returns *errnames.BasketEmptyError when the basket has nothing to check
// out, *errnames.CheckoutInProgressError when another checkout holds the
// basket, and *errnames.ProductUnavailableError for an item whose
// product is unknown, deleted or priced in another currency than the
// first item. Other errors are bugs or infrastructure failures.
func (p *Pricer) Handle(ctx context.Context, in checkout.State) (checkout.Priced, error) {
	meta := eventstore.Metadata{CorrelationID: in.CheckoutID, Actor: lambdaenv.CheckoutActor}
	b, _, err := command.Run(ctx, p.Commands, basket.StreamID(in.UserName),
		func() (*basket.Basket, error) { return basket.New(in.UserName) }, meta,
		func(b *basket.Basket) ([]domain.Event, error) { return b.StartCheckout(in.CheckoutID, in.Customer) })
	var rule *domain.RuleError
	switch {
	case errors.As(err, &rule) && rule.Code == domain.CodeBasketEmpty:
		return checkout.Priced{}, &errnames.BasketEmptyError{Reason: rule.Message}
	case errors.As(err, &rule) && rule.Code == domain.CodeCheckoutInProgress:
		return checkout.Priced{}, &errnames.CheckoutInProgressError{Reason: rule.Message}
	case err != nil:
		return checkout.Priced{}, fmt.Errorf("pricebasket: start checkout %s: %w", in.CheckoutID, err)
	}
	c, ok := b.Checkout(in.CheckoutID)
	if !ok {
		return checkout.Priced{}, fmt.Errorf("pricebasket: checkout %s not on basket %s after starting it", in.CheckoutID, in.UserName)
	}
	if c.Status != basket.Running {
		// Refused or ended before this task got here: its execution is
		// over (the sweeper refuses a checkout whose execution ended
		// before it started), so there is nothing to price for.
		return checkout.Priced{}, fmt.Errorf("pricebasket: checkout %s of basket %s already ended as %s", in.CheckoutID, in.UserName, c.Status)
	}
	priced, err := p.price(ctx, c.Items)
	if err != nil {
		return checkout.Priced{}, err
	}
	slog.Info("priced", "checkout", in.CheckoutID, "lines", len(priced.Lines), "total", priced.Total, "currency", priced.Currency)
	return priced, nil
}

// price prices items from their product streams. All lines must share the
// first line's currency: an order has one total.
func (p *Pricer) price(ctx context.Context, items []basket.Item) (checkout.Priced, error) {
	var out checkout.Priced
	for _, it := range items {
		prod, err := catalog.New(it.ProductID)
		if err != nil {
			return checkout.Priced{}, fmt.Errorf("pricebasket: %w", err)
		}
		if err := p.Commands.Load(ctx, catalog.StreamID(it.ProductID), prod); err != nil {
			return checkout.Priced{}, fmt.Errorf("pricebasket: %w", err)
		}
		switch {
		case prod.Deleted():
			return checkout.Priced{}, &errnames.ProductUnavailableError{ProductID: it.ProductID, Reason: "deleted"}
		case !prod.Exists():
			return checkout.Priced{}, &errnames.ProductUnavailableError{ProductID: it.ProductID, Reason: "unknown"}
		}
		d := prod.Details()
		if out.Currency == "" {
			out.Currency = d.Currency
		}
		if d.Currency != out.Currency {
			return checkout.Priced{}, &errnames.ProductUnavailableError{ProductID: it.ProductID,
				Reason: fmt.Sprintf("priced in %s, the rest of the basket in %s", d.Currency, out.Currency)}
		}
		line := domain.PricedLine{ProductID: it.ProductID, Name: d.Name, UnitPrice: d.Price, Currency: d.Currency,
			Quantity: it.Quantity, LineTotal: d.Price * it.Quantity}
		out.Lines = append(out.Lines, line)
		out.Total += line.LineTotal
	}
	return out, nil
}
