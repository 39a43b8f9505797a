package audit_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/shopstream/shopstream/eventstore"
	"github.com/shopstream/shopstream/eventstore/memory"
	"github.com/shopstream/shopstream/internal/audit"
	"github.com/shopstream/shopstream/internal/catalog"
	"github.com/shopstream/shopstream/internal/command"
	"github.com/shopstream/shopstream/internal/domain"
	"github.com/shopstream/shopstream/internal/ordering"
	"github.com/shopstream/shopstream/internal/readmodel"
	"github.com/shopstream/shopstream/internal/readmodel/readmodeltest"
	"github.com/shopstream/shopstream/internal/registry"
)

func seed(t *testing.T) (command.Runner, *catalog.Product, *ordering.Order) {
	t.Helper()
	ctx := context.Background()
	r := command.Runner{Store: memory.New(), Registry: registry.Default(), Factory: eventstore.NewFactory(nil, nil)}
	p, _, err := command.Run(ctx, r, catalog.StreamID("mug"), func() (*catalog.Product, error) { return catalog.New("mug") }, eventstore.Metadata{Actor: "seed"},
		func(p *catalog.Product) ([]domain.Event, error) {
			return p.Create(catalog.Details{Name: "Mug", Category: "kitchen", Price: 700, Currency: "EUR"})
		})
	if err != nil {
		t.Fatal(err)
	}
	line := []domain.PricedLine{{ProductID: "mug", Name: "Mug", UnitPrice: 700, Currency: "EUR", Quantity: 2, LineTotal: 1400}}
	o, _, err := command.Run(ctx, r, ordering.StreamID("c1"), func() (*ordering.Order, error) { return ordering.New("c1") }, eventstore.Metadata{},
		func(o *ordering.Order) ([]domain.Event, error) {
			return o.Place(ordering.Placement{CheckoutID: "c1", UserName: "ann", Lines: line, Total: 1400, Currency: "EUR", PlacedAt: time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC)})
		})
	if err != nil {
		t.Fatal(err)
	}
	return r, p, o
}

func TestVerifyFindsDrift(t *testing.T) {
	ctx := context.Background()
	r, p, o := seed(t)
	db := readmodeltest.Client(t)
	products, orders := readmodeltest.Catalog(t, db), readmodeltest.Orders(t, db)

	report, err := audit.Verify(ctx, r.Store, r.Registry, products, orders)
	if err != nil {
		t.Fatal(err)
	}
	if len(report.Drift) != 2 || !strings.Contains(report.Drift[0], "product mug: missing") || !strings.Contains(report.Drift[1], "order c1: missing") {
		t.Fatalf("empty read models: %q", report.Drift)
	}

	pl, _ := o.Placement()
	if _, err := orders.Put(ctx, readmodel.OrderFrom(o.ID(), pl, o.Version())); err != nil {
		t.Fatal(err)
	}
	if _, err := products.Put(ctx, readmodel.ProductFrom(p)); err != nil {
		t.Fatal(err)
	}
	report, err = audit.Verify(ctx, r.Store, r.Registry, products, orders)
	if err != nil || len(report.Drift) != 0 || report.Events != 2 || report.Products != 1 || report.Orders != 1 {
		t.Fatalf("consistent read models: %+v %v", report, err)
	}
	var out bytes.Buffer
	if !report.Print(&out) || !strings.Contains(out.String(), "0 differences") {
		t.Fatalf("print: %q", out.String())
	}

	// Tamper: a wrong price (at a newer version so the guard lets it in)
	// and a row with no stream behind it.
	bad := readmodel.ProductFrom(p)
	bad.Price, bad.Version = 1, 9
	ghost := readmodel.ProductFrom(p)
	ghost.ProductID = "ghost"
	for _, row := range []readmodel.Product{bad, ghost} {
		if _, err := products.Put(ctx, row); err != nil {
			t.Fatal(err)
		}
	}
	report, err = audit.Verify(ctx, r.Store, r.Registry, products, orders)
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(report.Drift, "\n")
	for _, want := range []string{"product ghost: in the read model but not in the event store", "product mug: price: events say 700, read model has 1", "product mug: version: events say 1, read model has 9"} {
		if !strings.Contains(got, want) {
			t.Fatalf("drift %q lacks %q", got, want)
		}
	}
	if report.Print(&out) {
		t.Fatal("Print reported no drift")
	}
}

func TestHistory(t *testing.T) {
	r, _, _ := seed(t)
	var out bytes.Buffer
	if err := audit.History(context.Background(), r.Store, "product-mug", &out); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[1], "1 ") || !strings.Contains(lines[1], "ProductCreated v1") || !strings.Contains(lines[1], "seed") {
		t.Fatalf("history:\n%s", out.String())
	}
	if err := audit.History(context.Background(), r.Store, "product-none", &out); err == nil {
		t.Fatal("empty stream: no error")
	}
}
