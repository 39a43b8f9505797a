package main

import (
	"context"
	"encoding/base64"
	"net/url"
	"testing"

	"github.com/shopstream/shopstream/internal/httpapi"
	"github.com/shopstream/shopstream/internal/readmodel"
	"github.com/shopstream/shopstream/internal/readmodel/readmodeltest"
)

// Issue 11: a nextCursor of one listing reused on another answered 500
// (a DynamoDB ValidationException underneath), and cursor=%%% was ignored.
// Every cursor this API did not issue for the same route and query now
// answers 400 bad_cursor naming "cursor", before the table is read.
func TestCursorsAreCheckedAgainstTheirListing(t *testing.T) {
	ctx := context.Background()
	cat := readmodeltest.Catalog(t, readmodeltest.Client(t))
	for i, c := range []string{"kitchen", "kitchen", "kitchen", "books", "books"} {
		row := readmodel.Product{ProductID: string(rune('a' + i)), Name: "n", Category: c, Price: 100, Currency: "EUR", Version: 1}
		if _, err := cat.Put(ctx, row); err != nil {
			t.Fatal(err)
		}
	}
	f := newFixture(t, cat)
	cursorOf := func(path string) string {
		t.Helper()
		code, body := f.do(t, "GET", path, "")
		next, _ := body["nextCursor"].(string)
		if code != 200 || next == "" {
			t.Fatalf("GET %s: %d %v, want a next page", path, code, body)
		}
		return next
	}
	kitchen := cursorOf("/product?category=kitchen&limit=1")
	all := cursorOf("/product?limit=1")
	otherKey := httpapi.Cursors{Key: []byte("another-deployment-key-0123456789abcdef")}
	position, err := f.api.Cursors.Open(httpapi.Scope("GET /product", "category=kitchen"), kitchen)
	if err != nil {
		t.Fatal(err)
	}
	foreign, _ := otherKey.Seal(httpapi.Scope("GET /product", "category=kitchen"), position)
	// An edited position under the old MAC, and the old unsigned format.
	forged := base64.RawURLEncoding.EncodeToString([]byte(`{"productId":["S","zzz"]}`)) + kitchen[len(base64.RawURLEncoding.EncodeToString([]byte(position))):]
	unsigned := base64.RawURLEncoding.EncodeToString([]byte(position))

	tests := []struct {
		name, path string
		want       int
	}{
		{"same listing", "/product?category=kitchen&limit=1&cursor=" + url.QueryEscape(kitchen), 200},
		{"every category's cursor on every category", "/product?limit=1&cursor=" + url.QueryEscape(all), 200},
		{"category cursor without the category", "/product?cursor=" + url.QueryEscape(kitchen), 400},
		{"category cursor on another category", "/product?category=books&cursor=" + url.QueryEscape(kitchen), 400},
		{"all-products cursor on a category", "/product?category=kitchen&cursor=" + url.QueryEscape(all), 400},
		{"another deployment's cursor", "/product?category=kitchen&cursor=" + url.QueryEscape(foreign), 400},
		{"forged position", "/product?category=kitchen&cursor=" + url.QueryEscape(forged), 400},
		{"unsigned cursor", "/product?category=kitchen&cursor=" + unsigned, 400},
		{"garbled", "/product?cursor=not-a-cursor", 400},
		{"garbled base64", "/product?cursor=%21%21.%21%21", 400},
		{"undecodable query", "/product?cursor=%%%", 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, body := f.do(t, "GET", tt.path, "")
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
