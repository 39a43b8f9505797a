package catalog

import (
	"errors"
	"math/rand/v2"
	"reflect"
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
	p, err := New(id)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Apply(history...); err != nil {
		t.Fatal(err)
	}
	return p
}

func clone(p *Product) *Product {
	c := *p
	c.reservations = make(map[string]reservation, len(p.reservations))
	for k, v := range p.reservations {
		c.reservations[k] = v
	}
	return &c
}

type commandCase struct {
	name    string
	history []domain.Event
	command func(*Product) ([]domain.Event, error)
	want    domaintest.Want
}

// run checks each case's outcome and that deciding changed nothing.
func run(t *testing.T, cases []commandCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := fold(t, tc.history...)
			before := clone(p)
			got, err := tc.command(p)
			domaintest.Check(t, tc.want, got, err)
			if !reflect.DeepEqual(p, before) {
				t.Fatalf("deciding changed the product: %+v, was %+v", p, before)
			}
		})
	}
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
		return commandCase{name: name, command: with(edit), want: domaintest.Want{Field: field}}
	}
	long := func(n int) string { return strings.Repeat("é", n) } // multi-byte: limits count characters
	cases := []commandCase{
		{name: "valid", command: with(func(*Details) {}), want: domaintest.Want{Events: events(lampCreated)}},
		{name: "limits inclusive", command: with(func(d *Details) {
			d.Name, d.Description, d.Category, d.ImageFile, d.Price = long(200), long(2000), long(100), long(500), 999_999_999
		}), want: domaintest.Want{Events: events(created(Details{Name: long(200), Description: long(2000),
			Category: long(100), ImageFile: long(500), Price: 999_999_999, Currency: "EUR"}))}},
		{name: "optional fields empty", command: with(func(d *Details) { d.Description, d.ImageFile = "", "" }),
			want: domaintest.Want{Events: events(created(Details{Name: "Lamp", Category: "Lighting", Price: 2999, Currency: "EUR"}))}},
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
		{name: "exists", history: events(lampCreated), command: with(func(*Details) {}),
			want: domaintest.Want{Code: domain.CodeProductExists}},
		{name: "id not reused after delete", history: events(lampCreated, deleted), command: with(func(*Details) {}),
			want: domaintest.Want{Code: domain.CodeProductExists}},
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
		{name: "only changed fields", history: events(lampCreated),
			command: update(Update{Name: str("Floor lamp"), Category: str("Lighting"), Description: str("")}),
			want:    domaintest.Want{Events: events(ProductUpdated{ProductID: id, Name: str("Floor lamp"), Description: str("")})}},
		{name: "price and currency together", history: events(lampCreated),
			command: update(Update{Price: num(3999), Currency: str("EUR")}),
			want:    domaintest.Want{Events: events(ProductUpdated{ProductID: id, Price: num(3999), Currency: str("EUR")})}},
		{name: "currency change carries price", history: events(lampCreated),
			command: update(Update{Price: num(2999), Currency: str("USD")}),
			want:    domaintest.Want{Events: events(ProductUpdated{ProductID: id, Price: num(2999), Currency: str("USD")})}},
		{name: "same values decide nothing", history: events(lampCreated),
			command: update(Update{Name: str("Lamp"), Price: num(2999), Currency: str("EUR")})},
		{name: "empty update decides nothing", history: events(lampCreated), command: update(Update{})},
		{name: "price without currency", history: events(lampCreated), command: update(Update{Price: num(1)}),
			want: domaintest.Want{Field: "currency"}},
		{name: "currency without price", history: events(lampCreated), command: update(Update{Currency: str("USD")}),
			want: domaintest.Want{Field: "price"}},
		{name: "blank name", history: events(lampCreated), command: update(Update{Name: str(" ")}),
			want: domaintest.Want{Field: "name"}},
		{name: "bad price", history: events(lampCreated), command: update(Update{Price: num(0), Currency: str("EUR")}),
			want: domaintest.Want{Field: "price"}},
		{name: "long image file", history: events(lampCreated), command: update(Update{ImageFile: str(strings.Repeat("x", 501))}),
			want: domaintest.Want{Field: "imageFile"}},
		{name: "invalid input wins over state", command: update(Update{Category: str("")}),
			want: domaintest.Want{Field: "category"}},
		{name: "not found", command: update(Update{Name: str("x")}), want: domaintest.Want{Code: domain.CodeProductNotFound}},
		{name: "deleted", history: events(lampCreated, deleted), command: update(Update{Name: str("x")}),
			want: domaintest.Want{Code: domain.CodeProductDeleted}},
	}
	run(t, cases)
}

func TestDeleteAndAddStock(t *testing.T) {
	del := func(p *Product) ([]domain.Event, error) { return p.Delete() }
	add := func(n int64) func(*Product) ([]domain.Event, error) {
		return func(p *Product) ([]domain.Event, error) { return p.AddStock(n) }
	}
	cases := []commandCase{
		{name: "delete", history: events(lampCreated, stock(3), reserved("c1", 1)), command: del,
			want: domaintest.Want{Events: events(deleted)}},
		{name: "delete unknown", command: del, want: domaintest.Want{Code: domain.CodeProductNotFound}},
		{name: "delete twice", history: events(lampCreated, deleted), command: del,
			want: domaintest.Want{Code: domain.CodeProductDeleted}},
		{name: "add stock", history: events(lampCreated), command: add(5), want: domaintest.Want{Events: events(stock(5))}},
		{name: "add max stock", history: events(lampCreated), command: add(1_000_000),
			want: domaintest.Want{Events: events(stock(1_000_000))}},
		{name: "add zero", history: events(lampCreated), command: add(0), want: domaintest.Want{Field: "quantity"}},
		{name: "add negative", history: events(lampCreated), command: add(-1), want: domaintest.Want{Field: "quantity"}},
		{name: "add too many", history: events(lampCreated), command: add(1_000_001), want: domaintest.Want{Field: "quantity"}},
		{name: "add to unknown", command: add(1), want: domaintest.Want{Code: domain.CodeProductNotFound}},
		{name: "add to deleted", history: events(lampCreated, deleted), command: add(1),
			want: domaintest.Want{Code: domain.CodeProductDeleted}},
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
		{name: "reserve", history: stocked, command: reserve("c1", 2), want: domaintest.Want{Events: events(reserved("c1", 2))}},
		{name: "reserve all", history: stocked, command: reserve("c1", 5), want: domaintest.Want{Events: events(reserved("c1", 5))}},
		{name: "reserve more than available", history: append(stocked, reserved("c0", 4)), command: reserve("c1", 2),
			want: domaintest.Want{Code: domain.CodeOutOfStock}},
		{name: "reserve again is a no-op", history: append(stocked, reserved("c1", 2)), command: reserve("c1", 2)},
		{name: "reserve again after release is a no-op", history: append(stocked, reserved("c1", 2), released("c1", 2)),
			command: reserve("c1", 2)},
		{name: "reserve again with another quantity", history: append(stocked, reserved("c1", 2)), command: reserve("c1", 3),
			want: domaintest.Want{Code: domain.CodeReservationConflict}},
		{name: "reserve zero", history: stocked, command: reserve("c1", 0), want: domaintest.Want{Field: "quantity"}},
		{name: "reserve too many", history: stocked, command: reserve("c1", 1_000_001), want: domaintest.Want{Field: "quantity"}},
		{name: "reserve bad checkout id", history: stocked, command: reserve("", 1), want: domaintest.Want{Field: "checkoutId"}},
		{name: "reserve unknown product", command: reserve("c1", 1), want: domaintest.Want{Code: domain.CodeProductNotFound}},
		{name: "reserve deleted product", history: append(stocked, deleted), command: reserve("c1", 1),
			want: domaintest.Want{Code: domain.CodeProductDeleted}},
		{name: "release", history: append(stocked, reserved("c1", 2)), command: release("c1"),
			want: domaintest.Want{Events: events(released("c1", 2))}},
		{name: "release on deleted product", history: append(stocked, reserved("c1", 2), deleted), command: release("c1"),
			want: domaintest.Want{Events: events(released("c1", 2))}},
		{name: "release twice is a no-op", history: append(stocked, reserved("c1", 2), released("c1", 2)), command: release("c1")},
		{name: "release unknown is a no-op", history: stocked, command: release("c9")},
		{name: "release on unknown product is a no-op", command: release("c9")},
		{name: "release bad checkout id", history: stocked, command: release("a b"), want: domaintest.Want{Field: "checkoutId"}},
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
	seen := map[string]int{}
	for seed := uint64(1); seed <= 300; seed++ {
		rng := rand.New(rand.NewPCG(seed, 42))
		p := fold(t)
		var emitted []domain.Event
		var added int64
		for step := 0; step < 60; step++ {
			before := clone(p)
			got, err := randomCommand(rng, p)
			if !reflect.DeepEqual(p, before) {
				t.Fatalf("seed %d step %d: deciding changed the product", seed, step)
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
				if s, ok := e.(StockAdded); ok {
					added += s.Quantity
				}
			}
			if err := p.Apply(got...); err != nil {
				t.Fatal(err)
			}
			emitted = append(emitted, got...)
			var held int64
			for _, r := range p.reservations {
				if !r.released {
					held += r.quantity
				}
			}
			if p.available < 0 || p.available+held != added {
				t.Fatalf("seed %d step %d: available %d + held %d != added %d", seed, step, p.available, held, added)
			}
		}
		replayed := fold(t, domaintest.RoundTrip(t, EventTypes(), emitted)...)
		if !reflect.DeepEqual(replayed, p) {
			t.Fatalf("seed %d: replay of %d events = %+v, decided %+v", seed, len(emitted), replayed, p)
		}
	}
	for _, et := range EventTypes() {
		if seen[et.Name] == 0 {
			t.Errorf("no random sequence emitted %s; widen the generator", et.Name)
		}
	}
	t.Logf("events emitted: %v", seen)
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
