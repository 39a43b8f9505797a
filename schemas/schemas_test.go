package schemas_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/shopstream/shopstream/eventstore"
	"github.com/shopstream/shopstream/internal/basket"
	"github.com/shopstream/shopstream/internal/catalog"
	"github.com/shopstream/shopstream/internal/domain"
	"github.com/shopstream/shopstream/internal/ordering"
	"github.com/shopstream/shopstream/internal/registry"
	"github.com/shopstream/shopstream/schemas"
)

func fixture(r schemas.Ref) string {
	return filepath.Join("testdata", r.Type, fmt.Sprintf("v%d.json", r.Version))
}

// TestEveryEventTypeHasSchemaAndFixture fails when an event type is added
// (or its version bumped) without a schema and a fixture, or when a schema
// or fixture has no event type.
func TestEveryEventTypeHasSchemaAndFixture(t *testing.T) {
	refs, err := schemas.Refs()
	if err != nil {
		t.Fatal(err)
	}
	have := map[schemas.Ref]bool{}
	for _, r := range refs {
		have[r] = true
		et, ok := registry.Default().Lookup(r.Type)
		if !ok || r.Version > et.Version {
			t.Errorf("schema %s v%d has no registered event type at that version", r.Type, r.Version)
		}
	}
	for _, et := range registry.Default().Types() {
		for v := 1; v <= et.Version; v++ {
			r := schemas.Ref{Type: et.Name, Version: v}
			if !have[r] {
				t.Errorf("event type %s v%d has no schema: add schemas/%s/v%d.json", et.Name, v, et.Name, v)
			}
			if _, err := os.Stat(fixture(r)); err != nil {
				t.Errorf("event type %s v%d has no fixture: add schemas/%s", et.Name, v, fixture(r))
			}
		}
	}
	fixtures, _ := filepath.Glob(filepath.Join("testdata", "*", "v*.json"))
	for _, f := range fixtures {
		var r schemas.Ref
		if _, err := fmt.Sscanf(filepath.Base(f), "v%d.json", &r.Version); err != nil {
			t.Errorf("fixture %s: not named v<N>.json", f)
		}
		r.Type = filepath.Base(filepath.Dir(f))
		if !have[r] {
			t.Errorf("fixture %s has no schema", f)
		}
	}
}

// TestFixturesDecode checks that every stored shape ever published still
// validates and decodes, strictly, into today's Go type, and that today's
// type writes back what the current version's fixture says.
func TestFixturesDecode(t *testing.T) {
	refs, err := schemas.Refs()
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range refs {
		t.Run(fmt.Sprintf("%s/v%d", r.Type, r.Version), func(t *testing.T) {
			data, err := os.ReadFile(fixture(r))
			if err != nil {
				t.Fatal(err)
			}
			if err := schemas.Validate(r.Type, r.Version, data); err != nil {
				t.Fatalf("fixture does not match its schema: %v", err)
			}
			et, _ := registry.Default().Lookup(r.Type)
			e, err := et.Decode(r.Version, data)
			if err != nil {
				t.Fatalf("fixture does not decode: %v", err)
			}
			again, err := json.Marshal(e)
			if err != nil {
				t.Fatal(err)
			}
			if err := schemas.Validate(et.Name, et.Version, again); err != nil {
				t.Fatalf("re-encoded fixture fails the current schema: %v", err)
			}
			if r.Version == et.Version && !sameJSON(t, data, again) {
				t.Errorf("round trip changed the fixture:\n got %s\nwant %s", again, data)
			}
		})
	}
}

func sameJSON(t *testing.T, a, b []byte) bool {
	t.Helper()
	var va, vb any
	if err := json.Unmarshal(a, &va); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &vb); err != nil {
		t.Fatal(err)
	}
	return reflect.DeepEqual(va, vb)
}

// TestEmittedEventsValidate drives every aggregate through every command,
// at ordinary values and at the limits of its input checks, and validates
// each event as the store would hold it.
func TestEmittedEventsValidate(t *testing.T) {
	f := eventstore.NewFactory(func() time.Time { return time.Date(2026, 11, 26, 6, 0, 0, 0, time.UTC) }, rand.NewChaCha8([32]byte{9}))
	emitted := map[string]int{}
	for _, limits := range []bool{false, true} {
		for _, e := range emitAll(t, limits) {
			stored, err := registry.Default().Encode(f, eventstore.Metadata{}, e)
			if err != nil {
				t.Fatal(err)
			}
			s := stored[0]
			if err := schemas.Validate(s.Type, s.SchemaVersion, s.Data); err != nil {
				t.Errorf("emitted %s fails its schema: %v", s.Type, err)
			}
			emitted[s.Type]++
		}
	}
	for _, et := range registry.Default().Types() {
		if emitted[et.Name] == 0 {
			t.Errorf("no command emitted %s: extend emitAll", et.Name)
		}
	}
}

// emitAll runs a product, a basket and an order through all their
// commands; with limits, every text and number is at its maximum.
func emitAll(t *testing.T, limits bool) []domain.Event {
	t.Helper()
	var all []domain.Event
	must := func(apply func(...domain.Event) error) func([]domain.Event, error) {
		return func(es []domain.Event, err error) {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
			if len(es) == 0 {
				t.Fatal("command decided nothing")
			}
			if err := apply(es...); err != nil {
				t.Fatal(err)
			}
			all = append(all, es...)
		}
	}
	long := func(n int, short string) string {
		if limits {
			return strings.Repeat("ü", n)
		}
		return short
	}
	id := long(domain.MaxIDLength, "p1")
	if limits {
		id = strings.Repeat("a", domain.MaxIDLength)
	}
	price, qty := int64(2999), int64(3)
	if limits {
		price, qty = domain.MaxPrice-1, domain.MaxQuantity
	}

	// An image is a plain ASCII file name, so its limit is in bytes.
	image := ""
	if limits {
		image = strings.Repeat("a", catalog.MaxImageFileLength-len(".png")) + ".png"
	}

	p, err := catalog.New(id)
	if err != nil {
		t.Fatal(err)
	}
	do := must(p.Apply)
	do(p.Create(catalog.Details{Name: long(200, "Lamp"), Description: long(2000, ""), Category: long(100, "Lighting"),
		Price: price, Currency: "EUR", ImageFile: image}))
	name, empty := long(200, "Desk lamp"), ""
	newPrice, usd := price-1, "USD"
	do(p.Update(catalog.Update{Name: &name, Description: &empty, Price: &newPrice, Currency: &usd}))
	do(p.AddStock(qty))
	do(p.AddStock(qty))
	do(p.Reserve(id, qty))
	do(p.Reserve("c2", qty))
	do(p.Release("c2"))
	do(p.Delete())

	b, err := basket.New(id)
	if err != nil {
		t.Fatal(err)
	}
	do = must(b.Apply)
	do(b.SetQuantity("p2", 1))
	do(b.RemoveItem("p2"))
	do(b.SetQuantity("p2", 1))
	do(b.SetQuantity("p2", 0))
	do(b.SetQuantity("p3", 1))
	do(b.Clear())
	for i := range domain.MaxLines {
		do(b.SetQuantity(fmt.Sprint("p", i), qty))
	}
	customer := basket.Customer{FirstName: long(100, "Ada"), LastName: long(100, "Lovelace"), Email: "ada@example.com",
		Address: long(500, "London"), PaymentMethod: "card", CardLast4: "0000"}
	do(b.StartCheckout("c1", customer))
	do(b.FailCheckout("c1", basket.Reason{Code: strings.Repeat("x", domain.MaxIDLength), Message: long(1000, "")}))
	do(b.StartCheckout(id, customer))
	var lines []domain.PricedLine
	var total int64
	for _, it := range b.Items() {
		lines = append(lines, domain.PricedLine{ProductID: it.ProductID, Name: long(200, "Lamp"), UnitPrice: price,
			Currency: "EUR", Quantity: it.Quantity, LineTotal: price * it.Quantity})
		total += price * it.Quantity
	}
	do(b.CompleteCheckout(basket.Completion{CheckoutID: id, OrderID: domain.OrderIDFor(id), Lines: lines, Total: total, Currency: "EUR"}))

	checkedOut := all[len(all)-1].(basket.BasketCheckedOut)
	orderID, placement := ordering.FromCheckout(checkedOut, time.Date(2026, 11, 26, 6, 1, 2, 345_678_901, time.UTC))
	o, err := ordering.New(orderID)
	if err != nil {
		t.Fatal(err)
	}
	must(o.Apply)(o.Place(placement))
	return all
}

func TestValidateRejects(t *testing.T) {
	cases := []struct {
		name, eventType, data string
		want                  string // a fragment of the error
	}{
		{"missing field", "StockAdded", `{"productId":"p1"}`, "missing property 'quantity'"},
		{"unknown field", "StockAdded", `{"productId":"p1","quantity":1,"note":"x"}`, "additional properties 'note'"},
		{"wrong type", "StockAdded", `{"productId":"p1","quantity":"1"}`, "want integer"},
		{"quantity zero", "StockAdded", `{"productId":"p1","quantity":0}`, "minimum"},
		{"bad id", "ProductDeleted", `{"productId":"a b"}`, "does not match pattern"},
		{"price zero", "ProductCreated", `{"productId":"p","name":"n","description":"","category":"c","price":0,"currency":"EUR","imageFile":""}`, "minimum"},
		{"blank name", "ProductCreated", `{"productId":"p","name":"  ","description":"","category":"c","price":1,"currency":"EUR","imageFile":""}`, "does not match pattern"},
		{"lower-case currency", "ProductCreated", `{"productId":"p","name":"n","description":"","category":"c","price":1,"currency":"eur","imageFile":""}`, "does not match pattern"},
		{"price without currency", "ProductUpdated", `{"productId":"p","price":5}`, "currency"},
		{"update without change", "ProductUpdated", `{"productId":"p"}`, "minProperties"},
		{"bad email", "CheckoutStarted", `{"userName":"u","checkoutId":"c","customer":{"firstName":"a","lastName":"b","email":"nope","address":"x","paymentMethod":"card","cardLast4":"1234"},"items":[{"productId":"p","quantity":1}]}`, "email"},
		{"full card number", "CheckoutStarted", `{"userName":"u","checkoutId":"c","customer":{"firstName":"a","lastName":"b","email":"a@b.example","address":"x","paymentMethod":"card","cardLast4":"4242424242424242"},"items":[{"productId":"p","quantity":1}]}`, "cardLast4"},
		{"no lines", "OrderPlaced", `{"orderId":"o","checkoutId":"o","userName":"u","lines":[],"total":1,"currency":"EUR","placedAt":"2026-11-26T06:00:00Z"}`, "minItems"},
		{"bad time", "OrderPlaced", `{"orderId":"o","checkoutId":"o","userName":"u","lines":[{"productId":"p","name":"n","unitPrice":1,"currency":"EUR","quantity":1,"lineTotal":1}],"total":1,"currency":"EUR","placedAt":"yesterday"}`, "date-time"},
		{"not JSON", "BasketCleared", `{"userName":`, "not JSON"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := schemas.Validate(tc.eventType, 1, []byte(tc.data))
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), tc.eventType+" v1") {
				t.Errorf("Validate = %v, want an error naming %s v1 and containing %q", err, tc.eventType, tc.want)
			}
		})
	}
	for _, r := range []schemas.Ref{{"StockAdded", 2}, {"StockAdded", 0}, {"StockStolen", 1}} {
		if err := schemas.Validate(r.Type, r.Version, []byte(`{}`)); !errors.Is(err, schemas.ErrUnknown) {
			t.Errorf("Validate(%s v%d) = %v, want ErrUnknown", r.Type, r.Version, err)
		}
	}
}
