package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/shopstream/shopstream/eventstore"
	"github.com/shopstream/shopstream/internal/basket"
	"github.com/shopstream/shopstream/internal/command"
	"github.com/shopstream/shopstream/internal/domain"
	"github.com/shopstream/shopstream/internal/ordering"
	"github.com/shopstream/shopstream/internal/readmodel"
	"github.com/shopstream/shopstream/internal/registry"
)

// Actor is recorded on the events this function appends.
const Actor = "ordering"

// RowWriter stores order rows, ignoring rows not newer than the stored one.
type RowWriter interface {
	Put(ctx context.Context, row readmodel.Order) (bool, error)
}

// Envelope is an EventBridge event as a rule delivers it to the queue; its
// detail is the stored event the publisher put on the bus.
type Envelope struct {
	Version    string          `json:"version"`
	ID         string          `json:"id"`
	DetailType string          `json:"detail-type"`
	Source     string          `json:"source"`
	Time       time.Time       `json:"time"`
	Detail     json.RawMessage `json:"detail"`
}

// Placer turns checked-out baskets into orders.
type Placer struct {
	Commands command.Runner
	Orders   RowWriter
	// Now stamps placedAt on a new order.
	Now func() time.Time
	// Security records the forged messages Handle acknowledges without
	// an order; nil records them on stdout.
	Security *SecurityLog
	// AfterAppend, when set, runs once the order stream holds the order
	// and before its row is written: the seam the e2e test injects a crash
	// into. Production leaves it nil.
	AfterAppend func(msg events.SQSMessage)
}

// Handle places one order per message and reports the messages that failed
// so that only they are redelivered (ReportBatchItemFailures). A message
// that cannot be decoded fails every time; after the queue's
// maxReceiveCount it moves to the dead-letter queue. A forged message (see
// Place) is acknowledged and recorded in p.Security: it never becomes an
// order, and retrying it could not change that.
func (p *Placer) Handle(ctx context.Context, in events.SQSEvent) (events.SQSEventResponse, error) {
	var out events.SQSEventResponse
	for _, msg := range in.Records {
		err := p.Place(ctx, msg)
		var forged *ForgedError
		if errors.As(err, &forged) {
			p.securityLog().Forged(msg.MessageId, forged)
			continue
		}
		if err != nil {
			slog.Error("order not placed", "message", msg.MessageId, "receiveCount", msg.Attributes["ApproximateReceiveCount"], "error", err)
			out.BatchItemFailures = append(out.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: msg.MessageId})
		}
	}
	return out, nil
}

func (p *Placer) securityLog() *SecurityLog {
	if p.Security == nil {
		p.Security = &SecurityLog{W: os.Stdout, Now: time.Now}
	}
	return p.Security
}

// Place places the order of the checked-out basket in msg exactly once and
// writes its row. The order's stream is named after the checkout, so a
// redelivery finds the order placed, appends nothing and writes the same
// row again (which the row's version guard ignores).
//
// Only the event store's facts become orders: the message must come from
// BasketSource and its event must be the basket stream's BasketCheckedOut
// of that checkout, unchanged; otherwise Place returns a *ForgedError and
// places nothing. The order is placed from the stored event.
func (p *Placer) Place(ctx context.Context, msg events.SQSMessage) error {
	source, delivered, claim, err := decode(p.Commands.Registry, msg.Body)
	if err != nil {
		return fmt.Errorf("ordering: message %s: %w", msg.MessageId, err)
	}
	stored, checkedOut, err := p.verify(ctx, source, delivered, claim)
	if err != nil {
		return err
	}
	orderID, placement := ordering.FromCheckout(checkedOut, p.Now().UTC())
	meta := eventstore.Metadata{CorrelationID: checkedOut.CheckoutID, CausationID: stored.ID, Actor: Actor}
	order, appended, err := command.Run(ctx, p.Commands, ordering.StreamID(orderID),
		func() (*ordering.Order, error) { return ordering.New(orderID) }, meta,
		func(o *ordering.Order) ([]domain.Event, error) { return o.Place(placement) })
	if err != nil {
		return fmt.Errorf("ordering: place order %s: %w", orderID, err)
	}
	if p.AfterAppend != nil {
		p.AfterAppend(msg)
	}
	// The row is built from the order as stored, not from this delivery:
	// a redelivery keeps the first placedAt.
	placed, ok := order.Placement()
	if !ok {
		return fmt.Errorf("ordering: order %s not placed after placing it", orderID)
	}
	wrote, err := p.Orders.Put(ctx, readmodel.OrderFrom(orderID, placed, order.Version()))
	if err != nil {
		return fmt.Errorf("ordering: order %s: %w", orderID, err)
	}
	slog.Info("order placed", "order", orderID, "user", placed.UserName, "appended", len(appended), "rowWritten", wrote)
	return nil
}

// decode returns the source of a message's envelope, the BasketCheckedOut
// event its detail claims to be, and that event's data. Nothing of it is
// trusted until verify has found it in the event store.
func decode(reg *registry.Registry, body string) (string, eventstore.Event, basket.BasketCheckedOut, error) {
	var env Envelope
	if err := json.Unmarshal([]byte(body), &env); err != nil {
		return "", eventstore.Event{}, basket.BasketCheckedOut{}, fmt.Errorf("decode envelope: %w", err)
	}
	var delivered eventstore.Event
	if err := json.Unmarshal(env.Detail, &delivered); err != nil {
		return "", eventstore.Event{}, basket.BasketCheckedOut{}, fmt.Errorf("decode detail of %s: %w", env.ID, err)
	}
	want := basket.BasketCheckedOut{}.EventType()
	if delivered.Type != want || env.DetailType != want {
		return "", eventstore.Event{}, basket.BasketCheckedOut{}, fmt.Errorf("event %s is a %q (detail-type %q), want %s", env.ID, delivered.Type, env.DetailType, want)
	}
	// Decoding through the registry upcasts older schema versions.
	e, err := reg.Decode(delivered)
	if err != nil {
		return "", eventstore.Event{}, basket.BasketCheckedOut{}, err
	}
	claim, ok := e.(basket.BasketCheckedOut)
	if !ok {
		return "", eventstore.Event{}, basket.BasketCheckedOut{}, fmt.Errorf("event %s decoded as %T", env.ID, e)
	}
	return env.Source, delivered, claim, nil
}
