package asl

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"

	"github.com/ohler55/ojg/oj"
)

// ParseJSON decodes JSON text into the generic tree the interpreter works
// on. Integers become int64 so they survive a round trip unchanged.
func ParseJSON(data []byte) (any, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, fmt.Errorf("empty JSON text")
	}
	v, err := oj.Parse(data)
	if err != nil {
		return nil, err
	}
	return normalize(v), nil
}

// normalize replaces number forms oj may produce for very large values
// with float64, so every number is int64 or float64.
func normalize(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, e := range t {
			t[k] = normalize(e)
		}
	case []any:
		for i, e := range t {
			t[i] = normalize(e)
		}
	case json.Number:
		f, _ := t.Float64()
		return f
	case int:
		return int64(t)
	case float32:
		return float64(t)
	case bool, string, int64, float64, nil:
	default:
		if s, ok := v.(fmt.Stringer); ok {
			f, err := strconv.ParseFloat(s.String(), 64)
			if err == nil {
				return f
			}
		}
	}
	return v
}

// MarshalJSON encodes a value as compact JSON without HTML escaping, as
// Step Functions renders inputs and outputs.
func MarshalJSON(v any) (string, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return "", err
	}
	return string(bytes.TrimRight(buf.Bytes(), "\n")), nil
}

// mustJSON is MarshalJSON for values the interpreter built itself (always
// encodable).
func mustJSON(v any) string {
	s, err := MarshalJSON(v)
	if err != nil {
		return fmt.Sprintf("%q", fmt.Sprint(v))
	}
	return s
}

// deepCopy copies maps and slices so that writing a result into a state's
// input never changes a value another state (or Map iteration) still holds.
func deepCopy(v any) any {
	switch t := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(t))
		for k, e := range t {
			m[k] = deepCopy(e)
		}
		return m
	case []any:
		s := make([]any, len(t))
		for i, e := range t {
			s[i] = deepCopy(e)
		}
		return s
	}
	return v
}

// number returns v as float64 when it is a JSON number.
func number(v any) (float64, bool) {
	switch n := v.(type) {
	case int64:
		return float64(n), true
	case float64:
		return n, true
	case int:
		return float64(n), true
	}
	return 0, false
}

// integer returns v as int64 when it is a JSON number with no fraction.
func integer(v any) (int64, bool) {
	switch n := v.(type) {
	case int64:
		return n, true
	case int:
		return int64(n), true
	case float64:
		if n == math.Trunc(n) && math.Abs(n) < 1<<53 {
			return int64(n), true
		}
	}
	return 0, false
}

// numberValue returns f as int64 when it is integral, so results read
// "3" rather than "3.0".
func numberValue(f float64) any {
	if f == math.Trunc(f) && math.Abs(f) < 1<<53 {
		return int64(f)
	}
	return f
}

// typeName names a JSON value's type for error messages.
func typeName(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case int64, float64, int:
		return "number"
	case string:
		return "string"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", v)
}

// equalJSON compares two JSON values structurally; numbers compare by
// value whatever their Go type.
func equalJSON(a, b any) bool {
	if x, ok := number(a); ok {
		y, ok := number(b)
		return ok && x == y
	}
	switch x := a.(type) {
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, v := range x {
			w, ok := y[k]
			if !ok || !equalJSON(v, w) {
				return false
			}
		}
		return true
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !equalJSON(x[i], y[i]) {
				return false
			}
		}
		return true
	}
	return a == b
}
