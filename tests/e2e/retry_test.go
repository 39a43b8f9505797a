package e2e

import "testing"

// TestKeyedCheckoutRetriedAfterItEnded is a client retrying after a lost
// 202: the same Idempotency-Key and body get the same checkout back once
// it has SUCCEEDED or FAILED, and a different body under that key is 409.
func TestKeyedCheckoutRetriedAfterItEnded(t *testing.T) {
	h := stack(t)
	admin := h.client(t)
	mug := admin.createProduct("Mug", 1250, 5)
	for _, tt := range []struct {
		card, status string
	}{
		{cardApproved, "SUCCEEDED"},
		{cardDeclined, "FAILED"},
	} {
		t.Run(tt.status, func(t *testing.T) {
			user := unique(t, "retry")
			u := h.as(t, user)
			u.t = t
			u.setBasket(user, map[string]int{mug: 1})
			key := []string{"Idempotency-Key", unique(t, "key")}
			body := checkoutRequest(user, tt.card)
			first := u.must(202, "POST", "/basket/checkout", body, key...)
			if st := u.waitCheckout(first["checkoutId"].(string)); st["status"] != tt.status {
				t.Fatalf("checkout: %v, want %s", st, tt.status)
			}
			again := u.must(202, "POST", "/basket/checkout", body, key...)
			if again["checkoutId"] != first["checkoutId"] || again["executionArn"] != first["executionArn"] {
				t.Fatalf("retry after %s answered %v, want the first answer %v", tt.status, again, first)
			}
			other := checkoutRequest(user, tt.card)
			other["address"] = "2 Other St"
			code, out := u.do("POST", "/basket/checkout", other, key...)
			if e, _ := out["error"].(map[string]any); code != 409 || e["code"] != "idempotency_key_reused" {
				t.Fatalf("another request under the same key: %d %v, want 409 idempotency_key_reused", code, out)
			}
		})
	}
}
