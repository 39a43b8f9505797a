package command

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/shopstream/shopstream/eventstore"
	"github.com/shopstream/shopstream/eventstore/memory"
	"github.com/shopstream/shopstream/internal/catalog"
	"github.com/shopstream/shopstream/internal/domain"
	"github.com/shopstream/shopstream/internal/registry"
)

func runner() Runner {
	return Runner{Store: memory.New(), Registry: registry.Default(), Factory: eventstore.NewFactory(nil, nil)}
}

func newProduct(id string) func() (*catalog.Product, error) {
	return func() (*catalog.Product, error) { return catalog.New(id) }
}

var details = catalog.Details{Name: "Mug", Category: "kitchen", Price: 1200, Currency: "EUR"}

func TestRunAppendsDecidedEvents(t *testing.T) {
	ctx := context.Background()
	r := runner()
	stream := catalog.StreamID("p1")
	p, stored, err := Run(ctx, r, stream, newProduct("p1"), eventstore.Metadata{Actor: "test"}, func(p *catalog.Product) ([]domain.Event, error) {
		return p.Create(details)
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(stored) != 1 || stored[0].Version != 1 || stored[0].Type != "ProductCreated" || stored[0].Metadata.Actor != "test" {
		t.Fatalf("stored = %+v", stored)
	}
	if !p.Exists() || p.Version() != 1 {
		t.Fatalf("aggregate after run: exists=%v version=%d", p.Exists(), p.Version())
	}

	// A rule error is returned as is and writes nothing.
	_, _, err = Run(ctx, r, stream, newProduct("p1"), eventstore.Metadata{}, func(p *catalog.Product) ([]domain.Event, error) {
		return p.Create(details)
	})
	var re *domain.RuleError
	if !errors.As(err, &re) {
		t.Fatalf("second create: err = %v, want a RuleError", err)
	}
	if events, _ := r.Store.Load(ctx, stream, 1); len(events) != 1 {
		t.Fatalf("stream has %d events after a rejected command", len(events))
	}
}

func TestRunDecidesAgainAfterConflict(t *testing.T) {
	ctx := context.Background()
	r := runner()
	stream := catalog.StreamID("p1")
	if _, _, err := Run(ctx, r, stream, newProduct("p1"), eventstore.Metadata{}, func(p *catalog.Product) ([]domain.Event, error) {
		return p.Create(details)
	}); err != nil {
		t.Fatal(err)
	}
	// 20 concurrent stock additions: each conflict is re-decided on fresh
	// state, so none is lost.
	const n = 20
	r.Attempts = 100
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for range n {
		wg.Go(func() {
			_, _, err := Run(ctx, r, stream, newProduct("p1"), eventstore.Metadata{}, func(p *catalog.Product) ([]domain.Event, error) {
				return p.AddStock(1)
			})
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	p, _ := catalog.New("p1")
	if err := r.Load(ctx, stream, p); err != nil {
		t.Fatal(err)
	}
	if p.Available() != n || p.Version() != n+1 {
		t.Fatalf("available=%d version=%d, want %d and %d", p.Available(), p.Version(), n, n+1)
	}
}

func TestRunGivesUpWithErrConcurrency(t *testing.T) {
	ctx := context.Background()
	r := runner()
	r.Attempts = 2
	stream := catalog.StreamID("p1")
	if _, _, err := Run(ctx, r, stream, newProduct("p1"), eventstore.Metadata{}, func(p *catalog.Product) ([]domain.Event, error) {
		return p.Create(details)
	}); err != nil {
		t.Fatal(err)
	}
	// decide races a writer that always gets there first.
	_, _, err := Run(ctx, r, stream, newProduct("p1"), eventstore.Metadata{}, func(p *catalog.Product) ([]domain.Event, error) {
		if _, _, err := Run(ctx, r, stream, newProduct("p1"), eventstore.Metadata{}, func(p *catalog.Product) ([]domain.Event, error) {
			return p.AddStock(1)
		}); err != nil {
			t.Fatal(err)
		}
		return p.AddStock(5)
	})
	if !errors.Is(err, eventstore.ErrConcurrency) {
		t.Fatalf("err = %v, want ErrConcurrency", err)
	}
}

func TestRunMultiStepCommand(t *testing.T) {
	ctx := context.Background()
	r := runner()
	p, stored, err := Run(ctx, r, catalog.StreamID("p1"), newProduct("p1"), eventstore.Metadata{}, func(p *catalog.Product) ([]domain.Event, error) {
		created, err := p.Create(details)
		if err != nil {
			return nil, err
		}
		if err := p.Apply(created...); err != nil {
			return nil, err
		}
		stocked, err := p.AddStock(3)
		return append(created, stocked...), err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(stored) != 2 || stored[1].Version != 2 {
		t.Fatalf("stored %+v", stored)
	}
	// Applied once, not twice.
	if p.Version() != 2 || p.Available() != 3 {
		t.Fatalf("version=%d available=%d", p.Version(), p.Available())
	}
}
