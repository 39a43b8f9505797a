package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/shopstream/shopstream/eventstore/memory"
	"github.com/shopstream/shopstream/internal/catalog"
	"github.com/shopstream/shopstream/internal/httpapi"
	"github.com/shopstream/shopstream/internal/readmodel"
	"github.com/shopstream/shopstream/internal/readmodel/readmodeltest"
	"github.com/shopstream/shopstream/internal/testutil/shoptest"
)

type fixture struct {
	api   *API
	h     http.Handler
	store *memory.Store
	// as signs the requests of do in; nil sends them anonymously.
	as *httpapi.Caller
}

// The callers of the access tests. Products have no owner: ann and cid
// are both just shoppers to the catalog.
var (
	admin   = &httpapi.Caller{UserName: "bob", Groups: []string{"shopper", httpapi.AdminGroup}}
	shopper = &httpapi.Caller{UserName: "ann", Groups: []string{"shopper"}}
	other   = &httpapi.Caller{UserName: "cid"}
)

func newFixture(t *testing.T, lister Lister) *fixture {
	store := memory.New()
	api := &API{
		Commands: shoptest.RunnerOn(store),
		Catalog:  lister,
		Cursors:  shoptest.Cursors,
	}
	return &fixture{api: api, h: api.Routes(), store: store, as: admin}
}

func (f *fixture) do(t *testing.T, method, path, body string) (int, map[string]any) {
	t.Helper()
	r := httptest.NewRequest(method, path, strings.NewReader(body))
	if f.as != nil {
		r = r.WithContext(httpapi.WithCaller(r.Context(), *f.as))
	}
	w := httptest.NewRecorder()
	f.h.ServeHTTP(w, r)
	var out map[string]any
	if w.Body.Len() > 0 {
		if err := json.Unmarshal(w.Body.Bytes(), &out); err != nil {
			t.Fatalf("%s %s: body %q is not JSON: %v", method, path, w.Body.String(), err)
		}
	}
	return w.Code, out
}

// eventCount is the number of events in the whole store: bad input must
// leave it unchanged.
func (f *fixture) eventCount(t *testing.T) int {
	page, err := f.store.ReadAll(context.Background(), "", 1000)
	if err != nil {
		t.Fatal(err)
	}
	return len(page.Events)
}

const mug = `{"name":"Mug","description":"Blue","category":"kitchen","price":1250,"currency":"EUR","imageFile":"mug.png","stock":3}`

func TestProductLifecycle(t *testing.T) {
	f := newFixture(t, nil)
	code, body := f.do(t, "POST", "/product", mug)
	if code != 201 {
		t.Fatalf("create: %d %v", code, body)
	}
	id := body["id"].(string)
	if body["stock"].(float64) != 3 || body["price"].(float64) != 1250 {
		t.Fatalf("create body %v", body)
	}
	events, _ := f.store.Load(context.Background(), catalog.StreamID(id), 1)
	if len(events) != 2 || events[0].Type != "ProductCreated" || events[1].Type != "StockAdded" {
		t.Fatalf("events %+v", events)
	}
	for _, e := range events {
		if e.Metadata.Actor != "admin:bob" {
			t.Fatalf("event %s: actor %q, want the admin who wrote it", e.Type, e.Metadata.Actor)
		}
	}

	steps := []struct {
		method, path, body string
		wantStatus         int
		check              func(map[string]any) bool
	}{
		{"GET", "/product/" + id, "", 200, func(b map[string]any) bool { return b["name"] == "Mug" }},
		{"PUT", "/product/" + id, `{"name":"Big mug","price":1500,"currency":"EUR"}`, 200, func(b map[string]any) bool {
			return b["name"] == "Big mug" && b["price"].(float64) == 1500 && b["description"] == "Blue"
		}},
		{"POST", "/product/" + id + "/stock", `{"quantity":7}`, 200, func(b map[string]any) bool { return b["stock"].(float64) == 10 }},
		{"DELETE", "/product/" + id, "", 204, nil},
		{"GET", "/product/" + id, "", 404, func(b map[string]any) bool { return errCode(b) == "product_not_found" }},
		{"PUT", "/product/" + id, `{"name":"x"}`, 409, func(b map[string]any) bool { return errCode(b) == "product_deleted" }},
		{"DELETE", "/product/" + id, "", 409, nil},
		{"GET", "/product/nope", "", 404, nil},
		{"POST", "/product/nope/stock", `{"quantity":1}`, 404, nil},
	}
	for _, s := range steps {
		code, body := f.do(t, s.method, s.path, s.body)
		if code != s.wantStatus || (s.check != nil && !s.check(body)) {
			t.Fatalf("%s %s: %d %v, want %d", s.method, s.path, code, body, s.wantStatus)
		}
	}
}

func errCode(b map[string]any) string {
	e, _ := b["error"].(map[string]any)
	c, _ := e["code"].(string)
	return c
}

func errField(b map[string]any) string {
	e, _ := b["error"].(map[string]any)
	c, _ := e["field"].(string)
	return c
}

func TestBadInputChangesNothing(t *testing.T) {
	f := newFixture(t, nil)
	_, body := f.do(t, "POST", "/product", mug)
	id := body["id"].(string)
	before := f.eventCount(t)

	long := strings.Repeat("x", 201)
	tests := []struct {
		name, method, path, body string
		wantStatus               int
		wantField                string
	}{
		{"malformed", "POST", "/product", `{"name":`, 400, ""},
		{"unknown field", "POST", "/product", `{"name":"a","category":"c","price":1,"currency":"EUR","id":"x"}`, 400, "id"},
		{"wrong type", "POST", "/product", `{"name":"a","category":"c","price":"1","currency":"EUR"}`, 400, "price"},
		{"missing name", "POST", "/product", `{"category":"c","price":1,"currency":"EUR"}`, 400, "name"},
		{"long name", "POST", "/product", `{"name":"` + long + `","category":"c","price":1,"currency":"EUR"}`, 400, "name"},
		{"negative price", "POST", "/product", `{"name":"a","category":"c","price":-1,"currency":"EUR"}`, 400, "price"},
		{"bad currency", "POST", "/product", `{"name":"a","category":"c","price":1,"currency":"euro"}`, 400, "currency"},
		{"negative stock", "POST", "/product", `{"name":"a","category":"c","price":1,"currency":"EUR","stock":-5}`, 400, "stock"},
		{"huge stock", "POST", "/product", `{"name":"a","category":"c","price":1,"currency":"EUR","stock":99999999999}`, 400, "stock"},
		{"too large", "POST", "/product", `{"name":"` + strings.Repeat("a", 300<<10) + `"}`, 413, ""},
		{"price without currency", "PUT", "/product/" + id, `{"price":5}`, 400, "currency"},
		{"update unknown field", "PUT", "/product/" + id, `{"stock":5}`, 400, "stock"},
		{"zero stock", "POST", "/product/" + id + "/stock", `{"quantity":0}`, 400, "quantity"},
		{"negative stock add", "POST", "/product/" + id + "/stock", `{"quantity":-3}`, 400, "quantity"},
		{"huge stock add", "POST", "/product/" + id + "/stock", `{"quantity":1e12}`, 400, "quantity"},
		{"bad limit", "GET", "/product?limit=0", "", 400, "limit"},
		{"big limit", "GET", "/product?limit=101", "", 400, "limit"},
		{"bad cursor", "GET", "/product?cursor=!!", "", 400, "cursor"},
	}
	lister := failingLister{}
	f.api.Catalog = lister
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, body := f.do(t, tt.method, tt.path, tt.body)
			if code != tt.wantStatus || errField(body) != tt.wantField {
				t.Fatalf("%d %v, want %d field %q", code, body, tt.wantStatus, tt.wantField)
			}
			if n := f.eventCount(t); n != before {
				t.Fatalf("bad input wrote %d events", n-before)
			}
		})
	}
}

// failingLister answers like the read model does for an unknown cursor; any
// other call means a bad request got past validation.
type failingLister struct{}

func (failingLister) List(_ context.Context, _ string, _ int32, cursor string) ([]readmodel.Product, string, error) {
	if cursor != "" {
		return nil, "", readmodel.ErrBadCursor
	}
	panic("List called with a request that should have been rejected")
}

func TestListPagesTheReadModel(t *testing.T) {
	ctx := context.Background()
	cat := readmodeltest.Catalog(t, readmodeltest.Client(t))
	for i, c := range []string{"books", "books", "games"} {
		row := readmodel.Product{ProductID: string(rune('a' + i)), Name: "n", Category: c, Price: 100, Currency: "EUR", Version: 1}
		if _, err := cat.Put(ctx, row); err != nil {
			t.Fatal(err)
		}
	}
	f := newFixture(t, cat)
	code, body := f.do(t, "GET", "/product?category=books&limit=1", "")
	if code != 200 || len(body["items"].([]any)) != 1 || body["nextCursor"] == "" {
		t.Fatalf("page 1: %d %v", code, body)
	}
	code, body = f.do(t, "GET", "/product?category=books&limit=1&cursor="+body["nextCursor"].(string), "")
	if code != 200 || len(body["items"].([]any)) != 1 {
		t.Fatalf("page 2: %d %v", code, body)
	}
	code, body = f.do(t, "GET", "/product?category=toys", "")
	if code != 200 || len(body["items"].([]any)) != 0 {
		t.Fatalf("empty category: %d %v", code, body)
	}
}

// Anyone may read the catalog; only an admin may change it. A refused
// request answers 401 (no caller) or 403 and appends nothing.
func TestProductAccess(t *testing.T) {
	f := newFixture(t, failingLister{})
	_, body := f.do(t, "POST", "/product", mug)
	id := body["id"].(string)
	cat := readmodeltest.Catalog(t, readmodeltest.Client(t))
	f.api.Catalog = cat

	type want struct{ anonymous, owner, other, admin int }
	reads, writes := want{200, 200, 200, 200}, want{401, 403, 403, 0}
	routes := []struct {
		method, path, body string
		want               want
		adminStatus        int
	}{
		{"GET", "/product", "", reads, 200},
		{"GET", "/product/" + id, "", reads, 200},
		{"POST", "/product", mug, writes, 201},
		{"PUT", "/product/" + id, `{"name":"Big mug"}`, writes, 200},
		{"POST", "/product/" + id + "/stock", `{"quantity":1}`, writes, 200},
		{"DELETE", "/product/" + id, "", writes, 204},
	}
	callers := []struct {
		name   string
		caller *httpapi.Caller
		status func(want) int
	}{
		{"anonymous", nil, func(w want) int { return w.anonymous }},
		{"owner", shopper, func(w want) int { return w.owner }},
		{"other shopper", other, func(w want) int { return w.other }},
		{"admin", admin, func(w want) int { return w.admin }},
	}
	for _, rt := range routes {
		for _, c := range callers {
			t.Run(rt.method+" "+rt.path+"/"+c.name, func(t *testing.T) {
				want := c.status(rt.want)
				if want == 0 {
					want = rt.adminStatus
				}
				before := f.eventCount(t)
				f.as = c.caller
				code, body := f.do(t, rt.method, rt.path, rt.body)
				if code != want {
					t.Fatalf("%d %v, want %d", code, body, want)
				}
				switch {
				case code == 401 && errCode(body) != "unauthenticated", code == 403 && errCode(body) != "forbidden":
					t.Fatalf("error %v", body)
				case code >= 400 && f.eventCount(t) != before:
					t.Fatalf("a refused request appended %d events", f.eventCount(t)-before)
				}
			})
		}
	}
}
