// Package shoptest holds the fixtures the Lambda tests share: a command
// runner over the memory event store with a fixed clock, a valid customer,
// and helpers that run a command on a product or basket stream and read a
// stream back, failing the test on any error.
package shoptest

import (
	"context"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/shopstream/shopstream/eventstore"
	"github.com/shopstream/shopstream/eventstore/memory"
	"github.com/shopstream/shopstream/internal/basket"
	"github.com/shopstream/shopstream/internal/catalog"
	"github.com/shopstream/shopstream/internal/command"
	"github.com/shopstream/shopstream/internal/domain"
	"github.com/shopstream/shopstream/internal/registry"
)

// Now is the reading of the clock of the runners this package returns.
var Now = time.Date(2026, 11, 26, 6, 0, 0, 0, time.UTC)

// Customer is a complete, valid checkout customer ("ada" in the tests).
var Customer = basket.Customer{FirstName: "Ada", LastName: "Lovelace", Email: "ada@example.com",
	Address: "1 Analytical Way", PaymentMethod: "card", CardLast4: "4242"}

// Runner returns a command runner over a new memory store whose events are
// stamped Now.
func Runner() command.Runner { return RunnerOn(memory.New()) }

// RunnerOn returns a command runner over store whose events are stamped Now.
func RunnerOn(store eventstore.Store) command.Runner {
	return command.Runner{Store: store, Registry: registry.Default(),
		Factory: eventstore.NewFactory(func() time.Time { return Now }, nil)}
}

// Run runs decide on the aggregate of stream, with empty metadata, and
// returns the events it appended; an error fails t.
func Run[A command.Aggregate](t testing.TB, r command.Runner, stream string, newAgg func() (A, error), decide func(A) ([]domain.Event, error)) []eventstore.Event {
	t.Helper()
	_, stored, err := command.Run(context.Background(), r, stream, newAgg, eventstore.Metadata{}, decide)
	if err != nil {
		t.Fatalf("run command on %s: %v", stream, err)
	}
	return stored
}

// RunProduct runs decide on product id's stream. See Run.
func RunProduct(t testing.TB, r command.Runner, id string, decide func(*catalog.Product) ([]domain.Event, error)) []eventstore.Event {
	t.Helper()
	return Run(t, r, catalog.StreamID(id), func() (*catalog.Product, error) { return catalog.New(id) }, decide)
}

// RunBasket runs decide on user's basket stream. See Run.
func RunBasket(t testing.TB, r command.Runner, user string, decide func(*basket.Basket) ([]domain.Event, error)) []eventstore.Event {
	t.Helper()
	return Run(t, r, basket.StreamID(user), func() (*basket.Basket, error) { return basket.New(user) }, decide)
}

// CreateProduct creates product id in category "kitchen" with the given
// name and price, and adds stock units when stock is positive.
func CreateProduct(t testing.TB, r command.Runner, id, name string, price int64, currency string, stock int64) {
	t.Helper()
	RunProduct(t, r, id, func(p *catalog.Product) ([]domain.Event, error) {
		return p.Create(catalog.Details{Name: name, Category: "kitchen", Price: price, Currency: currency})
	})
	if stock > 0 {
		RunProduct(t, r, id, func(p *catalog.Product) ([]domain.Event, error) { return p.AddStock(stock) })
	}
}

// Events returns every event of stream, oldest first; an error fails t.
func Events(t testing.TB, s eventstore.Store, stream string) []eventstore.Event {
	t.Helper()
	events, err := s.Load(context.Background(), stream, 1)
	if err != nil {
		t.Fatalf("load %s: %v", stream, err)
	}
	return events
}

// Types returns the types of stream's events, oldest first.
func Types(t testing.TB, s eventstore.Store, stream string) []string {
	t.Helper()
	var types []string
	for _, e := range Events(t, s, stream) {
		types = append(types, e.Type)
	}
	return types
}

// AddToBasket sets the quantity of productID in user's basket.
func AddToBasket(t testing.TB, r command.Runner, user, productID string, qty int64) {
	t.Helper()
	RunBasket(t, r, user, func(b *basket.Basket) ([]domain.Event, error) { return b.SetQuantity(productID, qty) })
}

// ReportLatency sorts lat and reports its median and 99th percentile in
// microseconds as the metrics "p50-<unit>" and "p99-<unit>" (unit "µs",
// "µs/batch"). lat must not be empty.
func ReportLatency(b *testing.B, lat []time.Duration, unit string) {
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-"+unit)
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-"+unit)
}

// ErrorName returns the name of err's type, dereferenced, as the Lambda
// runtime reports it in errorType and Step Functions matches it in
// ErrorEquals; "" for nil.
func ErrorName(err error) string {
	if err == nil {
		return ""
	}
	t := reflect.TypeOf(err)
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t.Name()
}
