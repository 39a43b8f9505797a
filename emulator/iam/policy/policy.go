// Package policy parses IAM policy documents and evaluates requests against
// them with AWS's logic: an explicit Deny wins, otherwise an Allow is
// needed, otherwise the request is implicitly denied.
//
// It reads documents as CloudFormation hands them over (a Statement object
// or list; Action, Resource and condition values as a string or a list;
// bools and numbers where strings are expected) and implements the element
// grammar of the IAM JSON policy reference: Action/NotAction with '*' and
// '?' wildcards matched case-insensitively, Resource/NotResource matched
// per ARN segment and case-sensitively, Principal/NotPrincipal for
// resource-based policies, every documented condition operator with the
// IfExists suffix and the ForAllValues:/ForAnyValue: set qualifiers, and
// policy variables (${aws:username}, ${key, 'default'}, ${*}, ${?}, ${$})
// in documents of Version 2012-10-17.
//
// It knows nothing about which policies apply to a request: the caller
// (package iam) gathers identity- and resource-based policies and combines
// the decisions.
package policy

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// Version2012 is the policy language version with policy variables.
const Version2012 = "2012-10-17"

// Policy is a parsed policy document.
type Policy struct {
	Version    string
	Statements []*Statement
}

// Statement is one parsed statement.
type Statement struct {
	Sid    string
	Effect Effect
	// Principal and NotPrincipal are nil when absent (identity policies).
	Principal, NotPrincipal *Principals
	// Exactly one of Action and NotAction is set (NotAction non-nil).
	Action, NotAction []string
	// Resource and NotResource: both nil means the statement names no
	// resource, which a resource-based policy may leave out (it applies to
	// the resource it is attached to).
	Resource, NotResource []string
	Conditions            []Condition
}

// Effect is a statement's Effect.
type Effect string

// Effects.
const (
	Allow Effect = "Allow"
	Deny  Effect = "Deny"
)

// Principals is a Principal or NotPrincipal element.
type Principals struct {
	// Any is "Principal": "*" (or {"AWS": "*"}).
	Any bool
	// By type: AWS (account ids, account root, role, user and session
	// ARNs), Service ("events.amazonaws.com"), Federated, CanonicalUser.
	ByType map[string][]string
}

// Condition is one operator/key pair of a Condition block; its Values are
// ORed, and every Condition of a statement must hold.
type Condition struct {
	// Operator as written, e.g. "ForAllValues:StringLikeIfExists".
	Operator string
	op       *operator
	set      setQualifier
	ifExists bool
	// Key is the condition key, lower-cased (keys are case-insensitive).
	Key    string
	Values []string
}

type setQualifier int

const (
	single setQualifier = iota
	forAllValues
	forAnyValue
)

// Parse reads a policy document: a decoded JSON value (as the stack's
// resolved properties hold it), or JSON text as string, []byte or
// json.RawMessage.
func Parse(doc any) (*Policy, error) {
	switch d := doc.(type) {
	case string:
		return ParseJSON([]byte(d))
	case []byte:
		return ParseJSON(d)
	case json.RawMessage:
		return ParseJSON(d)
	case map[string]any:
		return parseDoc(d)
	case nil:
		return nil, fmt.Errorf("policy: no document")
	default:
		return nil, fmt.Errorf("policy: document is a %T, not a JSON object", doc)
	}
}

// ParseJSON reads a policy document from JSON text.
func ParseJSON(raw []byte) (*Policy, error) {
	var m map[string]any
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("policy: %w", err)
	}
	if m == nil {
		return nil, fmt.Errorf("policy: document is not a JSON object")
	}
	return parseDoc(m)
}

func parseDoc(m map[string]any) (*Policy, error) {
	p := &Policy{}
	if v, ok := m["Version"]; ok {
		s, ok := v.(string)
		if !ok || (s != Version2012 && s != "2008-10-17") {
			return nil, fmt.Errorf("policy: Version %v: must be 2012-10-17 or 2008-10-17", v)
		}
		p.Version = s
	}
	var raw []any
	switch st := m["Statement"].(type) {
	case []any:
		raw = st
	case map[string]any:
		raw = []any{st}
	case nil:
		return nil, fmt.Errorf("policy: no Statement")
	default:
		return nil, fmt.Errorf("policy: Statement is a %T, not an object or a list", st)
	}
	for i, r := range raw {
		sm, ok := r.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("policy: Statement[%d] is a %T, not an object", i, r)
		}
		s, err := parseStatement(sm)
		if err != nil {
			name := fmt.Sprintf("Statement[%d]", i)
			if sid, _ := sm["Sid"].(string); sid != "" {
				name += " (" + sid + ")"
			}
			return nil, fmt.Errorf("policy: %s: %w", name, err)
		}
		p.Statements = append(p.Statements, s)
	}
	return p, nil
}

func parseStatement(m map[string]any) (*Statement, error) {
	s := &Statement{}
	s.Sid, _ = m["Sid"].(string)
	switch e, _ := m["Effect"].(string); Effect(e) {
	case Allow, Deny:
		s.Effect = Effect(e)
	default:
		return nil, fmt.Errorf("Effect %v: must be Allow or Deny", m["Effect"])
	}
	var err error
	if s.Action, s.NotAction, err = exclusive(m, "Action", "NotAction"); err != nil {
		return nil, err
	}
	if s.Action == nil && s.NotAction == nil {
		return nil, fmt.Errorf("needs Action or NotAction")
	}
	if s.Resource, s.NotResource, err = exclusive(m, "Resource", "NotResource"); err != nil {
		return nil, err
	}
	if v, ok := m["Principal"]; ok {
		if s.Principal, err = parsePrincipals(v); err != nil {
			return nil, fmt.Errorf("Principal: %w", err)
		}
	}
	if v, ok := m["NotPrincipal"]; ok {
		if s.Principal != nil {
			return nil, fmt.Errorf("has both Principal and NotPrincipal")
		}
		if s.NotPrincipal, err = parsePrincipals(v); err != nil {
			return nil, fmt.Errorf("NotPrincipal: %w", err)
		}
	}
	if v, ok := m["Condition"]; ok {
		if s.Conditions, err = parseConditions(v); err != nil {
			return nil, fmt.Errorf("Condition: %w", err)
		}
	}
	return s, nil
}

// exclusive reads one of two mutually exclusive string-or-list elements.
func exclusive(m map[string]any, a, b string) ([]string, []string, error) {
	va, hasA := m[a]
	vb, hasB := m[b]
	if hasA && hasB {
		return nil, nil, fmt.Errorf("has both %s and %s", a, b)
	}
	if hasA {
		l, err := strings1(va)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", a, err)
		}
		return l, nil, nil
	}
	if hasB {
		l, err := strings1(vb)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", b, err)
		}
		return nil, l, nil
	}
	return nil, nil, nil
}

// strings1 reads a string or a list of strings; the result is non-nil.
func strings1(v any) ([]string, error) {
	switch v := v.(type) {
	case string:
		return []string{v}, nil
	case []any:
		out := make([]string, 0, len(v))
		for _, e := range v {
			s, ok := e.(string)
			if !ok {
				return nil, fmt.Errorf("%v is a %T, not a string", e, e)
			}
			out = append(out, s)
		}
		return out, nil
	case []string:
		return append([]string{}, v...), nil
	}
	return nil, fmt.Errorf("%v is a %T, not a string or a list of strings", v, v)
}

// scalars reads condition values: strings, bools and numbers, alone or in
// a list (CloudFormation keeps "true" and true apart; IAM does not).
func scalars(v any) ([]string, error) {
	one := func(e any) (string, error) {
		switch e := e.(type) {
		case string:
			return e, nil
		case bool:
			if e {
				return "true", nil
			}
			return "false", nil
		case float64:
			return fmt.Sprint(e), nil
		case json.Number:
			return e.String(), nil
		case int:
			return fmt.Sprint(e), nil
		}
		return "", fmt.Errorf("%v is a %T, not a string, number or bool", e, e)
	}
	if l, ok := v.([]any); ok {
		out := make([]string, 0, len(l))
		for _, e := range l {
			s, err := one(e)
			if err != nil {
				return nil, err
			}
			out = append(out, s)
		}
		return out, nil
	}
	if l, ok := v.([]string); ok {
		return append([]string{}, l...), nil
	}
	s, err := one(v)
	if err != nil {
		return nil, err
	}
	return []string{s}, nil
}

func parsePrincipals(v any) (*Principals, error) {
	p := &Principals{ByType: map[string][]string{}}
	switch v := v.(type) {
	case string:
		if v != "*" {
			return nil, fmt.Errorf("%q: a string principal must be \"*\"", v)
		}
		p.Any = true
		return p, nil
	case map[string]any:
		for typ, ids := range v {
			switch typ {
			case "AWS", "Service", "Federated", "CanonicalUser":
			default:
				return nil, fmt.Errorf("unknown principal type %q", typ)
			}
			l, err := strings1(ids)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", typ, err)
			}
			for _, id := range l {
				if typ == "AWS" && id == "*" {
					p.Any = true
				}
			}
			p.ByType[typ] = append(p.ByType[typ], l...)
		}
		return p, nil
	}
	return nil, fmt.Errorf("is a %T, not \"*\" or an object", v)
}

func parseConditions(v any) ([]Condition, error) {
	block, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("is a %T, not an object", v)
	}
	// Sorted, so evaluation and errors are deterministic.
	ops := make([]string, 0, len(block))
	for k := range block {
		ops = append(ops, k)
	}
	sort.Strings(ops)
	var out []Condition
	for _, name := range ops {
		keys, ok := block[name].(map[string]any)
		if !ok {
			return nil, fmt.Errorf("%s: is a %T, not an object of keys", name, block[name])
		}
		c := Condition{Operator: name}
		base := name
		if q, rest, ok := strings.Cut(base, ":"); ok {
			switch q {
			case "ForAllValues":
				c.set = forAllValues
			case "ForAnyValue":
				c.set = forAnyValue
			default:
				return nil, fmt.Errorf("%s: unknown set qualifier %q (ForAllValues or ForAnyValue)", name, q)
			}
			base = rest
		}
		if b, ok := strings.CutSuffix(base, "IfExists"); ok && b != "Null" {
			c.ifExists = true
			base = b
		}
		c.op = operators[base]
		if c.op == nil {
			return nil, fmt.Errorf("unknown condition operator %q", name)
		}
		names := make([]string, 0, len(keys))
		for k := range keys {
			names = append(names, k)
		}
		sort.Strings(names)
		for _, k := range names {
			vals, err := scalars(keys[k])
			if err != nil {
				return nil, fmt.Errorf("%s: %s: %w", name, k, err)
			}
			if err := c.op.check(vals); err != nil {
				return nil, fmt.Errorf("%s: %s: %w", name, k, err)
			}
			cc := c
			cc.Key = strings.ToLower(k)
			cc.Values = vals
			out = append(out, cc)
		}
	}
	return out, nil
}
