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

func fold(t testing.TB, history ...domain.Event) *Basket {
	t.Helper()
	b, err := New(user)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Apply(history...); err != nil {
		t.Fatal(err)
	}
	return b
}

func clone(b *Basket) *Basket {
	c := *b
	c.items = slices.Clone(b.items)
	c.checkouts = maps.Clone(b.checkouts)
	return &c
}

type commandCase struct {
	name    string
	history []domain.Event
	command func(*Basket) ([]domain.Event, error)
	want    domaintest.Want
}

func run(t *testing.T, cases []commandCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := fold(t, tc.history...)
			before := clone(b)
			got, err := tc.command(b)
			domaintest.Check(t, tc.want, got, err)
			if !reflect.DeepEqual(b, before) {
				t.Fatalf("deciding changed the basket: %+v, was %+v", b, before)
			}
		})
	}
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
		{name: "add", command: setQ("a", 2), want: domaintest.Want{Events: events(set("a", 2))}},
		{name: "change", history: events(set("a", 2)), command: setQ("a", 5), want: domaintest.Want{Events: events(set("a", 5))}},
		{name: "max quantity", command: setQ("a", domain.MaxQuantity), want: domaintest.Want{Events: events(set("a", domain.MaxQuantity))}},
		{name: "same quantity is a no-op", history: events(set("a", 2)), command: setQ("a", 2)},
		{name: "zero removes", history: events(set("a", 2)), command: setQ("a", 0), want: domaintest.Want{Events: events(set("a", 0))}},
		{name: "zero on absent item is a no-op", command: setQ("a", 0)},
		{name: "negative", command: setQ("a", -1), want: domaintest.Want{Field: "quantity"}},
		{name: "too many", command: setQ("a", domain.MaxQuantity+1), want: domaintest.Want{Field: "quantity"}},
		{name: "bad product id", command: setQ("", 1), want: domaintest.Want{Field: "productId"}},
		{name: "basket full", history: full, command: setQ("new", 1), want: domaintest.Want{Code: domain.CodeBasketFull}},
		{name: "full basket still changes quantities", history: full, command: setQ("p0", 3),
			want: domaintest.Want{Events: events(set("p0", 3))}},
		{name: "set while checking out", history: running, command: setQ("b", 1), want: domaintest.Want{Code: domain.CodeCheckoutInProgress}},
		{name: "remove", history: events(set("a", 2)), command: remove("a"), want: domaintest.Want{Events: events(removed("a"))}},
		{name: "remove absent is a no-op", history: events(set("a", 2)), command: remove("b")},
		{name: "remove bad id", command: remove("a b"), want: domaintest.Want{Field: "productId"}},
		{name: "remove while checking out", history: running, command: remove("a"), want: domaintest.Want{Code: domain.CodeCheckoutInProgress}},
		{name: "clear", history: events(set("a", 2)), command: clear, want: domaintest.Want{Events: events(cleared)}},
		{name: "clear empty is a no-op", command: clear},
		{name: "clear while checking out", history: running, command: clear, want: domaintest.Want{Code: domain.CodeCheckoutInProgress}},
		{name: "usable after failure", history: append(running, failed("c1")), command: setQ("b", 1),
			want: domaintest.Want{Events: events(set("b", 1))}},
	})
}

func TestStartCheckout(t *testing.T) {
	with := func(edit func(*Customer)) Customer {
		c := ada
		edit(&c)
		return c
	}
	invalid := func(field string, edit func(*Customer)) commandCase {
		return commandCase{name: "invalid " + field, history: events(set("a", 2)), command: start("c1", with(edit)),
			want: domaintest.Want{Field: field}}
	}
	basket := events(set("a", 2), set("b", 1))
	run(t, []commandCase{
		{name: "start", history: basket, command: start("c1", ada), want: domaintest.Want{Events: events(started("c1", a2, b1))}},
		{name: "empty", command: start("c1", ada), want: domaintest.Want{Code: domain.CodeBasketEmpty}},
		{name: "emptied", history: events(set("a", 2), removed("a")), command: start("c1", ada), want: domaintest.Want{Code: domain.CodeBasketEmpty}},
		{name: "same checkout again is a no-op", history: append(basket, started("c1", a2, b1)), command: start("c1", ada)},
		{name: "finished checkout again is a no-op", history: append(basket, started("c1", a2, b1), checkedOut("c1", a2, b1)),
			command: start("c1", ada)},
		{name: "another while one runs", history: append(basket, started("c1", a2, b1)), command: start("c2", ada),
			want: domaintest.Want{Code: domain.CodeCheckoutInProgress}},
		{name: "again after failure", history: append(basket, started("c1", a2, b1), failed("c1")), command: start("c2", ada),
			want: domaintest.Want{Events: events(started("c2", a2, b1))}},
		{name: "bad checkout id", history: basket, command: start("", ada), want: domaintest.Want{Field: "checkoutId"}},
		invalid("firstName", func(c *Customer) { c.FirstName = "" }),
		invalid("lastName", func(c *Customer) { c.LastName = strings.Repeat("x", 101) }),
		invalid("email", func(c *Customer) { c.Email = "" }),
		invalid("email", func(c *Customer) { c.Email = "not an address" }),
		invalid("email", func(c *Customer) { c.Email = "Ada <ada@example.com>" }),
		invalid("address", func(c *Customer) { c.Address = " " }),
		invalid("paymentMethod", func(c *Customer) { c.PaymentMethod = "" }),
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
		{name: "complete", history: running, command: complete(completion("c1", b1, a2)),
			want: domaintest.Want{Events: events(checkedOut("c1", b1, a2))}},
		{name: "complete again is a no-op", history: done(checkedOut("c1", a2, b1)), command: complete(completion("c1", a2, b1))},
		{name: "complete after failure", history: done(failed("c1")), command: complete(completion("c1", a2, b1)),
			want: domaintest.Want{Code: domain.CodeCheckoutNotCurrent}},
		{name: "complete another checkout", history: running, command: complete(completion("c2", a2, b1)),
			want: domaintest.Want{Code: domain.CodeCheckoutNotCurrent}},
		{name: "complete with nothing running", history: events(set("a", 2)), command: complete(completion("c1", a2)),
			want: domaintest.Want{Code: domain.CodeCheckoutNotCurrent}},
		{name: "complete with wrong total", history: running, command: complete(wrongTotal), want: domaintest.Want{Field: "total"}},
		{name: "complete missing an item", history: running, command: complete(wrongItems), want: domaintest.Want{Field: "lines"}},
		{name: "complete with other quantity", history: running, command: complete(wrongQuantity), want: domaintest.Want{Field: "lines"}},
		{name: "complete without order id", history: running, command: complete(noOrder), want: domaintest.Want{Field: "orderId"}},
		{name: "complete with another order id", history: running, command: complete(otherOrder), want: domaintest.Want{Field: "orderId"}},
		{name: "complete without lines", history: running, command: complete(Completion{CheckoutID: "c1", OrderID: "c1", Currency: "EUR"}),
			want: domaintest.Want{Field: "lines"}},
		{name: "fail", history: running, command: fail("c1", declined), want: domaintest.Want{Events: events(failed("c1"))}},
		{name: "fail again is a no-op", history: done(failed("c1")), command: fail("c1", declined)},
		{name: "fail after success", history: done(checkedOut("c1", a2, b1)), command: fail("c1", declined),
			want: domaintest.Want{Code: domain.CodeCheckoutNotCurrent}},
		{name: "fail another checkout", history: running, command: fail("c2", declined),
			want: domaintest.Want{Code: domain.CodeCheckoutNotCurrent}},
		{name: "fail without code", history: running, command: fail("c1", Reason{Message: "x"}), want: domaintest.Want{Field: "reason.code"}},
		{name: "fail with long message", history: running, command: fail("c1", Reason{Code: "x", Message: strings.Repeat("m", 1001)}),
			want: domaintest.Want{Field: "reason.message"}},
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
	seen := map[string]int{}
	for seed := uint64(1); seed <= 300; seed++ {
		rng := rand.New(rand.NewPCG(seed, 7))
		b := fold(t)
		var emitted []domain.Event
		for step := 0; step < 60; step++ {
			before := clone(b)
			got, err := randomCommand(rng, b)
			if !reflect.DeepEqual(b, before) {
				t.Fatalf("seed %d step %d: deciding changed the basket", seed, step)
			}
			if err != nil {
				var ve *domain.ValidationError
				var re *domain.RuleError
				if !errors.As(err, &ve) && !errors.As(err, &re) {
					t.Fatalf("seed %d step %d: untyped error %v", seed, step, err)
				}
				continue
			}
			for _, e := range got {
				seen[e.EventType()]++
			}
			if err := b.Apply(got...); err != nil {
				t.Fatal(err)
			}
			emitted = append(emitted, got...)
			if _, running := b.Current(); !running && b.current != "" {
				t.Fatalf("seed %d step %d: current checkout %q unknown", seed, step, b.current)
			}
		}
		replayed := fold(t, domaintest.RoundTrip(t, EventTypes(), emitted)...)
		if !reflect.DeepEqual(replayed, b) {
			t.Fatalf("seed %d: replay of %d events = %+v, decided %+v", seed, len(emitted), replayed, b)
		}
	}
	for _, et := range EventTypes() {
		if seen[et.Name] == 0 {
			t.Errorf("no random sequence emitted %s; widen the generator", et.Name)
		}
	}
	t.Logf("events emitted: %v", seen)
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
