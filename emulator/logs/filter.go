package logs

import (
	"regexp"
	"strings"
)

// compileFilter turns a filter pattern into a matcher. Supported, as
// CloudWatch Logs defines them for unstructured log events: terms (every
// one must occur, case-sensitively), "quoted phrases", ?term alternatives
// (at least one must occur), -term exclusions, and %regular expression%;
// and JSON patterns ({ $.field = … }, jsonfilter.go). Space-delimited
// ([ … ]) patterns are refused with an InvalidParameterException saying so.
func compileFilter(pattern string) (func(string) bool, error) {
	p := strings.TrimSpace(pattern)
	switch {
	case p == "":
		return func(string) bool { return true }, nil
	case strings.HasPrefix(p, "{"):
		match, err := compileJSONFilter(p)
		if err != nil {
			return nil, invalidParameter("Invalid filter pattern %q: %v", pattern, err)
		}
		return match, nil
	case strings.HasPrefix(p, "["):
		return nil, invalidParameter("Invalid filter pattern %q: space-delimited filter patterns ([w1, w2, …]) are not supported by the local CloudWatch Logs; use terms, \"quoted phrases\", ?alternatives, -exclusions or %%regex%%.", pattern)
	case len(p) >= 2 && strings.HasPrefix(p, "%") && strings.HasSuffix(p, "%"):
		re, err := regexp.Compile(p[1 : len(p)-1])
		if err != nil {
			return nil, invalidParameter("Invalid filter pattern %q: %v", pattern, err)
		}
		return re.MatchString, nil
	}
	terms, err := splitTerms(p)
	if err != nil {
		return nil, invalidParameter("Invalid filter pattern %q: %v", pattern, err)
	}
	var all, any, none []string
	for _, t := range terms {
		switch {
		case t.op == '?':
			any = append(any, t.text)
		case t.op == '-':
			none = append(none, t.text)
		default:
			all = append(all, t.text)
		}
	}
	return func(msg string) bool {
		for _, t := range all {
			if !strings.Contains(msg, t) {
				return false
			}
		}
		for _, t := range none {
			if strings.Contains(msg, t) {
				return false
			}
		}
		if len(any) == 0 {
			return true
		}
		for _, t := range any {
			if strings.Contains(msg, t) {
				return true
			}
		}
		return false
	}, nil
}

type term struct {
	op   byte // 0, '?' or '-'
	text string
}

type patternError string

func (e patternError) Error() string { return string(e) }

// splitTerms splits a pattern at spaces into terms, each optionally
// prefixed by ? or - and optionally "quoted" (with \" and \\ escapes).
func splitTerms(p string) ([]term, error) {
	var out []term
	for i := 0; i < len(p); {
		if p[i] == ' ' || p[i] == '\t' {
			i++
			continue
		}
		var t term
		if p[i] == '?' || p[i] == '-' {
			t.op = p[i]
			i++
		}
		if i < len(p) && p[i] == '"' {
			var b strings.Builder
			i++
			closed := false
			for i < len(p) {
				c := p[i]
				if c == '\\' && i+1 < len(p) {
					b.WriteByte(p[i+1])
					i += 2
					continue
				}
				i++
				if c == '"' {
					closed = true
					break
				}
				b.WriteByte(c)
			}
			if !closed {
				return nil, patternError("a quoted phrase is not closed")
			}
			t.text = b.String()
		} else {
			j := i
			for j < len(p) && p[j] != ' ' && p[j] != '\t' {
				j++
			}
			t.text = p[i:j]
			i = j
		}
		if t.text == "" {
			return nil, patternError("an empty term")
		}
		out = append(out, t)
	}
	return out, nil
}
