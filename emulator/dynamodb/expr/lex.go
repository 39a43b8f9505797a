package expr

import (
	_ "embed"
	"fmt"
	"strings"
)

//go:embed reserved_words.txt
var reservedText string

// reserved holds DynamoDB's reserved words (upper case), the list the
// DynamoDB Developer Guide publishes; they cannot be used as bare
// attribute names, only through #placeholders.
var reserved = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(reservedText) {
		m[strings.ToUpper(w)] = true
	}
	return m
}()

type tokKind uint8

const (
	tEOF tokKind = iota
	tIdent
	tName  // #name
	tValue // :value
	tNum   // list index digits
	tPunct // ( ) [ ] , . = <> < <= > >= + -
)

type token struct {
	kind       tokKind
	text       string
	start, end int
}

// lex splits an expression into tokens. Unknown characters are a syntax
// error reported at that character.
func lex(src string) ([]token, *token) {
	var toks []token
	i := 0
	for i < len(src) {
		c := src[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case isIdentStart(c) || ((c == '#' || c == ':') && i+1 < len(src) && isIdentChar(src[i+1])):
			j := i + 1
			for j < len(src) && isIdentChar(src[j]) {
				j++
			}
			k := tIdent
			if c == '#' {
				k = tName
			} else if c == ':' {
				k = tValue
			}
			toks = append(toks, token{k, src[i:j], i, j})
			i = j
		case c >= '0' && c <= '9':
			j := i
			for j < len(src) && src[j] >= '0' && src[j] <= '9' {
				j++
			}
			toks = append(toks, token{tNum, src[i:j], i, j})
			i = j
		case strings.IndexByte("()[],.=+-", c) >= 0:
			toks = append(toks, token{tPunct, src[i : i+1], i, i + 1})
			i++
		case c == '<' || c == '>':
			j := i + 1
			if j < len(src) && (src[j] == '=' || (c == '<' && src[j] == '>')) {
				j++
			}
			toks = append(toks, token{tPunct, src[i:j], i, j})
			i = j
		default:
			return toks, &token{tPunct, src[i : i+1], i, i + 1}
		}
	}
	toks = append(toks, token{tEOF, "<EOF>", len(src), len(src)})
	return toks, nil
}

func isIdentStart(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

func isIdentChar(c byte) bool {
	return isIdentStart(c) || c >= '0' && c <= '9' || c == '_'
}

// Error is an expression error; its message is DynamoDB's full message,
// e.g. "Invalid ConditionExpression: Syntax error; token: ...".
type Error struct{ Msg string }

func (e *Error) Error() string { return e.Msg }

func errorf(kind, format string, args ...any) *Error {
	return &Error{Msg: "Invalid " + kind + ": " + fmt.Sprintf(format, args...)}
}
