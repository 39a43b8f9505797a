package registry

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/shopstream/shopstream/eventstore"
	"github.com/shopstream/shopstream/eventstore/memory"
	"github.com/shopstream/shopstream/internal/catalog"
	"github.com/shopstream/shopstream/internal/domain"
	"github.com/shopstream/shopstream/internal/ordering"
)

// decideAndAppend is the command cycle every handler runs: load, fold,
// decide, append at the folded version; on a conflict, reload and decide
// again.
func decideAndAppend[A interface {
	Apply(...domain.Event) error
	Version() int64
}](ctx context.Context, store eventstore.Store, f *eventstore.Factory, stream string,
	fresh func() A, decide func(A) ([]domain.Event, error)) error {
	for {
		history, err := Default().Load(ctx, store, stream)
		if err != nil {
			return err
		}
		agg := fresh()
		if err := agg.Apply(history...); err != nil {
			return err
		}
		decided, err := decide(agg)
		if err != nil || len(decided) == 0 {
			return err
		}
		events, err := Default().Encode(f, eventstore.Metadata{Actor: "test"}, decided...)
		if err != nil {
			return err
		}
		_, err = store.Append(ctx, stream, agg.Version(), events...)
		if !errors.Is(err, eventstore.ErrConcurrency) {
			return err
		}
	}
}

// TestConcurrentReservationsNeverOversell races 40 checkouts for 25 units
// of one product through the memory store.
func TestConcurrentReservationsNeverOversell(t *testing.T) {
	ctx := context.Background()
	store, f := memory.New(), eventstore.NewFactory(nil, nil)
	fresh := func() *catalog.Product { p, _ := catalog.New("lamp"); return p }
	stream := catalog.StreamID("lamp")
	lamp := catalog.Details{Name: "Lamp", Category: "Lighting", Price: 100, Currency: "EUR"}
	for _, step := range []func(*catalog.Product) ([]domain.Event, error){
		func(p *catalog.Product) ([]domain.Event, error) { return p.Create(lamp) },
		func(p *catalog.Product) ([]domain.Event, error) { return p.AddStock(25) },
	} {
		if err := decideAndAppend(ctx, store, f, stream, fresh, step); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	errs := make([]error, 40)
	for i := range errs {
		wg.Go(func() {
			errs[i] = decideAndAppend(ctx, store, f, stream, fresh, func(p *catalog.Product) ([]domain.Event, error) {
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
	history, _ := Default().Load(ctx, store, stream)
	p := fresh()
	if err := p.Apply(history...); err != nil {
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
	store, f := memory.New(), eventstore.NewFactory(nil, nil)
	id := domain.OrderIDFor("c1")
	p := ordering.Placement{CheckoutID: "c1", UserName: "ada", Total: 200, Currency: "EUR", PlacedAt: time.Now(),
		Lines: []domain.PricedLine{{ProductID: "lamp", Name: "Lamp", UnitPrice: 100, Currency: "EUR", Quantity: 2, LineTotal: 200}}}
	var wg sync.WaitGroup
	for range 10 {
		wg.Go(func() {
			err := decideAndAppend(ctx, store, f, ordering.StreamID(id),
				func() *ordering.Order { o, _ := ordering.New(id); return o },
				func(o *ordering.Order) ([]domain.Event, error) { return o.Place(p) })
			if err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	stored, err := store.Load(ctx, ordering.StreamID(id), 1)
	if err != nil || len(stored) != 1 || stored[0].Type != "OrderPlaced" {
		t.Fatalf("order stream = %d events (%v), want exactly one OrderPlaced", len(stored), err)
	}
}
