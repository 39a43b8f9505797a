package expr

import (
	"strings"

	"github.com/shopstream/shopstream/emulator/dynamodb/attr"
)

// Update is a parsed UpdateExpression.
type Update struct {
	Set    []SetAction
	Remove []Path
	Add    []SetAction // Value is a *ValueOperand
	Delete []SetAction // Value is a *ValueOperand
}

// SetAction assigns Value to Path.
type SetAction struct {
	Path  Path
	Value Operand
}

// Paths returns every path the update writes, in clause order.
func (u *Update) Paths() []Path {
	var ps []Path
	for _, a := range u.Set {
		ps = append(ps, a.Path)
	}
	ps = append(ps, u.Remove...)
	for _, a := range u.Add {
		ps = append(ps, a.Path)
	}
	for _, a := range u.Delete {
		ps = append(ps, a.Path)
	}
	return ps
}

// ParseUpdate parses an UpdateExpression. Each clause may appear once.
func ParseUpdate(src string, env *Env) (*Update, error) {
	const kind = "UpdateExpression"
	p, err := newParser(src, kind, env)
	if err != nil {
		return nil, err
	}
	u := &Update{}
	seen := map[string]bool{}
	for p.peek().kind != tEOF {
		t := p.peek()
		clause := strings.ToUpper(t.text)
		if t.kind != tIdent || (clause != "SET" && clause != "REMOVE" && clause != "ADD" && clause != "DELETE") {
			return nil, p.syntax()
		}
		if seen[clause] {
			return nil, errorf(kind, "The \"%s\" section can only be used once in an update expression;", clause)
		}
		seen[clause] = true
		p.next()
		for {
			path, err := p.path()
			if err != nil {
				return nil, err
			}
			switch clause {
			case "SET":
				if err := p.expectPunct("="); err != nil {
					return nil, err
				}
				v, err := p.setValue()
				if err != nil {
					return nil, err
				}
				u.Set = append(u.Set, SetAction{path, v})
			case "REMOVE":
				u.Remove = append(u.Remove, path)
			default:
				if p.peek().kind != tValue {
					return nil, p.syntax()
				}
				v, err := p.value()
				if err != nil {
					return nil, err
				}
				if err := checkAddDelete(clause, v.Value); err != nil {
					return nil, err
				}
				if clause == "ADD" {
					u.Add = append(u.Add, SetAction{path, v})
				} else {
					u.Delete = append(u.Delete, SetAction{path, v})
				}
			}
			if !p.isPunct(",") {
				break
			}
			p.next()
		}
	}
	if err := checkOverlap(kind, u.Paths()); err != nil {
		return nil, err
	}
	return u, nil
}

func checkAddDelete(clause string, v attr.Value) error {
	ok := v.T == attr.SS || v.T == attr.NS || v.T == attr.BS || (clause == "ADD" && v.T == attr.N)
	if !ok {
		return errorf("UpdateExpression", "Incorrect operand type for operator or function; operator: %s, operand type: %s", clause, typeName(v.T))
	}
	return nil
}

func typeName(t attr.Type) string {
	return map[attr.Type]string{attr.S: "STRING", attr.N: "NUMBER", attr.B: "BINARY", attr.BOOL: "BOOLEAN", attr.NULL: "NULL",
		attr.L: "LIST", attr.M: "MAP", attr.SS: "STRING SET", attr.NS: "NUMBER SET", attr.BS: "BINARY SET"}[t]
}

// setValue parses the right side of a SET action: operand [(+|-) operand].
func (p *parser) setValue() (Operand, error) {
	l, err := p.operand(true)
	if err != nil {
		return nil, err
	}
	if p.isPunct("+") || p.isPunct("-") {
		op := p.next().text[0]
		r, err := p.operand(true)
		if err != nil {
			return nil, err
		}
		// A literal of the wrong type is known before any item is read.
		for _, o := range []Operand{l, r} {
			if v, ok := o.(*ValueOperand); ok && v.Value.T != attr.N {
				return nil, operandTypeError(string(op), v.Value.T)
			}
		}
		return &ArithOperand{op, l, r}, nil
	}
	return l, nil
}
