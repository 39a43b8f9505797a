package pattern

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Error is an invalid pattern. Its message is AWS's: the EventBridge API
// returns it as InvalidEventPatternException.
type Error struct {
	Reason string
}

func (e *Error) Error() string { return "Event pattern is not valid. Reason: " + e.Reason }

func invalid(format string, args ...any) error {
	return &Error{Reason: fmt.Sprintf(format, args...)}
}

// Pattern is a compiled event pattern, safe for concurrent use.
type Pattern struct {
	root *object
}

// object is one level of the pattern: every field must match (AND), and for
// each $or group at least one alternative must match.
type object struct {
	fields []field
	ors    [][]*object
}

// field is a named key holding either a nested object or a leaf.
type field struct {
	name string
	sub  *object
	leaf leaf
}

// leaf is a list of alternatives (OR).
type leaf []matcher

// Compile parses and validates a pattern given as JSON text.
func Compile(src []byte) (*Pattern, error) {
	v, err := decode(src)
	if err != nil {
		return nil, invalid("%v", err)
	}
	return CompileValue(v)
}

// CompileValue compiles a pattern already decoded from JSON (as by
// encoding/json into any; numbers may be float64 or json.Number), such as a
// CloudFormation EventPattern property.
func CompileValue(v any) (*Pattern, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return nil, invalid("Filter is not an object")
	}
	root, err := compileObject(m, false)
	if err != nil {
		return nil, err
	}
	return &Pattern{root: root}, nil
}

// Match reports whether the JSON event matches. It fails only when the
// event is not valid JSON.
func (p *Pattern) Match(event []byte) (bool, error) {
	v, err := decode(event)
	if err != nil {
		return false, fmt.Errorf("pattern: decode event: %w", err)
	}
	return p.MatchValue(v), nil
}

// MatchValue matches an event decoded with Decode (numbers as json.Number),
// so an event fanned out to many rules is decoded once.
func (p *Pattern) MatchValue(event any) bool { return p.root.matchNode(event) }

// Decode parses JSON the way MatchValue expects: numbers as json.Number, so
// 5 and "5" stay distinct and large numbers keep their text.
func Decode(src []byte) (any, error) { return decode(src) }

func decode(src []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(src))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, fmt.Errorf("unexpected data after the JSON value")
	}
	return v, nil
}

// reservedInOr are the match-type names a field inside $or may not use.
var reservedInOr = map[string]bool{
	"prefix": true, "suffix": true, "equals-ignore-case": true, "wildcard": true,
	"anything-but": true, "numeric": true, "exists": true, "cidr": true,
}

// compileObject compiles one object of the pattern; inOr is set inside the
// alternatives of a $or, where match-type names are reserved.
func compileObject(m map[string]any, inOr bool) (*object, error) {
	if len(m) == 0 {
		return nil, invalid("Empty objects are not allowed")
	}
	o := &object{}
	for _, name := range sortedKeys(m) {
		val := m[name]
		if name == "$or" {
			alts, err := compileOr(val)
			if err != nil {
				return nil, err
			}
			o.ors = append(o.ors, alts)
			continue
		}
		if inOr && reservedInOr[name] {
			return nil, invalid("%s is Ruler reserved fieldName which cannot be used inside $or.", name)
		}
		switch val := val.(type) {
		case map[string]any:
			sub, err := compileObject(val, inOr)
			if err != nil {
				return nil, err
			}
			o.fields = append(o.fields, field{name: name, sub: sub})
		case []any:
			l, err := compileLeaf(val)
			if err != nil {
				return nil, err
			}
			o.fields = append(o.fields, field{name: name, leaf: l})
		default:
			return nil, invalid("%q must be an object or an array", name)
		}
	}
	return o, nil
}

func compileOr(v any) ([]*object, error) {
	list, ok := v.([]any)
	if !ok {
		return nil, invalid("It must be an Array followed with $or.")
	}
	alts := make([]*object, 0, len(list))
	for _, e := range list {
		m, ok := e.(map[string]any)
		if !ok {
			return nil, invalid("Only JSON object is allowed in array of $or relationship.")
		}
		alt, err := compileObject(m, true)
		if err != nil {
			return nil, err
		}
		alts = append(alts, alt)
	}
	if len(alts) < 2 {
		return nil, invalid("There must have at least 2 Objects in $or relationship.")
	}
	return alts, nil
}

func compileLeaf(list []any) (leaf, error) {
	if len(list) == 0 {
		return nil, invalid("Empty arrays are not allowed")
	}
	l := make(leaf, 0, len(list))
	for _, e := range list {
		var m matcher
		var err error
		switch e := e.(type) {
		case map[string]any:
			m, err = compileMatchExpr(e)
		case []any:
			err = invalid("Match value must be String, number, true, false, or null")
		default:
			m, err = exactMatcher(e)
		}
		if err != nil {
			return nil, err
		}
		l = append(l, m)
	}
	return l, nil
}

// compileMatchExpr compiles {"<match type>": <value>}.
func compileMatchExpr(m map[string]any) (matcher, error) {
	if len(m) == 0 {
		return nil, invalid("Match expression name not found")
	}
	if len(m) != 1 {
		return nil, invalid("Only one key allowed in match expression")
	}
	for kind, v := range m {
		switch kind {
		case "prefix":
			return compileAffix(kind, v, true)
		case "suffix":
			return compileAffix(kind, v, false)
		case "equals-ignore-case":
			s, ok := v.(string)
			if !ok {
				return nil, invalid("equals-ignore-case match pattern must be a string")
			}
			return equalsIgnoreCase(s), nil
		case "wildcard":
			s, ok := v.(string)
			if !ok {
				return nil, invalid("wildcard match pattern must be a string")
			}
			return compileWildcard(s)
		case "anything-but":
			return compileAnythingBut(v)
		case "numeric":
			return compileNumeric(v)
		case "exists":
			b, ok := v.(bool)
			if !ok {
				return nil, invalid("exists match pattern must be either true or false.")
			}
			return exists(b), nil
		case "cidr":
			return compileCIDR(v)
		default:
			return nil, invalid("Unrecognized match type %s", kind)
		}
	}
	panic("unreachable")
}

// compileAffix handles prefix/suffix: a string, or {"equals-ignore-case": s}.
func compileAffix(kind string, v any, isPrefix bool) (matcher, error) {
	ignoreCase := false
	if m, ok := v.(map[string]any); ok {
		inner, found := m["equals-ignore-case"]
		if len(m) != 1 || !found {
			return nil, invalid("Value of %s must be a string or a valid JSON object.", kind)
		}
		v, ignoreCase = inner, true
	}
	s, ok := v.(string)
	if !ok {
		return nil, invalid("%s match pattern must be a string", kind)
	}
	has := strings.HasSuffix
	if isPrefix {
		has = strings.HasPrefix
	}
	return affix{s: s, ignoreCase: ignoreCase, has: has}, nil
}

func compileAnythingBut(v any) (matcher, error) {
	switch v := v.(type) {
	case string, json.Number, float64:
		m, err := exactMatcher(v)
		if err != nil {
			return nil, err
		}
		return anythingBut{[]matcher{m}}, nil
	case []any:
		if len(v) == 0 {
			return nil, invalid("Empty arrays are not allowed")
		}
		inner := make([]matcher, 0, len(v))
		strs := 0
		for _, e := range v {
			switch e.(type) {
			case string:
				strs++
			case json.Number, float64:
			default:
				return nil, invalid("Inside anything but list, start|null|boolean is not supported.")
			}
			m, err := exactMatcher(e)
			if err != nil {
				return nil, err
			}
			inner = append(inner, m)
		}
		if strs != 0 && strs != len(v) {
			return nil, invalid("Inside anything but list, either all values are number or string, mixed type is not supported")
		}
		return anythingBut{inner}, nil
	case map[string]any:
		if len(v) != 1 {
			return nil, invalid("Only one key allowed in match expression")
		}
		for kind, val := range v {
			switch kind {
			case "prefix", "suffix", "wildcard", "equals-ignore-case":
			default:
				return nil, invalid("Unsupported anything-but pattern: %s", kind)
			}
			// equals-ignore-case and wildcard also take a list of strings.
			if list, ok := val.([]any); ok && (kind == "equals-ignore-case" || kind == "wildcard") {
				if len(list) == 0 {
					return nil, invalid("Empty arrays are not allowed")
				}
				inner := make([]matcher, 0, len(list))
				for _, e := range list {
					m, err := compileMatchExpr(map[string]any{kind: e})
					if err != nil {
						return nil, err
					}
					inner = append(inner, m)
				}
				return anythingBut{inner}, nil
			}
			text, ok := val.(string)
			if !ok {
				return nil, invalid("%s match pattern must be a string", kind)
			}
			if text == "" && (kind == "prefix" || kind == "suffix") {
				return nil, invalid("Null prefix/suffix not allowed")
			}
			m, err := compileMatchExpr(v)
			if err != nil {
				return nil, err
			}
			return anythingBut{[]matcher{m}}, nil
		}
	}
	return nil, invalid("Value of anything-but must be an array or single string/number value.")
}

func sortedKeys(m map[string]any) []string {
	// Deterministic order keeps compiled patterns (and errors) stable.
	return slices.Sorted(maps.Keys(m))
}

// matchNode matches an object pattern against one event node: an array
// matches when any element does (so fields must agree within one element),
// and anything other than an object looks like an object with no fields.
func (o *object) matchNode(v any) bool {
	switch v := v.(type) {
	case map[string]any:
		return o.matchObject(v)
	case []any:
		if len(v) == 0 {
			return o.matchObject(nil)
		}
		for _, e := range v {
			if o.matchNode(e) {
				return true
			}
		}
		return false
	default:
		return o.matchObject(nil)
	}
}

func (o *object) matchObject(m map[string]any) bool {
	for _, f := range o.fields {
		v, present := m[f.name]
		if f.sub != nil {
			if !f.sub.matchNode(v) {
				return false
			}
			continue
		}
		if !f.leaf.match(leaves(nil, v, present)) {
			return false
		}
	}
	for _, alts := range o.ors {
		ok := false
		for _, alt := range alts {
			if alt.matchObject(m) {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

// leaves appends the leaf values at a path: the value itself, or every
// scalar inside an array (nested arrays flattened); objects have none.
func leaves(dst []any, v any, present bool) []any {
	if !present {
		return dst
	}
	switch v := v.(type) {
	case map[string]any:
		return dst
	case []any:
		for _, e := range v {
			dst = leaves(dst, e, true)
		}
		return dst
	default:
		return append(dst, v)
	}
}

func (l leaf) match(values []any) bool {
	for _, m := range l {
		if e, ok := m.(exists); ok {
			if bool(e) == (len(values) > 0) {
				return true
			}
			continue
		}
		for _, v := range values {
			if m.match(v) {
				return true
			}
		}
	}
	return false
}

func lower(s string) string { return strings.ToLower(s) }
