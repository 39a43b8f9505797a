package eventstore_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/shopstream/shopstream/eventstore"
)

func TestValidateAppend(t *testing.T) {
	f := eventstore.NewFactory(func() time.Time { return time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC) }, nil)
	good := func() eventstore.Event {
		e, err := f.New("ProductCreated", 1, map[string]string{"name": "Mug"}, eventstore.Metadata{})
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	tests := []struct {
		name     string
		stream   string
		expected int64
		events   func() []eventstore.Event
		want     error  // nil: valid
		says     string // part of the message
	}{
		{"valid", "p-1", eventstore.NoStream, func() []eventstore.Event { return []eventstore.Event{good(), good()} }, nil, ""},
		{"no events", "p-1", 4, func() []eventstore.Event { return nil }, nil, ""},
		{"Any", "p-1", eventstore.Any, func() []eventstore.Event { return []eventstore.Event{good()} }, nil, ""},
		{"expected version below Any", "p-1", -2, func() []eventstore.Event { return []eventstore.Event{good()} }, eventstore.ErrInvalidArgument, "expected version -2"},
		{"empty stream", "", 0, func() []eventstore.Event { return []eventstore.Event{good()} }, eventstore.ErrInvalidEvent, "stream id is empty"},
		{"lower-case id", "p-1", 0, func() []eventstore.Event {
			e := good()
			e.ID = strings.ToLower(e.ID)
			return []eventstore.Event{e}
		}, eventstore.ErrInvalidEvent, "event 0: id is not an upper-case ULID"},
		{"names the bad event", "p-1", 0, func() []eventstore.Event {
			e := good()
			e.SchemaVersion = 0
			return []eventstore.Event{good(), e}
		}, eventstore.ErrInvalidEvent, "event 1: schemaVersion must be at least 1"},
		{"too many", "p-1", 0, func() []eventstore.Event {
			out := make([]eventstore.Event, eventstore.MaxAppend+1)
			for i := range out {
				out[i] = good()
			}
			return out
		}, eventstore.ErrTooManyEvents, "101 events, at most 100"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := eventstore.ValidateAppend("append", tt.stream, tt.expected, tt.events())
			if tt.want == nil {
				if err != nil {
					t.Fatalf("ValidateAppend: %v", err)
				}
				return
			}
			if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.says) {
				t.Fatalf("ValidateAppend: got %v, want %v saying %q", err, tt.want, tt.says)
			}
		})
	}
}

func TestValidatePosition(t *testing.T) {
	id := eventstore.NewFactory(nil, nil).NewID()
	tests := []struct {
		position string
		valid    bool
	}{
		{"", true},
		{id, true},
		{eventstore.PositionAt(time.Now()), true},
		{strings.ToLower(id), false},
		{"42", false},
		{id + "0", false},
	}
	for _, tt := range tests {
		err := eventstore.ValidatePosition("readAll", tt.position)
		if (err == nil) != tt.valid || (err != nil && !errors.Is(err, eventstore.ErrInvalidArgument)) {
			t.Errorf("ValidatePosition(%q) = %v, want valid=%v", tt.position, err, tt.valid)
		}
	}
}

func TestReadLimit(t *testing.T) {
	tests := []struct{ in, want int }{
		{-1, eventstore.DefaultReadLimit},
		{0, eventstore.DefaultReadLimit},
		{1, 1},
		{eventstore.MaxReadLimit, eventstore.MaxReadLimit},
		{eventstore.MaxReadLimit + 1, eventstore.MaxReadLimit},
	}
	for _, tt := range tests {
		if got := eventstore.ReadLimit(tt.in); got != tt.want {
			t.Errorf("ReadLimit(%d) = %d, want %d", tt.in, got, tt.want)
		}
	}
}
