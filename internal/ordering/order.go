package ordering

import (
	"fmt"
	"time"

	"github.com/shopstream/shopstream/internal/basket"
	"github.com/shopstream/shopstream/internal/domain"
)

// Aggregate names this bounded context in event type descriptors.
const Aggregate = "ordering"

// StreamID returns the event stream of the order with id orderID.
func StreamID(orderID string) string { return "order-" + orderID }

// OrderPlaced: a checked-out basket became an order.
type OrderPlaced struct {
	OrderID    string              `json:"orderId"`
	CheckoutID string              `json:"checkoutId"`
	UserName   string              `json:"userName"`
	Lines      []domain.PricedLine `json:"lines"`
	Total      int64               `json:"total"`
	Currency   string              `json:"currency"`
	PlacedAt   time.Time           `json:"placedAt"` // UTC
}

func (OrderPlaced) EventType() string { return "OrderPlaced" }

// EventTypes describes every event ordering emits, at its current schema
// version.
func EventTypes() []domain.EventType {
	return []domain.EventType{domain.Describe[OrderPlaced](Aggregate, 1)}
}

// Placement is what an order is placed from.
type Placement struct {
	CheckoutID string
	UserName   string
	Lines      []domain.PricedLine
	Total      int64
	Currency   string
	PlacedAt   time.Time
}

// FromCheckout returns the order id and placement for a checked-out basket,
// placed at placedAt (from the caller's clock).
func FromCheckout(e basket.BasketCheckedOut, placedAt time.Time) (orderID string, p Placement) {
	return e.OrderID, Placement{CheckoutID: e.CheckoutID, UserName: e.UserName,
		Lines: domain.ClonePricedLines(e.Lines), Total: e.Total, Currency: e.Currency, PlacedAt: placedAt}
}

// Order is the order aggregate. The zero value is not usable; call New.
type Order struct {
	id      string
	version int64
	placed  bool
	p       Placement
}

// New returns the order with id before any event: not placed. Apply its
// stream's events to bring it up to date.
func New(id string) (*Order, error) {
	if err := domain.CheckID("orderId", id); err != nil {
		return nil, err
	}
	return &Order{id: id}, nil
}

// ID returns the order id.
func (o *Order) ID() string { return o.id }

// Version is the number of events applied: the expectedVersion for the
// next append (0 means the stream must not exist yet).
func (o *Order) Version() int64 { return o.version }

// Placement returns what the order was placed from, and whether it was.
func (o *Order) Placement() (Placement, bool) {
	p := o.p
	p.Lines = domain.ClonePricedLines(p.Lines)
	return p, o.placed
}

// Apply folds events into the order. Events are facts, so Apply checks no
// business rule; it fails only on an event that is not an order event.
func (o *Order) Apply(events ...domain.Event) error {
	for _, e := range events {
		switch e := e.(type) {
		case OrderPlaced:
			o.placed = true
			o.p = Placement{CheckoutID: e.CheckoutID, UserName: e.UserName, Lines: domain.ClonePricedLines(e.Lines),
				Total: e.Total, Currency: e.Currency, PlacedAt: e.PlacedAt}
		default:
			return fmt.Errorf("ordering: apply %T to order %s: not an order event", e, o.id)
		}
		o.version++
	}
	return nil
}

// Place decides OrderPlaced. The order id must be
// domain.OrderIDFor(p.CheckoutID). Placing an order already placed for the
// same checkout decides nothing (redelivery); for another checkout it fails
// with order_exists.
func (o *Order) Place(p Placement) ([]domain.Event, error) {
	if err := domain.CheckID("checkoutId", p.CheckoutID); err != nil {
		return nil, err
	}
	if want := domain.OrderIDFor(p.CheckoutID); o.id != want {
		return nil, domain.Invalid("orderId", "must be domain.OrderIDFor(checkoutId) = %q, got %q", want, o.id)
	}
	if err := domain.CheckID("userName", p.UserName); err != nil {
		return nil, err
	}
	if err := domain.CheckPricedLines(p.Lines, p.Total, p.Currency); err != nil {
		return nil, err
	}
	if p.PlacedAt.IsZero() {
		return nil, domain.Invalid("placedAt", "is required")
	}
	if o.placed {
		if o.p.CheckoutID == p.CheckoutID {
			return nil, nil
		}
		return nil, domain.Rule(domain.CodeOrderExists, "order %s was placed for checkout %s", o.id, o.p.CheckoutID)
	}
	return []domain.Event{OrderPlaced{OrderID: o.id, CheckoutID: p.CheckoutID, UserName: p.UserName,
		Lines: domain.ClonePricedLines(p.Lines), Total: p.Total, Currency: p.Currency, PlacedAt: p.PlacedAt.UTC()}}, nil
}
