package command

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/shopstream/shopstream/eventstore"
	"github.com/shopstream/shopstream/internal/catalog"
	"github.com/shopstream/shopstream/internal/domain"
	"github.com/shopstream/shopstream/internal/ordering"
)

// TestConcurrentReservationsNeverOversell races 40 checkouts for 25 units
// of one product through Run: conflicts are decided again on fresh state,
// so exactly 25 reserve and 15 find the product out of stock.
func TestConcurrentReservationsNeverOversell(t *testing.T) {
	ctx := context.Background()
	r := runner()
	r.Attempts = 100 // 40 writers on one stream: let every one decide on fresh state
	stream := catalog.StreamID("lamp")
	meta := eventstore.Metadata{Actor: "test"}
	if _, _, err := Run(ctx, r, stream, newProduct("lamp"), meta, func(p *catalog.Product) ([]domain.Event, error) {
		created, err := p.Create(details)
		if err != nil {
			return nil, err
		}
		if err := p.Apply(created...); err != nil {
			return nil, err
		}
		stocked, err := p.AddStock(25)
		return append(created, stocked...), err
	}); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make([]error, 40)
	for i := range errs {
		wg.Go(func() {
			_, _, errs[i] = Run(ctx, r, stream, newProduct("lamp"), meta, func(p *catalog.Product) ([]domain.Event, error) {
				return p.Reserve(fmt.Sprint("checkout-", i), 1)
			})
		})
	}
	wg.Wait()
	var ok, out int
	for _, err := range errs {
		var oos *catalog.OutOfStockError
		switch {
		case err == nil:
			ok++
		case errors.As(err, &oos):
			out++
		default:
			t.Errorf("unexpected error: %v", err)
		}
	}
	p, _ := catalog.New("lamp")
	if err := r.Load(ctx, stream, p); err != nil {
		t.Fatal(err)
	}
	if ok != 25 || out != 15 || p.Available() != 0 {
		t.Errorf("%d reserved, %d out of stock, %d available; want 25, 15, 0", ok, out, p.Available())
	}
}

// TestOneOrderPerCheckout delivers the same checkout to 10 racing
// consumers; exactly one OrderPlaced is stored.
func TestOneOrderPerCheckout(t *testing.T) {
	ctx := context.Background()
	r := runner()
	id := domain.OrderIDFor("c1")
	p := ordering.Placement{CheckoutID: "c1", UserName: "ada", Total: 200, Currency: "EUR", PlacedAt: time.Now(),
		Lines: []domain.PricedLine{{ProductID: "lamp", Name: "Lamp", UnitPrice: 100, Currency: "EUR", Quantity: 2, LineTotal: 200}}}
	var wg sync.WaitGroup
	for range 10 {
		wg.Go(func() {
			_, _, err := Run(ctx, r, ordering.StreamID(id), func() (*ordering.Order, error) { return ordering.New(id) },
				eventstore.Metadata{Actor: "test"}, func(o *ordering.Order) ([]domain.Event, error) { return o.Place(p) })
			if err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	stored, err := r.Store.Load(ctx, ordering.StreamID(id), 1)
	if err != nil || len(stored) != 1 || stored[0].Type != "OrderPlaced" {
		t.Fatalf("order stream = %d events (%v), want exactly one OrderPlaced", len(stored), err)
	}
}
