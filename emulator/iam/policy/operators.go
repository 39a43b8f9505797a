package policy

import (
	"encoding/base64"
	"fmt"
	"math/big"
	"net/netip"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// operator is one condition operator without its IfExists suffix or set
// qualifier. match compares one request value with one policy value; a
// negated operator (StringNotEquals) holds when its positive form matches
// none of the policy values.
type operator struct {
	match   func(request, policy string) bool
	negated bool
	// variables: the operator's policy values may hold ${...} policy
	// variables (string, ARN and Bool operators).
	variables bool
	// check validates the policy's values at parse time.
	check func(values []string) error
	null  bool
}

var operators = map[string]*operator{}

func init() {
	add := func(name, negatedName string, match func(r, p string) bool, variables bool, check func([]string) error) {
		if check == nil {
			check = func([]string) error { return nil }
		}
		operators[name] = &operator{match: match, variables: variables, check: check}
		if negatedName != "" {
			operators[negatedName] = &operator{match: match, negated: true, variables: variables, check: check}
		}
	}
	add("StringEquals", "StringNotEquals", func(r, p string) bool { return r == unescape(p) }, true, nil)
	add("StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase", func(r, p string) bool { return strings.EqualFold(r, unescape(p)) }, true, nil)
	add("StringLike", "StringNotLike", func(r, p string) bool { return glob(p, r, false) }, true, nil)

	num := func(cmp func(int) bool) func(r, p string) bool {
		return func(r, p string) bool {
			a, ok1 := parseNumber(r)
			b, ok2 := parseNumber(p)
			return ok1 && ok2 && cmp(a.Cmp(b))
		}
	}
	checkNum := eachValue(func(v string) error {
		if _, ok := parseNumber(v); !ok {
			return fmt.Errorf("%q is not a number", v)
		}
		return nil
	})
	add("NumericEquals", "NumericNotEquals", num(func(c int) bool { return c == 0 }), false, checkNum)
	add("NumericLessThan", "", num(func(c int) bool { return c < 0 }), false, checkNum)
	add("NumericLessThanEquals", "", num(func(c int) bool { return c <= 0 }), false, checkNum)
	add("NumericGreaterThan", "", num(func(c int) bool { return c > 0 }), false, checkNum)
	add("NumericGreaterThanEquals", "", num(func(c int) bool { return c >= 0 }), false, checkNum)

	date := func(cmp func(int) bool) func(r, p string) bool {
		return func(r, p string) bool {
			a, ok1 := parseDate(r)
			b, ok2 := parseDate(p)
			return ok1 && ok2 && cmp(a.Compare(b))
		}
	}
	checkDate := eachValue(func(v string) error {
		if _, ok := parseDate(v); !ok {
			return fmt.Errorf("%q is not an ISO 8601 date or epoch time", v)
		}
		return nil
	})
	add("DateEquals", "DateNotEquals", date(func(c int) bool { return c == 0 }), false, checkDate)
	add("DateLessThan", "", date(func(c int) bool { return c < 0 }), false, checkDate)
	add("DateLessThanEquals", "", date(func(c int) bool { return c <= 0 }), false, checkDate)
	add("DateGreaterThan", "", date(func(c int) bool { return c > 0 }), false, checkDate)
	add("DateGreaterThanEquals", "", date(func(c int) bool { return c >= 0 }), false, checkDate)

	add("Bool", "", func(r, p string) bool { return strings.EqualFold(r, unescape(p)) }, true, nil)
	// BinaryEquals compares bytes with the policy's base64; request values
	// are taken as base64 text too, or as raw bytes.
	add("BinaryEquals", "", func(r, p string) bool {
		return r == p || base64.StdEncoding.EncodeToString([]byte(r)) == p
	}, false, nil)
	add("IpAddress", "NotIpAddress", func(r, p string) bool {
		addr, err := netip.ParseAddr(r)
		if err != nil {
			return false
		}
		pfx, ok := parsePrefix(p)
		return ok && pfx.Contains(addr.Unmap())
	}, false, eachValue(func(v string) error {
		if _, ok := parsePrefix(v); !ok {
			return fmt.Errorf("%q is not an IP address or CIDR range", v)
		}
		return nil
	}))
	arn := func(r, p string) bool { return MatchARN(p, r) }
	add("ArnEquals", "ArnNotEquals", arn, true, nil)
	add("ArnLike", "ArnNotLike", arn, true, nil)
	operators["Null"] = &operator{null: true, check: eachValue(func(v string) error {
		if !strings.EqualFold(v, "true") && !strings.EqualFold(v, "false") {
			return fmt.Errorf("the Null operator takes true or false, not %q", v)
		}
		return nil
	})}
}

func eachValue(f func(string) error) func([]string) error {
	return func(vs []string) error {
		for _, v := range vs {
			if err := f(v); err != nil {
				return err
			}
		}
		return nil
	}
}

// parseNumber reads an integer or decimal exactly (no float rounding).
func parseNumber(s string) (*big.Rat, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, false
	}
	r, ok := new(big.Rat).SetString(s)
	return r, ok
}

// dateLayouts are the W3C profile of ISO 8601 that IAM accepts.
var dateLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05Z0700",
	"2006-01-02T15:04Z07:00",
	"2006-01-02T15:04:05",
	"2006-01-02",
	"2006-01",
	"2006",
}

func parseDate(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if f, err := strconv.ParseFloat(s, 64); err == nil && !strings.ContainsAny(s, "-:T") {
		sec := int64(f)
		return time.Unix(sec, int64((f-float64(sec))*1e9)).UTC(), true
	}
	for _, l := range dateLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

func parsePrefix(s string) (netip.Prefix, bool) {
	if p, err := netip.ParsePrefix(s); err == nil {
		return p.Masked(), true
	}
	if a, err := netip.ParseAddr(s); err == nil {
		return netip.PrefixFrom(a, a.BitLen()), true
	}
	return netip.Prefix{}, false
}

// escape marks a character of a substituted policy variable as literal:
// "${*}" and a user name holding '*' must not act as wildcards.
const escape = '\x00'

func unescape(p string) string {
	if strings.IndexByte(p, escape) < 0 {
		return p
	}
	return strings.ReplaceAll(p, string(escape), "")
}

// glob matches s against p: '*' any run of characters, '?' exactly one,
// a character after the escape byte literally. foldCase compares letters
// case-insensitively (actions).
func glob(p, s string, foldCase bool) bool {
	// Iterative matcher with single-star backtracking: linear in practice.
	var pi, si int
	star, mark := -1, 0
	for si < len(s) {
		if pi < len(p) {
			c := p[pi]
			switch {
			case c == '*':
				star, mark = pi, si
				pi++
				continue
			case c == '?':
				_, n := decodeRune(s[si:])
				pi++
				si += n
				continue
			case c == escape && pi+1 < len(p):
				if p[pi+1] == s[si] || (foldCase && lower(p[pi+1]) == lower(s[si])) {
					pi += 2
					si++
					continue
				}
			case c == s[si] || (foldCase && lower(c) == lower(s[si])):
				pi++
				si++
				continue
			}
		}
		if star < 0 {
			return false
		}
		pi = star + 1
		_, n := decodeRune(s[mark:])
		mark += n
		si = mark
	}
	for pi < len(p) && p[pi] == '*' {
		pi++
	}
	return pi == len(p)
}

func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// decodeRune is utf8.DecodeRuneInString: '?' matches one character, not
// one byte.
func decodeRune(s string) (rune, int) { return utf8.DecodeRuneInString(s) }

// MatchARN matches an ARN against a Resource or ArnLike pattern: each of
// the six colon-separated segments is matched on its own, so a wildcard
// never spans a colon except in the last (resource) segment, which takes
// the rest of the ARN. "*" matches everything; a pattern that is not
// shaped like an ARN is matched as a whole string.
func MatchARN(pattern, arn string) bool {
	if pattern == "*" {
		return true
	}
	pp := strings.SplitN(pattern, ":", 6)
	if len(pp) < 6 {
		return glob(pattern, arn, false)
	}
	ap := strings.SplitN(arn, ":", 6)
	if len(ap) < 6 {
		return false
	}
	for i := range pp {
		if !glob(pp[i], ap[i], false) {
			return false
		}
	}
	return true
}

// MatchAction matches an action ("dynamodb:PutItem") against an Action
// pattern ("dynamodb:*", "*", "dynamodb:Get*"), ignoring case.
func MatchAction(pattern, action string) bool {
	return glob(pattern, action, true)
}
