package main

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/shopstream/shopstream/internal/basket"
	"github.com/shopstream/shopstream/internal/httpapi"
	"github.com/shopstream/shopstream/internal/payment"
)

// Every route × {anonymous, owner, other shopper, admin}: a caller acts on
// their own basket and checkouts, an admin on anyone's; anyone else gets
// 403 and nothing changes (no event, no execution); no caller at all is
// 401, never a request served as nobody.
func TestBasketAccess(t *testing.T) {
	f := newFixture(t)
	f.do(t, "POST", "/basket", `{"userName":"ann","items":[{"productId":"mug","quantity":2}]}`)
	_, body := f.do(t, "POST", "/basket/checkout", checkoutBody("ann", payment.CardApproved))
	checkoutID := body["checkoutId"].(string)

	type want struct{ anonymous, owner, other, admin int }
	routes := []struct {
		method, path, body string
		want               want
	}{
		{"GET", "/basket", "", want{401, 403, 403, 200}},
		{"POST", "/basket", `{"userName":"ann","items":[{"productId":"tea","quantity":1}]}`, want{401, 200, 403, 200}},
		{"GET", "/basket/ann", "", want{401, 200, 403, 200}},
		// The owner's checkout is still running when the admin's comes:
		// one basket has one checkout at a time (409 at the door).
		{"POST", "/basket/checkout", checkoutBody("ann", payment.CardApproved), want{401, 202, 403, 409}},
		{"GET", "/checkout/" + checkoutID, "", want{401, 200, 403, 200}},
		{"DELETE", "/basket/ann", "", want{401, 204, 403, 204}},
	}
	callers := []struct {
		name   string
		caller *httpapi.Caller
		status func(want) int
	}{
		{"anonymous", nil, func(w want) int { return w.anonymous }},
		{"owner", ann, func(w want) int { return w.owner }},
		{"other shopper", cid, func(w want) int { return w.other }},
		{"admin", admin, func(w want) int { return w.admin }},
	}
	for _, rt := range routes {
		for _, c := range callers {
			t.Run(rt.method+" "+rt.path+"/"+c.name, func(t *testing.T) {
				events, executions := f.events(t), len(f.sfn.Executions(t, f.wf.ARN))
				f.as = c.caller
				code, body := f.do(t, rt.method, rt.path, rt.body)
				want := c.status(rt.want)
				if code != want {
					t.Fatalf("%d %v, want %d", code, body, want)
				}
				if code < 400 {
					return
				}
				if e, _ := errOf(body); (code == 401 && e != "unauthenticated") || (code == 403 && e != "forbidden") {
					t.Fatalf("error %v", body)
				}
				if f.events(t) != events || len(f.sfn.Executions(t, f.wf.ARN)) != executions {
					t.Fatal("a refused request changed something")
				}
			})
		}
	}
}

// The events a caller causes name them as their actor: the customer, or
// the admin acting for them.
func TestBasketEventsRecordTheCaller(t *testing.T) {
	f := newFixture(t)
	f.do(t, "POST", "/basket", `{"userName":"ann","items":[{"productId":"mug","quantity":1}]}`)
	f.as = admin
	f.do(t, "POST", "/basket", `{"userName":"ann","items":[{"productId":"tea","quantity":1}]}`)
	if got := strings.Join(f.actors(t, basket.StreamID("ann")), ","); got != "user:ann,admin:bob" {
		t.Fatalf("actors %s", got)
	}
}

// actors returns the actor of each event of stream, oldest first.
func (f *fixture) actors(t *testing.T, stream string) []string {
	t.Helper()
	events, err := f.store.Load(context.Background(), stream, 1)
	if err != nil {
		t.Fatal(err)
	}
	var actors []string
	for _, e := range events {
		actors = append(actors, e.Metadata.Actor)
	}
	return actors
}

// GET /basket lists every basket once, oldest first, in pages, each with
// its current lines and running checkout; other streams are skipped.
func TestListBaskets(t *testing.T) {
	f := newFixture(t) // two product streams come first in the log
	users := []string{"ann", "cid", "dee", "eve", "fay"}
	for _, u := range users {
		f.as = &httpapi.Caller{UserName: u}
		if code, body := f.do(t, "POST", "/basket", fmt.Sprintf(`{"userName":%q,"items":[{"productId":"mug","quantity":1}]}`, u)); code != 200 {
			t.Fatalf("%s: %d %v", u, code, body)
		}
	}
	f.as = &httpapi.Caller{UserName: "cid"}
	f.do(t, "POST", "/basket", `{"userName":"cid","items":[{"productId":"tea","quantity":3}]}`) // version 2: listed once
	f.as = &httpapi.Caller{UserName: "eve"}
	f.do(t, "DELETE", "/basket/eve", "") // emptied: still a basket

	f.as = admin
	var listed []string
	cursor := ""
	for pages := 1; ; pages++ {
		if pages > 4 {
			t.Fatal("the listing does not end")
		}
		path := "/basket?limit=2"
		if cursor != "" {
			path += "&cursor=" + cursor
		}
		code, body := f.do(t, "GET", path, "")
		if code != 200 {
			t.Fatalf("page %d: %d %v", pages, code, body)
		}
		items := body["items"].([]any)
		if len(items) > 2 {
			t.Fatalf("page %d has %d baskets", pages, len(items))
		}
		for _, it := range items {
			b := it.(map[string]any)
			listed = append(listed, b["userName"].(string))
			lines := b["items"].([]any)
			switch b["userName"] {
			case "cid":
				if len(lines) != 2 || b["version"].(float64) != 2 {
					t.Errorf("cid's basket %v", b)
				}
			case "eve":
				if len(lines) != 0 {
					t.Errorf("eve's basket %v", b)
				}
			}
		}
		cursor, _ = body["nextCursor"].(string)
		if cursor == "" {
			break
		}
	}
	if got := strings.Join(listed, ","); got != strings.Join(users, ",") {
		t.Fatalf("listed %s, want %s", got, strings.Join(users, ","))
	}
	for _, bad := range []struct{ query, field string }{{"cursor=nope", "cursor"}, {"limit=0", "limit"}, {"limit=101", "limit"}} {
		code, body := f.do(t, "GET", "/basket?"+bad.query, "")
		if _, field := errOf(body); code != 400 || field != bad.field {
			t.Errorf("GET /basket?%s: %d %v", bad.query, code, body)
		}
	}
}
