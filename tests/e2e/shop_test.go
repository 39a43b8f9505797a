package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// Test cards of the simulated gateway (internal/payment).
const (
	cardApproved = "4242424242424242"
	cardDeclined = "4000000000000002"
	cardFlaky    = "4000000000000259"
)

// checkoutWithin bounds a checkout: retry waits are scaled down locally.
const checkoutWithin = 60 * time.Second

func (c *client) createProduct(name string, price, stock int) string {
	c.t.Helper()
	out := c.must(201, "POST", "/product", map[string]any{
		"name": name, "description": "e2e", "category": "e2e", "price": price, "currency": "EUR", "imageFile": strings.ReplaceAll(name, " ", "-") + ".png", "stock": stock,
	})
	return out["id"].(string)
}

func (c *client) stock(productID string) int {
	c.t.Helper()
	return int(c.must(200, "GET", "/product/"+productID, nil)["stock"].(float64))
}

func (c *client) setBasket(user string, items map[string]int) {
	c.t.Helper()
	var list []map[string]any
	for id, q := range items {
		list = append(list, map[string]any{"productId": id, "quantity": q})
	}
	c.must(200, "POST", "/basket", map[string]any{"userName": user, "items": list})
}

func checkoutRequest(user, card string) map[string]any {
	return map[string]any{
		"userName": user, "firstName": "Ann", "lastName": "Lee", "email": "ann@example.com",
		"address": "1 Main St", "paymentMethod": "card",
		"cardInfo": map[string]any{"number": card, "expiry": "12/30", "cvc": "123"},
	}
}

// checkout starts a checkout and returns its id.
func (c *client) checkout(user, card string) string {
	c.t.Helper()
	out := c.must(202, "POST", "/basket/checkout", checkoutRequest(user, card))
	return out["checkoutId"].(string)
}

// waitCheckout polls the checkout until it ends and returns its status.
func (c *client) waitCheckout(id string) map[string]any {
	c.t.Helper()
	var st map[string]any
	eventually(c.t, checkoutWithin, "checkout "+id+" ends", func() bool {
		_, st = c.do("GET", "/checkout/"+id, nil)
		return st["status"] == "SUCCEEDED" || st["status"] == "FAILED"
	})
	return st
}

func (c *client) orders(user string) []any {
	c.t.Helper()
	return c.must(200, "GET", "/order/"+user, nil)["items"].([]any)
}

// checkedOut creates a product, has a new shopper (named from prefix) put
// quantity of it in their basket and check out with the approved card,
// and returns the admin and shopper clients, the shopper's name and the
// checkout's final status, which it requires to be SUCCEEDED.
func (h *stackHandle) checkedOut(t *testing.T, prefix string, quantity int) (admin, shopper *client, user string, st map[string]any) {
	t.Helper()
	admin = h.client(t)
	user = unique(t, prefix)
	shopper = h.as(t, user)
	mug := admin.createProduct("Mug", 1250, 5)
	shopper.setBasket(user, map[string]int{mug: quantity})
	st = shopper.waitCheckout(shopper.checkout(user, cardApproved))
	if st["status"] != "SUCCEEDED" {
		t.Fatalf("checkout: %v", st)
	}
	return admin, shopper, user, st
}

// checkedOutEvent returns the stored BasketCheckedOut of user's basket as
// the audit trail shows it: the event the publisher put on the bus.
func checkedOutEvent(c *client, user string) map[string]any {
	c.t.Helper()
	audit := c.must(200, "GET", "/audit/basket-"+user, nil)
	for _, e := range audit["events"].([]any) {
		if m := e.(map[string]any); m["type"] == "BasketCheckedOut" {
			return m
		}
	}
	c.t.Fatalf("no BasketCheckedOut in basket-%s", user)
	return nil
}

// auditTypes returns the event types of stream in version order, paging
// through GET /audit with its nextCursor; nil for a stream with no events.
func (c *client) auditTypes(stream string) []string {
	c.t.Helper()
	return c.auditPages(stream, "")
}

// auditPages is auditTypes reading pages of ?limit= events ("" for the
// route's default).
func (c *client) auditPages(stream, limit string) []string {
	c.t.Helper()
	var types []string
	first, sep := "/audit/"+stream, "?"
	if limit != "" {
		first, sep = first+"?limit="+limit, "&"
	}
	path := first
	for {
		code, out := c.do("GET", path, nil)
		if code == 404 && types == nil {
			return nil
		}
		if code != 200 {
			c.t.Fatalf("audit %s: %d %v", path, code, out)
		}
		for _, e := range out["events"].([]any) {
			m := e.(map[string]any)
			if int(m["version"].(float64)) != len(types)+1 {
				c.t.Fatalf("audit %s: event %d has version %v", stream, len(types), m["version"])
			}
			types = append(types, m["type"].(string))
		}
		next, _ := out["nextCursor"].(string)
		if next == "" {
			return types
		}
		// A cursor is base64url and a dot: nothing to escape.
		path = first + sep + "cursor=" + next
	}
}

func count(types []string, t string) int {
	n := 0
	for _, x := range types {
		if x == t {
			n++
		}
	}
	return n
}

func TestHappyPath(t *testing.T) {
	h := stack(t)
	c := h.client(t)
	user := unique(t, "happy")
	u := h.as(t, user)
	mug := c.createProduct("Mug", 1250, 5)
	tea := c.createProduct("Tea", 400, 20)
	// The client's price is ignored: the catalog's is used.
	u.must(200, "POST", "/basket", map[string]any{"userName": user, "items": []map[string]any{
		{"productId": mug, "quantity": 2, "price": 1}, {"productId": tea, "quantity": 3},
	}})

	id := u.checkout(user, cardApproved)
	st := u.waitCheckout(id)
	if st["status"] != "SUCCEEDED" || st["orderId"] == nil {
		t.Fatalf("checkout: %v", st)
	}
	orderID := st["orderId"].(string)

	eventually(t, 30*time.Second, "order visible", func() bool { return len(u.orders(user)) > 0 })
	order := u.must(200, "GET", "/order/"+user+"/"+orderID, nil)
	if order["total"].(float64) != 2*1250+3*400 || len(order["lines"].([]any)) != 2 {
		t.Fatalf("order: %v", order)
	}
	for _, l := range order["lines"].([]any) {
		line := l.(map[string]any)
		want := map[string]float64{mug: 1250, tea: 400}[line["productId"].(string)]
		if line["unitPrice"].(float64) != want {
			t.Fatalf("line priced %v, want the catalog's %v", line["unitPrice"], want)
		}
	}
	if got := c.stock(mug); got != 3 {
		t.Fatalf("mug stock %d, want 3", got)
	}
	if got := c.stock(tea); got != 17 {
		t.Fatalf("tea stock %d, want 17", got)
	}

	basket := strings.Join(c.auditTypes("basket-"+user), ",")
	if !strings.HasSuffix(basket, "CheckoutStarted,BasketCheckedOut") || !strings.HasPrefix(basket, "BasketItemQuantitySet") {
		t.Fatalf("basket audit: %s", basket)
	}
	if got := strings.Join(c.auditTypes("product-"+mug), ","); got != "ProductCreated,StockAdded,StockReserved" {
		t.Fatalf("product audit: %s", got)
	}
	if got := strings.Join(c.auditTypes("order-"+orderID), ","); got != "OrderPlaced" {
		t.Fatalf("order audit: %s", got)
	}
	// The basket is empty and usable again.
	if items := u.must(200, "GET", "/basket/"+user, nil)["items"].([]any); len(items) != 0 {
		t.Fatalf("basket after checkout: %v", items)
	}
	// Once every delivery of the checkout has been consumed, still one.
	h.waitQuiet(t)
	if orders := u.orders(user); len(orders) != 1 {
		t.Fatalf("want exactly one order, got %v", orders)
	}
}

func TestPaymentDeclined(t *testing.T) {
	h := stack(t)
	c := h.client(t)
	user := unique(t, "declined")
	u := h.as(t, user)
	mug := c.createProduct("Mug", 1250, 5)
	u.setBasket(user, map[string]int{mug: 2})

	st := u.waitCheckout(u.checkout(user, cardDeclined))
	reason, _ := st["reason"].(map[string]any)
	if st["status"] != "FAILED" || reason["code"] != "payment_declined" {
		t.Fatalf("checkout: %v", st)
	}
	if got := c.stock(mug); got != 5 {
		t.Fatalf("stock %d after a declined payment, want 5 (released)", got)
	}
	if types := c.auditTypes("product-" + mug); count(types, "StockReserved") != 1 || count(types, "StockReservationReleased") != 1 {
		t.Fatalf("product audit: %v", types)
	}
	// The basket is usable again: change it and check out successfully.
	u.setBasket(user, map[string]int{mug: 1})
	second := u.waitCheckout(u.checkout(user, cardApproved))
	if second["status"] != "SUCCEEDED" {
		t.Fatalf("second checkout: %v", second)
	}
	// With everything consumed, the user has the second checkout's order
	// and none from the declined one.
	h.waitQuiet(t)
	orders := u.orders(user)
	if len(orders) != 1 || orders[0].(map[string]any)["orderId"] != second["orderId"] {
		t.Fatalf("orders %v, want only the approved checkout's %v", orders, second["orderId"])
	}
}

func TestTransientPaymentFailureIsRetried(t *testing.T) {
	h := stack(t)
	c := h.client(t)
	user := unique(t, "flaky")
	u := h.as(t, user)
	mug := c.createProduct("Mug", 1250, 5)
	u.setBasket(user, map[string]int{mug: 1})
	if st := u.waitCheckout(u.checkout(user, cardFlaky)); st["status"] != "SUCCEEDED" {
		t.Fatalf("checkout with a card that fails once: %v", st)
	}
}

func TestOutOfStock(t *testing.T) {
	h := stack(t)
	c := h.client(t)
	user := unique(t, "oos")
	u := h.as(t, user)
	mug := c.createProduct("Mug", 1250, 1)
	u.setBasket(user, map[string]int{mug: 2})

	st := u.waitCheckout(u.checkout(user, cardApproved))
	reason, _ := st["reason"].(map[string]any)
	if st["status"] != "FAILED" || reason["code"] != "out_of_stock" {
		t.Fatalf("checkout: %v", st)
	}
	if got := c.stock(mug); got != 1 {
		t.Fatalf("stock %d, want 1", got)
	}
	if types := c.auditTypes("product-" + mug); count(types, "StockReserved") != 0 {
		t.Fatalf("something was reserved: %v", types)
	}
	h.waitQuiet(t)
	if orders := u.orders(user); len(orders) != 0 {
		t.Fatalf("orders after an out-of-stock checkout: %v", orders)
	}
}

func TestConcurrentCheckoutsDoNotOversell(t *testing.T) {
	h := stack(t)
	c := h.client(t)
	const buyers, units = 20, 5
	mug := c.createProduct("Mug", 1250, units)
	users := make([]string, buyers)
	shoppers := make([]*client, buyers)
	ids := make([]string, buyers)
	for i := range users {
		users[i] = fmt.Sprintf("%s-%d", unique(t, "race"), i)
		shoppers[i] = h.as(t, users[i])
		shoppers[i].setBasket(users[i], map[string]int{mug: 1})
	}
	errs := make(chan string, buyers)
	for i := range users {
		go func() {
			code, out := shoppers[i].do("POST", "/basket/checkout", checkoutRequest(users[i], cardApproved))
			if code != 202 {
				errs <- fmt.Sprintf("checkout %d: %d %v", i, code, out)
				return
			}
			ids[i] = out["checkoutId"].(string)
			errs <- ""
		}()
	}
	for range users {
		if e := <-errs; e != "" {
			t.Fatal(e)
		}
	}
	succeeded := 0
	for i, id := range ids {
		st := shoppers[i].waitCheckout(id)
		if st["status"] == "SUCCEEDED" {
			succeeded++
		} else if r, _ := st["reason"].(map[string]any); r["code"] != "out_of_stock" {
			t.Fatalf("checkout %s failed for another reason: %v", id, st)
		}
		if s := c.stock(mug); s < 0 {
			t.Fatalf("stock went negative: %d", s)
		}
	}
	if succeeded != units {
		t.Fatalf("%d checkouts succeeded, want exactly %d", succeeded, units)
	}
	if s := c.stock(mug); s != 0 {
		t.Fatalf("stock %d, want 0", s)
	}
	total := func() int {
		n := 0
		for i, u := range users {
			n += len(shoppers[i].orders(u))
		}
		return n
	}
	eventually(t, 30*time.Second, "5 orders visible", func() bool { return total() >= units })
	h.waitQuiet(t)
	if n := total(); n != units {
		t.Fatalf("%d orders once everything was consumed, want %d", n, units)
	}
}
