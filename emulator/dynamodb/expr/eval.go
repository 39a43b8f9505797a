package expr

import (
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/shopstream/shopstream/emulator/dynamodb/attr"
)

// Get reads a document path from item.
func Get(item attr.Item, p Path) (attr.Value, bool) {
	v, ok := item[p[0].Name]
	if !ok {
		return attr.Value{}, false
	}
	for _, e := range p[1:] {
		switch {
		case e.IsIndex && v.T == attr.L:
			if e.Index >= len(v.L) {
				return attr.Value{}, false
			}
			v = v.L[e.Index]
		case !e.IsIndex && v.T == attr.M:
			v, ok = v.M[e.Name]
			if !ok {
				return attr.Value{}, false
			}
		default:
			return attr.Value{}, false
		}
	}
	return v, true
}

// Eval evaluates a condition against item (nil for a missing item).
func Eval(c Cond, item attr.Item) bool {
	switch c := c.(type) {
	case *And:
		return Eval(c.L, item) && Eval(c.R, item)
	case *Or:
		return Eval(c.L, item) || Eval(c.R, item)
	case *Not:
		return !Eval(c.X, item)
	case *Compare:
		l, lok := operandValue(c.L, item)
		r, rok := operandValue(c.R, item)
		if !lok || !rok {
			// A missing operand is unequal to anything and unordered.
			return c.Op == "<>" && (lok || rok)
		}
		switch c.Op {
		case "=":
			return attr.Equal(l, r)
		case "<>":
			return !attr.Equal(l, r)
		}
		n, ok := attr.Compare(l, r)
		if !ok {
			return false
		}
		switch c.Op {
		case "<":
			return n < 0
		case "<=":
			return n <= 0
		case ">":
			return n > 0
		default:
			return n >= 0
		}
	case *Between:
		x, ok1 := operandValue(c.X, item)
		lo, ok2 := operandValue(c.Lo, item)
		hi, ok3 := operandValue(c.Hi, item)
		if !ok1 || !ok2 || !ok3 {
			return false
		}
		a, ok := attr.Compare(lo, x)
		b, ok2 := attr.Compare(x, hi)
		return ok && ok2 && a <= 0 && b <= 0
	case *In:
		x, ok := operandValue(c.X, item)
		if !ok {
			return false
		}
		for _, o := range c.List {
			if v, ok := operandValue(o, item); ok && attr.Equal(x, v) {
				return true
			}
		}
		return false
	case *Func:
		return evalFunc(c, item)
	}
	return false
}

func evalFunc(f *Func, item attr.Item) bool {
	path := f.Args[0].(*PathOperand).Path
	v, exists := Get(item, path)
	switch f.Name {
	case "attribute_exists":
		return exists
	case "attribute_not_exists":
		return !exists
	}
	arg, ok := operandValue(f.Args[1], item)
	if !exists || !ok {
		return false
	}
	switch f.Name {
	case "attribute_type":
		return arg.T == attr.S && v.T.String() == arg.Str
	case "begins_with":
		return (v.T == attr.S || v.T == attr.B) && v.T == arg.T && strings.HasPrefix(v.Str, arg.Str)
	case "contains":
		switch v.T {
		case attr.S:
			return arg.T == attr.S && strings.Contains(v.Str, arg.Str)
		case attr.B:
			return arg.T == attr.B && strings.Contains(v.Str, arg.Str)
		case attr.SS, attr.NS, attr.BS:
			member := map[attr.Type]attr.Type{attr.SS: attr.S, attr.NS: attr.N, attr.BS: attr.B}[v.T]
			return arg.T == member && attr.SetContains(v, arg.Str)
		case attr.L:
			for _, e := range v.L {
				if attr.Equal(e, arg) {
					return true
				}
			}
		}
	}
	return false
}

// operandValue evaluates a condition operand; ok is false when it refers
// to a missing attribute (or size of an unsized one).
func operandValue(o Operand, item attr.Item) (attr.Value, bool) {
	switch o := o.(type) {
	case *ValueOperand:
		return o.Value, true
	case *PathOperand:
		return Get(item, o.Path)
	case *CallOperand: // size
		v, ok := Get(item, o.Args[0].(*PathOperand).Path)
		if !ok {
			return attr.Value{}, false
		}
		n := -1
		switch v.T {
		case attr.S:
			n = utf8.RuneCountInString(v.Str)
		case attr.B:
			n = len(v.Str)
		case attr.L:
			n = len(v.L)
		case attr.M:
			n = len(v.M)
		case attr.SS, attr.NS, attr.BS:
			n = len(v.Set)
		}
		if n < 0 {
			return attr.Value{}, false
		}
		return attr.Num(itoa(n)), true
	}
	return attr.Value{}, false
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b[i:])
}

// Update errors DynamoDB reports while applying an update to an item.
var (
	ErrInvalidPath    = &Error{Msg: "The document path provided in the update expression is invalid for update"}
	ErrMissingOperand = &Error{Msg: "The provided expression refers to an attribute that does not exist in the item"}
	ErrOperandType    = &Error{Msg: "An operand in the update expression has an incorrect data type"}
)

// Apply applies u to a deep copy of item (nil for a new item) and returns
// the result. Errors are DynamoDB's ValidationException messages.
func Apply(u *Update, item attr.Item) (attr.Item, error) {
	out := attr.CloneItem(item)
	if out == nil {
		out = attr.Item{}
	}
	// SET values are computed from the item as it was before the update.
	for _, a := range u.Set {
		v, err := setOperand(a.Value, item)
		if err != nil {
			return nil, err
		}
		if err := setPath(out, a.Path, v); err != nil {
			return nil, err
		}
	}
	// REMOVE list elements from the highest index down so earlier removals
	// do not shift later ones.
	rem := append([]Path(nil), u.Remove...)
	sort.SliceStable(rem, func(i, j int) bool {
		a, b := rem[i], rem[j]
		return a[len(a)-1].IsIndex && b[len(b)-1].IsIndex && a[len(a)-1].Index > b[len(b)-1].Index
	})
	for _, p := range rem {
		removePath(out, p)
	}
	for _, a := range u.Add {
		arg := a.Value.(*ValueOperand).Value
		cur, exists := Get(out, a.Path)
		var nv attr.Value
		switch {
		case !exists:
			nv = arg
		case cur.T == attr.N && arg.T == attr.N:
			s, err := attr.AddNumbers(cur.Str, arg.Str, false)
			if err != nil {
				return nil, err
			}
			nv = attr.Num(s)
		case cur.T == arg.T && cur.T != attr.N:
			nv = cur.Clone()
			for _, e := range arg.Set {
				if !attr.SetContains(nv, e) {
					nv.Set = append(nv.Set, e)
				}
			}
		default:
			return nil, ErrOperandType
		}
		if err := setPath(out, a.Path, nv); err != nil {
			return nil, err
		}
	}
	for _, a := range u.Delete {
		arg := a.Value.(*ValueOperand).Value
		cur, exists := Get(out, a.Path)
		if !exists {
			continue
		}
		if cur.T != arg.T {
			return nil, ErrOperandType
		}
		nv := attr.Value{T: cur.T}
		for _, e := range cur.Set {
			if !attr.SetContains(arg, e) {
				nv.Set = append(nv.Set, e)
			}
		}
		if len(nv.Set) == 0 {
			removePath(out, a.Path)
			continue
		}
		if err := setPath(out, a.Path, nv); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func operandTypeError(op string, t attr.Type) error {
	return errorf("UpdateExpression", "Incorrect operand type for operator or function; operator or function: %s, operand type: %s", op, t)
}

func setOperand(o Operand, item attr.Item) (attr.Value, error) {
	switch o := o.(type) {
	case *ValueOperand:
		return o.Value, nil
	case *PathOperand:
		v, ok := Get(item, o.Path)
		if !ok {
			return attr.Value{}, ErrMissingOperand
		}
		return v, nil
	case *CallOperand:
		switch o.Func {
		case "if_not_exists":
			if v, ok := Get(item, o.Args[0].(*PathOperand).Path); ok {
				return v, nil
			}
			return setOperand(o.Args[1], item)
		case "list_append":
			a, err := setOperand(o.Args[0], item)
			if err != nil {
				return attr.Value{}, err
			}
			b, err := setOperand(o.Args[1], item)
			if err != nil {
				return attr.Value{}, err
			}
			for _, v := range []attr.Value{a, b} {
				if v.T != attr.L {
					return attr.Value{}, operandTypeError("list_append", v.T)
				}
			}
			l := make([]attr.Value, 0, len(a.L)+len(b.L))
			l = append(append(l, a.L...), b.L...)
			return attr.Value{T: attr.L, L: l}, nil
		}
	case *ArithOperand:
		a, err := setOperand(o.L, item)
		if err != nil {
			return attr.Value{}, err
		}
		b, err := setOperand(o.R, item)
		if err != nil {
			return attr.Value{}, err
		}
		for _, v := range []attr.Value{a, b} {
			if v.T != attr.N {
				return attr.Value{}, operandTypeError(string(o.Op), v.T)
			}
		}
		s, err := attr.AddNumbers(a.Str, b.Str, o.Op == '-')
		if err != nil {
			return attr.Value{}, err
		}
		return attr.Num(s), nil
	}
	return attr.Value{}, ErrOperandType
}

// setPath writes v at p in out, whose containers along p are already
// private copies (Apply deep-copies the item first).
func setPath(out attr.Item, p Path, v attr.Value) error {
	if len(p) == 1 {
		out[p[0].Name] = v
		return nil
	}
	parent, ok := Get(out, p[:len(p)-1])
	if !ok {
		return ErrInvalidPath
	}
	last := p[len(p)-1]
	switch {
	case last.IsIndex && parent.T == attr.L:
		if last.Index < len(parent.L) {
			parent.L[last.Index] = v
			return nil
		}
		// Writing past the end appends, as DynamoDB does; the list header
		// changes, so store the grown list back.
		parent.L = append(parent.L, v)
		return setPath(out, p[:len(p)-1], parent)
	case !last.IsIndex && parent.T == attr.M:
		parent.M[last.Name] = v
		return nil
	}
	return ErrInvalidPath
}

func removePath(out attr.Item, p Path) {
	if len(p) == 1 {
		delete(out, p[0].Name)
		return
	}
	parent, ok := Get(out, p[:len(p)-1])
	if !ok {
		return
	}
	last := p[len(p)-1]
	switch {
	case last.IsIndex && parent.T == attr.L:
		if last.Index < len(parent.L) {
			l := append(append([]attr.Value{}, parent.L[:last.Index]...), parent.L[last.Index+1:]...)
			parent.L = l
			_ = setPath(out, p[:len(p)-1], parent)
		}
	case !last.IsIndex && parent.T == attr.M:
		delete(parent.M, last.Name)
	}
}

// Project returns the parts of item named by paths (nil paths: the whole
// item). List elements keep their relative order, compacted.
func Project(item attr.Item, paths []Path) attr.Item {
	if paths == nil || item == nil {
		return item
	}
	root := &node{}
	for _, p := range paths {
		root.add(p)
	}
	out := attr.Item{}
	for name, child := range root.names {
		if v, ok := item[name]; ok {
			if pv, ok := child.project(v); ok {
				out[name] = pv
			}
		}
	}
	return out
}

type node struct {
	leaf    bool
	names   map[string]*node
	indexes map[int]*node
}

func (n *node) add(p Path) {
	for _, e := range p {
		var next *node
		if e.IsIndex {
			if n.indexes == nil {
				n.indexes = map[int]*node{}
			}
			if next = n.indexes[e.Index]; next == nil {
				next = &node{}
				n.indexes[e.Index] = next
			}
		} else {
			if n.names == nil {
				n.names = map[string]*node{}
			}
			if next = n.names[e.Name]; next == nil {
				next = &node{}
				n.names[e.Name] = next
			}
		}
		n = next
	}
	n.leaf = true
}

func (n *node) project(v attr.Value) (attr.Value, bool) {
	if n.leaf {
		return v, true
	}
	switch {
	case v.T == attr.M && n.names != nil:
		m := map[string]attr.Value{}
		for name, child := range n.names {
			if e, ok := v.M[name]; ok {
				if pe, ok := child.project(e); ok {
					m[name] = pe
				}
			}
		}
		if len(m) == 0 {
			return attr.Value{}, false
		}
		return attr.Value{T: attr.M, M: m}, true
	case v.T == attr.L && n.indexes != nil:
		idx := make([]int, 0, len(n.indexes))
		for i := range n.indexes {
			idx = append(idx, i)
		}
		sort.Ints(idx)
		var l []attr.Value
		for _, i := range idx {
			if i < len(v.L) {
				if pe, ok := n.indexes[i].project(v.L[i]); ok {
					l = append(l, pe)
				}
			}
		}
		if len(l) == 0 {
			return attr.Value{}, false
		}
		return attr.Value{T: attr.L, L: l}, true
	}
	return attr.Value{}, false
}

// CondPaths returns every document path a condition reads.
func CondPaths(c Cond) []Path {
	var out []Path
	var op func(o Operand)
	op = func(o Operand) {
		switch o := o.(type) {
		case *PathOperand:
			out = append(out, o.Path)
		case *CallOperand:
			for _, a := range o.Args {
				op(a)
			}
		case *ArithOperand:
			op(o.L)
			op(o.R)
		}
	}
	var walk func(c Cond)
	walk = func(c Cond) {
		switch c := c.(type) {
		case *And:
			walk(c.L)
			walk(c.R)
		case *Or:
			walk(c.L)
			walk(c.R)
		case *Not:
			walk(c.X)
		case *Compare:
			op(c.L)
			op(c.R)
		case *Between:
			op(c.X)
			op(c.Lo)
			op(c.Hi)
		case *In:
			op(c.X)
			for _, o := range c.List {
				op(o)
			}
		case *Func:
			for _, a := range c.Args {
				op(a)
			}
		}
	}
	walk(c)
	return out
}
