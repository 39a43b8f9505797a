package main

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/shopstream/shopstream/eventstore/memory"
	"github.com/shopstream/shopstream/internal/catalog"
	"github.com/shopstream/shopstream/internal/config"
	"github.com/shopstream/shopstream/internal/domain"
	"github.com/shopstream/shopstream/internal/httpapi"
	"github.com/shopstream/shopstream/internal/ordering"
	"github.com/shopstream/shopstream/internal/readmodel"
	"github.com/shopstream/shopstream/internal/readmodel/readmodeltest"
	"github.com/shopstream/shopstream/internal/testutil/shoptest"
)

// Every route × {anonymous, owner, other shopper, admin}: customers read
// their own orders, admins anyone's, every order and the audit trail;
// anyone else gets 403, no caller 401.
func TestOrderAccess(t *testing.T) {
	orders := readmodeltest.Orders(t, readmodeltest.Client(t))
	putOrder(t, orders, "o1", "c1", "ann", 26)
	store := memory.New()
	shoptest.CreateProduct(t, shoptest.RunnerOn(store), "mug", "Mug", 500, "EUR", 1)
	a := &API{Events: store, Orders: orders, Cursors: shoptest.Cursors}

	type want struct{ anonymous, owner, other, admin int }
	routes := []struct {
		path string
		want want
	}{
		{"/order", want{401, 403, 403, 200}},
		{"/order/ann", want{401, 200, 403, 200}},
		{"/order/ann/o1", want{401, 200, 403, 200}},
		{"/audit/" + catalog.StreamID("mug"), want{401, 403, 403, 200}},
	}
	for _, rt := range routes {
		for _, c := range []struct {
			name   string
			caller *httpapi.Caller
			want   int
		}{{"anonymous", nil, rt.want.anonymous}, {"owner", ann, rt.want.owner}, {"other shopper", cid, rt.want.other}, {"admin", admin, rt.want.admin}} {
			code, body := doAs(t, a, c.caller, rt.path)
			e, _ := body["error"].(map[string]any)
			if code != c.want || (code == 401 && e["code"] != "unauthenticated") || (code == 403 && e["code"] != "forbidden") {
				t.Errorf("GET %s as %s: %d %v, want %d", rt.path, c.name, code, body, c.want)
			}
		}
	}
}

// GET /order pages through every customer's orders.
func TestListAllOrders(t *testing.T) {
	orders := readmodeltest.Orders(t, readmodeltest.Client(t))
	for i, user := range []string{"ann", "cid", "ann"} {
		putOrder(t, orders, fmt.Sprintf("o%d", i), fmt.Sprintf("c%d", i), user, 24+i)
	}
	a := &API{Events: memory.New(), Orders: orders, Cursors: shoptest.Cursors}
	var ids []string
	cursor := ""
	for range 4 {
		path := "/order?limit=2"
		if cursor != "" {
			path += "&cursor=" + cursor
		}
		code, body := do(t, a, path)
		if code != 200 {
			t.Fatalf("%s: %d %v", path, code, body)
		}
		for _, it := range body["items"].([]any) {
			ids = append(ids, it.(map[string]any)["orderId"].(string))
		}
		if cursor, _ = body["nextCursor"].(string); cursor == "" {
			break
		}
	}
	slices.Sort(ids)
	if !slices.Equal(ids, []string{"o0", "o1", "o2"}) {
		t.Fatalf("listed %v", ids)
	}
	for _, bad := range []struct{ path, field string }{{"/order?limit=0", "limit"}, {"/order?cursor=zz", "cursor"}} {
		if code, body := do(t, a, bad.path); code != 400 || field(body) != bad.field {
			t.Errorf("GET %s: %d %v", bad.path, code, body)
		}
	}
}

// putOrder stores the order orderID of one mug (5 EUR) that user placed
// by checkout checkoutID on the given day of November 2026, at 09:00 UTC.
func putOrder(t *testing.T, orders readmodel.Orders, orderID, checkoutID, user string, day int) {
	t.Helper()
	line := []domain.PricedLine{{ProductID: "mug", Name: "Mug", UnitPrice: 500, Currency: "EUR", Quantity: 1, LineTotal: 500}}
	p := ordering.Placement{CheckoutID: checkoutID, UserName: user, Lines: line, Total: 500, Currency: "EUR",
		PlacedAt: time.Date(2026, 11, day, 9, 0, 0, 0, time.UTC)}
	if _, err := orders.Put(context.Background(), readmodel.OrderFrom(orderID, p, 1)); err != nil {
		t.Fatal(err)
	}
}

// /audit reads exactly the streams the function's role may query: a
// stream outside them would be an access-denied 500 in AWS.
func TestAuditStreamsAreTheGrantedOnes(t *testing.T) {
	var granted []string
	for _, v := range config.OrderAPI.Vars {
		if v.Name != config.EventsTable {
			continue
		}
		for _, u := range v.Uses {
			granted = append(granted, u.Streams...)
		}
	}
	if !slices.Equal(granted, AuditStreams) {
		t.Fatalf("role reads %v, /audit %v", granted, AuditStreams)
	}
}
