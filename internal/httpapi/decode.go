package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"
)

// MaxBody is the largest request body any route accepts (256 KB).
const MaxBody = 256 << 10

// MaxDepth is how deeply arrays and objects may nest in a request body.
const MaxDepth = 32

// Decode reads r's JSON body into v strictly. It is the one decoder every
// route uses, and answers (as an *Error, 400 or 413 for size):
//   - malformed_json: not UTF-8, not JSON, trailing data, nested deeper
//     than MaxDepth, or not the JSON type v is (an object for a struct);
//   - duplicate_field: an object names a key twice (JSON leaves the meaning
//     open; we refuse to guess);
//   - unknown_field: a key v has no field for (names match exactly);
//   - invalid_field: a value of the wrong type, or null (omit a field
//     instead of sending null), or a field tagged `required:"true"` missing.
//
// Field names are full paths ("items[0].quantity"). A whole number may be
// written in any JSON form with an exact integer value ("1e3", "950.0");
// range checks are the domain's. Nothing is decoded on error.
func Decode(w http.ResponseWriter, r *http.Request, v any) error {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBody))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return Errorf(http.StatusRequestEntityTooLarge, "body_too_large", "", "request body exceeds %d bytes", MaxBody)
		}
		return Errorf(http.StatusBadRequest, "malformed_json", "", "request body could not be read")
	}
	return DecodeBytes(body, v)
}

// DecodeBytes is Decode for a body already read.
func DecodeBytes(body []byte, v any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return Errorf(http.StatusBadRequest, "malformed_json", "", "request body is required")
	}
	if !utf8.Valid(body) {
		return Errorf(http.StatusBadRequest, "malformed_json", "", "request body must be UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	tree, err := parseValue(dec, "", 0)
	if err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return Errorf(http.StatusBadRequest, "malformed_json", "", "request body has data after the JSON value")
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return fmt.Errorf("httpapi: Decode needs a non-nil pointer, got %T", v)
	}
	norm, err := check(tree, rv.Type().Elem(), "")
	if err != nil {
		return err
	}
	raw, err := json.Marshal(norm)
	if err != nil {
		return fmt.Errorf("httpapi: re-encode checked body: %w", err)
	}
	if err := json.Unmarshal(raw, v); err != nil {
		// check accepted it, so this is a gap in check: a bug, not a 400.
		return fmt.Errorf("httpapi: decode checked body: %w", err)
	}
	return nil
}

// object keeps a JSON object's keys in their order, for stable errors.
type object struct {
	keys []string
	vals map[string]any
}

// parseValue reads one JSON value, refusing duplicate keys and deep nesting.
func parseValue(dec *json.Decoder, path string, depth int) (any, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, syntaxError(err)
	}
	d, ok := tok.(json.Delim)
	if !ok {
		return tok, nil
	}
	if depth >= MaxDepth {
		return nil, Errorf(http.StatusBadRequest, "malformed_json", "", "request body nests deeper than %d levels", MaxDepth)
	}
	switch d {
	case '[':
		arr := []any{}
		for dec.More() {
			el, err := parseValue(dec, fmt.Sprintf("%s[%d]", path, len(arr)), depth+1)
			if err != nil {
				return nil, err
			}
			arr = append(arr, el)
		}
		if _, err := dec.Token(); err != nil {
			return nil, syntaxError(err)
		}
		return arr, nil
	case '{':
		obj := &object{vals: map[string]any{}}
		for dec.More() {
			kt, err := dec.Token()
			if err != nil {
				return nil, syntaxError(err)
			}
			key, _ := kt.(string)
			kp := join(path, key)
			if _, dup := obj.vals[key]; dup {
				return nil, Errorf(http.StatusBadRequest, "duplicate_field", kp, "%s: appears more than once", kp)
			}
			val, err := parseValue(dec, kp, depth+1)
			if err != nil {
				return nil, err
			}
			obj.keys = append(obj.keys, key)
			obj.vals[key] = val
		}
		if _, err := dec.Token(); err != nil {
			return nil, syntaxError(err)
		}
		return obj, nil
	}
	return nil, Errorf(http.StatusBadRequest, "malformed_json", "", "malformed JSON")
}

func syntaxError(err error) *Error {
	var syn *json.SyntaxError
	switch {
	case errors.As(err, &syn):
		return Errorf(http.StatusBadRequest, "malformed_json", "", "malformed JSON at byte %d", syn.Offset)
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return Errorf(http.StatusBadRequest, "malformed_json", "", "malformed JSON: unexpected end of input")
	}
	return Errorf(http.StatusBadRequest, "malformed_json", "", "malformed JSON")
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

var numberType = reflect.TypeFor[json.Number]()

// check checks value against t and returns it in the plain form
// encoding/json decodes into t exactly (maps, slices, integer literals).
func check(value any, t reflect.Type, path string) (any, error) {
	if value == nil {
		if path == "" {
			return nil, Errorf(http.StatusBadRequest, "malformed_json", "", "request body must be a JSON %s", kindName(t))
		}
		return nil, Errorf(http.StatusBadRequest, "invalid_field", path, "%s: must not be null (leave the field out instead)", path)
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	mismatch := func() error {
		if path == "" {
			return Errorf(http.StatusBadRequest, "malformed_json", "", "request body must be a JSON %s", kindName(t))
		}
		return Errorf(http.StatusBadRequest, "invalid_field", path, "%s: must be %s", path, article(kindName(t)))
	}
	if t == numberType {
		if n, ok := value.(json.Number); ok {
			return n, nil
		}
		return nil, mismatch()
	}
	switch t.Kind() {
	case reflect.Interface:
		return plain(value), nil
	case reflect.String:
		if _, ok := value.(string); !ok {
			return nil, mismatch()
		}
		return value, nil
	case reflect.Bool:
		if _, ok := value.(bool); !ok {
			return nil, mismatch()
		}
		return value, nil
	case reflect.Float32, reflect.Float64:
		n, ok := value.(json.Number)
		if !ok {
			return nil, mismatch()
		}
		if _, err := strconv.ParseFloat(string(n), t.Bits()); err != nil {
			return nil, Errorf(http.StatusBadRequest, "invalid_field", path, "%s: is out of range", path)
		}
		return n, nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		n, ok := value.(json.Number)
		if !ok {
			return nil, mismatch()
		}
		i, whole, inRange := WholeNumber(string(n))
		if !whole {
			return nil, mismatch()
		}
		if !inRange || !fits(i, t) {
			return nil, Errorf(http.StatusBadRequest, "invalid_field", path, "%s: is out of range", path)
		}
		return json.Number(strconv.FormatInt(i, 10)), nil
	case reflect.Slice, reflect.Array:
		arr, ok := value.([]any)
		if !ok {
			return nil, mismatch()
		}
		if t.Kind() == reflect.Array && len(arr) != t.Len() {
			return nil, Errorf(http.StatusBadRequest, "invalid_field", path, "%s: must have %d elements", path, t.Len())
		}
		out := make([]any, len(arr))
		for i, el := range arr {
			v, err := check(el, t.Elem(), fmt.Sprintf("%s[%d]", path, i))
			if err != nil {
				return nil, err
			}
			out[i] = v
		}
		return out, nil
	case reflect.Map:
		obj, ok := value.(*object)
		if !ok || t.Key().Kind() != reflect.String {
			return nil, mismatch()
		}
		out := make(map[string]any, len(obj.keys))
		for _, k := range obj.keys {
			v, err := check(obj.vals[k], t.Elem(), join(path, k))
			if err != nil {
				return nil, err
			}
			out[k] = v
		}
		return out, nil
	case reflect.Struct:
		obj, ok := value.(*object)
		if !ok {
			return nil, mismatch()
		}
		fields := structFields(t)
		out := make(map[string]any, len(obj.keys))
		for _, k := range obj.keys {
			f, ok := fields.byName[k]
			kp := join(path, k)
			if !ok {
				return nil, Errorf(http.StatusBadRequest, "unknown_field", kp, "%s: unknown field", kp)
			}
			v, err := check(obj.vals[k], f.typ, kp)
			if err != nil {
				return nil, err
			}
			out[k] = v
		}
		for _, f := range fields.list {
			if _, ok := obj.vals[f.name]; f.required && !ok {
				fp := join(path, f.name)
				return nil, Errorf(http.StatusBadRequest, "invalid_field", fp, "%s: is required", fp)
			}
		}
		return out, nil
	}
	return nil, fmt.Errorf("httpapi: Decode cannot check a field of type %s", t)
}

// fits reports whether i is in the range of the integer type t.
func fits(i int64, t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return i >= 0 && !reflect.New(t).Elem().OverflowUint(uint64(i))
	}
	return !reflect.New(t).Elem().OverflowInt(i)
}

// plain turns a parsed value into what encoding/json marshals back as is.
func plain(v any) any {
	switch v := v.(type) {
	case *object:
		m := make(map[string]any, len(v.keys))
		for _, k := range v.keys {
			m[k] = plain(v.vals[k])
		}
		return m
	case []any:
		out := make([]any, len(v))
		for i, el := range v {
			out[i] = plain(el)
		}
		return out
	}
	return v
}

type field struct {
	name     string
	typ      reflect.Type
	required bool
}

type fieldSet struct {
	list   []field
	byName map[string]field
}

// structFields lists t's JSON fields by their exact JSON names; a field
// tagged `required:"true"` must be present.
func structFields(t reflect.Type) fieldSet {
	fs := fieldSet{byName: map[string]field{}}
	for _, sf := range reflect.VisibleFields(t) {
		if !sf.IsExported() || sf.Anonymous && sf.Type.Kind() == reflect.Struct {
			continue
		}
		name, _, _ := strings.Cut(sf.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = sf.Name
		}
		f := field{name: name, typ: sf.Type, required: sf.Tag.Get("required") == "true"}
		fs.list = append(fs.list, f)
		fs.byName[name] = f
	}
	return fs
}

// WholeNumber parses a JSON number literal and reports whether its value
// is a whole number ("1e3", "950.0" and "-0" are) and, if so, whether it
// fits in an int64. It never builds huge values: "1e999999999" is whole
// and out of range, decided from its digits and exponent alone.
func WholeNumber(s string) (n int64, whole, inRange bool) {
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	mant, expPart, hasExp := strings.Cut(strings.ToLower(s), "e")
	intPart, frac, _ := strings.Cut(mant, ".")
	if intPart == "" || !digits(intPart) || !digits(frac) {
		return 0, false, false
	}
	exp := 0
	if hasExp {
		e := strings.TrimPrefix(expPart, "+")
		eneg := strings.HasPrefix(e, "-")
		e = strings.TrimLeft(strings.TrimPrefix(e, "-"), "0")
		if !digits(e) {
			return 0, false, false
		}
		if len(e) > 6 {
			e = "999999" // beyond any int64 or any fraction's digits
		}
		if e != "" {
			exp, _ = strconv.Atoi(e)
		}
		if eneg {
			exp = -exp
		}
	}
	ds := strings.TrimLeft(intPart+frac, "0")
	if ds == "" {
		return 0, true, true
	}
	exp -= len(frac)
	trimmed := strings.TrimRight(ds, "0")
	exp += len(ds) - len(trimmed)
	ds = trimmed
	if exp < 0 {
		return 0, false, false
	}
	if len(ds)+exp > 19 {
		return 0, true, false
	}
	v, err := strconv.ParseInt(ds+strings.Repeat("0", exp), 10, 64)
	if err != nil {
		if neg && ds+strings.Repeat("0", exp) == "9223372036854775808" {
			return -1 << 63, true, true
		}
		return 0, true, false
	}
	if neg {
		v = -v
	}
	return v, true, true
}

func digits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// kindName names the JSON type a Go type decodes from.
func kindName(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == numberType {
		return "number"
	}
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "whole number"
	case reflect.Float32, reflect.Float64:
		return "number"
	case reflect.Bool:
		return "boolean"
	case reflect.String:
		return "string"
	case reflect.Slice, reflect.Array:
		return "array"
	case reflect.Struct, reflect.Map:
		return "object"
	}
	return "value"
}

// article prefixes a type name with "a" or "an".
func article(name string) string {
	if strings.IndexByte("aeiou", name[0]) >= 0 {
		return "an " + name
	}
	return "a " + name
}
