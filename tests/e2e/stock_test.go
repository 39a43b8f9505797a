package e2e

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"sync"
	"testing"
)

// More test cards of the simulated gateway (internal/payment).
const (
	cardInsufficient = "4000000000009995"
	cardUnavailable  = "4000000000000341"
)

// auditEvents returns every event of a stream, in version order, paging
// through /audit.
func (c *client) auditEvents(stream string) []map[string]any {
	c.t.Helper()
	var out []map[string]any
	from := 1
	for {
		code, page := c.do("GET", "/audit/"+stream+"?limit=1000&from="+strconv.Itoa(from), nil)
		if code == 404 && from == 1 {
			return nil
		}
		if code != 200 {
			c.t.Fatalf("audit %s: %d %v", stream, code, page)
		}
		for _, e := range page["events"].([]any) {
			out = append(out, e.(map[string]any))
		}
		next, ok := page["nextFrom"].(float64)
		if !ok {
			return out
		}
		from = int(next)
	}
}

// eventData decodes an audit event's data into v.
func eventData(c *client, e map[string]any, v any) {
	c.t.Helper()
	raw, _ := json.Marshal(e["data"])
	if err := json.Unmarshal(raw, v); err != nil {
		c.t.Fatalf("event %v: %v", e, err)
	}
}

// checkStock checks what shopstream-audit verify checks (internal/audit),
// over the given products and the baskets of users, through the audit
// API: every unit a product holds is reserved by a checkout its basket
// shows running or confirmed; no confirmed checkout's reservation was
// released.
func checkStock(t *testing.T, c *client, products, users []string) {
	t.Helper()
	state := map[string]string{} // checkout id → running, confirmed, failed
	for _, u := range users {
		for _, e := range c.auditEvents("basket-" + u) {
			var d struct{ CheckoutID string }
			eventData(c, e, &d)
			switch e["type"] {
			case "CheckoutStarted":
				if state[d.CheckoutID] == "" {
					state[d.CheckoutID] = "running"
				}
			case "BasketCheckedOut":
				state[d.CheckoutID] = "confirmed"
			case "CheckoutFailed":
				state[d.CheckoutID] = "failed"
			}
		}
	}
	for _, p := range products {
		held, released := map[string]int{}, map[string]int{}
		for _, e := range c.auditEvents("product-" + p) {
			var d struct {
				CheckoutID string
				Quantity   int
			}
			eventData(c, e, &d)
			switch e["type"] {
			case "StockReserved":
				held[d.CheckoutID] += d.Quantity
			case "StockReservationReleased":
				released[d.CheckoutID] += d.Quantity
				delete(held, d.CheckoutID)
			}
		}
		for ck, q := range held {
			if s := state[ck]; s != "running" && s != "confirmed" {
				t.Errorf("stock product %s: holds %d units for checkout %s, which is %q", p, q, ck, s)
			}
		}
		for ck, q := range released {
			if q > 0 && state[ck] == "confirmed" {
				t.Errorf("stock product %s: released %d units of checkout %s, which is confirmed", p, q, ck)
			}
		}
	}
}

// A basket with one line out of stock fails, and every other line's
// reservation is released, whichever of the Map's concurrent reservations
// lands first: checkout after checkout, the stock of the lines in stock
// never moves.
func TestFailedMultiLineCheckoutsLoseNoStock(t *testing.T) {
	h := stack(t)
	c := h.client(t)
	mug, tea, jam := c.createProduct("Mug", 1250, 1000), c.createProduct("Tea", 400, 0), c.createProduct("Jam", 300, 1000)
	user := unique(t, "leak")
	u := h.as(t, user)
	u.setBasket(user, map[string]int{mug: 1, tea: 1, jam: 2})

	const checkouts = 15
	for i := range checkouts {
		st := u.waitCheckout(u.checkout(user, cardApproved))
		if r, _ := st["reason"].(map[string]any); st["status"] != "FAILED" || r["code"] != "out_of_stock" {
			t.Fatalf("checkout %d: %v", i, st)
		}
	}
	for id, want := range map[string]int{mug: 1000, tea: 0, jam: 1000} {
		if got := c.stock(id); got != want {
			t.Errorf("product %s: stock %d after %d failed checkouts, want %d (events %v)", id, got, checkouts, want, c.auditTypes("product-"+id))
		}
	}
	checkStock(t, c, []string{mug, tea, jam}, []string{user})
}

// Four shoppers check out baskets with a line out of stock at once, on the
// same products: the reservations contend (and retry), and still every
// unit comes back.
func TestConcurrentFailedCheckoutsLoseNoStock(t *testing.T) {
	h := stack(t)
	c := h.client(t)
	mug, tea, jam := c.createProduct("Mug", 1250, 1000), c.createProduct("Tea", 400, 0), c.createProduct("Jam", 300, 1000)
	const clients, each = 4, 4
	users := make([]string, clients)
	var wg sync.WaitGroup
	for i := range users {
		users[i] = fmt.Sprintf("%s-%d", unique(t, "leakc"), i)
		u := h.as(t, users[i])
		u.setBasket(users[i], map[string]int{mug: 1 + i%2, tea: 1, jam: 1})
		wg.Go(func() {
			for n := range each {
				st := u.waitCheckout(u.checkout(users[i], cardApproved))
				if r, _ := st["reason"].(map[string]any); st["status"] != "FAILED" || r["code"] != "out_of_stock" {
					t.Errorf("%s checkout %d: %v", users[i], n, st)
					return
				}
			}
		})
	}
	wg.Wait()
	for id, want := range map[string]int{mug: 1000, tea: 0, jam: 1000} {
		if got := c.stock(id); got != want {
			t.Errorf("product %s: stock %d, want %d", id, got, want)
		}
	}
	checkStock(t, c, []string{mug, tea, jam}, users)
}

// Shoppers with every kind of test card race for scarce stock over several
// products: some checkouts succeed, others run out of stock, are declined,
// retry a flaky gateway or give up on a down one. Every checkout ends, and
// each product's stock is exactly its initial stock less the units of the
// checkouts that succeeded.
func TestCardMixOnScarceStockKeepsStockExact(t *testing.T) {
	h := stack(t)
	c := h.client(t)
	initial := []int{6, 5, 8}
	products := make([]string, len(initial))
	for i, n := range initial {
		products[i] = c.createProduct(fmt.Sprintf("Scarce-%d", i), 500+100*i, n)
	}
	cards := []string{cardApproved, cardDeclined, cardInsufficient, cardFlaky, cardUnavailable}
	const shoppers = 12
	type result struct {
		basket map[string]int
		card   string
		status map[string]any
	}
	results := make([]result, shoppers)
	users := make([]string, shoppers)
	var wg sync.WaitGroup
	for i := range shoppers {
		users[i] = fmt.Sprintf("%s-%d", unique(t, "mix"), i)
		u := h.as(t, users[i])
		// Two or three lines of one or two units, over the products.
		basket := map[string]int{}
		for k := range 2 + i%2 {
			basket[products[(i+k)%len(products)]] = 1 + (i+k)%2
		}
		u.setBasket(users[i], basket)
		results[i] = result{basket: basket, card: cards[i%len(cards)]}
		wg.Go(func() {
			results[i].status = u.waitCheckout(u.checkout(users[i], results[i].card))
		})
	}
	wg.Wait()

	sold := map[string]int{}
	outcomes := map[string]int{}
	for i, r := range results {
		switch r.status["status"] {
		case "SUCCEEDED":
			if r.card != cardApproved && r.card != cardFlaky {
				t.Errorf("%s paid with %s and succeeded: %v", users[i], r.card, r.status)
			}
			for p, q := range r.basket {
				sold[p] += q
			}
			outcomes["succeeded"]++
		case "FAILED":
			reason, _ := r.status["reason"].(map[string]any)
			code, _ := reason["code"].(string)
			if code == "" {
				t.Errorf("%s failed without a reason: %v", users[i], r.status)
			}
			outcomes[code]++
		default:
			t.Errorf("%s did not end: %v", users[i], r.status)
		}
	}
	for i, p := range products {
		if got, want := c.stock(p), initial[i]-sold[p]; got != want {
			t.Errorf("product %s: stock %d, want %d (initial %d, %d sold)", p, got, want, initial[i], sold[p])
		}
	}
	checkStock(t, c, products, users)
	keys := make([]string, 0, len(outcomes))
	for k := range outcomes {
		keys = append(keys, fmt.Sprintf("%s=%d", k, outcomes[k]))
	}
	sort.Strings(keys)
	t.Logf("outcomes: %v", keys)
}
