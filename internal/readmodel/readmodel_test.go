package readmodel_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/shopstream/shopstream/internal/domain"
	"github.com/shopstream/shopstream/internal/ordering"
	"github.com/shopstream/shopstream/internal/readmodel"
	"github.com/shopstream/shopstream/internal/readmodel/readmodeltest"
)

func TestCatalogPutIsVersionGuarded(t *testing.T) {
	ctx := context.Background()
	cat := readmodeltest.Catalog(t, readmodeltest.Client(t))
	v2 := readmodel.Product{ProductID: "p1", Name: "Mug v2", Category: "kitchen", Price: 1200, Currency: "EUR", Stock: 5, Version: 2}
	v1 := v2
	v1.Name, v1.Version = "Mug v1", 1

	steps := []struct {
		row       readmodel.Product
		wantWrote bool
		wantName  string
	}{
		{v2, true, "Mug v2"},
		{v1, false, "Mug v2"}, // older event arriving late
		{v2, false, "Mug v2"}, // redelivery
	}
	for i, s := range steps {
		wrote, err := cat.Put(ctx, s.row)
		if err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		got, err := cat.Get(ctx, "p1")
		if err != nil {
			t.Fatalf("step %d get: %v", i, err)
		}
		if wrote != s.wantWrote || got.Name != s.wantName {
			t.Fatalf("step %d: wrote=%v name=%q, want %v %q", i, wrote, got.Name, s.wantWrote, s.wantName)
		}
	}

	deleted := v2
	deleted.Version, deleted.Deleted = 3, true
	if _, err := cat.Put(ctx, deleted); err != nil {
		t.Fatal(err)
	}
	if _, err := cat.Get(ctx, "p1"); !errors.Is(err, readmodel.ErrNotFound) {
		t.Fatalf("deleted product: err = %v, want readmodel.ErrNotFound", err)
	}
	if wrote, _ := cat.Put(ctx, v2); wrote {
		t.Fatal("an older event resurrected a deleted product")
	}
	if _, err := cat.Get(ctx, "missing"); !errors.Is(err, readmodel.ErrNotFound) {
		t.Fatalf("missing: err = %v", err)
	}
}

func TestCatalogListPages(t *testing.T) {
	ctx := context.Background()
	cat := readmodeltest.Catalog(t, readmodeltest.Client(t))
	for i := range 7 {
		cat2 := "books"
		if i%2 == 1 {
			cat2 = "games"
		}
		row := readmodel.Product{ProductID: fmt.Sprintf("p%d", i), Name: "n", Category: cat2, Price: 100, Currency: "EUR", Version: 1, Deleted: i == 6}
		if _, err := cat.Put(ctx, row); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		category string
		want     int // live products
	}{{"", 6}, {"books", 3}, {"games", 3}, {"toys", 0}}
	for _, tt := range tests {
		t.Run("category="+tt.category, func(t *testing.T) {
			seen := map[string]bool{}
			cursor := ""
			for pages := 0; ; pages++ {
				if pages > 10 {
					t.Fatal("paging does not end")
				}
				rows, next, err := cat.List(ctx, tt.category, 2, cursor)
				if err != nil {
					t.Fatal(err)
				}
				if len(rows) > 2 {
					t.Fatalf("page of %d rows, limit 2", len(rows))
				}
				for _, r := range rows {
					if seen[r.ProductID] || r.Deleted || (tt.category != "" && r.Category != tt.category) {
						t.Fatalf("bad row %+v (seen=%v)", r, seen[r.ProductID])
					}
					seen[r.ProductID] = true
				}
				if next == "" {
					break
				}
				cursor = next
			}
			if len(seen) != tt.want {
				t.Fatalf("listed %d products, want %d", len(seen), tt.want)
			}
		})
	}
	if _, _, err := cat.List(ctx, "", 2, "not-a-cursor!"); !errors.Is(err, readmodel.ErrBadCursor) {
		t.Fatalf("bad cursor: err = %v", err)
	}
}

// Issue 13: a page of products kept reading until it was full, so a
// category of deleted products was read whole by one request. One List
// now makes at most MaxListCalls calls and answers a short page with a
// cursor; paging on still finds every live product.
func TestCatalogListReadsAreBounded(t *testing.T) {
	ctx := context.Background()
	cat := readmodeltest.Catalog(t, readmodeltest.Client(t))
	deleted := readmodel.MaxListCalls + 2
	for i := range deleted {
		row := readmodel.Product{ProductID: fmt.Sprintf("p%02d", i), Name: "n", Category: "attic", Price: 100, Currency: "EUR", Version: 1, Deleted: true}
		if _, err := cat.Put(ctx, row); err != nil {
			t.Fatal(err)
		}
	}
	live := readmodel.Product{ProductID: "z", Name: "n", Category: "attic", Price: 100, Currency: "EUR", Version: 1}
	if _, err := cat.Put(ctx, live); err != nil {
		t.Fatal(err)
	}
	rows, next, err := cat.List(ctx, "attic", 1, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 0 || next == "" {
		t.Fatalf("first page: %d rows, cursor %q; want none and a cursor (the %d calls went on deleted rows)", len(rows), next, readmodel.MaxListCalls)
	}
	var found []string
	for pages := 1; next != ""; pages++ {
		if pages > deleted+2 {
			t.Fatal("paging does not end")
		}
		if rows, next, err = cat.List(ctx, "attic", 1, next); err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			found = append(found, r.ProductID)
		}
	}
	if len(found) != 1 || found[0] != "z" {
		t.Fatalf("paging found %v, want [z]", found)
	}
}

func TestOrdersNewestFirstAndIdempotent(t *testing.T) {
	ctx := context.Background()
	orders := readmodeltest.Orders(t, readmodeltest.Client(t))
	line := []domain.PricedLine{{ProductID: "p1", Name: "Mug", UnitPrice: 500, Currency: "EUR", Quantity: 2, LineTotal: 1000}}
	base := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	for i := range 3 {
		p := ordering.Placement{CheckoutID: fmt.Sprintf("c%d", i), UserName: "ann", Lines: line, Total: 1000, Currency: "EUR", PlacedAt: base.Add(time.Duration(i) * 24 * time.Hour)}
		row := readmodel.OrderFrom(fmt.Sprintf("o%d", i), p, 1)
		for range 2 { // redelivery writes once
			if _, err := orders.Put(ctx, row); err != nil {
				t.Fatal(err)
			}
		}
	}
	rows, next, err := orders.ListByUser(ctx, "ann", "", 10, "")
	if err != nil || next != "" {
		t.Fatalf("list: %v next=%q", err, next)
	}
	if len(rows) != 3 || rows[0].OrderID != "o2" || rows[2].OrderID != "o0" {
		t.Fatalf("orders not newest first: %+v", rows)
	}
	rows, _, err = orders.ListByUser(ctx, "ann", "2026-11-26", 10, "")
	if err != nil || len(rows) != 1 || rows[0].OrderID != "o1" {
		t.Fatalf("date filter: %v %+v", err, rows)
	}
	got, err := orders.Get(ctx, "ann", "o1")
	if err != nil || got.Total != 1000 || len(got.Lines) != 1 {
		t.Fatalf("get: %v %+v", err, got)
	}
	if _, err := orders.Get(ctx, "bob", "o1"); !errors.Is(err, readmodel.ErrNotFound) {
		t.Fatalf("someone else's order: err = %v", err)
	}
}

// List pages through every customer's orders, each once.
func TestOrdersListAll(t *testing.T) {
	ctx := context.Background()
	orders := readmodeltest.Orders(t, readmodeltest.Client(t))
	line := []domain.PricedLine{{ProductID: "p1", Name: "Mug", UnitPrice: 500, Currency: "EUR", Quantity: 1, LineTotal: 500}}
	base := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	for i, user := range []string{"ann", "bob", "ann", "cid", "bob"} {
		p := ordering.Placement{CheckoutID: fmt.Sprintf("c%d", i), UserName: user, Lines: line, Total: 500, Currency: "EUR", PlacedAt: base.Add(time.Duration(i) * time.Hour)}
		if _, err := orders.Put(ctx, readmodel.OrderFrom(fmt.Sprintf("o%d", i), p, 1)); err != nil {
			t.Fatal(err)
		}
	}
	seen := map[string]bool{}
	cursor := ""
	for pages := 0; ; pages++ {
		if pages > 5 {
			t.Fatal("listing does not end")
		}
		rows, next, err := orders.List(ctx, 2, cursor)
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) > 2 {
			t.Fatalf("page of %d rows, limit 2", len(rows))
		}
		for _, r := range rows {
			if seen[r.OrderID] {
				t.Fatalf("order %s listed twice", r.OrderID)
			}
			seen[r.OrderID] = true
		}
		if next == "" {
			break
		}
		cursor = next
	}
	if len(seen) != 5 {
		t.Fatalf("listed %v, want 5 orders", seen)
	}
	if _, _, err := orders.List(ctx, 2, "not-a-cursor!"); !errors.Is(err, readmodel.ErrBadCursor) {
		t.Fatalf("bad cursor: err = %v", err)
	}
}
