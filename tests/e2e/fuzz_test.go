package e2e

import (
	"encoding/json"
	"flag"
	"fmt"
	neturl "net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"pgregory.net/rapid"
)

// fuzzRequests is how many random requests TestRandomInput sends: 10000
// by default (about 40 s against the local stack); SHOPSTREAM_FUZZ_REQUESTS
// scales it up or down.
func fuzzRequests(t *testing.T) int {
	n := 10000
	if s := os.Getenv("SHOPSTREAM_FUZZ_REQUESTS"); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil || v < 1 {
			t.Fatalf("SHOPSTREAM_FUZZ_REQUESTS=%q: want a positive whole number", s)
		}
		n = v
	}
	return n
}

// fieldNames are the JSON names the routes know, so random objects often
// get past "unknown field" to the checks behind it.
var fieldNames = []string{"name", "description", "category", "price", "currency", "imageFile", "stock",
	"quantity", "userName", "items", "productId", "productName", "firstName", "lastName", "email",
	"address", "paymentMethod", "cardInfo", "number", "expiry", "cvc", "holder"}

// jsonValue draws a random JSON value: every type, unicode and control
// characters, huge and odd numbers, nesting.
func jsonValue(depth int) *rapid.Generator[any] {
	return rapid.Custom(func(t *rapid.T) any {
		kinds := 7
		if depth <= 0 {
			kinds = 5
		}
		switch rapid.IntRange(0, kinds-1).Draw(t, "kind") {
		case 0:
			return nil
		case 1:
			return rapid.Bool().Draw(t, "bool")
		case 2:
			return json.Number(rapid.SampledFrom([]string{"0", "-0", "1", "-1", "1e3", "950.0", "1.5", "1e400", "-1e400",
				"9223372036854775807", "9223372036854775808", "1e-400", "1000000", "1000001", "999999999", "12.50e1",
			}).Draw(t, "number"))
		case 3:
			return json.Number(strconv.FormatInt(rapid.Int64().Draw(t, "int"), 10))
		case 4:
			return rapid.OneOf(
				rapid.String(),
				rapid.StringMatching(`[a-z0-9.\-_@/%:]{0,12}`),
				rapid.SampledFrom([]string{"", "EUR", "USD", "card", "bitcoin", "ann@example.com", "4242424242424242",
					"12/30", "mug.png", "../../etc/passwd", "javascript:alert(1)", "\x00", "\x1b[2J", "\u202e", "\u2066", "\u0085",
					strings.Repeat("x", 3000)}),
			).Draw(t, "string")
		case 5:
			n := rapid.IntRange(0, 4).Draw(t, "len")
			arr := make([]any, n)
			for i := range arr {
				arr[i] = jsonValue(depth-1).Draw(t, "el")
			}
			return arr
		default:
			n := rapid.IntRange(0, 5).Draw(t, "fields")
			obj := map[string]any{}
			for range n {
				k := rapid.OneOf(rapid.SampledFrom(fieldNames), rapid.String()).Draw(t, "key")
				obj[k] = jsonValue(depth-1).Draw(t, "value")
			}
			return obj
		}
	})
}

// body draws a request body: mostly JSON near a route's shape, sometimes
// raw text (malformed JSON, duplicate keys, deep nesting, bad UTF-8).
func body(user, product string) *rapid.Generator[string] {
	return rapid.Custom(func(t *rapid.T) string {
		switch rapid.IntRange(0, 9).Draw(t, "bodyKind") {
		case 0:
			return rapid.SampledFrom([]string{"", "{", "[]", "null", "1", `"x"`, "{}", "{}{}", "\xff\xfe",
				`{"userName":"a","userName":"b"}`, strings.Repeat("[", 200) + strings.Repeat("]", 200),
				`{"items":[{"productId":"` + product + `","quantity":1,"quantity":0}]}`,
			}).Draw(t, "raw")
		case 1:
			raw, _ := json.Marshal(jsonValue(3).Draw(t, "any"))
			return string(raw)
		}
		// An object with some of a real request's fields, some values
		// real, some random.
		obj := map[string]any{}
		real := map[string]any{"userName": user, "productId": product, "name": "Fuzz", "category": "fuzz",
			"price": 100, "currency": "EUR", "quantity": 1, "paymentMethod": "card",
			"items":     []any{map[string]any{"productId": product, "quantity": 1}},
			"cardInfo":  map[string]any{"number": "4000000000000002", "expiry": "12/30", "cvc": "123"},
			"firstName": "F", "lastName": "Z", "email": "f@example.com", "address": "1 Fuzz St"}
		for _, k := range fieldNames {
			if !rapid.Bool().Draw(t, "has "+k) {
				continue
			}
			if v, ok := real[k]; ok && rapid.Bool().Draw(t, "real "+k) {
				obj[k] = v
			} else {
				obj[k] = jsonValue(2).Draw(t, k)
			}
		}
		raw, _ := json.Marshal(obj)
		return string(raw)
	})
}

type fuzzRoute struct {
	method, path string
	// writes: the route may change streams, so a refusal is checked.
	writes bool
}

// TestRandomInput throws random requests at every route, as a shopper
// acting for themself and as an admin, and checks that no answer is a
// 5xx or not JSON, and that no refused (4xx) request changed a stream.
// The deleting and clearing routes get random query strings and paths
// only, so the stack keeps something to refuse changes to.
func TestRandomInput(t *testing.T) {
	h := stack(t)
	admin := h.client(t)
	user := unique(t, "fuzz")
	shopper := h.as(t, user)
	mug := admin.createProduct("Mug", 1250, 1000)
	shopper.setBasket(user, map[string]int{mug: 1})
	watched := []string{"product-" + mug, "basket-" + user}
	versions := func() string {
		var b strings.Builder
		for _, id := range watched {
			fmt.Fprintf(&b, "%s:%d ", id, len(admin.auditTypes(id)))
		}
		return b.String()
	}
	routes := []fuzzRoute{
		{"POST", "/product", true}, {"GET", "/product", false}, {"GET", "/product/{id}", false},
		{"PUT", "/product/{id}", true}, {"POST", "/product/{id}/stock", true},
		{"GET", "/basket", false}, {"GET", "/basket/{user}", false}, {"POST", "/basket", true},
		{"POST", "/basket/checkout", true}, {"GET", "/checkout/{id}", false},
		{"GET", "/order", false}, {"GET", "/order/{user}", false}, {"GET", "/order/{user}/{id}", false},
		{"GET", "/audit/{stream}", false}, {"DELETE", "/product/{id}", true}, {"DELETE", "/basket/{user}", true},
	}
	n := fuzzRequests(t)
	if err := flag.Set("rapid.checks", strconv.Itoa(n)); err != nil {
		t.Fatal(err)
	}
	var sent, refused, accepted atomic.Int64
	start := time.Now()
	state := versions()
	rapid.Check(t, func(rt *rapid.T) {
		r := rapid.SampledFrom(routes).Draw(rt, "route")
		asAdmin := rapid.Bool().Draw(rt, "asAdmin")
		c := shopper
		if asAdmin {
			c = admin
		}
		// Path parameters: mostly the real ones, sometimes random text.
		segment := func(real string) string {
			switch rapid.IntRange(0, 5).Draw(rt, "segmentKind") {
			case 0:
				return neturl.PathEscape(rapid.String().Draw(rt, "segment"))
			case 1:
				return rapid.SampledFrom([]string{"..", ".", "a%2Fb", "%2e%2e", "", "x y", "nope", strings.Repeat("a", 300)}).Draw(rt, "segment")
			}
			return real
		}
		path := r.path
		path = strings.ReplaceAll(path, "{id}", segment(mug))
		path = strings.ReplaceAll(path, "{user}", segment(user))
		path = strings.ReplaceAll(path, "{stream}", segment("basket-"+user))
		destructive := r.method == "DELETE"
		if destructive && !strings.Contains(path, "?") {
			// Only refusals: a real DELETE would remove what the rest
			// checks against, so send it something it must refuse.
			path += "?" + rapid.SampledFrom([]string{"x=1", "force=true", "limit=1&limit=2"}).Draw(rt, "refusal")
		}
		if !destructive && rapid.IntRange(0, 3).Draw(rt, "hasQuery") == 0 {
			q := neturl.Values{}
			for range rapid.IntRange(1, 3).Draw(rt, "params") {
				k := rapid.SampledFrom([]string{"limit", "cursor", "category", "orderDate", "from", "x", "sort"}).Draw(rt, "param")
				q.Add(k, rapid.OneOf(rapid.SampledFrom([]string{"1", "-1", "0", "1000", "2026-13", "2026-02-30", "2026-11", "today", ""}), rapid.String()).Draw(rt, "value"))
			}
			path += "?" + q.Encode()
		}
		var b string
		if r.method == "POST" || r.method == "PUT" {
			b = body(user, mug).Draw(rt, "body")
		}
		code, out := rawDo(c, r.method, path, b)
		sent.Add(1)
		switch {
		case code == 0:
			rt.Fatalf("%s %s: %v", r.method, path, out)
		case code >= 500:
			rt.Fatalf("%s %s %q: %d %v", r.method, path, b, code, out)
		case out["notJSON"] != nil:
			rt.Fatalf("%s %s: %d answer is not JSON: %v", r.method, path, code, out["notJSON"])
		}
		if !r.writes {
			return
		}
		now := versions()
		if code >= 400 {
			refused.Add(1)
			if now != state {
				rt.Fatalf("%s %s %q: %d %v, yet streams changed: %s → %s", r.method, path, b, code, out, state, now)
			}
			return
		}
		accepted.Add(1)
		state = now
		if slices.Contains([]string{"/basket/checkout"}, r.path) {
			// A checkout started: wait until it ends, so the basket stops
			// changing under the next request.
			if id, _ := out["checkoutId"].(string); id != "" {
				shopper.withToken(admin.token).waitCheckout(id)
				state = versions()
			}
		}
	})
	t.Logf("%d random requests in %s: %d writes refused with no change, %d accepted",
		sent.Load(), time.Since(start).Round(time.Millisecond), refused.Load(), accepted.Load())
}
