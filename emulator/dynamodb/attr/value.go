package attr

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Type is an attribute value's DynamoDB type descriptor.
type Type uint8

// The DynamoDB types, named by their descriptors.
const (
	Invalid Type = iota
	S
	N
	B
	BOOL
	NULL
	L
	M
	SS
	NS
	BS
)

var typeNames = [...]string{"", "S", "N", "B", "BOOL", "NULL", "L", "M", "SS", "NS", "BS"}

func (t Type) String() string { return typeNames[t] }

// ParseType maps a descriptor ("S", "NS", …) to its Type, or Invalid.
func ParseType(s string) Type {
	for i, n := range typeNames {
		if i > 0 && n == s {
			return Type(i)
		}
	}
	return Invalid
}

// Value is one attribute value. Exactly the fields of its Type are used:
// Str for S, N (canonical decimal) and B (raw bytes); Bool for BOOL; L; M;
// Set for SS, NS and BS (members in the same encodings as Str). Values are
// treated as immutable once stored: updates build new ones.
type Value struct {
	T    Type
	Str  string
	Bool bool
	L    []Value
	M    map[string]Value
	Set  []string
}

// Item is a whole item or key: attribute name → value.
type Item = map[string]Value

// Constructors for the common scalar types.
func Str(s string) Value   { return Value{T: S, Str: s} }
func Num(s string) Value   { return Value{T: N, Str: s} }
func Bin(b []byte) Value   { return Value{T: B, Str: string(b)} }
func Boolean(b bool) Value { return Value{T: BOOL, Bool: b} }

// wire is DynamoDB JSON's shape for one value.
type wire struct {
	S    *string           `json:"S"`
	N    *string           `json:"N"`
	B    *[]byte           `json:"B"`
	BOOL *bool             `json:"BOOL"`
	NULL *bool             `json:"NULL"`
	L    *[]Value          `json:"L"`
	M    *map[string]Value `json:"M"`
	SS   *[]string         `json:"SS"`
	NS   *[]string         `json:"NS"`
	BS   *[][]byte         `json:"BS"`
}

// errNoType is returned for a value with no type descriptor set.
const errNoType Error = "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes"

// UnmarshalJSON decodes DynamoDB JSON. It checks the shape (exactly one
// descriptor); Validate checks the contents.
func (v *Value) UnmarshalJSON(data []byte) error {
	var w wire
	if err := json.Unmarshal(data, &w); err != nil {
		return err
	}
	*v = Value{}
	if w.NULL != nil && !*w.NULL {
		return Error("One or more parameter values were invalid: Null attribute value types must have the value of true")
	}
	n := 0
	for _, set := range [...]bool{w.S != nil, w.N != nil, w.B != nil, w.BOOL != nil, w.NULL != nil,
		w.L != nil, w.M != nil, w.SS != nil, w.NS != nil, w.BS != nil} {
		if set {
			n++
		}
	}
	switch {
	case n == 0:
		return errNoType
	case n > 1:
		return Error("Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes")
	}
	switch {
	case w.S != nil:
		v.T, v.Str = S, *w.S
	case w.N != nil:
		v.T, v.Str = N, *w.N
	case w.B != nil:
		v.T, v.Str = B, string(*w.B)
	case w.BOOL != nil:
		v.T, v.Bool = BOOL, *w.BOOL
	case w.NULL != nil:
		v.T = NULL
	case w.L != nil:
		v.T, v.L = L, *w.L
		if v.L == nil {
			v.L = []Value{}
		}
	case w.M != nil:
		v.T, v.M = M, *w.M
		if v.M == nil {
			v.M = map[string]Value{}
		}
	case w.SS != nil:
		v.T, v.Set = SS, *w.SS
	case w.NS != nil:
		v.T, v.Set = NS, *w.NS
	case w.BS != nil:
		v.T = BS
		v.Set = make([]string, len(*w.BS))
		for i, b := range *w.BS {
			v.Set[i] = string(b)
		}
	}
	return nil
}

// MarshalJSON encodes DynamoDB JSON.
func (v Value) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	v.encode(&b)
	return b.Bytes(), nil
}

func (v Value) encode(b *bytes.Buffer) {
	switch v.T {
	case S:
		b.WriteString(`{"S":`)
		writeString(b, v.Str)
	case N:
		b.WriteString(`{"N":"`)
		b.WriteString(v.Str)
		b.WriteByte('"')
	case B:
		b.WriteString(`{"B":"`)
		b.WriteString(base64.StdEncoding.EncodeToString([]byte(v.Str)))
		b.WriteByte('"')
	case BOOL:
		b.WriteString(`{"BOOL":`)
		b.WriteString(strconv.FormatBool(v.Bool))
	case NULL:
		b.WriteString(`{"NULL":true`)
	case L:
		b.WriteString(`{"L":[`)
		for i, e := range v.L {
			if i > 0 {
				b.WriteByte(',')
			}
			e.encode(b)
		}
		b.WriteByte(']')
	case M:
		b.WriteString(`{"M":`)
		EncodeItem(b, v.M)
	case SS, NS, BS:
		b.WriteString(`{"` + v.T.String() + `":[`)
		for i, e := range v.Set {
			if i > 0 {
				b.WriteByte(',')
			}
			switch v.T {
			case SS:
				writeString(b, e)
			case NS:
				b.WriteByte('"')
				b.WriteString(e)
				b.WriteByte('"')
			default:
				b.WriteByte('"')
				b.WriteString(base64.StdEncoding.EncodeToString([]byte(e)))
				b.WriteByte('"')
			}
		}
		b.WriteByte(']')
	default:
		b.WriteString(`{"NULL":true`)
	}
	b.WriteByte('}')
}

// EncodeItem writes an item (or map) as a DynamoDB JSON object with its
// names sorted, so output is deterministic.
func EncodeItem(b *bytes.Buffer, item Item) {
	names := make([]string, 0, len(item))
	for k := range item {
		names = append(names, k)
	}
	sort.Strings(names)
	b.WriteByte('{')
	for i, k := range names {
		if i > 0 {
			b.WriteByte(',')
		}
		writeString(b, k)
		b.WriteByte(':')
		item[k].encode(b)
	}
	b.WriteByte('}')
}

// MarshalItem returns EncodeItem's bytes.
func MarshalItem(item Item) []byte {
	var b bytes.Buffer
	EncodeItem(&b, item)
	return b.Bytes()
}

// writeString writes s as a JSON string. Plain ASCII (the common case)
// is copied as is; anything needing escapes goes through encoding/json.
func writeString(b *bytes.Buffer, s string) {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == '"' || c == '\\' || c >= 0x80 || c == '<' || c == '>' || c == '&' {
			raw, _ := json.Marshal(s)
			b.Write(raw)
			return
		}
	}
	b.WriteByte('"')
	b.WriteString(s)
	b.WriteByte('"')
}

// Validate checks a value as DynamoDB does on input: valid numbers
// (canonicalised in place), non-empty sets without duplicates, nested
// values recursively. Messages are AWS's.
func (v *Value) Validate() error {
	switch v.T {
	case N:
		c, err := CanonicalNumber(v.Str)
		if err != nil {
			return err
		}
		v.Str = c
	case L:
		for i := range v.L {
			if err := v.L[i].Validate(); err != nil {
				return err
			}
		}
	case M:
		for k, e := range v.M {
			if err := e.Validate(); err != nil {
				return err
			}
			v.M[k] = e
		}
	case SS, NS, BS:
		if len(v.Set) == 0 {
			kind := map[Type]string{SS: "string", NS: "number", BS: "binary"}[v.T]
			return Error(fmt.Sprintf("One or more parameter values were invalid: An %s set  may not be empty", kind))
		}
		seen := make(map[string]bool, len(v.Set))
		for i, e := range v.Set {
			if v.T == NS {
				c, err := CanonicalNumber(e)
				if err != nil {
					return err
				}
				e = c
				v.Set[i] = c
			}
			if seen[e] {
				return Error(fmt.Sprintf("One or more parameter values were invalid: Input collection [%s] contains duplicates.", strings.Join(v.Set, ", ")))
			}
			seen[e] = true
		}
	case Invalid:
		return errNoType
	}
	return nil
}

// ValidateItem validates every value of an item in place.
func ValidateItem(item Item) error {
	for k, v := range item {
		if err := v.Validate(); err != nil {
			return err
		}
		item[k] = v
	}
	return nil
}

// Equal reports whether two values are equal as DynamoDB compares them:
// same type, numbers numerically, sets regardless of order.
func Equal(a, b Value) bool {
	if a.T != b.T {
		return false
	}
	switch a.T {
	case S, B:
		return a.Str == b.Str
	case N:
		return CompareNumbers(a.Str, b.Str) == 0
	case BOOL:
		return a.Bool == b.Bool
	case NULL:
		return true
	case L:
		if len(a.L) != len(b.L) {
			return false
		}
		for i := range a.L {
			if !Equal(a.L[i], b.L[i]) {
				return false
			}
		}
		return true
	case M:
		if len(a.M) != len(b.M) {
			return false
		}
		for k, av := range a.M {
			bv, ok := b.M[k]
			if !ok || !Equal(av, bv) {
				return false
			}
		}
		return true
	case SS, NS, BS:
		if len(a.Set) != len(b.Set) {
			return false
		}
		for _, e := range a.Set {
			if !a.setHas(b, e) {
				return false
			}
		}
		return true
	}
	return false
}

func (v Value) setHas(set Value, e string) bool {
	for _, x := range set.Set {
		if x == e || (v.T == NS && CompareNumbers(x, e) == 0) {
			return true
		}
	}
	return false
}

// SetContains reports whether set (SS, NS or BS) has member e.
func SetContains(set Value, e string) bool { return set.setHas(set, e) }

// Compare orders two scalar values of the same type (S and B byte-wise, N
// numerically). ok is false for other types or mismatched types, where
// DynamoDB's <, <=, >, >= are simply false.
func Compare(a, b Value) (c int, ok bool) {
	if a.T != b.T {
		return 0, false
	}
	switch a.T {
	case S, B:
		return strings.Compare(a.Str, b.Str), true
	case N:
		return CompareNumbers(a.Str, b.Str), true
	}
	return 0, false
}

// Size is the bytes DynamoDB bills for a value (attribute name excluded).
func (v Value) Size() int {
	switch v.T {
	case S, B:
		return len(v.Str)
	case N:
		return numberSize(v.Str)
	case BOOL, NULL:
		return 1
	case L:
		n := 3
		for _, e := range v.L {
			n += 1 + e.Size()
		}
		return n
	case M:
		n := 3
		for k, e := range v.M {
			n += 1 + len(k) + e.Size()
		}
		return n
	case SS, BS:
		n := 0
		for _, e := range v.Set {
			n += len(e)
		}
		return n
	case NS:
		n := 0
		for _, e := range v.Set {
			n += numberSize(e)
		}
		return n
	}
	return 0
}

// ItemSize is the bytes DynamoDB bills for an item: names plus values.
func ItemSize(item Item) int {
	n := 0
	for k, v := range item {
		n += len(k) + v.Size()
	}
	return n
}

// ValidUTF8 reports whether a string value is valid UTF-8 (DynamoDB
// rejects invalid strings).
func ValidUTF8(s string) bool { return utf8.ValidString(s) }

// KeyString renders a key-typed scalar (S, N, B) as a map key unique per
// type and value. N must be canonical.
func KeyString(v Value) string {
	return string(rune('0'+v.T)) + v.Str
}

// Clone returns a deep copy of v.
func (v Value) Clone() Value {
	switch v.T {
	case L:
		l := make([]Value, len(v.L))
		for i, e := range v.L {
			l[i] = e.Clone()
		}
		v.L = l
	case M:
		v.M = CloneItem(v.M)
	case SS, NS, BS:
		v.Set = append([]string(nil), v.Set...)
	}
	return v
}

// CloneItem returns a deep copy of item.
func CloneItem(item Item) Item {
	if item == nil {
		return nil
	}
	c := make(Item, len(item))
	for k, v := range item {
		c[k] = v.Clone()
	}
	return c
}
