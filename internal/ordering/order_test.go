package ordering

import (
	"errors"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/shopstream/shopstream/internal/basket"
	"github.com/shopstream/shopstream/internal/domain"
	"github.com/shopstream/shopstream/internal/domain/domaintest"
)

const checkout = "01J9ZK8Q3Y6V2C7D5E4F3G2H1J"

var (
	placedAt = time.Date(2026, 11, 26, 5, 30, 0, 123_000_000, time.FixedZone("CET", 3600))
	lines    = []domain.PricedLine{
		{ProductID: "lamp", Name: "Lamp", UnitPrice: 2999, Currency: "EUR", Quantity: 2, LineTotal: 5998},
		{ProductID: "bulb", Name: "Bulb", UnitPrice: 499, Currency: "EUR", Quantity: 1, LineTotal: 499},
	}
	placement = Placement{CheckoutID: checkout, UserName: "ada", Lines: lines, Total: 6497, Currency: "EUR", PlacedAt: placedAt}
	placed    = OrderPlaced{OrderID: checkout, CheckoutID: checkout, UserName: "ada", Lines: lines, Total: 6497,
		Currency: "EUR", PlacedAt: placedAt.UTC()}
)

// fold returns order id after history, failing t on error.
func fold(t testing.TB, id string, history ...domain.Event) *Order {
	t.Helper()
	return domaintest.Fold(t, New, id, history...)
}

func TestPlace(t *testing.T) {
	with := func(edit func(*Placement)) Placement {
		p := placement
		p.Lines = domain.ClonePricedLines(lines)
		edit(&p)
		return p
	}
	cases := []struct {
		name    string
		orderID string
		history []domain.Event
		p       Placement
		want    domaintest.Want
	}{
		{name: "place", p: placement, want: domaintest.Want{Events: []domain.Event{placed}}},
		{name: "again is a no-op", history: []domain.Event{placed}, p: placement},
		{name: "again later is a no-op", history: []domain.Event{placed}, p: with(func(p *Placement) { p.PlacedAt = p.PlacedAt.Add(time.Hour) })},
		{name: "placed for another checkout", history: []domain.Event{OrderPlaced{OrderID: checkout, CheckoutID: "other"}},
			p: placement, want: domaintest.Want{Code: domain.CodeOrderExists}},
		{name: "order id not derived from checkout", orderID: "o-123", p: placement, want: domaintest.Want{Field: "orderId"}},
		{name: "no checkout id", p: with(func(p *Placement) { p.CheckoutID = "" }), want: domaintest.Want{Field: "checkoutId"}},
		{name: "bad user name", p: with(func(p *Placement) { p.UserName = "a b" }), want: domaintest.Want{Field: "userName"}},
		{name: "no lines", p: with(func(p *Placement) { p.Lines = nil }), want: domaintest.Want{Field: "lines"}},
		{name: "wrong total", p: with(func(p *Placement) { p.Total = 1 }), want: domaintest.Want{Field: "total"}},
		{name: "wrong line total", p: with(func(p *Placement) { p.Lines[1].LineTotal = 500 }), want: domaintest.Want{Field: "lines[1].lineTotal"}},
		{name: "mixed currencies", p: with(func(p *Placement) { p.Lines[0].Currency = "USD" }), want: domaintest.Want{Field: "lines[0].currency"}},
		{name: "duplicate product", p: with(func(p *Placement) { p.Lines[1] = p.Lines[0]; p.Total = 11996 }), want: domaintest.Want{Field: "lines[1].productId"}},
		{name: "bad currency", p: with(func(p *Placement) { p.Currency = "eur" }), want: domaintest.Want{Field: "currency"}},
		{name: "no time", p: with(func(p *Placement) { p.PlacedAt = time.Time{} }), want: domaintest.Want{Field: "placedAt"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			id := tc.orderID
			if id == "" {
				id = domain.OrderIDFor(checkout)
			}
			o := fold(t, id, tc.history...)
			before := *o
			got, err := o.Place(tc.p)
			domaintest.Check(t, tc.want, got, err)
			if !reflect.DeepEqual(*o, before) {
				t.Fatal("deciding changed the order")
			}
		})
	}
}

func TestNewAndState(t *testing.T) {
	var ve *domain.ValidationError
	if _, err := New(""); !errors.As(err, &ve) || ve.Field != "orderId" {
		t.Errorf("New(\"\") = %v, want an orderId ValidationError", err)
	}
	o := fold(t, checkout)
	if _, ok := o.Placement(); ok || o.Version() != 0 || StreamID(o.ID()) != "order-"+checkout {
		t.Errorf("new order: placed=%v version=%d stream=%s", ok, o.Version(), StreamID(o.ID()))
	}
	if err := o.Apply(placed); err != nil {
		t.Fatal(err)
	}
	p, ok := o.Placement()
	want := placement
	want.PlacedAt = placedAt.UTC()
	if !ok || !reflect.DeepEqual(p, want) || o.Version() != 1 {
		t.Errorf("Placement = %+v, %v; want %+v", p, ok, want)
	}
	p.Lines[0].Quantity = 99
	if again, _ := o.Placement(); again.Lines[0].Quantity != 2 {
		t.Error("changing a returned placement changed the order")
	}
	if err := o.Apply(basket.BasketCleared{}); err == nil {
		t.Error("Apply accepted a basket event")
	}
}

func TestFromCheckout(t *testing.T) {
	e := basket.BasketCheckedOut{UserName: "ada", CheckoutID: checkout, OrderID: domain.OrderIDFor(checkout),
		Lines: lines, Total: 6497, Currency: "EUR"}
	id, p := FromCheckout(e, placedAt)
	if id != checkout || !reflect.DeepEqual(p, placement) {
		t.Fatalf("FromCheckout = %s, %+v", id, p)
	}
	got, err := fold(t, id).Place(p)
	domaintest.Check(t, domaintest.Want{Events: []domain.Event{placed}}, got, err)
}

// TestFoldReproducesDecidedState places orders from seeded random checkouts
// and redeliveries and checks that folding the emitted events (after a
// JSON round trip) gives the same order, and that one order has one
// OrderPlaced however often its checkout is delivered.
func TestFoldReproducesDecidedState(t *testing.T) {
	for seed := uint64(1); seed <= 100; seed++ {
		rng := rand.New(rand.NewPCG(seed, 3))
		o := fold(t, checkout)
		var emitted []domain.Event
		for step := 0; step < 20; step++ {
			p := placement
			p.PlacedAt = placedAt.Add(time.Duration(rng.IntN(1000)) * time.Second)
			if rng.IntN(4) == 0 {
				p.CheckoutID = "someone-else" // must be rejected: wrong order id
			}
			got, err := o.Place(p)
			if err != nil {
				var ve *domain.ValidationError
				if !errors.As(err, &ve) {
					t.Fatalf("seed %d: %v", seed, err)
				}
				continue
			}
			if err := o.Apply(got...); err != nil {
				t.Fatal(err)
			}
			emitted = append(emitted, got...)
		}
		if len(emitted) != 1 {
			t.Fatalf("seed %d: %d OrderPlaced events, want exactly 1", seed, len(emitted))
		}
		replayed := fold(t, checkout, domaintest.RoundTrip(t, EventTypes(), emitted)...)
		if !reflect.DeepEqual(replayed, o) {
			t.Fatalf("seed %d: replay = %+v, decided %+v", seed, replayed, o)
		}
	}
}
