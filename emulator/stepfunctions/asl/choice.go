package asl

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// choiceRule is one Choices entry (with Next) or a nested rule inside
// And/Or/Not (without).
type choiceRule struct {
	next string
	and  []*choiceRule
	or   []*choiceRule
	not  *choiceRule

	variable *Path
	op       string // comparator name without a "Path" suffix
	operand  any    // literal operand
	operandP *Path  // for the "...Path" comparators
}

// comparators maps each comparison operator to the operand type it takes.
var comparators = map[string]string{
	"StringEquals": "string", "StringLessThan": "string", "StringGreaterThan": "string",
	"StringLessThanEquals": "string", "StringGreaterThanEquals": "string", "StringMatches": "string",
	"NumericEquals": "number", "NumericLessThan": "number", "NumericGreaterThan": "number",
	"NumericLessThanEquals": "number", "NumericGreaterThanEquals": "number",
	"BooleanEquals":   "boolean",
	"TimestampEquals": "timestamp", "TimestampLessThan": "timestamp", "TimestampGreaterThan": "timestamp",
	"TimestampLessThanEquals": "timestamp", "TimestampGreaterThanEquals": "timestamp",
	"IsNull": "boolean", "IsPresent": "boolean", "IsNumeric": "boolean", "IsString": "boolean",
	"IsBoolean": "boolean", "IsTimestamp": "boolean",
}

// pathComparable lists the operators that also have a "...Path" form.
func pathComparable(op string) bool {
	return op != "StringMatches" && !strings.HasPrefix(op, "Is")
}

func parseChoiceRule(raw any, where string, top bool) (*choiceRule, error) {
	m, ok := raw.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("a choice rule must be an object at %s", where)
	}
	r := &choiceRule{}
	if top {
		next, ok := m["Next"].(string)
		if !ok || next == "" {
			return nil, fmt.Errorf("the field \"Next\" should be non-empty at %s/Next", where)
		}
		r.next = next
	} else if _, ok := m["Next"]; ok {
		return nil, fmt.Errorf("a nested choice rule must not have \"Next\" at %s/Next", where)
	}
	var ops []string
	for k := range m {
		if k != "Next" && k != "Variable" && k != "Comment" {
			ops = append(ops, k)
		}
	}
	sort.Strings(ops)
	if len(ops) != 1 {
		return nil, fmt.Errorf("a choice rule must have exactly one comparison operator or And/Or/Not, found %v at %s", ops, where)
	}
	op := ops[0]
	switch op {
	case "And", "Or":
		list, ok := m[op].([]any)
		if !ok || len(list) == 0 {
			return nil, fmt.Errorf("%q must be a non-empty array at %s/%s", op, where, op)
		}
		for i, sub := range list {
			c, err := parseChoiceRule(sub, fmt.Sprintf("%s/%s[%d]", where, op, i), false)
			if err != nil {
				return nil, err
			}
			if op == "And" {
				r.and = append(r.and, c)
			} else {
				r.or = append(r.or, c)
			}
		}
		return r, checkNoVariable(m, where)
	case "Not":
		c, err := parseChoiceRule(m[op], where+"/Not", false)
		if err != nil {
			return nil, err
		}
		r.not = c
		return r, checkNoVariable(m, where)
	}
	vs, ok := m["Variable"].(string)
	if !ok {
		return nil, fmt.Errorf("the field \"Variable\" is required with %s at %s/Variable", op, where)
	}
	v, err := ParsePath(vs)
	if err != nil {
		return nil, fmt.Errorf("%v at %s/Variable", err, where)
	}
	r.variable = v
	base, isPath := strings.CutSuffix(op, "Path")
	if kind, known := comparators[base]; known && isPath && pathComparable(base) {
		s, ok := m[op].(string)
		if !ok {
			return nil, fmt.Errorf("%s takes a path at %s/%s", op, where, op)
		}
		p, err := ParsePath(s)
		if err != nil {
			return nil, fmt.Errorf("%v at %s/%s", err, where, op)
		}
		_ = kind
		r.op, r.operandP = base, p
		return r, nil
	}
	kind, known := comparators[op]
	if !known {
		return nil, fmt.Errorf("unknown comparison operator %q at %s", op, where)
	}
	operand := m[op]
	okType := false
	switch kind {
	case "string":
		_, okType = operand.(string)
	case "number":
		_, okType = number(operand)
	case "boolean":
		_, okType = operand.(bool)
	case "timestamp":
		if s, isStr := operand.(string); isStr {
			_, okType = parseTimestamp(s)
		}
	}
	if !okType {
		return nil, fmt.Errorf("%s takes a %s operand, got %s at %s/%s", op, kind, mustJSON(operand), where, op)
	}
	r.op, r.operand = op, operand
	return r, nil
}

func checkNoVariable(m map[string]any, where string) error {
	if _, ok := m["Variable"]; ok {
		return fmt.Errorf("\"Variable\" is not allowed with And/Or/Not at %s/Variable", where)
	}
	return nil
}

// parseTimestamp accepts RFC 3339 timestamps with an uppercase "T" and a
// zone, as the States Language requires.
func parseTimestamp(s string) (time.Time, bool) {
	t, err := time.Parse(time.RFC3339Nano, s)
	return t, err == nil
}

// eval reports whether the rule matches input. A Variable (or operand
// path) that selects nothing is a States.Runtime error, except for
// IsPresent.
func (r *choiceRule) eval(input any) (bool, error) {
	switch {
	case r.and != nil:
		for _, c := range r.and {
			ok, err := c.eval(input)
			if err != nil || !ok {
				return false, err
			}
		}
		return true, nil
	case r.or != nil:
		for _, c := range r.or {
			ok, err := c.eval(input)
			if err != nil || ok {
				return ok, err
			}
		}
		return false, nil
	case r.not != nil:
		ok, err := r.not.eval(input)
		return !ok, err
	}
	v, present := r.variable.Get(input)
	if r.op == "IsPresent" {
		return present == r.operand.(bool), nil
	}
	if !present {
		return false, errorf(ErrRuntime, "Invalid path '%s': The choice state's condition path references an invalid value.", r.variable)
	}
	operand := r.operand
	if r.operandP != nil {
		var ok bool
		operand, ok = r.operandP.Get(input)
		if !ok {
			return false, errorf(ErrRuntime, "Invalid path '%s': The choice state's condition path references an invalid value.", r.operandP)
		}
	}
	return compare(r.op, v, operand), nil
}

// compare applies op; a value of the wrong type never matches.
func compare(op string, v, operand any) bool {
	switch op {
	case "IsNull":
		return (v == nil) == operand.(bool)
	case "IsNumeric":
		_, ok := number(v)
		return ok == operand.(bool)
	case "IsString":
		_, ok := v.(string)
		return ok == operand.(bool)
	case "IsBoolean":
		_, ok := v.(bool)
		return ok == operand.(bool)
	case "IsTimestamp":
		s, ok := v.(string)
		if ok {
			_, ok = parseTimestamp(s)
		}
		return ok == operand.(bool)
	case "BooleanEquals":
		a, ok1 := v.(bool)
		b, ok2 := operand.(bool)
		return ok1 && ok2 && a == b
	case "StringMatches":
		a, ok1 := v.(string)
		b, ok2 := operand.(string)
		return ok1 && ok2 && wildcardMatch(b, a)
	}
	switch comparators[op] {
	case "string":
		a, ok1 := v.(string)
		b, ok2 := operand.(string)
		return ok1 && ok2 && ordered(op, strings.Compare(a, b))
	case "number":
		a, ok1 := number(v)
		b, ok2 := number(operand)
		return ok1 && ok2 && ordered(op, cmpFloat(a, b))
	case "timestamp":
		as, ok1 := v.(string)
		bs, ok2 := operand.(string)
		if !ok1 || !ok2 {
			return false
		}
		a, ok1 := parseTimestamp(as)
		b, ok2 := parseTimestamp(bs)
		return ok1 && ok2 && ordered(op, a.Compare(b))
	}
	return false
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func ordered(op string, c int) bool {
	switch {
	case strings.HasSuffix(op, "LessThanEquals"):
		return c <= 0
	case strings.HasSuffix(op, "GreaterThanEquals"):
		return c >= 0
	case strings.HasSuffix(op, "LessThan"):
		return c < 0
	case strings.HasSuffix(op, "GreaterThan"):
		return c > 0
	}
	return c == 0 // ...Equals
}

// wildcardMatch implements StringMatches: "*" matches any run of
// characters, "\*" a literal star and "\\" a literal backslash.
func wildcardMatch(pattern, s string) bool {
	type tok struct {
		star bool
		lit  byte
	}
	var toks []tok
	for i := 0; i < len(pattern); i++ {
		c := pattern[i]
		switch {
		case c == '\\' && i+1 < len(pattern):
			i++
			toks = append(toks, tok{lit: pattern[i]})
		case c == '*':
			toks = append(toks, tok{star: true})
		default:
			toks = append(toks, tok{lit: c})
		}
	}
	// Iterative glob match with backtracking to the last star.
	ti, si, starT, starS := 0, 0, -1, 0
	for si < len(s) {
		switch {
		case ti < len(toks) && !toks[ti].star && toks[ti].lit == s[si]:
			ti++
			si++
		case ti < len(toks) && toks[ti].star:
			starT, starS = ti, si
			ti++
		case starT >= 0:
			starS++
			si, ti = starS, starT+1
		default:
			return false
		}
	}
	for ti < len(toks) && toks[ti].star {
		ti++
	}
	return ti == len(toks)
}
