package main

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/url"
	"testing"
	"time"

	"github.com/shopstream/shopstream/eventstore/memory"
	"github.com/shopstream/shopstream/internal/domain"
	"github.com/shopstream/shopstream/internal/httpapi"
	"github.com/shopstream/shopstream/internal/ordering"
	"github.com/shopstream/shopstream/internal/readmodel"
	"github.com/shopstream/shopstream/internal/readmodel/readmodeltest"
	"github.com/shopstream/shopstream/internal/testutil/shoptest"
)

// Issue 11: a forged cursor on /order/{userName} answered 500 (a DynamoDB
// ValidationException). A cursor is now good only for the route, user and
// date prefix it was issued for; anything else is 400 bad_cursor on
// "cursor".
func TestOrderCursorsAreCheckedAgainstTheirListing(t *testing.T) {
	ctx := context.Background()
	orders := readmodeltest.Orders(t, readmodeltest.Client(t))
	line := []domain.PricedLine{{ProductID: "mug", Name: "Mug", UnitPrice: 500, Currency: "EUR", Quantity: 1, LineTotal: 500}}
	for i, user := range []string{"ann", "ann", "ann", "bob", "bob"} {
		id := fmt.Sprintf("c%d", i)
		p := ordering.Placement{CheckoutID: id, UserName: user, Lines: line, Total: 500, Currency: "EUR",
			PlacedAt: time.Date(2026, 11, 20+i, 9, 0, 0, 0, time.UTC)}
		if _, err := orders.Put(ctx, readmodel.OrderFrom(id, p, 1)); err != nil {
			t.Fatal(err)
		}
	}
	a := &API{Events: memory.New(), Orders: orders, Cursors: shoptest.Cursors}
	cursorOf := func(path string) string {
		t.Helper()
		code, body := do(t, a, path)
		next, _ := body["nextCursor"].(string)
		if code != 200 || next == "" {
			t.Fatalf("GET %s: %d %v, want a next page", path, code, body)
		}
		return next
	}
	ann := cursorOf("/order/ann?limit=1")
	annNov := cursorOf("/order/ann?orderDate=2026-11&limit=1")
	every := cursorOf("/order?limit=1")
	// A made-up key of bob's orders, as the measured forgery sent it, and
	// ann's real position with bob's name swapped in under ann's MAC.
	forgedKey := base64.RawURLEncoding.EncodeToString([]byte(`{"userName":["S","bob"],"orderKey":["N","1"]}`))
	position, err := a.Cursors.Open(httpapi.Scope("GET /order/{userName}", "userName=ann", "orderDate="), ann)
	if err != nil {
		t.Fatal(err)
	}
	mac := ann[len(base64.RawURLEncoding.EncodeToString([]byte(position))):]
	swapped := base64.RawURLEncoding.EncodeToString([]byte(position[:len(position)-1]+"x")) + mac

	tests := []struct {
		name, path string
		want       int
	}{
		{"same listing", "/order/ann?limit=1&cursor=" + url.QueryEscape(ann), 200},
		{"same user and date", "/order/ann?orderDate=2026-11&limit=1&cursor=" + url.QueryEscape(annNov), 200},
		{"every order, next page", "/order?limit=1&cursor=" + url.QueryEscape(every), 200},
		{"another user's listing", "/order/bob?cursor=" + url.QueryEscape(ann), 400},
		{"another date prefix", "/order/ann?orderDate=2026-11&cursor=" + url.QueryEscape(ann), 400},
		{"date cursor without the date", "/order/ann?cursor=" + url.QueryEscape(annNov), 400},
		{"user cursor on every order", "/order?cursor=" + url.QueryEscape(ann), 400},
		{"every-order cursor on a user", "/order/ann?cursor=" + url.QueryEscape(every), 400},
		{"forged key", "/order/ann?cursor=" + forgedKey, 400},
		{"forged key with a MAC", "/order/ann?cursor=" + forgedKey + mac, 400},
		{"edited position", "/order/ann?cursor=" + url.QueryEscape(swapped), 400},
		{"garbled", "/order/ann?cursor=%C3%A9t%C3%A9", 400},
		{"undecodable query", "/order/ann?cursor=%%%", 400},
		{"undecodable query, every order", "/order?cursor=%%%", 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, body := do(t, a, tt.path)
			if code != tt.want {
				t.Fatalf("GET %s = %d %v, want %d", tt.path, code, body, tt.want)
			}
			if tt.want == 400 {
				e, _ := body["error"].(map[string]any)
				if e["code"] != "bad_cursor" || e["field"] != "cursor" {
					t.Fatalf("GET %s: error %v, want bad_cursor on cursor", tt.path, e)
				}
			}
		})
	}
}
