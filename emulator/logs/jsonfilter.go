package logs

import (
	"encoding/json"
	"regexp"
	"strconv"
	"strings"
)

// JSON filter patterns, as CloudWatch Logs defines them for JSON log
// events: { SELECTOR = "string" } (or !=; * is a wildcard), { SELECTOR
// op NUMBER } (=, !=, <, >, <=, >=), { SELECTOR IS TRUE|FALSE|NULL },
// { SELECTOR NOT EXISTS }, joined with && and || and grouped with
// parentheses. A selector is $ followed by .name and [index] steps. An
// event that is not a JSON object matches no JSON pattern; a string
// condition matches only a string, a numeric one only a number.

// compileJSONFilter parses p, which starts with "{".
func compileJSONFilter(p string) (func(string) bool, error) {
	p = strings.TrimSpace(p)
	if !strings.HasSuffix(p, "}") {
		return nil, patternError("a JSON pattern must end with }")
	}
	toks, err := tokenizeJSONFilter(p[1 : len(p)-1])
	if err != nil {
		return nil, err
	}
	ps := &jsonFilterParser{toks: toks}
	cond, err := ps.or()
	if err != nil {
		return nil, err
	}
	if ps.i != len(ps.toks) {
		return nil, patternError("unexpected " + strconv.Quote(ps.toks[ps.i].text))
	}
	return func(msg string) bool {
		var v any
		if json.Unmarshal([]byte(msg), &v) != nil {
			return false
		}
		if _, ok := v.(map[string]any); !ok {
			return false
		}
		return cond(v)
	}, nil
}

type jsonToken struct {
	text   string
	quoted bool // a "string" value
}

// tokenizeJSONFilter splits the body of a JSON pattern into selectors,
// operators, parentheses, keywords and values.
func tokenizeJSONFilter(s string) ([]jsonToken, error) {
	var out []jsonToken
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n':
			i++
		case c == '(' || c == ')':
			out = append(out, jsonToken{text: string(c)})
			i++
		case strings.HasPrefix(s[i:], "&&") || strings.HasPrefix(s[i:], "||") ||
			strings.HasPrefix(s[i:], "!=") || strings.HasPrefix(s[i:], "<=") || strings.HasPrefix(s[i:], ">="):
			out = append(out, jsonToken{text: s[i : i+2]})
			i += 2
		case c == '=' || c == '<' || c == '>':
			out = append(out, jsonToken{text: string(c)})
			i++
		case c == '"':
			var b strings.Builder
			i++
			closed := false
			for i < len(s) {
				if s[i] == '\\' && i+1 < len(s) {
					b.WriteByte(s[i+1])
					i += 2
					continue
				}
				if s[i] == '"' {
					closed = true
					i++
					break
				}
				b.WriteByte(s[i])
				i++
			}
			if !closed {
				return nil, patternError("a quoted string is not closed")
			}
			out = append(out, jsonToken{text: b.String(), quoted: true})
		default:
			j := i
			for j < len(s) && !strings.ContainsRune(" \t\n()=!<>&|\"", rune(s[j])) {
				j++
			}
			if j == i {
				return nil, patternError("unexpected " + strconv.Quote(string(c)))
			}
			out = append(out, jsonToken{text: s[i:j]})
			i = j
		}
	}
	return out, nil
}

type jsonCond func(doc any) bool

type jsonFilterParser struct {
	toks []jsonToken
	i    int
}

func (p *jsonFilterParser) peek() string {
	if p.i < len(p.toks) && !p.toks[p.i].quoted {
		return p.toks[p.i].text
	}
	return ""
}

func (p *jsonFilterParser) next() (jsonToken, error) {
	if p.i >= len(p.toks) {
		return jsonToken{}, patternError("the JSON pattern ends too early")
	}
	p.i++
	return p.toks[p.i-1], nil
}

func (p *jsonFilterParser) or() (jsonCond, error) {
	left, err := p.and()
	for err == nil && p.peek() == "||" {
		p.i++
		var right jsonCond
		if right, err = p.and(); err == nil {
			l := left
			left = func(d any) bool { return l(d) || right(d) }
		}
	}
	return left, err
}

func (p *jsonFilterParser) and() (jsonCond, error) {
	left, err := p.primary()
	for err == nil && p.peek() == "&&" {
		p.i++
		var right jsonCond
		if right, err = p.primary(); err == nil {
			l := left
			left = func(d any) bool { return l(d) && right(d) }
		}
	}
	return left, err
}

func (p *jsonFilterParser) primary() (jsonCond, error) {
	if p.peek() == "(" {
		p.i++
		c, err := p.or()
		if err != nil {
			return nil, err
		}
		if p.peek() != ")" {
			return nil, patternError("a parenthesis is not closed")
		}
		p.i++
		return c, nil
	}
	sel, err := p.next()
	if err != nil {
		return nil, err
	}
	path, err := parseSelector(sel.text)
	if err != nil || sel.quoted {
		return nil, patternError("expected a selector such as $.field, not " + strconv.Quote(sel.text))
	}
	op, err := p.next()
	if err != nil {
		return nil, err
	}
	switch strings.ToUpper(op.text) {
	case "IS":
		kw, err := p.next()
		if err != nil {
			return nil, err
		}
		var want any
		switch strings.ToUpper(kw.text) {
		case "TRUE":
			want = true
		case "FALSE":
			want = false
		case "NULL":
			want = nil
		default:
			return nil, patternError("IS must be followed by TRUE, FALSE or NULL")
		}
		return func(d any) bool { v, ok := path.lookup(d); return ok && v == want }, nil
	case "NOT":
		if kw, err := p.next(); err != nil || strings.ToUpper(kw.text) != "EXISTS" {
			return nil, patternError("NOT must be followed by EXISTS")
		}
		return func(d any) bool { _, ok := path.lookup(d); return !ok }, nil
	case "=", "!=", "<", ">", "<=", ">=":
	default:
		return nil, patternError("expected an operator (=, !=, <, >, <=, >=, IS, NOT EXISTS) after " + sel.text)
	}
	val, err := p.next()
	if err != nil {
		return nil, err
	}
	if !val.quoted {
		if n, err := strconv.ParseFloat(val.text, 64); err == nil {
			return numericCond(path, op.text, n), nil
		}
	}
	if op.text != "=" && op.text != "!=" {
		return nil, patternError(op.text + " needs a number, not " + strconv.Quote(val.text))
	}
	re := regexp.MustCompile("^" + strings.ReplaceAll(regexp.QuoteMeta(val.text), `\*`, ".*") + "$")
	eq := op.text == "="
	return func(d any) bool {
		v, ok := path.lookup(d)
		s, isString := v.(string)
		return ok && isString && re.MatchString(s) == eq
	}, nil
}

func numericCond(path jsonPath, op string, n float64) jsonCond {
	return func(d any) bool {
		v, ok := path.lookup(d)
		f, isNumber := v.(float64)
		if !ok || !isNumber {
			return false
		}
		switch op {
		case "=":
			return f == n
		case "!=":
			return f != n
		case "<":
			return f < n
		case ">":
			return f > n
		case "<=":
			return f <= n
		default:
			return f >= n
		}
	}
}

// jsonPath is a selector's steps: a string is a field, an int an index.
type jsonPath []any

var selectorStep = regexp.MustCompile(`^(?:\.([^.\[\]]+)|\[(\d+)\])`)

func parseSelector(s string) (jsonPath, error) {
	if !strings.HasPrefix(s, "$") {
		return nil, patternError("a selector starts with $")
	}
	var path jsonPath
	for rest := s[1:]; rest != ""; {
		m := selectorStep.FindStringSubmatch(rest)
		if m == nil {
			return nil, patternError("bad selector " + strconv.Quote(s))
		}
		if m[1] != "" {
			path = append(path, m[1])
		} else {
			n, _ := strconv.Atoi(m[2])
			path = append(path, n)
		}
		rest = rest[len(m[0]):]
	}
	if len(path) == 0 {
		return nil, patternError("a selector names a field: $.field")
	}
	return path, nil
}

func (p jsonPath) lookup(doc any) (any, bool) {
	v := doc
	for _, step := range p {
		switch s := step.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				return nil, false
			}
			if v, ok = m[s]; !ok {
				return nil, false
			}
		case int:
			a, ok := v.([]any)
			if !ok || s >= len(a) {
				return nil, false
			}
			v = a[s]
		}
	}
	return v, true
}
