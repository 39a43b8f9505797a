package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/shopstream/shopstream/eventstore"
	"github.com/shopstream/shopstream/eventstore/memory"
	"github.com/shopstream/shopstream/internal/catalog"
	"github.com/shopstream/shopstream/internal/command"
	"github.com/shopstream/shopstream/internal/domain"
	"github.com/shopstream/shopstream/internal/httpapi"
	"github.com/shopstream/shopstream/internal/ordering"
	"github.com/shopstream/shopstream/internal/readmodel"
	"github.com/shopstream/shopstream/internal/readmodel/readmodeltest"
	"github.com/shopstream/shopstream/internal/testutil/shoptest"
)

// The callers of the tests: ann owns the orders the tests place.
var (
	ann   = &httpapi.Caller{UserName: "ann", Groups: []string{"shopper"}}
	cid   = &httpapi.Caller{UserName: "cid"}
	admin = &httpapi.Caller{UserName: "bob", Groups: []string{httpapi.AdminGroup}}
)

// do serves GET path to an admin.
func do(t *testing.T, a *API, path string) (int, map[string]any) {
	t.Helper()
	return doAs(t, a, admin, path)
}

// doAs serves GET path to caller (nil: anonymous).
func doAs(t *testing.T, a *API, caller *httpapi.Caller, path string) (int, map[string]any) {
	t.Helper()
	w := httptest.NewRecorder()
	r := httptest.NewRequest("GET", path, nil)
	if caller != nil {
		r = r.WithContext(httpapi.WithCaller(r.Context(), *caller))
	}
	a.Routes().ServeHTTP(w, r)
	var out map[string]any
	if err := json.Unmarshal(w.Body.Bytes(), &out); err != nil {
		t.Fatalf("GET %s: %q: %v", path, w.Body.String(), err)
	}
	return w.Code, out
}

func TestOrders(t *testing.T) {
	ctx := context.Background()
	orders := readmodeltest.Orders(t, readmodeltest.Client(t))
	line := []domain.PricedLine{{ProductID: "mug", Name: "Mug", UnitPrice: 500, Currency: "EUR", Quantity: 1, LineTotal: 500}}
	for i := range 3 {
		p := ordering.Placement{CheckoutID: fmt.Sprintf("c%d", i), UserName: "ann", Lines: line, Total: 500, Currency: "EUR",
			PlacedAt: time.Date(2026, 11, 24+i, 9, 0, 0, 0, time.UTC)}
		if _, err := orders.Put(ctx, readmodel.OrderFrom(fmt.Sprintf("c%d", i), p, 1)); err != nil {
			t.Fatal(err)
		}
	}
	a := &API{Events: memory.New(), Orders: orders, Cursors: shoptest.Cursors}
	tests := []struct {
		path       string
		wantStatus int
		check      func(map[string]any) bool
	}{
		{"/order/ann", 200, func(b map[string]any) bool {
			items := b["items"].([]any)
			return len(items) == 3 && items[0].(map[string]any)["orderId"] == "c2"
		}},
		{"/order/ann?limit=2", 200, func(b map[string]any) bool { return len(b["items"].([]any)) == 2 && b["nextCursor"] != "" }},
		{"/order/ann?orderDate=2026-11-25", 200, func(b map[string]any) bool { return len(b["items"].([]any)) == 1 }},
		{"/order/bob", 200, func(b map[string]any) bool { return len(b["items"].([]any)) == 0 }},
		{"/order/ann/c1", 200, func(b map[string]any) bool { return b["orderId"] == "c1" && b["total"].(float64) == 500 }},
		{"/order/bob/c1", 404, nil},
		{"/order/ann?orderDate=yesterday", 400, func(b map[string]any) bool { return field(b) == "orderDate" }},
		{"/order/ann?orderDate=2026-13", 400, func(b map[string]any) bool { return field(b) == "orderDate" }},
		{"/order/ann?orderDate=2026-02-30", 400, func(b map[string]any) bool { return field(b) == "orderDate" }},
		{"/order/ann?orderDate=", 400, func(b map[string]any) bool { return field(b) == "orderDate" }},
		{"/order/ann?orderDate=2026-11&orderDate=2026-10", 400, func(b map[string]any) bool { return field(b) == "orderDate" }},
		{"/order/ann?orderDate=2026-11", 200, func(b map[string]any) bool { return len(b["items"].([]any)) >= 1 }},
		{"/order/ann?sort=date", 400, func(b map[string]any) bool { return field(b) == "sort" }},
		{"/order/ann/c1?x=1", 400, func(b map[string]any) bool { return field(b) == "x" }},
		{"/order/ann/..", 404, nil},
		{"/order/ann/", 404, nil},
		{"/order/a%2Fb", 404, nil},
		{"/order/ann?limit=1000", 400, func(b map[string]any) bool { return field(b) == "limit" }},
		{"/order/ann?cursor=zz", 400, func(b map[string]any) bool { return field(b) == "cursor" }},
		{"/order/a%20b", 400, func(b map[string]any) bool { return field(b) == "userName" }},
	}
	for _, tt := range tests {
		code, body := do(t, a, tt.path)
		if code != tt.wantStatus || (tt.check != nil && !tt.check(body)) {
			t.Fatalf("GET %s: %d %v", tt.path, code, body)
		}
	}
}

func field(b map[string]any) string {
	e, _ := b["error"].(map[string]any)
	f, _ := e["field"].(string)
	return f
}

func TestAuditShowsEveryEventInOrder(t *testing.T) {
	store := memory.New()
	r := shoptest.RunnerOn(store)
	_, _, err := command.Run(context.Background(), r, catalog.StreamID("mug"), func() (*catalog.Product, error) { return catalog.New("mug") }, eventstore.Metadata{Actor: "test"},
		func(p *catalog.Product) ([]domain.Event, error) {
			var all []domain.Event
			for _, step := range []func() ([]domain.Event, error){
				func() ([]domain.Event, error) {
					return p.Create(catalog.Details{Name: "Mug", Category: "k", Price: 1, Currency: "EUR"})
				},
				func() ([]domain.Event, error) { return p.AddStock(5) },
				func() ([]domain.Event, error) { return p.Reserve("c1", 2) },
			} {
				evs, err := step()
				if err != nil {
					return nil, err
				}
				if err := p.Apply(evs...); err != nil {
					return nil, err
				}
				all = append(all, evs...)
			}
			return all, nil
		})
	if err != nil {
		t.Fatal(err)
	}
	a := &API{Events: store, Cursors: shoptest.Cursors}
	code, body := do(t, a, "/audit/product-mug")
	events := body["events"].([]any)
	var types []string
	for i, e := range events {
		m := e.(map[string]any)
		if m["version"].(float64) != float64(i+1) || m["metadata"].(map[string]any)["actor"] != "test" {
			t.Fatalf("event %d: %v", i, m)
		}
		types = append(types, m["type"].(string))
	}
	if code != 200 || strings.Join(types, ",") != "ProductCreated,StockAdded,StockReserved" || body["nextFrom"] != nil {
		t.Fatalf("audit: %d %v", code, body)
	}
	code, body = do(t, a, "/audit/product-mug?from=2&limit=1")
	if code != 200 || len(body["events"].([]any)) != 1 || body["nextFrom"].(float64) != 3 {
		t.Fatalf("page: %d %v", code, body)
	}
	for _, bad := range []struct{ path, field string }{{"/audit/product-mug?from=0", "from"}, {"/audit/product-mug?limit=x", "limit"}, {"/audit/a%20b", "streamId"}, {"/audit/checkout-c1", "streamId"}} {
		if code, body := do(t, a, bad.path); code != 400 || field(body) != bad.field {
			t.Fatalf("GET %s: %d %v", bad.path, code, body)
		}
	}
	if code, _ := do(t, a, "/audit/product-none"); code != 404 {
		t.Fatalf("unknown stream: %d", code)
	}
}
