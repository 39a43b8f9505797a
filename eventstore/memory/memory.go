// Package memory is an in-process eventstore.Store for tests and for running
// the domain without a database. It keeps every event in memory behind one
// mutex; nothing survives the process.
package memory

import (
	"bytes"
	"context"
	"fmt"
	"sort"
	"sync"

	"github.com/shopstream/shopstream/eventstore"
)

// Store is an in-memory event store. The zero value is not usable; call New.
type Store struct {
	mu      sync.RWMutex
	streams map[string][]eventstore.Event
	// global holds every event sorted by ID, for ReadAll.
	global []eventstore.Event
}

var _ eventstore.Store = (*Store)(nil)

// New returns an empty store.
func New() *Store {
	return &Store{streams: make(map[string][]eventstore.Event)}
}

// Append implements eventstore.Store.
func (s *Store) Append(ctx context.Context, stream string, expectedVersion int64, events ...eventstore.Event) ([]eventstore.Event, error) {
	const op = "append"
	if err := eventstore.ValidateAppend(op, stream, expectedVersion, events); err != nil {
		return nil, err
	}
	if len(events) == 0 {
		return nil, nil
	}
	if err := ctx.Err(); err != nil {
		return nil, &eventstore.Error{Op: op, Stream: stream, Err: err}
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	current := int64(len(s.streams[stream]))
	if expectedVersion != eventstore.Any && expectedVersion != current {
		if done := s.repeated(stream, expectedVersion, events); done != nil {
			return done, nil
		}
		return nil, &eventstore.Error{Op: op, Stream: stream, Err: fmt.Errorf("%w: stream is at version %d, expected %d", eventstore.ErrConcurrency, current, expectedVersion)}
	}
	stored := make([]eventstore.Event, len(events))
	for i, e := range events {
		e.StreamID = stream
		e.Version = current + int64(i) + 1
		e.Metadata.RecordedAt = e.Metadata.RecordedAt.UTC()
		e.Data = bytes.Clone(e.Data) // the caller may reuse its buffer
		stored[i] = e
		s.insertGlobal(e)
	}
	s.streams[stream] = append(s.streams[stream], stored...)
	return clone(stored), nil
}

// repeated returns the stored events if events are already in stream right
// after version after (a retried append), else nil.
func (s *Store) repeated(stream string, after int64, events []eventstore.Event) []eventstore.Event {
	have := s.streams[stream]
	if after < 0 || after+int64(len(events)) > int64(len(have)) {
		return nil
	}
	have = have[after : after+int64(len(events))]
	for i, e := range events {
		if have[i].ID != e.ID {
			return nil
		}
	}
	return clone(have)
}

// insertGlobal keeps s.global sorted by ID. IDs from one Factory only grow,
// so the common case is an append at the end.
func (s *Store) insertGlobal(e eventstore.Event) {
	n := len(s.global)
	if n == 0 || s.global[n-1].ID < e.ID {
		s.global = append(s.global, e)
		return
	}
	i := sort.Search(n, func(i int) bool { return s.global[i].ID > e.ID })
	s.global = append(s.global, eventstore.Event{})
	copy(s.global[i+1:], s.global[i:])
	s.global[i] = e
}

// Load implements eventstore.Store.
func (s *Store) Load(ctx context.Context, stream string, fromVersion int64) ([]eventstore.Event, error) {
	if err := ctx.Err(); err != nil {
		return nil, &eventstore.Error{Op: "load", Stream: stream, Err: err}
	}
	if fromVersion < 1 {
		fromVersion = 1
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	events := s.streams[stream]
	if fromVersion > int64(len(events)) {
		return nil, nil
	}
	return clone(events[fromVersion-1:]), nil
}

// LoadRange implements eventstore.Store.
func (s *Store) LoadRange(ctx context.Context, stream string, fromVersion int64, limit int) ([]eventstore.Event, bool, error) {
	const op = "loadRange"
	if err := eventstore.ValidateRange(op, stream, fromVersion, limit); err != nil {
		return nil, false, err
	}
	if err := ctx.Err(); err != nil {
		return nil, false, &eventstore.Error{Op: op, Stream: stream, Err: err}
	}
	fromVersion = max(fromVersion, 1)
	s.mu.RLock()
	defer s.mu.RUnlock()
	events := s.streams[stream]
	if fromVersion > int64(len(events)) {
		return nil, false, nil
	}
	rest := events[fromVersion-1:]
	n := min(limit, len(rest))
	return clone(rest[:n]), n < len(rest), nil
}

// ReadAll implements eventstore.Store.
func (s *Store) ReadAll(ctx context.Context, position string, limit int) (eventstore.Page, error) {
	const op = "readAll"
	if err := eventstore.ValidatePosition(op, position); err != nil {
		return eventstore.Page{}, err
	}
	if err := ctx.Err(); err != nil {
		return eventstore.Page{}, &eventstore.Error{Op: op, Err: err}
	}
	limit = eventstore.ReadLimit(limit)

	s.mu.RLock()
	defer s.mu.RUnlock()
	start := sort.Search(len(s.global), func(i int) bool { return s.global[i].ID > position })
	end := min(start+limit, len(s.global))
	page := eventstore.Page{Events: clone(s.global[start:end])}
	if end < len(s.global) {
		page.Next = s.global[end-1].ID
	}
	return page, nil
}

// clone copies events so callers cannot change what is stored.
func clone(events []eventstore.Event) []eventstore.Event {
	if len(events) == 0 {
		return nil
	}
	out := make([]eventstore.Event, len(events))
	for i, e := range events {
		e.Data = bytes.Clone(e.Data)
		out[i] = e
	}
	return out
}
