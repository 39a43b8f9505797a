package audit_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/shopstream/shopstream/eventstore"
	"github.com/shopstream/shopstream/eventstore/memory"
	"github.com/shopstream/shopstream/internal/audit"
	"github.com/shopstream/shopstream/internal/basket"
	"github.com/shopstream/shopstream/internal/catalog"
	"github.com/shopstream/shopstream/internal/domain"
	"github.com/shopstream/shopstream/internal/readmodel"
	"github.com/shopstream/shopstream/internal/readmodel/readmodeltest"
	"github.com/shopstream/shopstream/internal/registry"
)

// history appends events as facts, with no aggregate deciding them: the
// audit must catch a history that the aggregates would never have made.
type history struct {
	t     *testing.T
	store eventstore.Store
	reg   *registry.Registry
}

func (h history) add(stream string, events ...domain.Event) {
	h.t.Helper()
	ctx := context.Background()
	existing, err := h.store.Load(ctx, stream, 0)
	if err != nil {
		h.t.Fatal(err)
	}
	enc, err := h.reg.Encode(eventstore.NewFactory(nil, nil), eventstore.Metadata{Actor: "test"}, events...)
	if err != nil {
		h.t.Fatal(err)
	}
	if _, err := h.store.Append(ctx, stream, int64(len(existing)), enc...); err != nil {
		h.t.Fatal(err)
	}
}

func started(user, checkout string) basket.CheckoutStarted {
	return basket.CheckoutStarted{UserName: user, CheckoutID: checkout, Customer: basket.Customer{
		FirstName: "Ann", LastName: "Lee", Email: "ann@example.com", Address: "1 Main St", PaymentMethod: "card", CardLast4: "4242"},
		Items: []basket.Item{{ProductID: "mug", Quantity: 1}}}
}

// The stock invariant: every unit a product holds is reserved by a running
// or confirmed checkout. Here c1 is confirmed and c2 running (both hold,
// fine), c3 failed and released (fine, its release of tea was a mark), but
// c4 failed and still holds a mug, c5 was confirmed yet its tea was
// released, and c6 holds a mug though no basket ever started it.
func TestVerifyChecksTheStockInvariant(t *testing.T) {
	ctx := context.Background()
	h := history{t: t, store: memory.New(), reg: registry.Default()}
	for _, p := range []string{"mug", "tea"} {
		h.add(catalog.StreamID(p),
			catalog.ProductCreated{ProductID: p, Name: p, Category: "kitchen", Price: 700, Currency: "EUR"},
			catalog.StockAdded{ProductID: p, Quantity: 100})
	}
	line := domain.PricedLine{ProductID: "mug", Name: "mug", UnitPrice: 700, Currency: "EUR", Quantity: 1, LineTotal: 700}
	h.add(basket.StreamID("ann"), started("ann", "c1"),
		basket.BasketCheckedOut{UserName: "ann", CheckoutID: "c1", OrderID: "c1", Lines: []domain.PricedLine{line}, Total: 700, Currency: "EUR"},
		started("ann", "c3"), basket.CheckoutFailed{UserName: "ann", CheckoutID: "c3", Reason: basket.Reason{Code: "out_of_stock", Message: "tea"}},
		started("ann", "c4"), basket.CheckoutFailed{UserName: "ann", CheckoutID: "c4", Reason: basket.Reason{Code: "payment_declined", Message: "declined"}},
		started("ann", "c5"),
		basket.BasketCheckedOut{UserName: "ann", CheckoutID: "c5", OrderID: "c5", Lines: []domain.PricedLine{line}, Total: 700, Currency: "EUR"})
	h.add(basket.StreamID("bob"), started("bob", "c2"))
	h.add(catalog.StreamID("mug"),
		catalog.StockReserved{ProductID: "mug", CheckoutID: "c1", Quantity: 1},
		catalog.StockReserved{ProductID: "mug", CheckoutID: "c2", Quantity: 2},
		catalog.StockReserved{ProductID: "mug", CheckoutID: "c3", Quantity: 3},
		catalog.StockReservationReleased{ProductID: "mug", CheckoutID: "c3", Quantity: 3},
		catalog.StockReserved{ProductID: "mug", CheckoutID: "c4", Quantity: 4},
		catalog.StockReserved{ProductID: "mug", CheckoutID: "c6", Quantity: 6})
	h.add(catalog.StreamID("tea"),
		catalog.StockReservationReleased{ProductID: "tea", CheckoutID: "c3", Quantity: 0},
		catalog.StockReserved{ProductID: "tea", CheckoutID: "c5", Quantity: 5},
		catalog.StockReservationReleased{ProductID: "tea", CheckoutID: "c5", Quantity: 5})

	want := []string{
		"stock product mug: holds 4 units for checkout c4, which is failed",
		"stock product mug: holds 6 units for checkout c6, which is unknown to every basket",
		"stock product tea: released 5 units of checkout c5, which is confirmed",
	}
	drift, products, err := audit.CheckStock(ctx, h.store, h.reg)
	if err != nil || products != 2 || strings.Join(drift, "\n") != strings.Join(want, "\n") {
		t.Fatalf("CheckStock = %q, %d products, %v\nwant %q", drift, products, err, want)
	}

	// Verify reports the same breaches among its drift (the read models
	// here are right, so they are all it reports).
	db := readmodeltest.Client(t)
	products2, orders := readmodeltest.Catalog(t, db), readmodeltest.Orders(t, db)
	for _, id := range []string{"mug", "tea"} {
		p, _ := catalog.New(id)
		evs, err := h.store.Load(ctx, catalog.StreamID(id), 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range evs {
			d, err := h.reg.Decode(e)
			if err != nil {
				t.Fatal(err)
			}
			if err := p.Apply(d); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := products2.Put(ctx, readmodel.ProductFrom(p)); err != nil {
			t.Fatal(err)
		}
	}
	report, err := audit.Verify(ctx, h.store, h.reg, products2, orders)
	if err != nil {
		t.Fatal(err)
	}
	var stock []string
	for _, d := range report.Drift {
		if strings.HasPrefix(d, "stock ") {
			stock = append(stock, d)
		}
	}
	if !slicesEqual(stock, want) {
		t.Fatalf("Verify stock drift %q, want %q", stock, want)
	}
	var out bytes.Buffer
	// Print returning false is what makes shopstream-audit verify exit 3.
	if report.Print(&out) || !strings.Contains(out.String(), "DRIFT stock product mug: holds 4 units for checkout c4") {
		t.Fatalf("print:\n%s", out.String())
	}
}

func slicesEqual(a, b []string) bool { return strings.Join(a, "\n") == strings.Join(b, "\n") }
