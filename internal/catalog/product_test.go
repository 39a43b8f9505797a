package catalog

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/shopstream/shopstream/internal/domain"
	"github.com/shopstream/shopstream/internal/domain/domaintest"
)

const id = "p1"

var lamp = Details{Name: "Lamp", Description: "A desk lamp", Category: "Lighting", Price: 2999, Currency: "EUR", ImageFile: "lamp.png"}

func created(d Details) ProductCreated {
	return ProductCreated{ProductID: id, Name: d.Name, Description: d.Description, Category: d.Category,
		Price: d.Price, Currency: d.Currency, ImageFile: d.ImageFile}
}

var (
	lampCreated = created(lamp)
	deleted     = ProductDeleted{ProductID: id}
)

func stock(n int64) StockAdded { return StockAdded{ProductID: id, Quantity: n} }
func reserved(checkout string, n int64) StockReserved {
	return StockReserved{ProductID: id, CheckoutID: checkout, Quantity: n}
}
func released(checkout string, n int64) StockReservationReleased {
	return StockReservationReleased{ProductID: id, CheckoutID: checkout, Quantity: n}
}

func events(es ...domain.Event) []domain.Event { return es }

// fold returns the product after history, failing t on error.
func fold(t testing.TB, history ...domain.Event) *Product {
	t.Helper()
	return domaintest.Fold(t, New, id, history...)
}

func clone(p *Product) *Product {
	c := *p
	c.reservations = make(map[string]reservation, len(p.reservations))
	for k, v := range p.reservations {
		c.reservations[k] = v
	}
	return &c
}

// commandCase is a decide test for the aggregate; see domaintest.Run.
type commandCase = domaintest.Case[*Product]

// run checks each case's outcome and that deciding changed nothing.
func run(t *testing.T, cases []commandCase) {
	t.Helper()
	domaintest.Run(t, fold, clone, cases)
}

func TestNew(t *testing.T) {
	for _, bad := range []string{"", "has space", "slash/id", strings.Repeat("x", 129), "ünï"} {
		if _, err := New(bad); err == nil {
			t.Errorf("New(%q) succeeded", bad)
		} else if ve := (*domain.ValidationError)(nil); !errors.As(err, &ve) || ve.Field != "productId" {
			t.Errorf("New(%q) = %v, want a productId ValidationError", bad, err)
		}
	}
	if _, err := New("01J9ZK8Q3Y6V2C7D5E4F3G2H1J"); err != nil {
		t.Errorf("New(ulid) = %v", err)
	}
}

func TestCreate(t *testing.T) {
	with := func(edit func(*Details)) func(*Product) ([]domain.Event, error) {
		d := lamp
		edit(&d)
		return func(p *Product) ([]domain.Event, error) { return p.Create(d) }
	}
	invalid := func(name, field string, edit func(*Details)) commandCase {
		return commandCase{Name: name, Command: with(edit), Want: domaintest.Want{Field: field}}
	}
	long := func(n int) string { return strings.Repeat("é", n) } // multi-byte: limits count characters
	cases := []commandCase{
		{Name: "valid", Command: with(func(*Details) {}), Want: domaintest.Want{Events: events(lampCreated)}},
		{Name: "limits inclusive", Command: with(func(d *Details) {
			d.Name, d.Description, d.Category, d.ImageFile, d.Price = long(200), long(2000), long(100), strings.Repeat("a", 496)+".png", 999_999_999
		}), Want: domaintest.Want{Events: events(created(Details{Name: long(200), Description: long(2000),
			Category: long(100), ImageFile: strings.Repeat("a", 496) + ".png", Price: 999_999_999, Currency: "EUR"}))}},
		{Name: "optional fields empty", Command: with(func(d *Details) { d.Description, d.ImageFile = "", "" }),
			Want: domaintest.Want{Events: events(created(Details{Name: "Lamp", Category: "Lighting", Price: 2999, Currency: "EUR"}))}},
		invalid("name empty", "name", func(d *Details) { d.Name = "" }),
		invalid("name blank", "name", func(d *Details) { d.Name = "  \t" }),
		invalid("name too long", "name", func(d *Details) { d.Name = long(201) }),
		invalid("name not UTF-8", "name", func(d *Details) { d.Name = "\xff" }),
		invalid("description too long", "description", func(d *Details) { d.Description = long(2001) }),
		invalid("category empty", "category", func(d *Details) { d.Category = "" }),
		invalid("category too long", "category", func(d *Details) { d.Category = long(101) }),
		invalid("price zero", "price", func(d *Details) { d.Price = 0 }),
		invalid("price negative", "price", func(d *Details) { d.Price = -5 }),
		invalid("price too high", "price", func(d *Details) { d.Price = 1_000_000_000 }),
		invalid("currency empty", "currency", func(d *Details) { d.Currency = "" }),
		invalid("currency lower case", "currency", func(d *Details) { d.Currency = "eur" }),
		invalid("currency unknown", "currency", func(d *Details) { d.Currency = "XXX" }),
		invalid("image file too long", "imageFile", func(d *Details) { d.ImageFile = long(501) }),
		invalid("image file a script URL", "imageFile", func(d *Details) { d.ImageFile = "javascript:alert(1)" }),
		invalid("image file a path", "imageFile", func(d *Details) { d.ImageFile = "../../etc/passwd" }),
		invalid("name with NUL", "name", func(d *Details) { d.Name = "Lamp\x00" }),
		invalid("name with ANSI escape", "name", func(d *Details) { d.Name = "\x1b[2JLamp" }),
		invalid("name with RLO", "name", func(d *Details) { d.Name = "Lamp\u202Egnp" }),
		invalid("category with newline", "category", func(d *Details) { d.Category = "a\nb" }),
		invalid("description with C1", "description", func(d *Details) { d.Description = "a\u009bb" }),
		{Name: "description on lines", Command: with(func(d *Details) { d.Description = "one\ntwo" }),
			Want: domaintest.Want{Events: events(created(Details{Name: "Lamp", Description: "one\ntwo", Category: "Lighting", Price: 2999, Currency: "EUR", ImageFile: "lamp.png"}))}},
		{Name: "exists", History: events(lampCreated), Command: with(func(*Details) {}),
			Want: domaintest.Want{Code: domain.CodeProductExists}},
		{Name: "id not reused after delete", History: events(lampCreated, deleted), Command: with(func(*Details) {}),
			Want: domaintest.Want{Code: domain.CodeProductExists}},
	}
	run(t, cases)
}

func TestUpdate(t *testing.T) {
	str := func(s string) *string { return &s }
	num := func(n int64) *int64 { return &n }
	update := func(u Update) func(*Product) ([]domain.Event, error) {
		return func(p *Product) ([]domain.Event, error) { return p.Update(u) }
	}
	cases := []commandCase{
		{Name: "only changed fields", History: events(lampCreated),
			Command: update(Update{Name: str("Floor lamp"), Category: str("Lighting"), Description: str("")}),
			Want:    domaintest.Want{Events: events(ProductUpdated{ProductID: id, Name: str("Floor lamp"), Description: str("")})}},
		{Name: "price and currency together", History: events(lampCreated),
			Command: update(Update{Price: num(3999), Currency: str("EUR")}),
			Want:    domaintest.Want{Events: events(ProductUpdated{ProductID: id, Price: num(3999), Currency: str("EUR")})}},
		{Name: "currency change carries price", History: events(lampCreated),
			Command: update(Update{Price: num(2999), Currency: str("USD")}),
			Want:    domaintest.Want{Events: events(ProductUpdated{ProductID: id, Price: num(2999), Currency: str("USD")})}},
		{Name: "same values decide nothing", History: events(lampCreated),
			Command: update(Update{Name: str("Lamp"), Price: num(2999), Currency: str("EUR")})},
		{Name: "empty update decides nothing", History: events(lampCreated), Command: update(Update{})},
		{Name: "price without currency", History: events(lampCreated), Command: update(Update{Price: num(1)}),
			Want: domaintest.Want{Field: "currency"}},
		{Name: "currency without price", History: events(lampCreated), Command: update(Update{Currency: str("USD")}),
			Want: domaintest.Want{Field: "price"}},
		{Name: "blank name", History: events(lampCreated), Command: update(Update{Name: str(" ")}),
			Want: domaintest.Want{Field: "name"}},
		{Name: "bad price", History: events(lampCreated), Command: update(Update{Price: num(0), Currency: str("EUR")}),
			Want: domaintest.Want{Field: "price"}},
		{Name: "long image file", History: events(lampCreated), Command: update(Update{ImageFile: str(strings.Repeat("x", 501))}),
			Want: domaintest.Want{Field: "imageFile"}},
		{Name: "invalid input wins over state", Command: update(Update{Category: str("")}),
			Want: domaintest.Want{Field: "category"}},
		{Name: "not found", Command: update(Update{Name: str("x")}), Want: domaintest.Want{Code: domain.CodeProductNotFound}},
		{Name: "deleted", History: events(lampCreated, deleted), Command: update(Update{Name: str("x")}),
			Want: domaintest.Want{Code: domain.CodeProductDeleted}},
	}
	run(t, cases)
}

func TestDeleteAndAddStock(t *testing.T) {
	del := func(p *Product) ([]domain.Event, error) { return p.Delete() }
	add := func(n int64) func(*Product) ([]domain.Event, error) {
		return func(p *Product) ([]domain.Event, error) { return p.AddStock(n) }
	}
	cases := []commandCase{
		{Name: "delete", History: events(lampCreated, stock(3), reserved("c1", 1)), Command: del,
			Want: domaintest.Want{Events: events(deleted)}},
		{Name: "delete unknown", Command: del, Want: domaintest.Want{Code: domain.CodeProductNotFound}},
		{Name: "delete twice", History: events(lampCreated, deleted), Command: del,
			Want: domaintest.Want{Code: domain.CodeProductDeleted}},
		{Name: "add stock", History: events(lampCreated), Command: add(5), Want: domaintest.Want{Events: events(stock(5))}},
		{Name: "add max stock", History: events(lampCreated), Command: add(1_000_000),
			Want: domaintest.Want{Events: events(stock(1_000_000))}},
		{Name: "add zero", History: events(lampCreated), Command: add(0), Want: domaintest.Want{Field: "quantity"}},
		{Name: "add negative", History: events(lampCreated), Command: add(-1), Want: domaintest.Want{Field: "quantity"}},
		{Name: "add too many", History: events(lampCreated), Command: add(1_000_001), Want: domaintest.Want{Field: "quantity"}},
		{Name: "add to unknown", Command: add(1), Want: domaintest.Want{Code: domain.CodeProductNotFound}},
		{Name: "add to deleted", History: events(lampCreated, deleted), Command: add(1),
			Want: domaintest.Want{Code: domain.CodeProductDeleted}},
	}
	run(t, cases)
}

func TestReserveAndRelease(t *testing.T) {
	reserve := func(c string, n int64) func(*Product) ([]domain.Event, error) {
		return func(p *Product) ([]domain.Event, error) { return p.Reserve(c, n) }
	}
	release := func(c string) func(*Product) ([]domain.Event, error) {
		return func(p *Product) ([]domain.Event, error) { return p.Release(c) }
	}
	stocked := events(lampCreated, stock(5))
	cases := []commandCase{
		{Name: "reserve", History: stocked, Command: reserve("c1", 2), Want: domaintest.Want{Events: events(reserved("c1", 2))}},
		{Name: "reserve all", History: stocked, Command: reserve("c1", 5), Want: domaintest.Want{Events: events(reserved("c1", 5))}},
		{Name: "reserve more than available", History: append(stocked, reserved("c0", 4)), Command: reserve("c1", 2),
			Want: domaintest.Want{Code: domain.CodeOutOfStock}},
		{Name: "reserve again is a no-op", History: append(stocked, reserved("c1", 2)), Command: reserve("c1", 2)},
		{Name: "reserve again after release is refused", History: append(stocked, reserved("c1", 2), released("c1", 2)),
			Command: reserve("c1", 2), Want: domaintest.Want{Code: domain.CodeReservationConflict}},
		{Name: "reserve after a release of nothing is refused", History: append(stocked, released("c1", 0)),
			Command: reserve("c1", 2), Want: domaintest.Want{Code: domain.CodeReservationConflict}},
		{Name: "reserve again with another quantity", History: append(stocked, reserved("c1", 2)), Command: reserve("c1", 3),
			Want: domaintest.Want{Code: domain.CodeReservationConflict}},
		{Name: "reserve zero", History: stocked, Command: reserve("c1", 0), Want: domaintest.Want{Field: "quantity"}},
		{Name: "reserve too many", History: stocked, Command: reserve("c1", 1_000_001), Want: domaintest.Want{Field: "quantity"}},
		{Name: "reserve bad checkout id", History: stocked, Command: reserve("", 1), Want: domaintest.Want{Field: "checkoutId"}},
		{Name: "reserve unknown product", Command: reserve("c1", 1), Want: domaintest.Want{Code: domain.CodeProductNotFound}},
		{Name: "reserve deleted product", History: append(stocked, deleted), Command: reserve("c1", 1),
			Want: domaintest.Want{Code: domain.CodeProductDeleted}},
		{Name: "release", History: append(stocked, reserved("c1", 2)), Command: release("c1"),
			Want: domaintest.Want{Events: events(released("c1", 2))}},
		{Name: "release on deleted product", History: append(stocked, reserved("c1", 2), deleted), Command: release("c1"),
			Want: domaintest.Want{Events: events(released("c1", 2))}},
		{Name: "release twice is a no-op", History: append(stocked, reserved("c1", 2), released("c1", 2)), Command: release("c1")},
		{Name: "release of nothing held leaves a mark", History: stocked, Command: release("c9"),
			Want: domaintest.Want{Events: events(released("c9", 0))}},
		{Name: "release of nothing twice is a no-op", History: append(stocked, released("c9", 0)), Command: release("c9")},
		{Name: "release of nothing on a deleted product is a no-op", History: append(stocked, deleted), Command: release("c9")},
		{Name: "release on unknown product is a no-op", Command: release("c9")},
		{Name: "release bad checkout id", History: stocked, Command: release("a b"), Want: domaintest.Want{Field: "checkoutId"}},
	}
	run(t, cases)
}

func TestOutOfStockError(t *testing.T) {
	p := fold(t, lampCreated, stock(3), reserved("c0", 2))
	_, err := p.Reserve("c1", 5)
	var oos *OutOfStockError
	if !errors.As(err, &oos) {
		t.Fatalf("err = %v, want *OutOfStockError", err)
	}
	if *oos != (OutOfStockError{ProductID: id, Available: 1, Requested: 5}) {
		t.Errorf("OutOfStockError = %+v", *oos)
	}
	var re *domain.RuleError
	if !errors.As(err, &re) || re.Code != domain.CodeOutOfStock || re.Code.Kind() != domain.Rejected {
		t.Errorf("err = %v, want a RuleError out_of_stock of kind Rejected", err)
	}
}

// A release and a reservation of the same checkout may land in either
// order (a sibling line's reservation still in flight when the workflow
// compensates): the product ends with nothing held either way.
func TestReleaseThenLateReserveHoldsNothing(t *testing.T) {
	for _, releaseFirst := range []bool{true, false} {
		p := fold(t, lampCreated, stock(5))
		steps := []func() ([]domain.Event, error){
			func() ([]domain.Event, error) { return p.Reserve("c1", 2) },
			func() ([]domain.Event, error) { return p.Release("c1") },
		}
		if releaseFirst {
			steps[0], steps[1] = steps[1], steps[0]
		}
		for _, step := range steps {
			evs, err := step()
			var rel *ReservationReleasedError
			if err != nil && !errors.As(err, &rel) {
				t.Fatalf("releaseFirst=%v: %v", releaseFirst, err)
			}
			if err := p.Apply(evs...); err != nil {
				t.Fatal(err)
			}
		}
		// Whatever arrives after both (a Lambda retry) changes nothing.
		for _, late := range []func() ([]domain.Event, error){
			func() ([]domain.Event, error) { return p.Reserve("c1", 2) },
			func() ([]domain.Event, error) { return p.Release("c1") },
		} {
			if evs, _ := late(); len(evs) != 0 {
				t.Errorf("releaseFirst=%v: late command decided %v", releaseFirst, evs)
			}
		}
		if _, held := p.Reserved("c1"); held || p.Available() != 5 {
			t.Errorf("releaseFirst=%v: held=%v available=%d, want nothing held and 5", releaseFirst, held, p.Available())
		}
	}
}

func TestState(t *testing.T) {
	p := fold(t, lampCreated, stock(10), reserved("c1", 3), reserved("c2", 4), released("c1", 3),
		ProductUpdated{ProductID: id, Name: ptr("Big lamp"), Price: ptr(int64(5000)), Currency: ptr("USD")})
	want := lamp
	want.Name, want.Price, want.Currency = "Big lamp", 5000, "USD"
	if p.Details() != want || !p.Exists() || p.Deleted() || p.Version() != 6 || p.Available() != 6 {
		t.Errorf("state = %+v exists=%v deleted=%v version=%d available=%d", p.Details(), p.Exists(), p.Deleted(), p.Version(), p.Available())
	}
	if q, held := p.Reserved("c1"); q != 3 || held {
		t.Errorf("Reserved(c1) = %d, %v; want 3, released", q, held)
	}
	if q, held := p.Reserved("c2"); q != 4 || !held {
		t.Errorf("Reserved(c2) = %d, %v; want 4, held", q, held)
	}
	if err := p.Apply(struct{ domain.Event }{}); err == nil {
		t.Error("Apply accepted a foreign event")
	}
}

// TestFoldReproducesDecidedState drives products through seeded random
// command sequences, applying what each command decides, and checks that
// folding the emitted events (after a JSON round trip) from scratch gives
// the same product, and that stock is never oversold.
func TestFoldReproducesDecidedState(t *testing.T) {
	domaintest.Random[*Product]{
		Fold: fold, Clone: clone, Command: randomCommand, Invariant: stockBalances,
		Types: EventTypes(), Seeds: 300, Steps: 60, Stream: 42,
	}.Check(t)
}

// stockBalances checks that stock is never oversold: what is available
// plus what is held is all the stock ever added.
func stockBalances(p *Product, emitted []domain.Event) error {
	var added, held int64
	for _, e := range emitted {
		if s, ok := e.(StockAdded); ok {
			added += s.Quantity
		}
	}
	for _, r := range p.reservations {
		if !r.released {
			held += r.quantity
		}
	}
	if p.available < 0 || p.available+held != added {
		return fmt.Errorf("available %d + held %d != added %d", p.available, held, added)
	}
	return nil
}

func randomCommand(rng *rand.Rand, p *Product) ([]domain.Event, error) {
	checkout := []string{"c1", "c2", "c3", "c4", "c5"}[rng.IntN(5)]
	pick := func(vals ...string) *string {
		if rng.IntN(2) == 0 {
			return nil
		}
		return &vals[rng.IntN(len(vals))]
	}
	switch n := rng.IntN(100); {
	case n < 10:
		d := lamp
		d.Price = rng.Int64N(5000) // sometimes 0: invalid
		return p.Create(d)
	case n < 25:
		u := Update{Name: pick("Lamp", "Desk lamp", ""), Category: pick("Lighting", "Home"), Description: pick("", "Bright")}
		if rng.IntN(2) == 0 {
			price := rng.Int64N(3) * 1000
			u.Price, u.Currency = &price, pick("EUR", "USD")
		}
		return p.Update(u)
	case n < 27:
		return p.Delete()
	case n < 50:
		return p.AddStock(rng.Int64N(12))
	case n < 80:
		return p.Reserve(checkout, rng.Int64N(8))
	default:
		return p.Release(checkout)
	}
}
