package expr

import (
	"sort"
	"strconv"
	"strings"

	"github.com/shopstream/shopstream/emulator/dynamodb/attr"
)

// PathElem is one step of a document path: a map key or a list index.
type PathElem struct {
	Name    string
	Index   int
	IsIndex bool
}

// Path is a document path such as a.b[2].c, with placeholders resolved.
type Path []PathElem

func (p Path) String() string {
	parts := make([]string, len(p))
	for i, e := range p {
		if e.IsIndex {
			parts[i] = "[" + strconv.Itoa(e.Index) + "]"
		} else {
			parts[i] = e.Name
		}
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// Operand is something that evaluates to a value: a path, a literal
// (:value), or a function call (size, if_not_exists, list_append) or, in
// SET, an arithmetic expression.
type Operand interface{ operand() }

// PathOperand reads a document path.
type PathOperand struct{ Path Path }

// ValueOperand is an expression attribute value.
type ValueOperand struct {
	Name  string
	Value attr.Value
}

// CallOperand is a value-returning function.
type CallOperand struct {
	Func string
	Args []Operand
}

// ArithOperand is a + b or a - b (SET only).
type ArithOperand struct {
	Op   byte
	L, R Operand
}

func (*PathOperand) operand()  {}
func (*ValueOperand) operand() {}
func (*CallOperand) operand()  {}
func (*ArithOperand) operand() {}

// Cond is a boolean condition.
type Cond interface{ cond() }

// Compare is L op R with op one of = <> < <= > >=.
type Compare struct {
	Op   string
	L, R Operand
}

// Between is X BETWEEN Lo AND Hi.
type Between struct{ X, Lo, Hi Operand }

// In is X IN (List...).
type In struct {
	X    Operand
	List []Operand
}

// Func is a boolean function: attribute_exists, attribute_not_exists,
// attribute_type, begins_with, contains.
type Func struct {
	Name string
	Args []Operand
}

// And, Or and Not combine conditions.
type (
	And struct{ L, R Cond }
	Or  struct{ L, R Cond }
	Not struct{ X Cond }
)

func (*Compare) cond() {}
func (*Between) cond() {}
func (*In) cond()      {}
func (*Func) cond()    {}
func (*And) cond()     {}
func (*Or) cond()      {}
func (*Not) cond()     {}

// Env holds a request's ExpressionAttributeNames and Values and records
// which ones its expressions used, so the request can be rejected for
// unused ones as DynamoDB does.
type Env struct {
	Names      map[string]string
	Values     map[string]attr.Value
	usedNames  map[string]bool
	usedValues map[string]bool
}

// NewEnv returns an Env over a request's placeholders (either may be nil).
func NewEnv(names map[string]string, values map[string]attr.Value) *Env {
	return &Env{Names: names, Values: values, usedNames: map[string]bool{}, usedValues: map[string]bool{}}
}

// CheckUnused returns DynamoDB's error for placeholders no expression used.
func (e *Env) CheckUnused() error {
	if k := unused(e.Values, e.usedValues); k != "" {
		return &Error{Msg: "Value provided in ExpressionAttributeValues unused in expressions: keys: {" + k + "}"}
	}
	var names []string
	for n := range e.Names {
		if !e.usedNames[n] {
			names = append(names, n)
		}
	}
	if len(names) > 0 {
		sort.Strings(names)
		return &Error{Msg: "Value provided in ExpressionAttributeNames unused in expressions: keys: {" + strings.Join(names, ", ") + "}"}
	}
	return nil
}

func unused(values map[string]attr.Value, used map[string]bool) string {
	var ks []string
	for k := range values {
		if !used[k] {
			ks = append(ks, k)
		}
	}
	sort.Strings(ks)
	return strings.Join(ks, ", ")
}

// parser is a recursive-descent parser over one expression.
type parser struct {
	src  string
	kind string // "ConditionExpression", "UpdateExpression", ...
	toks []token
	pos  int
	env  *Env
}

// newParser lexes src, an expression of the given kind (named in errors);
// an empty or blank expression is an error, as in DynamoDB.
func newParser(src, kind string, env *Env) (*parser, error) {
	if strings.TrimSpace(src) == "" {
		return nil, &Error{Msg: "Invalid " + kind + ": The expression can not be empty;"}
	}
	toks, bad := lex(src)
	p := &parser{src: src, kind: kind, toks: toks, env: env}
	if bad != nil {
		return nil, p.syntaxAt(*bad, len(toks))
	}
	return p, nil
}

func (p *parser) peek() token { return p.toks[p.pos] }
func (p *parser) next() token {
	t := p.toks[p.pos]
	if t.kind != tEOF {
		p.pos++
	}
	return t
}

func (p *parser) isPunct(s string) bool {
	t := p.peek()
	return t.kind == tPunct && t.text == s
}

func (p *parser) isKeyword(s string) bool {
	t := p.peek()
	return t.kind == tIdent && strings.EqualFold(t.text, s)
}

func (p *parser) expectPunct(s string) error {
	if !p.isPunct(s) {
		return p.syntax()
	}
	p.next()
	return nil
}

// syntax reports the current token as unexpected.
func (p *parser) syntax() error { return p.syntaxAt(p.peek(), p.pos) }

// syntaxAt builds DynamoDB's syntax error: the bad token and the source
// around it (previous token to next token).
func (p *parser) syntaxAt(t token, idx int) error {
	start, end := t.start, t.end
	if idx > 0 && idx-1 < len(p.toks) {
		start = p.toks[idx-1].start
	}
	if idx+1 < len(p.toks) && p.toks[idx+1].kind != tEOF {
		end = p.toks[idx+1].end
	}
	if start > end {
		start = end
	}
	return errorf(p.kind, "Syntax error; token: %q, near: %q", t.text, strings.TrimSpace(p.src[start:end]))
}

// path parses a document path starting at the current token.
func (p *parser) path() (Path, error) {
	var path Path
	elem := func() error {
		t := p.peek()
		switch t.kind {
		case tIdent:
			if reserved[strings.ToUpper(t.text)] {
				return errorf(p.kind, "Attribute name is a reserved keyword; reserved keyword: %s", t.text)
			}
			path = append(path, PathElem{Name: t.text})
		case tName:
			n, ok := p.env.Names[t.text]
			if !ok {
				return errorf(p.kind, "An expression attribute name used in the document path is not defined; attribute name: %s", t.text)
			}
			p.env.usedNames[t.text] = true
			path = append(path, PathElem{Name: n})
		default:
			return p.syntax()
		}
		p.next()
		return nil
	}
	if err := elem(); err != nil {
		return nil, err
	}
	for {
		switch {
		case p.isPunct("."):
			p.next()
			if err := elem(); err != nil {
				return nil, err
			}
		case p.isPunct("["):
			p.next()
			t := p.peek()
			if t.kind != tNum {
				return nil, p.syntax()
			}
			p.next()
			n, err := strconv.Atoi(t.text)
			if err != nil {
				return nil, p.syntaxAt(t, p.pos-1)
			}
			path = append(path, PathElem{Index: n, IsIndex: true})
			if err := p.expectPunct("]"); err != nil {
				return nil, err
			}
		default:
			return path, nil
		}
	}
}

func (p *parser) value() (*ValueOperand, error) {
	t := p.next()
	v, ok := p.env.Values[t.text]
	if !ok {
		return nil, errorf(p.kind, "An expression attribute value used in expression is not defined; attribute value: %s", t.text)
	}
	p.env.usedValues[t.text] = true
	return &ValueOperand{Name: t.text, Value: v}, nil
}

var boolFuncs = map[string]int{"attribute_exists": 1, "attribute_not_exists": 1, "attribute_type": 2, "begins_with": 2, "contains": 2}
var valueFuncs = map[string]int{"size": 1, "if_not_exists": 2, "list_append": 2}

// operand parses a path, value or value function. inUpdate admits
// if_not_exists and list_append (SET only); size is for conditions only.
func (p *parser) operand(inUpdate bool) (Operand, error) {
	t := p.peek()
	switch t.kind {
	case tValue:
		return p.value()
	case tName:
		path, err := p.path()
		if err != nil {
			return nil, err
		}
		return &PathOperand{path}, nil
	case tIdent:
		if p.toks[p.pos+1].kind == tPunct && p.toks[p.pos+1].text == "(" {
			return p.call(inUpdate)
		}
		path, err := p.path()
		if err != nil {
			return nil, err
		}
		return &PathOperand{path}, nil
	}
	return nil, p.syntax()
}

func (p *parser) call(inUpdate bool) (Operand, error) {
	t := p.next()
	name := t.text
	_, isBool := boolFuncs[name]
	n, isValue := valueFuncs[name]
	switch {
	case isBool:
		return nil, errorf(p.kind, "The function is not allowed to be used this way in an expression; function: %s", name)
	case !isValue:
		return nil, errorf(p.kind, "Invalid function name; function: %s", name)
	case inUpdate && name == "size", !inUpdate && name != "size":
		return nil, errorf(p.kind, "The function is not allowed in %s expression; function: %s", map[bool]string{true: "an update", false: "a condition"}[inUpdate], name)
	}
	args, err := p.args(inUpdate)
	if err != nil {
		return nil, err
	}
	if len(args) != n {
		return nil, errorf(p.kind, "Incorrect number of operands for operator or function; operator or function: %s, number of operands: %d", name, len(args))
	}
	switch name {
	case "size":
		if _, ok := args[0].(*PathOperand); !ok {
			return nil, errorf(p.kind, "Operator or function requires a document path; operator or function: size")
		}
	case "if_not_exists":
		if _, ok := args[0].(*PathOperand); !ok {
			return nil, errorf(p.kind, "Operator or function requires a document path; operator or function: if_not_exists")
		}
	}
	return &CallOperand{Func: name, Args: args}, nil
}

func (p *parser) args(inUpdate bool) ([]Operand, error) {
	if err := p.expectPunct("("); err != nil {
		return nil, err
	}
	var args []Operand
	for {
		a, err := p.operand(inUpdate)
		if err != nil {
			return nil, err
		}
		args = append(args, a)
		if p.isPunct(",") {
			p.next()
			continue
		}
		if err := p.expectPunct(")"); err != nil {
			return nil, err
		}
		return args, nil
	}
}

// ParseCondition parses a condition, filter or key-condition expression;
// kind names it in errors ("ConditionExpression", "FilterExpression", ...).
func ParseCondition(src, kind string, env *Env) (Cond, error) {
	p, err := newParser(src, kind, env)
	if err != nil {
		return nil, err
	}
	c, err := p.or()
	if err != nil {
		return nil, err
	}
	if p.peek().kind != tEOF {
		return nil, p.syntax()
	}
	return c, nil
}

// or and and are the two binary precedence levels: OR binds loosest, then
// AND, then NOT.
func (p *parser) or() (Cond, error) {
	return p.leftAssoc("OR", p.and, func(l, r Cond) Cond { return &Or{l, r} })
}

func (p *parser) and() (Cond, error) {
	return p.leftAssoc("AND", p.not, func(l, r Cond) Cond { return &And{l, r} })
}

// leftAssoc parses operand (keyword operand)* and joins the operands from
// the left, so "a AND b AND c" is (a AND b) AND c.
func (p *parser) leftAssoc(keyword string, operand func() (Cond, error), join func(l, r Cond) Cond) (Cond, error) {
	l, err := operand()
	if err != nil {
		return nil, err
	}
	for p.isKeyword(keyword) {
		p.next()
		r, err := operand()
		if err != nil {
			return nil, err
		}
		l = join(l, r)
	}
	return l, nil
}

func (p *parser) not() (Cond, error) {
	if p.isKeyword("NOT") {
		p.next()
		x, err := p.not()
		if err != nil {
			return nil, err
		}
		return &Not{x}, nil
	}
	return p.primary()
}

func (p *parser) primary() (Cond, error) {
	if p.isPunct("(") {
		p.next()
		c, err := p.or()
		if err != nil {
			return nil, err
		}
		if err := p.expectPunct(")"); err != nil {
			return nil, err
		}
		return c, nil
	}
	t := p.peek()
	if t.kind == tIdent && p.toks[p.pos+1].kind == tPunct && p.toks[p.pos+1].text == "(" {
		if n, ok := boolFuncs[t.text]; ok {
			p.next()
			args, err := p.args(false)
			if err != nil {
				return nil, err
			}
			if len(args) != n {
				return nil, errorf(p.kind, "Incorrect number of operands for operator or function; operator or function: %s, number of operands: %d", t.text, len(args))
			}
			if _, ok := args[0].(*PathOperand); !ok {
				return nil, errorf(p.kind, "Operator or function requires a document path; operator or function: %s", t.text)
			}
			if t.text == "attribute_type" {
				v, ok := args[1].(*ValueOperand)
				if !ok || v.Value.T != attr.S || attr.ParseType(v.Value.Str) == attr.Invalid {
					typ := ""
					if ok {
						typ = v.Value.Str
					}
					return nil, errorf(p.kind, "Invalid attribute type name found; type: %s, valid types: {B,NULL,SS,BOOL,L,BS,N,NS,S,M}", typ)
				}
			}
			return &Func{Name: t.text, Args: args}, nil
		}
	}
	l, err := p.operand(false)
	if err != nil {
		return nil, err
	}
	switch {
	case p.isKeyword("BETWEEN"):
		p.next()
		lo, err := p.operand(false)
		if err != nil {
			return nil, err
		}
		if !p.isKeyword("AND") {
			return nil, p.syntax()
		}
		p.next()
		hi, err := p.operand(false)
		if err != nil {
			return nil, err
		}
		return &Between{l, lo, hi}, nil
	case p.isKeyword("IN"):
		p.next()
		list, err := p.args(false)
		if err != nil {
			return nil, err
		}
		return &In{l, list}, nil
	case p.peek().kind == tPunct:
		op := p.peek().text
		switch op {
		case "=", "<>", "<", "<=", ">", ">=":
			p.next()
			r, err := p.operand(false)
			if err != nil {
				return nil, err
			}
			return &Compare{op, l, r}, nil
		}
	}
	return nil, p.syntax()
}

// ParseProjection parses a ProjectionExpression: comma-separated paths.
func ParseProjection(src string, env *Env) ([]Path, error) {
	const kind = "ProjectionExpression"
	p, err := newParser(src, kind, env)
	if err != nil {
		return nil, err
	}
	var paths []Path
	for {
		path, err := p.path()
		if err != nil {
			return nil, err
		}
		paths = append(paths, path)
		if p.isPunct(",") {
			p.next()
			continue
		}
		if p.peek().kind != tEOF {
			return nil, p.syntax()
		}
		break
	}
	if err := checkOverlap(kind, paths); err != nil {
		return nil, err
	}
	return paths, nil
}

// checkOverlap rejects paths where one is a prefix of another, as DynamoDB
// does for projections and updates.
func checkOverlap(kind string, paths []Path) error {
	for i := range paths {
		for j := i + 1; j < len(paths); j++ {
			a, b := paths[i], paths[j]
			n := min(len(a), len(b))
			same := true
			for k := 0; k < n; k++ {
				if a[k] != b[k] {
					if k > 0 && a[k].IsIndex != b[k].IsIndex {
						return errorf(kind, "Two document paths conflict with each other; must remove or rewrite one of these paths; path one: %s, path two: %s", a, b)
					}
					same = false
					break
				}
			}
			if same {
				return errorf(kind, "Two document paths overlap with each other; must remove or rewrite one of these paths; path one: %s, path two: %s", a, b)
			}
		}
	}
	return nil
}
