package main

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/shopstream/shopstream/eventstore"
	"github.com/shopstream/shopstream/internal/basket"
)

// BasketSource is the only EventBridge source a BasketCheckedOut may
// arrive with: the publisher's source for basket events
// (registry.Source, "shopstream.<aggregate>"; a test keeps them equal).
const BasketSource = "shopstream." + basket.Aggregate

// ForgedError says why a delivered BasketCheckedOut is not a fact of the
// event store. It is not a failure to retry: the store will not change its
// mind, so the message is acknowledged and recorded as a security event.
type ForgedError struct {
	Source     string // the envelope's source
	CheckoutID string // the checkout the message claims
	UserName   string // the basket the message claims
	EventID    string // the delivered event's id
	// Mismatch names what differs from the store: "source", "stream",
	// "checkout" (the basket stream holds no BasketCheckedOut for the
	// checkout), or the fields of the stored event that differ ("eventId",
	// "version", "user", "orderId", "lines", "total", "currency").
	Mismatch []string
}

func (e *ForgedError) Error() string {
	return fmt.Sprintf("ordering: forged BasketCheckedOut %s from %q for checkout %q of %q: %s differ from the event store",
		e.EventID, e.Source, e.CheckoutID, e.UserName, strings.Join(e.Mismatch, ","))
}

// verify checks the delivered event against the event store: the basket
// stream of the user it names must hold a BasketCheckedOut for its
// checkout with the same event id, version and data. It returns the stored
// event and its decoded data, which are what the order is placed from; a
// *ForgedError when the store says otherwise; or another error when the
// store could not be read (to retry).
//
// The stream is read from the delivered event's version on: a genuine
// event carries its own version, so only it and any later events are read,
// and a forged version finds nothing.
func (p *Placer) verify(ctx context.Context, source string, delivered eventstore.Event, claim basket.BasketCheckedOut) (eventstore.Event, basket.BasketCheckedOut, error) {
	forged := &ForgedError{Source: source, CheckoutID: claim.CheckoutID, UserName: claim.UserName, EventID: delivered.ID}
	if source != BasketSource {
		// Not ours: nothing to look up on its word.
		forged.Mismatch = []string{"source"}
		return eventstore.Event{}, basket.BasketCheckedOut{}, forged
	}
	stream := basket.StreamID(claim.UserName)
	if delivered.StreamID != stream {
		forged.Mismatch = append(forged.Mismatch, "stream")
	}
	stored, err := p.Commands.Store.Load(ctx, stream, max(delivered.Version, 1))
	if err != nil {
		return eventstore.Event{}, basket.BasketCheckedOut{}, fmt.Errorf("ordering: verify checkout %s: %w", claim.CheckoutID, err)
	}
	want := basket.BasketCheckedOut{}.EventType()
	for _, e := range stored {
		if e.Type != want {
			continue
		}
		d, err := p.Commands.Registry.Decode(e)
		if err != nil {
			return eventstore.Event{}, basket.BasketCheckedOut{}, fmt.Errorf("ordering: verify checkout %s: %w", claim.CheckoutID, err)
		}
		fact, ok := d.(basket.BasketCheckedOut)
		if !ok || fact.CheckoutID != claim.CheckoutID {
			continue
		}
		forged.Mismatch = append(forged.Mismatch, differences(e, fact, delivered, claim)...)
		if len(forged.Mismatch) > 0 {
			return eventstore.Event{}, basket.BasketCheckedOut{}, forged
		}
		return e, fact, nil
	}
	forged.Mismatch = append(forged.Mismatch, "checkout")
	return eventstore.Event{}, basket.BasketCheckedOut{}, forged
}

// differences names what of the delivered event differs from the stored
// one of the same checkout.
func differences(stored eventstore.Event, fact basket.BasketCheckedOut, delivered eventstore.Event, claim basket.BasketCheckedOut) []string {
	var out []string
	add := func(differ bool, what string) {
		if differ {
			out = append(out, what)
		}
	}
	add(stored.ID != delivered.ID, "eventId")
	add(stored.Version != delivered.Version, "version")
	add(fact.UserName != claim.UserName, "user")
	add(fact.OrderID != claim.OrderID, "orderId")
	add(!slices.Equal(fact.Lines, claim.Lines), "lines")
	add(fact.Total != claim.Total, "total")
	add(fact.Currency != claim.Currency, "currency")
	return out
}
