package registry_test

import (
	"context"
	"fmt"

	"github.com/shopstream/shopstream/eventstore"
	"github.com/shopstream/shopstream/eventstore/memory"
	"github.com/shopstream/shopstream/internal/catalog"
	"github.com/shopstream/shopstream/internal/registry"
)

// The command cycle: load and fold the stream, decide, append at the folded
// version. Here one append carries two decisions: create with initial stock.
func Example() {
	ctx := context.Background()
	store, factory := memory.New(), eventstore.NewFactory(nil, nil)
	stream := catalog.StreamID("lamp")

	stored, err := store.Load(ctx, stream, 1)
	if err != nil {
		panic(err)
	}
	history, err := registry.Default().DecodeAll(stored)
	if err != nil {
		panic(err)
	}
	p, err := catalog.New("lamp")
	if err != nil {
		panic(err)
	}
	if err := p.Apply(history...); err != nil {
		panic(err)
	}
	expected := p.Version()

	created, err := p.Create(catalog.Details{Name: "Desk lamp", Category: "Lighting", Price: 2999, Currency: "EUR"})
	if err != nil {
		panic(err) // a *domain.ValidationError or *domain.RuleError
	}
	_ = p.Apply(created...) // decide the next command on the updated product
	stocked, err := p.AddStock(10)
	if err != nil {
		panic(err)
	}
	events, err := registry.Default().Encode(factory, eventstore.Metadata{Actor: "admin"}, append(created, stocked...)...)
	if err != nil {
		panic(err)
	}
	appended, err := store.Append(ctx, stream, expected, events...)
	if err != nil {
		panic(err) // errors.Is(err, eventstore.ErrConcurrency): reload and decide again
	}
	for _, e := range appended {
		source, _ := registry.Default().Source(e.Type)
		fmt.Println(e.StreamID, e.Version, e.Type, source)
	}
	// Output:
	// product-lamp 1 ProductCreated shopstream.catalog
	// product-lamp 2 StockAdded shopstream.catalog
}
