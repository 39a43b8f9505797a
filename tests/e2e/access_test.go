package e2e

import (
	"strings"
	"testing"
)

// route is one protected route of the REST API, with the path and body a
// request on behalf of owner uses.
type route struct {
	method, path string
	body         any
}

func (r route) String() string { return r.method + " " + r.path }

// TestAccessMatrix checks who may call what, with real tokens from the
// stack's user pool: anonymous callers get API Gateway's 401 on every
// protected route; a shopper gets 403 on another shopper's basket, orders,
// checkout and audit trail, on product writes and on the admin listings,
// and changes nothing; the owner and an admin are allowed.
func TestAccessMatrix(t *testing.T) {
	h := stack(t)
	h.logOnFailure(t)
	admin := h.client(t)
	victim := unique(t, "victim")
	v := h.as(t, victim)
	intruder := h.as(t, unique(t, "intruder"))

	// The victim has an order, a finished checkout and a full basket.
	mug := admin.createProduct("Mug", 1250, 10)
	v.setBasket(victim, map[string]int{mug: 1})
	checkoutID := v.checkout(victim, cardApproved)
	st := v.waitCheckout(checkoutID)
	if st["status"] != "SUCCEEDED" {
		t.Fatalf("victim's checkout: %v", st)
	}
	orderID := st["orderId"].(string)
	eventually(t, checkoutWithin, "victim's order visible", func() bool { return len(v.orders(victim)) == 1 })
	v.setBasket(victim, map[string]int{mug: 2})
	h.waitQuiet(t)

	streams := []string{"basket-" + victim, "product-" + mug, "order-" + orderID}
	before := map[string]string{}
	for _, s := range streams {
		before[s] = strings.Join(admin.auditTypes(s), ",")
	}

	victimsRoutes := []route{
		{"GET", "/basket/" + victim, nil},
		{"POST", "/basket", map[string]any{"userName": victim, "items": []map[string]any{{"productId": mug, "quantity": 5}}}},
		{"DELETE", "/basket/" + victim, nil},
		{"POST", "/basket/checkout", checkoutRequest(victim, cardApproved)},
		{"GET", "/checkout/" + checkoutID, nil},
		{"GET", "/order/" + victim, nil},
		{"GET", "/order/" + victim + "/" + orderID, nil},
	}
	adminRoutes := []route{
		{"POST", "/product", map[string]any{"name": "Free", "category": "e2e", "price": 1, "currency": "EUR"}},
		{"PUT", "/product/" + mug, map[string]any{"price": 1, "currency": "EUR"}},
		{"POST", "/product/" + mug + "/stock", map[string]any{"quantity": 1000}},
		{"DELETE", "/product/" + mug, nil},
		{"GET", "/audit/basket-" + victim, nil},
		{"GET", "/basket", nil},
		{"GET", "/order", nil},
	}

	t.Run("anonymous", func(t *testing.T) {
		anon := h.anonymous(t)
		for _, r := range append(append([]route{}, victimsRoutes...), adminRoutes...) {
			code, out := anon.do(r.method, r.path, r.body)
			if code != 401 || out["message"] != "Unauthorized" {
				t.Errorf("%s without a token: %d %v, want 401 {\"message\":\"Unauthorized\"}", r, code, out)
			}
		}
		// The catalog stays public.
		anon.must(200, "GET", "/product", nil)
		anon.must(200, "GET", "/product/"+mug, nil)
	})
	t.Run("another shopper", func(t *testing.T) {
		intruder := intruder.withToken(intruder.token)
		intruder.t = t
		for _, r := range append(append([]route{}, victimsRoutes...), adminRoutes...) {
			code, out := intruder.do(r.method, r.path, r.body)
			e, _ := out["error"].(map[string]any)
			if code != 403 || e["code"] != "forbidden" {
				t.Errorf("%s as another shopper: %d %v, want 403 forbidden", r, code, out)
			}
		}
	})
	t.Run("nothing changed", func(t *testing.T) {
		h.waitQuiet(t)
		for _, s := range streams {
			if got := strings.Join(admin.auditTypes(s), ","); got != before[s] {
				t.Errorf("%s changed: %s → %s", s, before[s], got)
			}
		}
		if got := admin.stock(mug); got != 9 {
			t.Errorf("mug stock %d, want 9", got)
		}
	})
	t.Run("owner", func(t *testing.T) {
		v := v.withToken(v.token)
		v.t = t
		for _, r := range victimsRoutes[:1] {
			v.must(200, r.method, r.path, r.body)
		}
		v.must(200, "GET", "/checkout/"+checkoutID, nil)
		v.must(200, "GET", "/order/"+victim, nil)
		v.must(200, "GET", "/order/"+victim+"/"+orderID, nil)
	})
	t.Run("admin", func(t *testing.T) {
		admin := admin.withToken(admin.token)
		admin.t = t
		for _, r := range []route{
			{"GET", "/basket/" + victim, nil},
			{"GET", "/checkout/" + checkoutID, nil},
			{"GET", "/order/" + victim, nil},
			{"GET", "/order/" + victim + "/" + orderID, nil},
			{"GET", "/audit/basket-" + victim, nil},
			{"GET", "/basket?limit=5", nil},
			{"GET", "/order?limit=5", nil},
			{"PUT", "/product/" + mug, map[string]any{"price": 1300, "currency": "EUR"}},
			{"POST", "/product/" + mug + "/stock", map[string]any{"quantity": 1}},
		} {
			admin.must(200, r.method, r.path, r.body)
		}
	})
}

// TestBadTokens: a tampered token and a token that is not a JWT are
// refused by API Gateway before any function runs.
func TestBadTokens(t *testing.T) {
	h := stack(t)
	user := unique(t, "tamper")
	u := h.as(t, user)
	parts := strings.Split(u.token, ".")
	if len(parts) != 3 {
		t.Fatalf("ID token has %d parts", len(parts))
	}
	// Change the payload (its last character, within the base64url
	// alphabet): the signature no longer matches.
	payload := []byte(parts[1])
	last := len(payload) - 1
	if payload[last] == 'A' {
		payload[last] = 'B'
	} else {
		payload[last] = 'A'
	}
	for name, tok := range map[string]string{
		"tampered payload": parts[0] + "." + string(payload) + "." + parts[2],
		"no signature":     parts[0] + "." + parts[1] + ".",
		"not a JWT":        "let-me-in",
	} {
		code, out := u.withToken(tok).do("GET", "/basket/"+user, nil)
		if code != 401 {
			t.Errorf("%s: %d %v, want 401", name, code, out)
		}
	}
}

// TestExpiredAndForeignTokens restarts the runtime on the same data
// directory with its token clock two hours ahead: the token issued before
// is then expired (API Gateway answers 401), while a fresh sign-in works.
// A token from another stack's user pool (another data directory, other
// keys) is refused too.
func TestExpiredAndForeignTokens(t *testing.T) {
	localOnly(t)
	dir := t.TempDir()
	h, err := startRuntime(runtimeOptions{dataDir: dir, bare: true})
	if err != nil {
		t.Fatal(err)
	}
	user := unique(t, "expiry")
	old := h.as(t, user)
	old.must(200, "GET", "/basket/"+user, nil)
	h.stop()

	later, err := startRuntime(runtimeOptions{dataDir: dir, bare: true, env: []string{"SHOPSTREAM_FAULT_TOKEN_CLOCK_OFFSET=2h"}})
	if err != nil {
		t.Fatal(err)
	}
	defer later.stop()
	later.logOnFailure(t)
	if !strings.Contains(later.logs.String(), "fault injected: token clock 2h0m0s ahead") {
		t.Fatalf("the restarted runtime did not set its token clock ahead:\n%s", later.logs.String())
	}
	expired := &client{t: t, base: later.APIURL, user: user, token: old.token}
	if code, out := expired.do("GET", "/basket/"+user, nil); code != 401 {
		t.Fatalf("token issued 2h before: %d %v, want 401", code, out)
	}
	fresh := later.as(t, user)
	fresh.must(200, "GET", "/basket/"+user, nil)

	foreign := stack(t).as(t, unique(t, "foreign"))
	if code, out := foreign.withToken(fresh.token).do("GET", "/basket/"+user, nil); code != 401 {
		t.Fatalf("a token of another stack's pool: %d %v, want 401", code, out)
	}
}
