package domain

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
)

// Event is a domain event: a fact named in the past tense. Its JSON form at
// each schema version is described by schemas/<EventType>/v<N>.json and must
// decode forever.
type Event interface {
	EventType() string
}

// Upcaster turns the JSON data of one schema version into the data of the
// next version.
type Upcaster func(data []byte) ([]byte, error)

// EventType describes one kind of event: its name, the schema version
// today's Go type encodes, the aggregate that emits it, and how to decode
// stored data of any earlier version.
type EventType struct {
	Name      string
	Version   int    // current schema version, ≥ 1
	Aggregate string // "catalog", "basket" or "ordering"
	upcasters map[int]Upcaster
	decode    func(data []byte) (Event, error)
}

// Describe returns the EventType of T at schema version version.
func Describe[T Event](aggregate string, version int) EventType {
	var zero T
	return EventType{
		Name:      zero.EventType(),
		Version:   version,
		Aggregate: aggregate,
		decode: func(data []byte) (Event, error) {
			var v T
			if err := DecodeStrict(data, &v); err != nil {
				return nil, err
			}
			return v, nil
		},
	}
}

// WithUpcaster returns t able to read stored data of schema version from
// (< t.Version) by turning it into version from+1. A type at version N needs
// upcasters from 1 through N-1.
func (t EventType) WithUpcaster(from int, u Upcaster) EventType {
	ups := make(map[int]Upcaster, len(t.upcasters)+1)
	for k, v := range t.upcasters {
		ups[k] = v
	}
	ups[from] = u
	t.upcasters = ups
	return t
}

// Check reports a descriptor that cannot decode every version up to its own.
func (t EventType) Check() error {
	if t.Name == "" || t.Version < 1 || t.Aggregate == "" || t.decode == nil {
		return fmt.Errorf("event type %q: name, version ≥ 1, aggregate and Go type are required (use Describe)", t.Name)
	}
	for v := 1; v < t.Version; v++ {
		if t.upcasters[v] == nil {
			return fmt.Errorf("event type %s: no upcaster from v%d to v%d", t.Name, v, v+1)
		}
	}
	return nil
}

// Decode turns stored data of schema version into today's Go type,
// upcasting older versions first. Unknown fields are an error: the schema
// of each version is closed.
func (t EventType) Decode(version int, data []byte) (Event, error) {
	if version < 1 || version > t.Version {
		return nil, fmt.Errorf("decode %s: schema version %d unknown (current is %d)", t.Name, version, t.Version)
	}
	for v := version; v < t.Version; v++ {
		up := t.upcasters[v]
		if up == nil {
			return nil, fmt.Errorf("decode %s: no upcaster from v%d", t.Name, v)
		}
		var err error
		if data, err = up(data); err != nil {
			return nil, fmt.Errorf("decode %s: upcast v%d: %w", t.Name, v, err)
		}
	}
	e, err := t.decode(data)
	if err != nil {
		return nil, fmt.Errorf("decode %s v%d: %w", t.Name, version, err)
	}
	return e, nil
}

// DecodeStrict decodes one JSON value into v, rejecting unknown fields and
// trailing data.
func DecodeStrict(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return fmt.Errorf("unexpected data after the JSON value")
	}
	return nil
}
