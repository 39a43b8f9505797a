package basket

import (
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/shopstream/shopstream/internal/domain"
	"github.com/shopstream/shopstream/internal/domain/domaintest"
)

const user = "ada"

var ada = Customer{FirstName: "Ada", LastName: "Lovelace", Email: "ada@example.com",
	Address: "12 St James's Square, London", PaymentMethod: "card", CardLast4: "4242"}

func set(product string, n int64) BasketItemQuantitySet {
	return BasketItemQuantitySet{UserName: user, ProductID: product, Quantity: n}
}
func removed(product string) BasketItemRemoved {
	return BasketItemRemoved{UserName: user, ProductID: product}
}

var cleared = BasketCleared{UserName: user}

func started(checkout string, items ...Item) CheckoutStarted {
	return CheckoutStarted{UserName: user, CheckoutID: checkout, Customer: ada, Items: items}
}

// priced returns the lines and total for items at 100 minor units each.
func priced(items ...Item) ([]domain.PricedLine, int64) {
	var lines []domain.PricedLine
	var total int64
	for _, it := range items {
		lines = append(lines, domain.PricedLine{ProductID: it.ProductID, Name: "Product " + it.ProductID,
			UnitPrice: 100, Currency: "EUR", Quantity: it.Quantity, LineTotal: 100 * it.Quantity})
		total += 100 * it.Quantity
	}
	return lines, total
}

func completion(checkout string, items ...Item) Completion {
	lines, total := priced(items...)
	return Completion{CheckoutID: checkout, OrderID: domain.OrderIDFor(checkout), Lines: lines, Total: total, Currency: "EUR"}
}

func checkedOut(checkout string, items ...Item) BasketCheckedOut {
	c := completion(checkout, items...)
	return BasketCheckedOut{UserName: user, CheckoutID: checkout, OrderID: c.OrderID, Lines: c.Lines, Total: c.Total, Currency: "EUR"}
}

var declined = Reason{Code: "payment_declined", Message: "card declined"}

func failed(checkout string) CheckoutFailed {
	return CheckoutFailed{UserName: user, CheckoutID: checkout, Reason: declined}
}

var (
	a2 = Item{ProductID: "a", Quantity: 2}
	b1 = Item{ProductID: "b", Quantity: 1}
)

func events(es ...domain.Event) []domain.Event { return es }

// fold returns the basket after history, failing t on error.
func fold(t testing.TB, history ...domain.Event) *Basket {
	t.Helper()
	return domaintest.Fold(t, New, user, history...)
}

func clone(b *Basket) *Basket {
	c := *b
	c.items = slices.Clone(b.items)
	c.checkouts = maps.Clone(b.checkouts)
	return &c
}

// commandCase is a decide test for the aggregate; see domaintest.Run.
type commandCase = domaintest.Case[*Basket]

// run checks each case's outcome and that deciding changed nothing.
func run(t *testing.T, cases []commandCase) {
	t.Helper()
	domaintest.Run(t, fold, clone, cases)
}

func setQ(product string, n int64) func(*Basket) ([]domain.Event, error) {
	return func(b *Basket) ([]domain.Event, error) { return b.SetQuantity(product, n) }
}
func remove(product string) func(*Basket) ([]domain.Event, error) {
	return func(b *Basket) ([]domain.Event, error) { return b.RemoveItem(product) }
}
func clear(b *Basket) ([]domain.Event, error) { return b.Clear() }
func start(checkout string, c Customer) func(*Basket) ([]domain.Event, error) {
	return func(b *Basket) ([]domain.Event, error) { return b.StartCheckout(checkout, c) }
}
func complete(c Completion) func(*Basket) ([]domain.Event, error) {
	return func(b *Basket) ([]domain.Event, error) { return b.CompleteCheckout(c) }
}
func fail(checkout string, r Reason) func(*Basket) ([]domain.Event, error) {
	return func(b *Basket) ([]domain.Event, error) { return b.FailCheckout(checkout, r) }
}

func TestNew(t *testing.T) {
	for _, bad := range []string{"", "a b", "x/y", strings.Repeat("u", 129)} {
		var ve *domain.ValidationError
		if _, err := New(bad); !errors.As(err, &ve) || ve.Field != "userName" {
			t.Errorf("New(%q) = %v, want a userName ValidationError", bad, err)
		}
	}
}

func TestItems(t *testing.T) {
	full := make([]domain.Event, domain.MaxLines)
	for i := range full {
		full[i] = set(fmt.Sprint("p", i), 1)
	}
	running := events(set("a", 2), started("c1", a2))
	run(t, []commandCase{
		{Name: "add", Command: setQ("a", 2), Want: domaintest.Want{Events: events(set("a", 2))}},
		{Name: "change", History: events(set("a", 2)), Command: setQ("a", 5), Want: domaintest.Want{Events: events(set("a", 5))}},
		{Name: "max quantity", Command: setQ("a", domain.MaxQuantity), Want: domaintest.Want{Events: events(set("a", domain.MaxQuantity))}},
		{Name: "same quantity is a no-op", History: events(set("a", 2)), Command: setQ("a", 2)},
		{Name: "zero removes", History: events(set("a", 2)), Command: setQ("a", 0), Want: domaintest.Want{Events: events(set("a", 0))}},
		{Name: "zero on absent item is a no-op", Command: setQ("a", 0)},
		{Name: "negative", Command: setQ("a", -1), Want: domaintest.Want{Field: "quantity"}},
		{Name: "too many", Command: setQ("a", domain.MaxQuantity+1), Want: domaintest.Want{Field: "quantity"}},
		{Name: "bad product id", Command: setQ("", 1), Want: domaintest.Want{Field: "productId"}},
		{Name: "basket full", History: full, Command: setQ("new", 1), Want: domaintest.Want{Code: domain.CodeBasketFull}},
		{Name: "full basket still changes quantities", History: full, Command: setQ("p0", 3),
			Want: domaintest.Want{Events: events(set("p0", 3))}},
		{Name: "set while checking out", History: running, Command: setQ("b", 1), Want: domaintest.Want{Code: domain.CodeCheckoutInProgress}},
		{Name: "remove", History: events(set("a", 2)), Command: remove("a"), Want: domaintest.Want{Events: events(removed("a"))}},
		{Name: "remove absent is a no-op", History: events(set("a", 2)), Command: remove("b")},
		{Name: "remove bad id", Command: remove("a b"), Want: domaintest.Want{Field: "productId"}},
		{Name: "remove while checking out", History: running, Command: remove("a"), Want: domaintest.Want{Code: domain.CodeCheckoutInProgress}},
		{Name: "clear", History: events(set("a", 2)), Command: clear, Want: domaintest.Want{Events: events(cleared)}},
		{Name: "clear empty is a no-op", Command: clear},
		{Name: "clear while checking out", History: running, Command: clear, Want: domaintest.Want{Code: domain.CodeCheckoutInProgress}},
		{Name: "usable after failure", History: append(running, failed("c1")), Command: setQ("b", 1),
			Want: domaintest.Want{Events: events(set("b", 1))}},
	})
}

func TestStartCheckout(t *testing.T) {
	with := func(edit func(*Customer)) Customer {
		c := ada
		edit(&c)
		return c
	}
	invalid := func(field string, edit func(*Customer)) commandCase {
		return commandCase{Name: "invalid " + field, History: events(set("a", 2)), Command: start("c1", with(edit)),
			Want: domaintest.Want{Field: field}}
	}
	basket := events(set("a", 2), set("b", 1))
	run(t, []commandCase{
		{Name: "start", History: basket, Command: start("c1", ada), Want: domaintest.Want{Events: events(started("c1", a2, b1))}},
		{Name: "empty", Command: start("c1", ada), Want: domaintest.Want{Code: domain.CodeBasketEmpty}},
		{Name: "emptied", History: events(set("a", 2), removed("a")), Command: start("c1", ada), Want: domaintest.Want{Code: domain.CodeBasketEmpty}},
		{Name: "same checkout again is a no-op", History: append(basket, started("c1", a2, b1)), Command: start("c1", ada)},
		{Name: "finished checkout again is a no-op", History: append(basket, started("c1", a2, b1), checkedOut("c1", a2, b1)),
			Command: start("c1", ada)},
		{Name: "another while one runs", History: append(basket, started("c1", a2, b1)), Command: start("c2", ada),
			Want: domaintest.Want{Code: domain.CodeCheckoutInProgress}},
		{Name: "again after failure", History: append(basket, started("c1", a2, b1), failed("c1")), Command: start("c2", ada),
			Want: domaintest.Want{Events: events(started("c2", a2, b1))}},
		{Name: "bad checkout id", History: basket, Command: start("", ada), Want: domaintest.Want{Field: "checkoutId"}},
		invalid("firstName", func(c *Customer) { c.FirstName = "" }),
		invalid("lastName", func(c *Customer) { c.LastName = strings.Repeat("x", 101) }),
		invalid("email", func(c *Customer) { c.Email = "" }),
		invalid("email", func(c *Customer) { c.Email = "not an address" }),
		invalid("email", func(c *Customer) { c.Email = "Ada <ada@example.com>" }),
		invalid("address", func(c *Customer) { c.Address = " " }),
		invalid("paymentMethod", func(c *Customer) { c.PaymentMethod = "" }),
		invalid("paymentMethod", func(c *Customer) { c.PaymentMethod = "bitcoin" }),
		invalid("firstName", func(c *Customer) { c.FirstName = "Ada\x1b[0m" }),
		invalid("lastName", func(c *Customer) { c.LastName = "Lee\u202E" }),
		invalid("address", func(c *Customer) { c.Address = "1 Main St\x00" }),
		invalid("cardLast4", func(c *Customer) { c.CardLast4 = "4242424242424242" }),
		invalid("cardLast4", func(c *Customer) { c.CardLast4 = "42a2" }),
	})
}

func TestCheckoutOutcome(t *testing.T) {
	running := events(set("a", 2), set("b", 1), started("c1", a2, b1))
	done := func(e domain.Event) []domain.Event { return append(append([]domain.Event(nil), running...), e) }
	wrongTotal := completion("c1", a2, b1)
	wrongTotal.Total++
	wrongItems := completion("c1", a2)
	wrongQuantity := completion("c1", a2, Item{ProductID: "b", Quantity: 2})
	noOrder := completion("c1", a2, b1)
	noOrder.OrderID = ""
	otherOrder := completion("c1", a2, b1)
	otherOrder.OrderID = "o-c1"
	run(t, []commandCase{
		{Name: "complete", History: running, Command: complete(completion("c1", b1, a2)),
			Want: domaintest.Want{Events: events(checkedOut("c1", b1, a2))}},
		{Name: "complete again is a no-op", History: done(checkedOut("c1", a2, b1)), Command: complete(completion("c1", a2, b1))},
		{Name: "complete after failure", History: done(failed("c1")), Command: complete(completion("c1", a2, b1)),
			Want: domaintest.Want{Code: domain.CodeCheckoutNotCurrent}},
		{Name: "complete another checkout", History: running, Command: complete(completion("c2", a2, b1)),
			Want: domaintest.Want{Code: domain.CodeCheckoutNotCurrent}},
		{Name: "complete with nothing running", History: events(set("a", 2)), Command: complete(completion("c1", a2)),
			Want: domaintest.Want{Code: domain.CodeCheckoutNotCurrent}},
		{Name: "complete with wrong total", History: running, Command: complete(wrongTotal), Want: domaintest.Want{Field: "total"}},
		{Name: "complete missing an item", History: running, Command: complete(wrongItems), Want: domaintest.Want{Field: "lines"}},
		{Name: "complete with other quantity", History: running, Command: complete(wrongQuantity), Want: domaintest.Want{Field: "lines"}},
		{Name: "complete without order id", History: running, Command: complete(noOrder), Want: domaintest.Want{Field: "orderId"}},
		{Name: "complete with another order id", History: running, Command: complete(otherOrder), Want: domaintest.Want{Field: "orderId"}},
		{Name: "complete without lines", History: running, Command: complete(Completion{CheckoutID: "c1", OrderID: "c1", Currency: "EUR"}),
			Want: domaintest.Want{Field: "lines"}},
		{Name: "fail", History: running, Command: fail("c1", declined), Want: domaintest.Want{Events: events(failed("c1"))}},
		{Name: "fail again is a no-op", History: done(failed("c1")), Command: fail("c1", declined)},
		{Name: "fail after success", History: done(checkedOut("c1", a2, b1)), Command: fail("c1", declined),
			Want: domaintest.Want{Code: domain.CodeCheckoutNotCurrent}},
		{Name: "fail another checkout", History: running, Command: fail("c2", declined),
			Want: domaintest.Want{Code: domain.CodeCheckoutNotCurrent}},
		{Name: "fail without code", History: running, Command: fail("c1", Reason{Message: "x"}), Want: domaintest.Want{Field: "reason.code"}},
		{Name: "fail with long message", History: running, Command: fail("c1", Reason{Code: "x", Message: strings.Repeat("m", 1001)}),
			Want: domaintest.Want{Field: "reason.message"}},
	})
}

func TestState(t *testing.T) {
	b := fold(t, set("a", 2), set("b", 1), set("c", 4), removed("b"), set("a", 3), started("c1", Item{"a", 3}, Item{"c", 4}))
	wantItems := []Item{{"a", 3}, {"c", 4}}
	if got := b.Items(); !reflect.DeepEqual(got, wantItems) {
		t.Errorf("Items = %v, want %v", got, wantItems)
	}
	b.Items()[0].Quantity = 99 // Items hands out a copy
	if c, _ := b.Current(); c.Items[0].Quantity != 3 || b.Items()[0].Quantity != 3 {
		t.Error("changing a returned slice changed the basket")
	}
	c, _ := b.Current()
	c.Items[0].Quantity = 99
	if c, ok := b.Current(); !ok || c.ID != "c1" || c.Status != Running || !reflect.DeepEqual(c.Items, wantItems) || c.Customer != ada {
		t.Errorf("Current = %+v, %v", c, ok)
	}
	if err := b.Apply(failed("c1")); err != nil {
		t.Fatal(err)
	}
	if c, ok := b.Checkout("c1"); !ok || c.Status != Failed || c.Reason != declined {
		t.Errorf("after failure Checkout = %+v, %v", c, ok)
	}
	if _, ok := b.Current(); ok || !reflect.DeepEqual(b.Items(), wantItems) {
		t.Errorf("after failure: current still set or items %v lost", b.Items())
	}
	if err := b.Apply(started("c2", wantItems...), checkedOut("c2", wantItems...)); err != nil {
		t.Fatal(err)
	}
	if c, _ := b.Checkout("c2"); c.Status != Succeeded || c.OrderID != "c2" || len(b.Items()) != 0 || b.Version() != 9 {
		t.Errorf("after success: %+v items=%v version=%d", c, b.Items(), b.Version())
	}
	if err := b.Apply(struct{ domain.Event }{}); err == nil {
		t.Error("Apply accepted a foreign event")
	}
}

// TestFoldReproducesDecidedState drives baskets through seeded random
// command sequences and checks that folding the emitted events (after a
// JSON round trip) from scratch gives the same basket.
func TestFoldReproducesDecidedState(t *testing.T) {
	domaintest.Random[*Basket]{
		Fold: fold, Clone: clone, Command: randomCommand, Invariant: currentIsKnown,
		Types: EventTypes(), Seeds: 300, Steps: 60, Stream: 7,
	}.Check(t)
}

// currentIsKnown checks that the basket's current checkout, if any, is
// one it knows as running.
func currentIsKnown(b *Basket, _ []domain.Event) error {
	if _, running := b.Current(); !running && b.current != "" {
		return fmt.Errorf("current checkout %q unknown", b.current)
	}
	return nil
}

func randomCommand(rng *rand.Rand, b *Basket) ([]domain.Event, error) {
	product := []string{"a", "b", "c", "d"}[rng.IntN(4)]
	checkout := fmt.Sprint("c", rng.IntN(6))
	if cur, ok := b.Current(); ok && rng.IntN(3) > 0 {
		checkout = cur.ID // mostly act on the running checkout
	}
	switch n := rng.IntN(100); {
	case n < 35:
		return b.SetQuantity(product, rng.Int64N(4))
	case n < 45:
		return b.RemoveItem(product)
	case n < 50:
		return b.Clear()
	case n < 65:
		return b.StartCheckout(checkout, ada)
	case n < 85:
		items := b.Items()
		if cur, ok := b.Current(); ok {
			items = cur.Items
		}
		return b.CompleteCheckout(completion(checkout, items...))
	default:
		return b.FailCheckout(checkout, declined)
	}
}

func TestRefuseCheckout(t *testing.T) {
	b := fold(t, set("p1", 1), started("c1", Item{ProductID: "p1", Quantity: 1}))
	reason := Reason{Code: "aborted", Message: "the checkout's workflow was stopped"}
	decide := func(evs []domain.Event, err error) []domain.Event {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return evs
	}

	// A checkout the basket never started is refused; the one in progress
	// keeps the basket.
	evs := decide(b.RefuseCheckout("c2", reason))
	if want := events(CheckoutFailed{UserName: user, CheckoutID: "c2", Reason: reason}); !reflect.DeepEqual(evs, want) {
		t.Fatalf("RefuseCheckout(c2) = %v, want %v", evs, want)
	}
	if err := b.Apply(evs...); err != nil {
		t.Fatal(err)
	}
	if cur, locked := b.Current(); !locked || cur.ID != "c1" {
		t.Fatalf("current = %+v, %v; want c1 still in progress", cur, locked)
	}
	// Its start, arriving late, decides nothing.
	if evs := decide(b.StartCheckout("c2", ada)); len(evs) != 0 {
		t.Fatalf("StartCheckout of a refused checkout = %v, want nothing", evs)
	}
	// A checkout the basket knows is not refused again, nor touched.
	for _, id := range []string{"c1", "c2"} {
		if evs := decide(b.RefuseCheckout(id, reason)); len(evs) != 0 {
			t.Fatalf("RefuseCheckout(%s) = %v, want nothing", id, evs)
		}
	}
	if _, err := b.RefuseCheckout("c3", Reason{}); err == nil {
		t.Fatal("RefuseCheckout without a reason code: no error")
	}
}
