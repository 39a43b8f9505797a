// Package command runs the event-sourced command loop every write path
// shares: load a stream, fold it into its aggregate, let the aggregate
// decide, and append the decided events at the version that was loaded.
//
// A concurrent writer makes the append fail with eventstore.ErrConcurrency;
// the loop then reloads and decides again on the fresh state, so a
// decision is never made on stale facts and never silently overwrites.
package command

import (
	"context"
	"errors"
	"fmt"

	"github.com/shopstream/shopstream/eventstore"
	"github.com/shopstream/shopstream/internal/domain"
	"github.com/shopstream/shopstream/internal/registry"
)

// Aggregate is what the loop needs from an aggregate.
type Aggregate interface {
	Apply(events ...domain.Event) error
	// Version is the number of events applied: the expected version of
	// the next append.
	Version() int64
}

// DefaultAttempts bounds how often Run decides again after a conflict.
const DefaultAttempts = 5

// Runner holds the store and codecs a command runs against.
type Runner struct {
	Store    eventstore.Store
	Registry *registry.Registry
	Factory  *eventstore.Factory
	// Attempts is how many times Run tries before returning the
	// ErrConcurrency of the last attempt; 0 means DefaultAttempts.
	Attempts int
}

// Load folds stream into agg.
func (r Runner) Load(ctx context.Context, stream string, agg Aggregate) error {
	stored, err := r.Store.Load(ctx, stream, 1)
	if err != nil {
		return fmt.Errorf("load %s: %w", stream, err)
	}
	events, err := r.Registry.DecodeAll(stored)
	if err != nil {
		return fmt.Errorf("load %s: %w", stream, err)
	}
	if err := agg.Apply(events...); err != nil {
		return fmt.Errorf("load %s: %w", stream, err)
	}
	return nil
}

// Run loads stream into a fresh aggregate made by newAgg, asks decide for
// new events and appends them at the loaded version. It returns the
// aggregate with the new events applied and the events as stored (none when
// decide decided nothing, which is how idempotent commands say "already
// done"). decide's errors are returned unchanged; nothing is written then.
//
// A command made of several steps (create a product and stock it; set many
// basket lines) decides each step on the aggregate, Applies that step's
// events to it, and decides the next: Run appends all of them together at
// the version loaded, and afterwards applies those decide has not.
func Run[A Aggregate](ctx context.Context, r Runner, stream string, newAgg func() (A, error), meta eventstore.Metadata, decide func(A) ([]domain.Event, error)) (A, []eventstore.Event, error) {
	attempts := r.Attempts
	if attempts <= 0 {
		attempts = DefaultAttempts
	}
	var zero A
	var lastErr error
	for range attempts {
		agg, err := newAgg()
		if err != nil {
			return zero, nil, err
		}
		if err := r.Load(ctx, stream, agg); err != nil {
			return zero, nil, err
		}
		loaded := agg.Version()
		decided, err := decide(agg)
		if err != nil {
			return zero, nil, err
		}
		if len(decided) == 0 {
			return agg, nil, nil
		}
		encoded, err := r.Registry.Encode(r.Factory, meta, decided...)
		if err != nil {
			return zero, nil, err
		}
		stored, err := r.Store.Append(ctx, stream, loaded, encoded...)
		if errors.Is(err, eventstore.ErrConcurrency) {
			lastErr = err
			continue
		}
		if err != nil {
			return zero, nil, fmt.Errorf("append %s: %w", stream, err)
		}
		// decide may have applied its earlier steps; apply the rest.
		applied := int(agg.Version() - loaded)
		if applied < 0 || applied > len(decided) {
			return zero, nil, fmt.Errorf("apply %s: decide applied %d events but decided %d", stream, applied, len(decided))
		}
		if err := agg.Apply(decided[applied:]...); err != nil {
			return zero, nil, fmt.Errorf("apply %s: %w", stream, err)
		}
		return agg, stored, nil
	}
	return zero, nil, fmt.Errorf("append %s after %d attempts: %w", stream, attempts, lastErr)
}
