package eventstore

import (
	"encoding/json"
	"fmt"
	"unicode/utf8"

	"github.com/oklog/ulid/v2"
)

// Validate checks the stream id, the fields a writer must supply, and the
// size limits. Every adapter calls it (through ValidateAppend) so the rules
// and messages are the same everywhere.
func Validate(op, stream string, events []Event) error {
	if stream == "" {
		return &Error{Op: op, Err: fmt.Errorf("%w: stream id is empty", ErrInvalidEvent)}
	}
	if len(stream) > MaxStreamIDLength {
		return &Error{Op: op, Err: fmt.Errorf("%w: stream id is %d bytes, at most %d", ErrInvalidEvent, len(stream), MaxStreamIDLength)}
	}
	if len(events) > MaxAppend {
		return &Error{Op: op, Stream: stream, Err: fmt.Errorf("%w: %d events, at most %d", ErrTooManyEvents, len(events), MaxAppend)}
	}
	seen := make(map[string]int, len(events))
	total := 0
	for i, e := range events {
		if why := invalidField(e); why != "" {
			return &Error{Op: op, Stream: stream, Err: fmt.Errorf("%w: event %d: %s", ErrInvalidEvent, i, why)}
		}
		if j, dup := seen[e.ID]; dup {
			return &Error{Op: op, Stream: stream, Err: fmt.Errorf("%w: event %d: id %s repeats event %d", ErrInvalidEvent, i, e.ID, j)}
		}
		seen[e.ID] = i
		n := StoredSize(e)
		if n > MaxEventSize {
			return &Error{Op: op, Stream: stream, Err: fmt.Errorf("%w: event %d (%s) is %d bytes, at most %d", ErrEventTooLarge, i, e.Type, n, MaxEventSize)}
		}
		total += n
	}
	if total > MaxAppendSize {
		return &Error{Op: op, Stream: stream, Err: fmt.Errorf("%w: %d events are %d bytes together, at most %d", ErrAppendTooLarge, len(events), total, MaxAppendSize)}
	}
	return nil
}

// invalidField says what is wrong with e, or "" when nothing is.
func invalidField(e Event) string {
	switch {
	case e.ID == "":
		return "id is empty"
	case e.Type == "":
		return "type is empty"
	case e.SchemaVersion < 1:
		return "schemaVersion must be at least 1"
	case len(e.Data) == 0 || !json.Valid(e.Data):
		return "data is not valid JSON"
	case !utf8.Valid(e.Data):
		// JSON text is UTF-8 (RFC 8259), and DynamoDB strings must be.
		return "data is not valid UTF-8"
	}
	id, err := ulid.ParseStrict(e.ID)
	if err != nil {
		return "id is not a ULID"
	}
	if id.String() != e.ID {
		// Global order compares ids as strings: only the canonical
		// upper-case form sorts by time.
		return "id is not an upper-case ULID"
	}
	return ""
}

// ValidateAppend is Validate plus the expected-version check: Any,
// NoStream, or a version >= 1.
func ValidateAppend(op, stream string, expectedVersion int64, events []Event) error {
	if err := Validate(op, stream, events); err != nil {
		return err
	}
	if expectedVersion < Any {
		return &Error{Op: op, Stream: stream, Err: fmt.Errorf("%w: expected version %d: use Any (%d), NoStream (%d) or a version >= 1", ErrInvalidArgument, expectedVersion, Any, NoStream)}
	}
	return nil
}

// ValidatePosition checks a ReadAll position: "" or a ULID.
func ValidatePosition(op, position string) error {
	if position == "" {
		return nil
	}
	id, err := ulid.ParseStrict(position)
	if err == nil && id.String() != position {
		err = fmt.Errorf("not upper-case")
	}
	if err != nil {
		return &Error{Op: op, Err: fmt.Errorf("%w: position %q is not an event id: %v", ErrInvalidArgument, position, err)}
	}
	return nil
}

// ValidateRange checks LoadRange's arguments: fromVersion >= 0 and limit
// from 1 to MaxLoadLimit.
func ValidateRange(op, stream string, fromVersion int64, limit int) error {
	switch {
	case fromVersion < 0:
		return &Error{Op: op, Stream: stream, Err: fmt.Errorf("%w: fromVersion %d: must be 0 or more (0 and 1 read from the first event)", ErrInvalidArgument, fromVersion)}
	case limit < 1 || limit > MaxLoadLimit:
		return &Error{Op: op, Stream: stream, Err: fmt.Errorf("%w: limit %d: must be from 1 to %d", ErrInvalidArgument, limit, MaxLoadLimit)}
	}
	return nil
}

// ReadLimit applies DefaultReadLimit and MaxReadLimit to a ReadAll limit.
func ReadLimit(limit int) int {
	switch {
	case limit < 1:
		return DefaultReadLimit
	case limit > MaxReadLimit:
		return MaxReadLimit
	}
	return limit
}

// StoredSize approximates an event's stored size: its data plus envelope.
func StoredSize(e Event) int {
	m := e.Metadata
	return len(e.ID) + len(e.Type) + len(e.Data) + len(m.CorrelationID) + len(m.CausationID) + len(m.Actor) + 64
}
