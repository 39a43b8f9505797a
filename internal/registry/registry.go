// Package registry knows every event type shopstream emits and converts
// between domain events and stored eventstore.Events: encoding a decided
// event for append, and decoding a stored one by (type, schema version)
// into today's Go type, upcasting older versions.
package registry

import (
	"fmt"
	"slices"

	"github.com/shopstream/shopstream/eventstore"
	"github.com/shopstream/shopstream/internal/basket"
	"github.com/shopstream/shopstream/internal/catalog"
	"github.com/shopstream/shopstream/internal/domain"
	"github.com/shopstream/shopstream/internal/ordering"
)

// Registry maps event type names to their descriptors.
type Registry struct {
	byName map[string]domain.EventType
}

// New returns a registry of types. It fails on a duplicate name or a
// descriptor that cannot decode all of its versions.
func New(types ...domain.EventType) (*Registry, error) {
	r := &Registry{byName: make(map[string]domain.EventType, len(types))}
	for _, t := range types {
		if err := t.Check(); err != nil {
			return nil, fmt.Errorf("registry: %w", err)
		}
		if _, dup := r.byName[t.Name]; dup {
			return nil, fmt.Errorf("registry: event type %s registered twice", t.Name)
		}
		r.byName[t.Name] = t
	}
	return r, nil
}

var all = func() *Registry {
	r, err := New(slices.Concat(catalog.EventTypes(), basket.EventTypes(), ordering.EventTypes())...)
	if err != nil {
		panic(err) // a programming error, caught by every test run
	}
	return r
}()

// Default returns the registry of every event the catalog, basket and
// ordering aggregates emit.
func Default() *Registry { return all }

// Lookup returns the descriptor of the event type called name.
func (r *Registry) Lookup(name string) (domain.EventType, bool) {
	t, ok := r.byName[name]
	return t, ok
}

// Types returns every descriptor, sorted by name.
func (r *Registry) Types() []domain.EventType {
	out := make([]domain.EventType, 0, len(r.byName))
	for _, t := range r.byName {
		out = append(out, t)
	}
	slices.SortFunc(out, func(a, b domain.EventType) int {
		switch {
		case a.Name < b.Name:
			return -1
		case a.Name > b.Name:
			return 1
		}
		return 0
	})
	return out
}

// Source returns the EventBridge source of an event type:
// "shopstream.<aggregate>".
func (r *Registry) Source(eventType string) (string, error) {
	t, ok := r.byName[eventType]
	if !ok {
		return "", fmt.Errorf("registry: source of %q: unknown event type", eventType)
	}
	return "shopstream." + t.Aggregate, nil
}

// Decode returns the domain event a stored event holds, as today's Go type.
func (r *Registry) Decode(e eventstore.Event) (domain.Event, error) {
	t, ok := r.byName[e.Type]
	if !ok {
		return nil, fmt.Errorf("registry: decode event %s of stream %s: unknown event type %q", e.ID, e.StreamID, e.Type)
	}
	d, err := t.Decode(e.SchemaVersion, e.Data)
	if err != nil {
		return nil, fmt.Errorf("registry: event %s of stream %s: %w", e.ID, e.StreamID, err)
	}
	return d, nil
}

// DecodeAll decodes stored events in order, as Load returns them, ready
// for an aggregate's Apply.
func (r *Registry) DecodeAll(events []eventstore.Event) ([]domain.Event, error) {
	out := make([]domain.Event, 0, len(events))
	for _, e := range events {
		d, err := r.Decode(e)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, nil
}

// Encode turns decided domain events into new eventstore.Events made by f
// (ULID ids, recorded-at from its clock) at their current schema version,
// each carrying meta.
func (r *Registry) Encode(f *eventstore.Factory, meta eventstore.Metadata, events ...domain.Event) ([]eventstore.Event, error) {
	out := make([]eventstore.Event, 0, len(events))
	for _, e := range events {
		t, ok := r.byName[e.EventType()]
		if !ok {
			return nil, fmt.Errorf("registry: encode %T: unknown event type %q", e, e.EventType())
		}
		se, err := f.New(t.Name, t.Version, e, meta)
		if err != nil {
			return nil, fmt.Errorf("registry: %w", err)
		}
		out = append(out, se)
	}
	return out, nil
}
