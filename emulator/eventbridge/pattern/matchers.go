package pattern

import (
	"encoding/json"
	"net/netip"
	"strings"
)

// matcher tests one leaf value of the event (string, json.Number, bool or
// nil for JSON null).
type matcher interface {
	match(v any) bool
}

// exactMatcher compiles a literal pattern value. Matching is type-sensitive:
// the string "5" never equals the number 5.
func exactMatcher(v any) (matcher, error) {
	switch v := v.(type) {
	case string:
		return exactString(v), nil
	case json.Number:
		f, err := v.Float64()
		if err != nil {
			return nil, invalid("Invalid number %s", v)
		}
		return exactNumber(f), nil
	case float64:
		return exactNumber(v), nil
	case int:
		return exactNumber(float64(v)), nil
	case bool:
		return exactBool(v), nil
	case nil:
		return exactNull{}, nil
	default:
		return nil, invalid("Match value must be String, number, true, false, or null")
	}
}

type exactString string

func (m exactString) match(v any) bool { s, ok := v.(string); return ok && s == string(m) }

type exactNumber float64

func (m exactNumber) match(v any) bool { f, ok := number(v); return ok && f == float64(m) }

type exactBool bool

func (m exactBool) match(v any) bool { b, ok := v.(bool); return ok && b == bool(m) }

type exactNull struct{}

func (exactNull) match(v any) bool { return v == nil }

// number returns the value of a JSON number leaf; strings are never numbers.
func number(v any) (float64, bool) {
	switch v := v.(type) {
	case json.Number:
		f, err := v.Float64()
		return f, err == nil
	case float64:
		return v, true
	}
	return 0, false
}

// affix is a prefix or suffix matcher: has is strings.HasPrefix or
// strings.HasSuffix.
type affix struct {
	s          string
	ignoreCase bool
	has        func(s, affix string) bool
}

func (m affix) match(v any) bool {
	s, ok := v.(string)
	if !ok {
		return false
	}
	if m.ignoreCase {
		return m.has(lower(s), lower(m.s))
	}
	return m.has(s, m.s)
}

type equalsIgnoreCase string

func (m equalsIgnoreCase) match(v any) bool {
	s, ok := v.(string)
	return ok && strings.EqualFold(s, string(m))
}

// anythingBut matches a leaf value that none of its inner matchers match.
// Like AWS it needs a value: an absent field never matches.
type anythingBut struct{ inner []matcher }

func (m anythingBut) match(v any) bool {
	for _, in := range m.inner {
		if in.match(v) {
			return false
		}
	}
	return true
}

// exists is handled by leaf.match, which sees all values at the path.
type exists bool

func (exists) match(any) bool { return false }

// numeric is a conjunction of comparisons, e.g. [">", 0, "<=", 5].
type numeric []comparison

type comparison struct {
	op  string
	val float64
}

func (m numeric) match(v any) bool {
	f, ok := number(v)
	if !ok {
		return false
	}
	for _, c := range m {
		var ok bool
		switch c.op {
		case "=":
			ok = f == c.val
		case "<":
			ok = f < c.val
		case "<=":
			ok = f <= c.val
		case ">":
			ok = f > c.val
		case ">=":
			ok = f >= c.val
		}
		if !ok {
			return false
		}
	}
	return true
}

// compileNumeric accepts the forms EventBridge does: ["=", n], a lower
// bound (">" or ">=") optionally followed by an upper bound ("<" or "<="),
// or an upper bound alone.
func compileNumeric(v any) (matcher, error) {
	list, ok := v.([]any)
	if !ok {
		return nil, invalid("Value of numeric must be an array.")
	}
	operand := func(i int, op string) (float64, error) {
		if i >= len(list) {
			return 0, invalid("Value of %s must be numeric", op)
		}
		f, ok := number(list[i])
		if !ok {
			return 0, invalid("Value of %s must be numeric", op)
		}
		return f, nil
	}
	if len(list) == 0 {
		return nil, invalid("Invalid member in numeric match: ]")
	}
	op, ok := list[0].(string)
	if !ok {
		return nil, invalid("Invalid member in numeric match: %v", list[0])
	}
	switch op {
	case "=", "<", "<=":
		name := op
		if op == "=" {
			name = "equals"
		}
		f, err := operand(1, name)
		if err != nil {
			return nil, err
		}
		if len(list) > 2 {
			return nil, invalid("Too many elements in numeric expression")
		}
		return numeric{{op: op, val: f}}, nil
	case ">", ">=":
		lo, err := operand(1, op)
		if err != nil {
			return nil, err
		}
		m := numeric{{op: op, val: lo}}
		if len(list) == 2 {
			return m, nil
		}
		top, ok := list[2].(string)
		if !ok {
			return nil, invalid("Bad value in numeric range: %v", list[2])
		}
		if top != "<" && top != "<=" {
			return nil, invalid("Bad numeric range operator: %s", top)
		}
		hi, err := operand(3, top)
		if err != nil {
			return nil, err
		}
		if len(list) > 4 {
			return nil, invalid("Too many terms in numeric range expression")
		}
		if lo >= hi {
			return nil, invalid("Bottom must be less than top")
		}
		return append(m, comparison{op: top, val: hi}), nil
	}
	return nil, invalid("Unrecognized numeric range operator: %s", op)
}

type cidr netip.Prefix

func (m cidr) match(v any) bool {
	s, ok := v.(string)
	if !ok {
		return false
	}
	addr, err := netip.ParseAddr(s)
	if err != nil {
		return false
	}
	return netip.Prefix(m).Contains(addr.Unmap())
}

func compileCIDR(v any) (matcher, error) {
	s, ok := v.(string)
	if !ok {
		return nil, invalid("prefix match pattern must be a string")
	}
	if strings.Count(s, "/") != 1 {
		return nil, invalid("Malformed CIDR, one '/' required")
	}
	p, err := netip.ParsePrefix(s)
	if err != nil {
		return nil, invalid("Nonstandard IP address: %s", s)
	}
	return cidr(p.Masked()), nil
}

// wildcard is a glob where '*' matches any run of characters; "\*" is a
// literal star and "\\" a literal backslash. parts are the literal pieces
// between stars.
type wildcard struct {
	parts       []string
	leadingStar bool
	trailStar   bool
}

func compileWildcard(s string) (matcher, error) {
	w := wildcard{}
	var cur strings.Builder
	prevStar := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '*':
			if prevStar {
				return nil, invalid("Consecutive wildcard characters at pos %d", i)
			}
			if i == 0 {
				w.leadingStar = true
			} else {
				w.parts = append(w.parts, cur.String())
				cur.Reset()
			}
			prevStar = true
			continue
		case '\\':
			if i+1 >= len(s) || (s[i+1] != '*' && s[i+1] != '\\') {
				return nil, invalid("Invalid use of backslash escape character at pos %d", i)
			}
			i++
			cur.WriteByte(s[i])
		default:
			cur.WriteByte(c)
		}
		prevStar = false
	}
	w.trailStar = prevStar
	if !prevStar {
		w.parts = append(w.parts, cur.String())
	}
	return w, nil
}

func (w wildcard) match(v any) bool {
	s, ok := v.(string)
	if !ok {
		return false
	}
	parts := w.parts
	if len(parts) == 0 { // "*"
		return true
	}
	// Anchor the first piece unless the pattern starts with '*'.
	if !w.leadingStar {
		if !strings.HasPrefix(s, parts[0]) {
			return false
		}
		s = s[len(parts[0]):]
		parts = parts[1:]
		if len(parts) == 0 {
			return w.trailStar || s == ""
		}
	}
	// Anchor the last piece unless the pattern ends with '*'.
	last := ""
	if !w.trailStar {
		last = parts[len(parts)-1]
		parts = parts[:len(parts)-1]
	}
	for _, p := range parts {
		i := strings.Index(s, p)
		if i < 0 {
			return false
		}
		s = s[i+len(p):]
	}
	if !w.trailStar {
		return strings.HasSuffix(s, last)
	}
	return true
}
