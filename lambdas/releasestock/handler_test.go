package main

import (
	"context"
	"strings"
	"testing"

	"github.com/shopstream/shopstream/eventstore"
	"github.com/shopstream/shopstream/eventstore/memory"
	"github.com/shopstream/shopstream/internal/basket"
	"github.com/shopstream/shopstream/internal/catalog"
	"github.com/shopstream/shopstream/internal/checkout"
	"github.com/shopstream/shopstream/internal/checkout/errnames"
	"github.com/shopstream/shopstream/internal/command"
	"github.com/shopstream/shopstream/internal/domain"
	"github.com/shopstream/shopstream/internal/testutil/shoptest"
)

// stocked creates product id with 10 units and reserves reserve of them
// for checkout c1 (none when reserve is 0).
func stocked(t *testing.T, r command.Runner, id string, reserve int64) {
	t.Helper()
	shoptest.CreateProduct(t, r, id, "P "+id, 100, "EUR", 10)
	if reserve > 0 {
		shoptest.RunProduct(t, r, id, func(p *catalog.Product) ([]domain.Event, error) { return p.Reserve("c1", reserve) })
	}
}

func lines(ids ...string) []domain.PricedLine {
	var out []domain.PricedLine
	for _, id := range ids {
		out = append(out, domain.PricedLine{ProductID: id, Name: "P " + id, UnitPrice: 100, Currency: "EUR", Quantity: 1, LineTotal: 100})
	}
	return out
}

func available(t *testing.T, r command.Runner, id string) int64 {
	t.Helper()
	p, _ := catalog.New(id)
	if err := r.Load(context.Background(), catalog.StreamID(id), p); err != nil {
		t.Fatal(err)
	}
	if _, held := p.Reserved("c1"); held {
		t.Fatalf("product %s still holds stock for c1", id)
	}
	return p.Available()
}

func TestReleaseGivesBackOnlyWhatWasReserved(t *testing.T) {
	r := shoptest.Runner()
	stocked(t, r, "a", 3)
	stocked(t, r, "b", 2)
	stocked(t, r, "c", 0) // the Map failed before reserving this line
	h := &Releaser{Commands: r}
	in := checkout.Release{CheckoutID: "c1", UserName: "ada", Lines: lines("a", "b", "c"), Error: &checkout.Error{Error: errnames.PaymentDeclined}}

	// c holds nothing: it gets a release mark, so a reservation of it
	// still in flight is refused when it lands. The retry does nothing more.
	for i, want := range []Released{{Released: 2, Marked: 1}, {}} {
		got, err := h.Handle(context.Background(), in)
		if err != nil {
			t.Fatalf("run %d: %v", i, err)
		}
		if got != want {
			t.Fatalf("run %d: %+v, want %+v", i, got, want)
		}
	}
	if _, err := catalogReserve(r, "c", "c1"); err == nil {
		t.Fatal("c accepted c1's reservation after its release")
	}
	for _, id := range []string{"a", "b", "c"} {
		if got := available(t, r, id); got != 10 {
			t.Fatalf("product %s has %d available, want 10", id, got)
		}
	}
	if _, err := h.Handle(context.Background(), checkout.Release{CheckoutID: "c1", UserName: "ada"}); err != nil {
		t.Fatalf("releasing no lines: %v", err)
	}
}

// conflicting is a store whose appends to one stream always lose a race.
type conflicting struct {
	eventstore.Store
	stream string
}

func (s conflicting) Append(ctx context.Context, stream string, expected int64, events ...eventstore.Event) ([]eventstore.Event, error) {
	if stream == s.stream {
		return nil, &eventstore.Error{Op: "append", Stream: stream, Err: eventstore.ErrConcurrency}
	}
	return s.Store.Append(ctx, stream, expected, events...)
}

func TestReleaseConflictIsRetriedAfterReleasingTheRest(t *testing.T) {
	mem := memory.New()
	stocked(t, shoptest.RunnerOn(mem), "a", 3)
	stocked(t, shoptest.RunnerOn(mem), "b", 2)
	h := &Releaser{Commands: shoptest.RunnerOn(conflicting{Store: mem, stream: catalog.StreamID("a")})}
	_, err := h.Handle(context.Background(), checkout.Release{CheckoutID: "c1", UserName: "ada", Lines: lines("a", "b")})
	if shoptest.ErrorName(err) != errnames.StockConflict {
		t.Fatalf("err = %v, want %s", err, errnames.StockConflict)
	}
	if got := available(t, shoptest.RunnerOn(mem), "b"); got != 10 {
		t.Fatalf("b has %d available, want its release done despite a's conflict", got)
	}
	// The workflow's retry, once the contention is gone.
	got, err := (&Releaser{Commands: shoptest.RunnerOn(mem)}).Handle(context.Background(), checkout.Release{CheckoutID: "c1", UserName: "ada", Lines: lines("a", "b")})
	if err != nil || got.Released != 1 {
		t.Fatalf("retry released %d, %v; want 1", got.Released, err)
	}
}

func catalogReserve(r command.Runner, id, checkoutID string) ([]eventstore.Event, error) {
	_, stored, err := command.Run(context.Background(), r, catalog.StreamID(id),
		func() (*catalog.Product, error) { return catalog.New(id) }, eventstore.Metadata{},
		func(p *catalog.Product) ([]domain.Event, error) { return p.Reserve(checkoutID, 1) })
	return stored, err
}

// ConfirmCheckout can append BasketCheckedOut and still fail (a timeout
// after the append); its Catch leads to ReleaseStock, which must then keep
// the confirmed order's stock.
func TestReleaseKeepsAConfirmedCheckoutsStock(t *testing.T) {
	r := shoptest.Runner()
	stocked(t, r, "a", 0)
	shoptest.AddToBasket(t, r, "ada", "a", 3)
	shoptest.RunBasket(t, r, "ada", func(b *basket.Basket) ([]domain.Event, error) { return b.StartCheckout("c1", shoptest.Customer) })
	shoptest.RunProduct(t, r, "a", func(p *catalog.Product) ([]domain.Event, error) { return p.Reserve("c1", 3) })
	line := domain.PricedLine{ProductID: "a", Name: "P a", UnitPrice: 100, Currency: "EUR", Quantity: 3, LineTotal: 300}
	shoptest.RunBasket(t, r, "ada", func(b *basket.Basket) ([]domain.Event, error) {
		return b.CompleteCheckout(basket.Completion{CheckoutID: "c1", OrderID: domain.OrderIDFor("c1"), Lines: []domain.PricedLine{line}, Total: 300, Currency: "EUR"})
	})
	before := len(shoptest.Types(t, r.Store, catalog.StreamID("a")))

	_, err := (&Releaser{Commands: r}).Handle(context.Background(), checkout.Release{CheckoutID: "c1", UserName: "ada", Lines: []domain.PricedLine{line},
		Error: &checkout.Error{Error: "States.Timeout"}})
	if err == nil || !strings.Contains(err.Error(), "confirmed") {
		t.Fatalf("err = %v, want the checkout named confirmed", err)
	}
	if after := len(shoptest.Types(t, r.Store, catalog.StreamID("a"))); after != before {
		t.Fatalf("product a got %d events: a confirmed checkout's stock was released", after-before)
	}
	p, _ := catalog.New("a")
	if err := r.Load(context.Background(), catalog.StreamID("a"), p); err != nil {
		t.Fatal(err)
	}
	if q, held := p.Reserved("c1"); !held || q != 3 {
		t.Fatalf("product a holds %d for c1 (held %v), want 3", q, held)
	}
}
