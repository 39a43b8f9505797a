// Package domaintest holds test helpers shared by the aggregates' tests.
package domaintest

import (
	"encoding/json"
	"errors"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/shopstream/shopstream/internal/domain"
)

// Want is the expected outcome of one command: the events it decides, or
// the field of its *domain.ValidationError, or the code of its
// *domain.RuleError.
type Want struct {
	Events []domain.Event
	Field  string
	Code   domain.Code
}

// Check fails t unless got and err match w.
func Check(t testing.TB, w Want, got []domain.Event, err error) {
	t.Helper()
	switch {
	case w.Field != "":
		var ve *domain.ValidationError
		if !errors.As(err, &ve) {
			t.Fatalf("err = %v, want a ValidationError on %q", err, w.Field)
		}
		if ve.Field != w.Field || ve.Reason == "" {
			t.Fatalf("ValidationError = %q / %q, want field %q with a reason", ve.Field, ve.Reason, w.Field)
		}
	case w.Code != "":
		var re *domain.RuleError
		if !errors.As(err, &re) {
			t.Fatalf("err = %v, want a RuleError %q", err, w.Code)
		}
		if re.Code != w.Code || re.Message == "" {
			t.Fatalf("RuleError = %q / %q, want code %q with a message", re.Code, re.Message, w.Code)
		}
	case err != nil:
		t.Fatalf("unexpected error: %v", err)
	}
	if err != nil && got != nil {
		t.Fatalf("events %v returned with error %v", got, err)
	}
	if err == nil && !reflect.DeepEqual(got, w.Events) {
		t.Fatalf("events:\n got %s\nwant %s", show(got), show(w.Events))
	}
}

// Aggregate is the part of an aggregate that Fold uses.
type Aggregate interface {
	Apply(events ...domain.Event) error
}

// Fold makes aggregate id with newAggregate (the aggregate's New) and
// applies history to it, failing t on any error.
func Fold[A Aggregate](t testing.TB, newAggregate func(id string) (A, error), id string, history ...domain.Event) A {
	t.Helper()
	a, err := newAggregate(id)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Apply(history...); err != nil {
		t.Fatal(err)
	}
	return a
}

// Case is one table-driven command test for an aggregate of type A: the
// aggregate folded from History decides Command, and the outcome must
// match Want.
type Case[A any] struct {
	Name    string
	History []domain.Event
	Command func(A) ([]domain.Event, error)
	Want    Want
}

// Run runs each case as a subtest. fold builds the aggregate from a
// history (failing t on error) and clone deep-copies it, so Run can also
// fail a case whose command changed the aggregate: deciding must only
// return events, never mutate state.
func Run[A any](t *testing.T, fold func(testing.TB, ...domain.Event) A, clone func(A) A, cases []Case[A]) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.Name, func(t *testing.T) {
			a := fold(t, tc.History...)
			before := clone(a)
			got, err := tc.Command(a)
			Check(t, tc.Want, got, err)
			if !reflect.DeepEqual(a, before) {
				t.Fatalf("deciding changed the %T: %+v, was %+v", a, a, before)
			}
		})
	}
}

func show(events []domain.Event) string {
	type typed struct {
		Type string
		Data domain.Event
	}
	var out []typed
	for _, e := range events {
		out = append(out, typed{e.EventType(), e})
	}
	b, _ := json.Marshal(out)
	return string(b)
}

// RoundTrip encodes each event as JSON and decodes it with its EventType
// from types, as a store and a later reader would, failing t on any error.
func RoundTrip(t testing.TB, types []domain.EventType, events []domain.Event) []domain.Event {
	t.Helper()
	byName := map[string]domain.EventType{}
	for _, et := range types {
		byName[et.Name] = et
	}
	out := make([]domain.Event, 0, len(events))
	for _, e := range events {
		et, ok := byName[e.EventType()]
		if !ok {
			t.Fatalf("event %s has no EventType", e.EventType())
		}
		data, err := json.Marshal(e)
		if err != nil {
			t.Fatalf("encode %s: %v", e.EventType(), err)
		}
		back, err := et.Decode(et.Version, data)
		if err != nil {
			t.Fatalf("decode %s: %v", data, err)
		}
		out = append(out, back)
	}
	return out
}

// Random is a seeded random test of an aggregate's decide/fold contract;
// see Check.
type Random[A Aggregate] struct {
	// Fold and Clone are as for Run.
	Fold  func(t testing.TB, history ...domain.Event) A
	Clone func(A) A
	// Command decides one randomly chosen command against a.
	Command func(rng *rand.Rand, a A) ([]domain.Event, error)
	// Invariant, if set, checks a after each applied decision, given every
	// event emitted so far in the sequence.
	Invariant func(a A, emitted []domain.Event) error
	// Types are the aggregate's event types: each must be emitted by some
	// sequence, or the generator is too narrow to test them.
	Types []domain.EventType
	// Seeds sequences of Steps commands run; Stream is the second PCG seed
	// word, so each aggregate's sequences differ.
	Seeds, Steps int
	Stream       uint64
}

// Check runs the random sequences and fails t unless: deciding never
// changes the aggregate; every refusal is a *domain.ValidationError or
// *domain.RuleError; Invariant holds after every step; folding the emitted
// events from scratch, after a JSON round trip, gives the decided
// aggregate; and every event type was emitted.
func (r Random[A]) Check(t *testing.T) {
	t.Helper()
	seen := map[string]int{}
	for seed := uint64(1); seed <= uint64(r.Seeds); seed++ {
		rng := rand.New(rand.NewPCG(seed, r.Stream))
		a := r.Fold(t)
		var emitted []domain.Event
		for step := 0; step < r.Steps; step++ {
			before := r.Clone(a)
			got, err := r.Command(rng, a)
			if !reflect.DeepEqual(a, before) {
				t.Fatalf("seed %d step %d: deciding changed the %T", seed, step, a)
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
			if err := a.Apply(got...); err != nil {
				t.Fatal(err)
			}
			emitted = append(emitted, got...)
			if r.Invariant != nil {
				if err := r.Invariant(a, emitted); err != nil {
					t.Fatalf("seed %d step %d: %v", seed, step, err)
				}
			}
		}
		replayed := r.Fold(t, RoundTrip(t, r.Types, emitted)...)
		if !reflect.DeepEqual(replayed, a) {
			t.Fatalf("seed %d: replay of %d events = %+v, decided %+v", seed, len(emitted), replayed, a)
		}
	}
	for _, et := range r.Types {
		if seen[et.Name] == 0 {
			t.Errorf("no random sequence emitted %s; widen the generator", et.Name)
		}
	}
	t.Logf("events emitted: %v", seen)
}
