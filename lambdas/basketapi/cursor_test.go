package main

import (
	"fmt"
	"net/url"
	"testing"

	"github.com/shopstream/shopstream/internal/httpapi"
)

// GET /basket pages the event log by position: its cursors are sealed
// like every listing's, so a position a client makes up, or a cursor of
// another listing, is 400 bad_cursor on "cursor".
func TestBasketCursorsAreChecked(t *testing.T) {
	f := newFixture(t)
	for _, u := range []string{"ann", "cid", "dee"} {
		f.as = &httpapi.Caller{UserName: u}
		if code, body := f.do(t, "POST", "/basket", fmt.Sprintf(`{"userName":%q,"items":[{"productId":"mug","quantity":1}]}`, u)); code != 200 {
			t.Fatalf("%s: %d %v", u, code, body)
		}
	}
	f.as = admin
	code, body := f.do(t, "GET", "/basket?limit=1", "")
	next, _ := body["nextCursor"].(string)
	if code != 200 || next == "" {
		t.Fatalf("page 1: %d %v", code, body)
	}
	position, err := f.api.Cursors.Open(httpapi.Scope("GET /basket"), next)
	if err != nil {
		t.Fatal(err)
	}
	productCursor, _ := f.api.Cursors.Seal(httpapi.Scope("GET /product", "category="), position)
	foreign, _ := httpapi.Cursors{Key: []byte("another-deployment-key-0123456789abcdef")}.Seal(httpapi.Scope("GET /basket"), position)
	tests := []struct {
		name, query string
		want        int
	}{
		{"next page", "cursor=" + url.QueryEscape(next), 200},
		{"a bare log position", "cursor=" + position, 400},
		{"another listing's cursor", "cursor=" + url.QueryEscape(productCursor), 400},
		{"another deployment's cursor", "cursor=" + url.QueryEscape(foreign), 400},
		{"garbled", "cursor=a.b.c", 400},
		{"undecodable query", "cursor=%%%", 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, body := f.do(t, "GET", "/basket?"+tt.query, "")
			if code != tt.want {
				t.Fatalf("GET /basket?%s = %d %v, want %d", tt.query, code, body, tt.want)
			}
			if c, field := errOf(body); tt.want == 400 && (c != "bad_cursor" || field != "cursor") {
				t.Fatalf("GET /basket?%s: %v, want bad_cursor on cursor", tt.query, body)
			}
		})
	}
}
