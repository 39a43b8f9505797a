package main

import (
	"context"
	"encoding/base64"
	"net/url"
	"testing"

	"github.com/shopstream/shopstream/internal/httpapi"
	"github.com/shopstream/shopstream/internal/readmodel"
	"github.com/shopstream/shopstream/internal/readmodel/readmodeltest"
	"github.com/shopstream/shopstream/internal/testutil/cursortest"
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
	get := func(t *testing.T, path string) (int, map[string]any) { return f.do(t, "GET", path, "") }
	kitchen := cursortest.Next(t, get, "/product?category=kitchen&limit=1")
	all := cursortest.Next(t, get, "/product?limit=1")
	otherKey := httpapi.Cursors{Key: []byte("another-deployment-key-0123456789abcdef")}
	position, err := f.api.Cursors.Open(httpapi.Scope("GET /product", "category=kitchen"), kitchen)
	if err != nil {
		t.Fatal(err)
	}
	foreign, _ := otherKey.Seal(httpapi.Scope("GET /product", "category=kitchen"), position)
	// An edited position under the old MAC, and the old unsigned format.
	forged := base64.RawURLEncoding.EncodeToString([]byte(`{"productId":["S","zzz"]}`)) + kitchen[len(base64.RawURLEncoding.EncodeToString([]byte(position))):]
	unsigned := base64.RawURLEncoding.EncodeToString([]byte(position))

	cursortest.Run(t, get, []cursortest.Case{
		{Name: "same listing", Path: "/product?category=kitchen&limit=1&cursor=" + url.QueryEscape(kitchen), Want: 200},
		{Name: "every category's cursor on every category", Path: "/product?limit=1&cursor=" + url.QueryEscape(all), Want: 200},
		{Name: "category cursor without the category", Path: "/product?cursor=" + url.QueryEscape(kitchen), Want: 400},
		{Name: "category cursor on another category", Path: "/product?category=books&cursor=" + url.QueryEscape(kitchen), Want: 400},
		{Name: "all-products cursor on a category", Path: "/product?category=kitchen&cursor=" + url.QueryEscape(all), Want: 400},
		{Name: "another deployment's cursor", Path: "/product?category=kitchen&cursor=" + url.QueryEscape(foreign), Want: 400},
		{Name: "forged position", Path: "/product?category=kitchen&cursor=" + url.QueryEscape(forged), Want: 400},
		{Name: "unsigned cursor", Path: "/product?category=kitchen&cursor=" + unsigned, Want: 400},
		{Name: "garbled", Path: "/product?cursor=not-a-cursor", Want: 400},
		{Name: "garbled base64", Path: "/product?cursor=%21%21.%21%21", Want: 400},
		{Name: "undecodable query", Path: "/product?cursor=%%%", Want: 400},
	})
}
