package eventbridge

import (
	"fmt"
	"strconv"
	"strings"
)

// path is a JSON path as EventBridge's InputPath and InputPathsMap use
// them: "$" then ".name" (names may contain '-', as in "$.detail-type"),
// "[index]" or "['name']" steps. Wildcards and filters are not supported.
type path []step

type step struct {
	key   string
	index int // used when isIdx
	isIdx bool
}

func parsePath(s string) (path, error) {
	if !strings.HasPrefix(s, "$") {
		return nil, fmt.Errorf("path %q must start with $", s)
	}
	var p path
	rest := s[1:]
	for rest != "" {
		switch rest[0] {
		case '.':
			rest = rest[1:]
			end := strings.IndexAny(rest, ".[")
			if end < 0 {
				end = len(rest)
			}
			name := rest[:end]
			if name == "" || strings.ContainsAny(name, "*?()") {
				return nil, fmt.Errorf("path %q: invalid name at %q", s, rest)
			}
			p = append(p, step{key: name})
			rest = rest[end:]
		case '[':
			end := strings.IndexByte(rest, ']')
			if end < 0 {
				return nil, fmt.Errorf("path %q: missing ]", s)
			}
			inner := rest[1:end]
			rest = rest[end+1:]
			if len(inner) >= 2 && (inner[0] == '\'' || inner[0] == '"') && inner[len(inner)-1] == inner[0] {
				p = append(p, step{key: inner[1 : len(inner)-1]})
				continue
			}
			i, err := strconv.Atoi(inner)
			if err != nil || i < 0 {
				return nil, fmt.Errorf("path %q: [%s] is not an index or a quoted name", s, inner)
			}
			p = append(p, step{index: i, isIdx: true})
		default:
			return nil, fmt.Errorf("path %q: unexpected %q", s, rest[:1])
		}
	}
	return p, nil
}

// get returns the value at the path and whether it exists.
func (p path) get(v any) (any, bool) {
	for _, st := range p {
		switch x := v.(type) {
		case map[string]any:
			if st.isIdx {
				return nil, false
			}
			var ok bool
			if v, ok = x[st.key]; !ok {
				return nil, false
			}
		case []any:
			if !st.isIdx || st.index >= len(x) {
				return nil, false
			}
			v = x[st.index]
		default:
			return nil, false
		}
	}
	return v, true
}
