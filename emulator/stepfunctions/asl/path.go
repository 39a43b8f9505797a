package asl

import (
	"fmt"
	"strings"

	"github.com/ohler55/ojg/jp"
)

// Path is a compiled JSONPath. Definite paths (only names and indexes)
// select one value; indefinite ones (wildcards, "..", slices, unions,
// filters) select the array of their matches, as Step Functions does.
type Path struct {
	src      string
	expr     jp.Expr
	definite bool
	keys     []any // for definite paths: string keys and int indexes
}

// ParsePath compiles a path that must start with "$".
func ParsePath(s string) (*Path, error) {
	if !strings.HasPrefix(s, "$") {
		return nil, fmt.Errorf("path %q must start with '$'", s)
	}
	x, err := jp.ParseString(bracketNames(s))
	if err != nil {
		return nil, fmt.Errorf("invalid JSONPath %q: %v", s, err)
	}
	p := &Path{src: s, expr: x, definite: true}
	for i, f := range x {
		switch f := f.(type) {
		case jp.Root:
			if i != 0 {
				p.definite = false
			}
		case jp.Bracket:
		case jp.Child:
			p.keys = append(p.keys, string(f))
		case jp.Nth:
			p.keys = append(p.keys, int(f))
		default:
			p.definite = false
		}
	}
	return p, nil
}

func (p *Path) String() string { return p.src }

// IsReference reports whether p is a reference path: one that names a
// single node, as ResultPath requires.
func (p *Path) IsReference() bool { return p.definite }

// Get selects from data. A definite path whose node is missing returns
// ok=false; an indefinite path always returns the (possibly empty) array of
// matches.
func (p *Path) Get(data any) (v any, ok bool) {
	if !p.definite {
		got := p.expr.Get(data)
		if got == nil {
			got = []any{}
		}
		return got, true
	}
	cur := data
	for _, k := range p.keys {
		switch k := k.(type) {
		case string:
			m, isMap := cur.(map[string]any)
			if !isMap {
				return nil, false
			}
			cur, ok = m[k]
			if !ok {
				return nil, false
			}
		case int:
			s, isSlice := cur.([]any)
			if !isSlice {
				return nil, false
			}
			if k < 0 {
				k += len(s)
			}
			if k < 0 || k >= len(s) {
				return nil, false
			}
			cur = s[k]
		}
	}
	return cur, true
}

// set writes value at a reference path inside data, creating objects on
// the way, and returns the new root. data is modified in place; callers
// pass a copy.
func (p *Path) set(data, value any) (any, error) {
	if len(p.keys) == 0 {
		return value, nil
	}
	if _, isMap := data.(map[string]any); !isMap {
		if _, isSlice := data.([]any); !isSlice || !isIndex(p.keys[0]) {
			return nil, fmt.Errorf("unable to apply ResultPath %q to input of type %s", p.src, typeName(data))
		}
	}
	cur := data
	for i, k := range p.keys {
		last := i == len(p.keys)-1
		switch k := k.(type) {
		case string:
			m, isMap := cur.(map[string]any)
			if !isMap {
				return nil, fmt.Errorf("unable to apply ResultPath %q: %s is not an object", p.src, p.prefix(i))
			}
			if last {
				m[k] = value
				break
			}
			next, ok := m[k]
			if !ok || next == nil {
				next = map[string]any{}
				m[k] = next
			}
			cur = next
		case int:
			s, isSlice := cur.([]any)
			if !isSlice || k < 0 || k >= len(s) {
				return nil, fmt.Errorf("unable to apply ResultPath %q: %s has no index %d", p.src, p.prefix(i), k)
			}
			if last {
				s[k] = value
				break
			}
			cur = s[k]
		}
	}
	return data, nil
}

func isIndex(k any) bool { _, ok := k.(int); return ok }

// prefix renders the first n steps of a definite path for messages.
func (p *Path) prefix(n int) string {
	var b strings.Builder
	b.WriteString("$")
	for _, k := range p.keys[:n] {
		switch k := k.(type) {
		case string:
			b.WriteString("." + k)
		case int:
			fmt.Fprintf(&b, "[%d]", k)
		}
	}
	return b.String()
}

// optPath is an InputPath/OutputPath/ResultPath/ItemsPath field: absent
// means "$", JSON null means "nothing" (an empty object for Input/Output
// paths, discard the result for ResultPath).
type optPath struct {
	null bool
	path *Path // nil when null or absent-and-default "$"
}

// bracketNames rewrites dot-notation names that contain characters other
// than letters, digits and '_' ("$.delivery-partner") into bracket
// notation, which the JSONPath parser accepts; Step Functions allows them.
func bracketNames(s string) string {
	var b strings.Builder
	depth := 0
	var quote byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case c == '[' || c == '(':
			depth++
		case c == ']' || c == ')':
			depth--
		case c == '.' && depth == 0:
			b.WriteByte(c)
			if i+1 < len(s) && s[i+1] == '.' { // descent: "..name"
				b.WriteByte('.')
				i++
			}
			j := i + 1
			for j < len(s) && s[j] != '.' && s[j] != '[' {
				j++
			}
			name := s[i+1 : j]
			if name != "*" && strings.TrimFunc(name, isNameChar) != "" {
				// "a.['x']" is not valid either: drop the dot.
				out := b.String()
				b.Reset()
				b.WriteString(strings.TrimSuffix(out, "."))
				if strings.HasSuffix(out, "..") {
					b.WriteString(".")
				}
				b.WriteString("['" + strings.ReplaceAll(name, "'", `\'`) + "']")
			} else {
				b.WriteString(name)
			}
			i = j - 1
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

func isNameChar(r rune) bool {
	return r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r > 127
}
