package main

import (
	"encoding/base64"
	"fmt"
	"net/url"
	"testing"

	"github.com/shopstream/shopstream/eventstore/memory"
	"github.com/shopstream/shopstream/internal/httpapi"
	"github.com/shopstream/shopstream/internal/readmodel/readmodeltest"
	"github.com/shopstream/shopstream/internal/testutil/cursortest"
	"github.com/shopstream/shopstream/internal/testutil/shoptest"
)

// Issue 11: a forged cursor on /order/{userName} answered 500 (a DynamoDB
// ValidationException). A cursor is now good only for the route, user and
// date prefix it was issued for; anything else is 400 bad_cursor on
// "cursor".
func TestOrderCursorsAreCheckedAgainstTheirListing(t *testing.T) {
	orders := readmodeltest.Orders(t, readmodeltest.Client(t))
	for i, user := range []string{"ann", "ann", "ann", "bob", "bob"} {
		id := fmt.Sprintf("c%d", i)
		putOrder(t, orders, id, id, user, 20+i)
	}
	a := &API{Events: memory.New(), Orders: orders, Cursors: shoptest.Cursors}
	get := func(t *testing.T, path string) (int, map[string]any) { return do(t, a, path) }
	ann := cursortest.Next(t, get, "/order/ann?limit=1")
	annNov := cursortest.Next(t, get, "/order/ann?orderDate=2026-11&limit=1")
	every := cursortest.Next(t, get, "/order?limit=1")
	// A made-up key of bob's orders, as the measured forgery sent it, and
	// ann's real position with bob's name swapped in under ann's MAC.
	forgedKey := base64.RawURLEncoding.EncodeToString([]byte(`{"userName":["S","bob"],"orderKey":["N","1"]}`))
	position, err := a.Cursors.Open(httpapi.Scope("GET /order/{userName}", "userName=ann", "orderDate="), ann)
	if err != nil {
		t.Fatal(err)
	}
	mac := ann[len(base64.RawURLEncoding.EncodeToString([]byte(position))):]
	swapped := base64.RawURLEncoding.EncodeToString([]byte(position[:len(position)-1]+"x")) + mac

	cursortest.Run(t, get, []cursortest.Case{
		{Name: "same listing", Path: "/order/ann?limit=1&cursor=" + url.QueryEscape(ann), Want: 200},
		{Name: "same user and date", Path: "/order/ann?orderDate=2026-11&limit=1&cursor=" + url.QueryEscape(annNov), Want: 200},
		{Name: "every order, next page", Path: "/order?limit=1&cursor=" + url.QueryEscape(every), Want: 200},
		{Name: "another user's listing", Path: "/order/bob?cursor=" + url.QueryEscape(ann), Want: 400},
		{Name: "another date prefix", Path: "/order/ann?orderDate=2026-11&cursor=" + url.QueryEscape(ann), Want: 400},
		{Name: "date cursor without the date", Path: "/order/ann?cursor=" + url.QueryEscape(annNov), Want: 400},
		{Name: "user cursor on every order", Path: "/order?cursor=" + url.QueryEscape(ann), Want: 400},
		{Name: "every-order cursor on a user", Path: "/order/ann?cursor=" + url.QueryEscape(every), Want: 400},
		{Name: "forged key", Path: "/order/ann?cursor=" + forgedKey, Want: 400},
		{Name: "forged key with a MAC", Path: "/order/ann?cursor=" + forgedKey + mac, Want: 400},
		{Name: "edited position", Path: "/order/ann?cursor=" + url.QueryEscape(swapped), Want: 400},
		{Name: "garbled", Path: "/order/ann?cursor=%C3%A9t%C3%A9", Want: 400},
		{Name: "undecodable query", Path: "/order/ann?cursor=%%%", Want: 400},
		{Name: "undecodable query, every order", Path: "/order?cursor=%%%", Want: 400},
	})
}
