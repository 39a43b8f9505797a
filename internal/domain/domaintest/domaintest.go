// Package domaintest holds test helpers shared by the aggregates' tests.
package domaintest

import (
	"encoding/json"
	"errors"
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
