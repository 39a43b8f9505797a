package policy

import (
	"strings"
)

// Context holds a request's condition keys and their values; keys are
// case-insensitive, so Set and Get lower-case them.
type Context map[string][]string

// Set replaces key's values.
func (c Context) Set(key string, values ...string) { c[strings.ToLower(key)] = values }

// Get returns key's values.
func (c Context) Get(key string) []string { return c[strings.ToLower(key)] }

// Principal is who makes a request, for matching the Principal element of
// resource-based policies.
type Principal struct {
	// AWS lists the principal's own identifiers: for a role session its
	// role ARN and its assumed-role session ARN.
	AWS []string
	// Account is the principal's account id. A statement that names the
	// account (its id or its root ARN) matches every principal in it, but
	// an Allow of that kind only delegates to the account's identity-based
	// policies: it grants nothing by itself.
	Account string
	// Service is a service principal ("events.amazonaws.com").
	Service string
}

// Request is what a policy is evaluated against.
type Request struct {
	Action   string // "dynamodb:PutItem"
	Resource string // an ARN, or "*" for actions on no resource
	// Principal is set when evaluating a resource-based policy, whose
	// statements must name it; identity-based policies leave it nil (their
	// statements have no Principal element).
	Principal *Principal
	Context   Context
}

// Decision is the outcome of an evaluation.
type Decision int

// Decisions, weakest first.
const (
	ImplicitDeny Decision = iota
	Allowed
	ExplicitDeny
)

func (d Decision) String() string {
	switch d {
	case Allowed:
		return "Allow"
	case ExplicitDeny:
		return "ExplicitDeny"
	}
	return "ImplicitDeny"
}

// Evaluate combines the policies as AWS does within one policy type: any
// matching Deny statement wins, else any matching Allow allows, else the
// request is implicitly denied. It returns the deciding statement (nil for
// an implicit deny).
func Evaluate(r *Request, policies ...*Policy) (Decision, *Statement) {
	d, by := ImplicitDeny, (*Statement)(nil)
	for _, p := range policies {
		if p == nil {
			continue
		}
		for _, s := range p.Statements {
			if !s.applies(p.Version, r) {
				continue
			}
			if s.Effect == Deny {
				return ExplicitDeny, s
			}
			if d == ImplicitDeny {
				d, by = Allowed, s
			}
		}
	}
	return d, by
}

// Evaluate evaluates one policy.
func (p *Policy) Evaluate(r *Request) (Decision, *Statement) { return Evaluate(r, p) }

// applies reports whether every element of s matches r.
func (s *Statement) applies(version string, r *Request) bool {
	if r.Principal != nil {
		matched, delegated := s.principalMatches(r.Principal)
		if !matched || (delegated && s.Effect == Allow) {
			return false
		}
	}
	if s.NotAction != nil {
		if anyMatch(s.NotAction, func(p string) bool { return MatchAction(p, r.Action) }) {
			return false
		}
	} else if !anyMatch(s.Action, func(p string) bool { return MatchAction(p, r.Action) }) {
		return false
	}
	vars := version == Version2012
	resource := func(p string) bool {
		if vars {
			var ok bool
			if p, ok = substitute(p, r.Context); !ok {
				return false
			}
		}
		return MatchARN(p, r.Resource)
	}
	switch {
	case s.NotResource != nil:
		if anyMatch(s.NotResource, resource) {
			return false
		}
	case s.Resource != nil:
		if !anyMatch(s.Resource, resource) {
			return false
		}
	}
	for i := range s.Conditions {
		if !s.Conditions[i].holds(vars, r.Context) {
			return false
		}
	}
	return true
}

func anyMatch(patterns []string, f func(string) bool) bool {
	for _, p := range patterns {
		if f(p) {
			return true
		}
	}
	return false
}

// principalMatches reports whether the statement names p; delegated means
// it does so only through p's account.
func (s *Statement) principalMatches(p *Principal) (matched, delegated bool) {
	if s.NotPrincipal != nil {
		m, _ := s.NotPrincipal.match(p)
		return !m, false
	}
	if s.Principal == nil {
		return false, false // a resource-based statement must name its principal
	}
	return s.Principal.match(p)
}

func (ps *Principals) match(p *Principal) (matched, viaAccount bool) {
	if ps.Any {
		return true, false
	}
	for _, id := range ps.ByType["AWS"] {
		for _, own := range p.AWS {
			if id == own {
				return true, false
			}
		}
		if p.Account != "" && (id == p.Account || id == "arn:aws:iam::"+p.Account+":root") {
			viaAccount = true
		}
	}
	if p.Service != "" {
		for _, id := range ps.ByType["Service"] {
			if strings.EqualFold(id, p.Service) {
				return true, false
			}
		}
	}
	return viaAccount, viaAccount
}

// holds evaluates one condition (key and operator) against the context:
// the policy's values are ORed; a missing key fails a positive operator
// and satisfies a negated one, except with IfExists (true), Null (what it
// tests), ForAllValues (true) and ForAnyValue (false).
func (c *Condition) holds(vars bool, ctx Context) bool {
	vals := ctx[c.Key]
	present := len(vals) > 0
	if c.op.null {
		for _, v := range c.Values {
			if strings.EqualFold(v, "true") != present {
				return true
			}
		}
		return false
	}
	if !present {
		switch {
		case c.ifExists, c.set == forAllValues:
			return true
		case c.set == forAnyValue:
			return false
		}
		return c.op.negated
	}
	policy := c.Values
	if vars && c.op.variables {
		policy = make([]string, 0, len(c.Values))
		for _, v := range c.Values {
			if s, ok := substitute(v, ctx); ok {
				policy = append(policy, s)
			}
		}
	}
	positive := func(v string) bool {
		for _, p := range policy {
			if c.op.match(v, p) {
				return true
			}
		}
		return false
	}
	// each is the operator on one request value: a negated operator holds
	// when no policy value matches it.
	each := func(v string) bool { return positive(v) != c.op.negated }
	switch c.set {
	case forAllValues:
		for _, v := range vals {
			if !each(v) {
				return false
			}
		}
		return true
	case forAnyValue:
		for _, v := range vals {
			if each(v) {
				return true
			}
		}
		return false
	}
	// No qualifier: the key is single-valued by contract; should it hold
	// several values, a positive operator needs one to match and a negated
	// one needs none to.
	for _, v := range vals {
		if positive(v) {
			return !c.op.negated
		}
	}
	return c.op.negated
}

// substitute replaces policy variables in s from the context: ${key},
// ${key, 'default'} and the literals ${*}, ${?} and ${$}. Inserted text is
// escaped, so it never acts as a wildcard. ok is false when a variable has
// no value (absent or multivalued key, no default): the element then
// matches nothing.
func substitute(s string, ctx Context) (string, bool) {
	if !strings.Contains(s, "${") {
		return s, true
	}
	var b strings.Builder
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			b.WriteString(s)
			return b.String(), true
		}
		j := strings.IndexByte(s[i:], '}')
		if j < 0 {
			b.WriteString(s)
			return b.String(), true
		}
		b.WriteString(s[:i])
		inner := strings.TrimSpace(s[i+2 : i+j])
		s = s[i+j+1:]
		var val string
		switch inner {
		case "*", "?", "$":
			val = inner
		default:
			key, def, hasDef := strings.Cut(inner, ",")
			key = strings.TrimSpace(key)
			vs := ctx.Get(key)
			switch {
			case len(vs) == 1:
				val = vs[0]
			case hasDef:
				def = strings.TrimSpace(def)
				if len(def) < 2 || def[0] != '\'' || def[len(def)-1] != '\'' {
					return "", false
				}
				val = strings.ReplaceAll(def[1:len(def)-1], "''", "'")
			default:
				return "", false
			}
		}
		for k := 0; k < len(val); k++ {
			if c := val[k]; c == '*' || c == '?' {
				b.WriteByte(escape)
			}
			b.WriteByte(val[k])
		}
	}
}
