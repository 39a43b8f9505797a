package asl

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"hash"
	"math"
	"strconv"
	"strings"
)

// intrinsic is a parsed intrinsic function call such as
// States.Format('{} items', $.count).
type intrinsic struct {
	name string
	args []arg
}

// arg is one argument: a literal, a path (against the input, or the
// context object for "$$"), or a nested call.
type arg struct {
	literal any
	path    *Path
	context bool
	call    *intrinsic
	holes   []int // placeholder offsets when literal is a quoted string
}

// formatTemplate is a literal States.Format template with its placeholder
// offsets already found (escaped braces are not placeholders).
type formatTemplate struct {
	text  string
	holes []int
}

// maxIntrinsicDepth is Step Functions' nesting limit.
const maxIntrinsicDepth = 10

type intrinsicFunc struct {
	minArgs, maxArgs int // maxArgs < 0: variadic
	fn               func(env *env, args []any) (any, error)
}

var intrinsics map[string]intrinsicFunc

func init() {
	intrinsics = map[string]intrinsicFunc{
		"States.Format":         {1, -1, fnFormat},
		"States.StringToJson":   {1, 1, fnStringToJSON},
		"States.JsonToString":   {1, 1, fnJSONToString},
		"States.JsonMerge":      {3, 3, fnJSONMerge},
		"States.Array":          {0, -1, func(_ *env, a []any) (any, error) { return append([]any{}, a...), nil }},
		"States.ArrayPartition": {2, 2, fnArrayPartition},
		"States.ArrayContains":  {2, 2, fnArrayContains},
		"States.ArrayRange":     {3, 3, fnArrayRange},
		"States.ArrayGetItem":   {2, 2, fnArrayGetItem},
		"States.ArrayLength":    {1, 1, fnArrayLength},
		"States.ArrayUnique":    {1, 1, fnArrayUnique},
		"States.Base64Encode":   {1, 1, fnBase64Encode},
		"States.Base64Decode":   {1, 1, fnBase64Decode},
		"States.Hash":           {2, 2, fnHash},
		"States.MathRandom":     {2, 3, fnMathRandom},
		"States.MathAdd":        {2, 2, fnMathAdd},
		"States.StringSplit":    {2, 2, fnStringSplit},
		"States.UUID":           {0, 0, func(e *env, _ []any) (any, error) { return e.uuid(), nil }},
	}
}

// parseIntrinsic parses a whole "States.X(...)" expression.
func parseIntrinsic(s string) (*intrinsic, error) {
	p := &intrinsicParser{src: s}
	call, err := p.call(0)
	if err != nil {
		return nil, fmt.Errorf("invalid intrinsic function %q: %v", s, err)
	}
	p.space()
	if p.pos != len(p.src) {
		return nil, fmt.Errorf("invalid intrinsic function %q: unexpected %q at offset %d", s, p.src[p.pos:], p.pos)
	}
	return call, nil
}

type intrinsicParser struct {
	src string
	pos int
}

func (p *intrinsicParser) space() {
	for p.pos < len(p.src) && (p.src[p.pos] == ' ' || p.src[p.pos] == '\t') {
		p.pos++
	}
}

func (p *intrinsicParser) call(depth int) (*intrinsic, error) {
	if depth >= maxIntrinsicDepth {
		return nil, fmt.Errorf("more than %d nested intrinsic functions", maxIntrinsicDepth)
	}
	start := p.pos
	for p.pos < len(p.src) && p.src[p.pos] != '(' {
		p.pos++
	}
	if p.pos == len(p.src) {
		return nil, fmt.Errorf("missing '(' after %q", p.src[start:])
	}
	name := strings.TrimSpace(p.src[start:p.pos])
	spec, ok := intrinsics[name]
	if !ok {
		return nil, fmt.Errorf("unknown function %q", name)
	}
	p.pos++ // (
	c := &intrinsic{name: name}
	p.space()
	if p.pos < len(p.src) && p.src[p.pos] == ')' {
		p.pos++
	} else {
		for {
			a, err := p.arg(depth)
			if err != nil {
				return nil, err
			}
			c.args = append(c.args, a)
			p.space()
			if p.pos >= len(p.src) {
				return nil, fmt.Errorf("missing ')' in call to %s", name)
			}
			if p.src[p.pos] == ')' {
				p.pos++
				break
			}
			if p.src[p.pos] != ',' {
				return nil, fmt.Errorf("expected ',' or ')' at offset %d", p.pos)
			}
			p.pos++
		}
	}
	if name == "States.Format" && len(c.args) > 0 {
		if s, ok := c.args[0].literal.(string); ok {
			c.args[0].literal = formatTemplate{text: s, holes: c.args[0].holes}
		}
	}
	if len(c.args) < spec.minArgs || (spec.maxArgs >= 0 && len(c.args) > spec.maxArgs) {
		return nil, fmt.Errorf("%s takes %s arguments, got %d", name, arity(spec), len(c.args))
	}
	return c, nil
}

func arity(f intrinsicFunc) string {
	switch {
	case f.maxArgs < 0:
		return fmt.Sprintf("at least %d", f.minArgs)
	case f.minArgs == f.maxArgs:
		return strconv.Itoa(f.minArgs)
	}
	return fmt.Sprintf("%d to %d", f.minArgs, f.maxArgs)
}

func (p *intrinsicParser) arg(depth int) (arg, error) {
	p.space()
	if p.pos >= len(p.src) {
		return arg{}, fmt.Errorf("missing argument")
	}
	rest := p.src[p.pos:]
	switch c := rest[0]; {
	case c == '\'':
		s, holes, err := p.quoted()
		return arg{literal: s, holes: holes}, err
	case c == '$':
		tok := p.pathToken()
		ctx := strings.HasPrefix(tok, "$$")
		if ctx {
			tok = tok[1:]
		}
		path, err := ParsePath(tok)
		return arg{path: path, context: ctx}, err
	case strings.HasPrefix(rest, "States."):
		call, err := p.call(depth + 1)
		return arg{call: call}, err
	default:
		tok := p.pathToken()
		switch tok {
		case "null":
			return arg{literal: nil}, nil
		case "true":
			return arg{literal: true}, nil
		case "false":
			return arg{literal: false}, nil
		}
		if i, err := strconv.ParseInt(tok, 10, 64); err == nil {
			return arg{literal: i}, nil
		}
		if f, err := strconv.ParseFloat(tok, 64); err == nil && !math.IsInf(f, 0) {
			return arg{literal: f}, nil
		}
		return arg{}, fmt.Errorf("invalid argument %q", tok)
	}
}

// quoted reads a single-quoted string; a backslash escapes the next
// character (\' \\ \{ \}). It also returns the offsets of unescaped "{}"
// pairs, the placeholders if the string is a States.Format template.
func (p *intrinsicParser) quoted() (string, []int, error) {
	p.pos++ // opening quote
	var b strings.Builder
	var holes []int
	for p.pos < len(p.src) {
		c := p.src[p.pos]
		switch {
		case c == '\\':
			if p.pos+1 >= len(p.src) || !strings.ContainsRune(`'{}\`, rune(p.src[p.pos+1])) {
				return "", nil, fmt.Errorf("invalid escape at offset %d: only \\' \\{ \\} and \\\\ may be escaped", p.pos)
			}
			b.WriteByte(p.src[p.pos+1])
			p.pos += 2
		case c == '\'':
			p.pos++
			return b.String(), holes, nil
		case c == '{' && strings.HasPrefix(p.src[p.pos:], "{}"):
			holes = append(holes, b.Len())
			b.WriteString("{}")
			p.pos += 2
		default:
			b.WriteByte(c)
			p.pos++
		}
	}
	return "", nil, fmt.Errorf("unterminated string")
}

// pathToken reads up to the next ',' or ')' outside brackets and quotes.
func (p *intrinsicParser) pathToken() string {
	start, depth := p.pos, 0
	var quote byte
	for ; p.pos < len(p.src); p.pos++ {
		c := p.src[p.pos]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case c == '[' || c == '(':
			depth++
		case c == ']' || (c == ')' && depth > 0):
			depth--
		case (c == ',' || c == ')') && depth == 0:
			return strings.TrimSpace(p.src[start:p.pos])
		}
	}
	return strings.TrimSpace(p.src[start:])
}

// eval runs the call; failures are States.IntrinsicFailure.
func (c *intrinsic) eval(e *env) (any, error) {
	args := make([]any, len(c.args))
	for i, a := range c.args {
		switch {
		case a.call != nil:
			v, err := a.call.eval(e)
			if err != nil {
				return nil, err
			}
			args[i] = v
		case a.path != nil:
			root := e.input
			if a.context {
				root = e.context
			}
			v, ok := a.path.Get(root)
			if !ok {
				return nil, errorf(ErrIntrinsicFailure, "the JSONPath %s of %s could not be found in the input", a.path, c.name)
			}
			args[i] = v
		default:
			args[i] = a.literal
		}
	}
	v, err := intrinsics[c.name].fn(e, args)
	if err != nil {
		if _, ok := err.(*Error); ok {
			return nil, err
		}
		return nil, errorf(ErrIntrinsicFailure, "%s: %v", c.name, err)
	}
	return v, nil
}

func fnFormat(_ *env, args []any) (any, error) {
	var tmpl formatTemplate
	switch t := args[0].(type) {
	case formatTemplate:
		tmpl = t
	case string: // from a path: every "{}" is a placeholder
		tmpl.text = t
		for i := strings.Index(t, "{}"); i >= 0; {
			tmpl.holes = append(tmpl.holes, i)
			j := strings.Index(t[i+2:], "{}")
			if j < 0 {
				break
			}
			i += 2 + j
		}
	default:
		return nil, fmt.Errorf("the template must be a string, got %s", typeName(args[0]))
	}
	if len(tmpl.holes) != len(args)-1 {
		return nil, fmt.Errorf("the template has %d placeholders but %d arguments were given", len(tmpl.holes), len(args)-1)
	}
	var b strings.Builder
	last := 0
	for i, h := range tmpl.holes {
		b.WriteString(tmpl.text[last:h])
		switch v := args[i+1].(type) {
		case string:
			b.WriteString(v)
		default:
			b.WriteString(mustJSON(v))
		}
		last = h + 2
	}
	b.WriteString(tmpl.text[last:])
	return b.String(), nil
}

func fnStringToJSON(_ *env, args []any) (any, error) {
	s, ok := args[0].(string)
	if !ok {
		return nil, fmt.Errorf("the argument must be a string, got %s", typeName(args[0]))
	}
	v, err := ParseJSON([]byte(s))
	if err != nil {
		return nil, fmt.Errorf("the argument is not valid JSON: %v", err)
	}
	return v, nil
}

func fnJSONToString(_ *env, args []any) (any, error) { return MarshalJSON(args[0]) }

func fnJSONMerge(_ *env, args []any) (any, error) {
	a, ok1 := args[0].(map[string]any)
	b, ok2 := args[1].(map[string]any)
	if !ok1 || !ok2 {
		return nil, fmt.Errorf("both arguments must be objects")
	}
	if deep, _ := args[2].(bool); deep {
		return nil, fmt.Errorf("deep merge is not supported: the third argument must be false")
	}
	out := make(map[string]any, len(a)+len(b))
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out, nil
}

func arrayArg(v any, fn string) ([]any, error) {
	a, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("the first argument of %s must be an array, got %s", fn, typeName(v))
	}
	return a, nil
}

func intArg(v any, what string) (int64, error) {
	i, ok := integer(v)
	if !ok {
		return 0, fmt.Errorf("%s must be an integer, got %s", what, mustJSON(v))
	}
	return i, nil
}

func fnArrayPartition(_ *env, args []any) (any, error) {
	a, err := arrayArg(args[0], "States.ArrayPartition")
	if err != nil {
		return nil, err
	}
	size, err := intArg(args[1], "the chunk size")
	if err != nil {
		return nil, err
	}
	if size <= 0 {
		return nil, fmt.Errorf("the chunk size must be positive, got %d", size)
	}
	out := []any{}
	for i := 0; i < len(a); i += int(size) {
		end := min(i+int(size), len(a))
		out = append(out, append([]any{}, a[i:end]...))
	}
	return out, nil
}

func fnArrayContains(_ *env, args []any) (any, error) {
	a, err := arrayArg(args[0], "States.ArrayContains")
	if err != nil {
		return nil, err
	}
	for _, v := range a {
		if equalJSON(v, args[1]) {
			return true, nil
		}
	}
	return false, nil
}

// maxArrayRange is Step Functions' limit on States.ArrayRange's length.
const maxArrayRange = 1000

func fnArrayRange(_ *env, args []any) (any, error) {
	var n [3]int64
	for i, what := range []string{"start", "end", "step"} {
		v, err := intArg(args[i], what)
		if err != nil {
			return nil, err
		}
		n[i] = v
	}
	start, end, step := n[0], n[1], n[2]
	if step == 0 {
		return nil, fmt.Errorf("step must not be 0")
	}
	out := []any{}
	for v := start; (step > 0 && v <= end) || (step < 0 && v >= end); v += step {
		if len(out) == maxArrayRange {
			return nil, fmt.Errorf("the range has more than %d items", maxArrayRange)
		}
		out = append(out, v)
	}
	return out, nil
}

func fnArrayGetItem(_ *env, args []any) (any, error) {
	a, err := arrayArg(args[0], "States.ArrayGetItem")
	if err != nil {
		return nil, err
	}
	i, err := intArg(args[1], "the index")
	if err != nil {
		return nil, err
	}
	if i < 0 || i >= int64(len(a)) {
		return nil, fmt.Errorf("index %d is out of bounds for an array of %d items", i, len(a))
	}
	return a[i], nil
}

func fnArrayLength(_ *env, args []any) (any, error) {
	a, err := arrayArg(args[0], "States.ArrayLength")
	if err != nil {
		return nil, err
	}
	return int64(len(a)), nil
}

func fnArrayUnique(_ *env, args []any) (any, error) {
	a, err := arrayArg(args[0], "States.ArrayUnique")
	if err != nil {
		return nil, err
	}
	out := []any{}
next:
	for _, v := range a {
		for _, seen := range out {
			if equalJSON(v, seen) {
				continue next
			}
		}
		out = append(out, v)
	}
	return out, nil
}

// maxBase64Input is Step Functions' limit on the Base64 intrinsics' input.
const maxBase64Input = 10000

func fnBase64Encode(_ *env, args []any) (any, error) {
	s, ok := args[0].(string)
	if !ok {
		return nil, fmt.Errorf("the argument must be a string, got %s", typeName(args[0]))
	}
	if len(s) > maxBase64Input {
		return nil, fmt.Errorf("the input is longer than %d characters", maxBase64Input)
	}
	return base64.StdEncoding.EncodeToString([]byte(s)), nil
}

func fnBase64Decode(_ *env, args []any) (any, error) {
	s, ok := args[0].(string)
	if !ok {
		return nil, fmt.Errorf("the argument must be a string, got %s", typeName(args[0]))
	}
	if len(s) > maxBase64Input {
		return nil, fmt.Errorf("the input is longer than %d characters", maxBase64Input)
	}
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("the argument is not valid base64: %v", err)
	}
	return string(b), nil
}

func fnHash(_ *env, args []any) (any, error) {
	alg, ok := args[1].(string)
	if !ok {
		return nil, fmt.Errorf("the algorithm must be a string")
	}
	var h hash.Hash
	switch alg {
	case "MD5":
		h = md5.New()
	case "SHA-1":
		h = sha1.New()
	case "SHA-256":
		h = sha256.New()
	case "SHA-384":
		h = sha512.New384()
	case "SHA-512":
		h = sha512.New()
	default:
		return nil, fmt.Errorf("unsupported algorithm %q: use MD5, SHA-1, SHA-256, SHA-384 or SHA-512", alg)
	}
	data, ok := args[0].(string)
	if !ok {
		data = mustJSON(args[0])
	}
	h.Write([]byte(data))
	return hex.EncodeToString(h.Sum(nil)), nil
}

func fnMathRandom(e *env, args []any) (any, error) {
	start, err := intArg(args[0], "start")
	if err != nil {
		return nil, err
	}
	end, err := intArg(args[1], "end")
	if err != nil {
		return nil, err
	}
	if end <= start {
		return nil, fmt.Errorf("end (%d) must be greater than start (%d)", end, start)
	}
	// The optional seed cannot make a shared random source repeatable, so
	// it is accepted and ignored.
	return start + int64(e.random()*float64(end-start)), nil
}

func fnMathAdd(_ *env, args []any) (any, error) {
	a, ok1 := number(args[0])
	b, ok2 := number(args[1])
	if !ok1 || !ok2 {
		return nil, fmt.Errorf("both arguments must be numbers")
	}
	return numberValue(a + b), nil
}

func fnStringSplit(_ *env, args []any) (any, error) {
	s, ok1 := args[0].(string)
	delims, ok2 := args[1].(string)
	if !ok1 || !ok2 {
		return nil, fmt.Errorf("both arguments must be strings")
	}
	out := []any{}
	for _, part := range strings.FieldsFunc(s, func(r rune) bool { return strings.ContainsRune(delims, r) }) {
		out = append(out, part)
	}
	return out, nil
}
