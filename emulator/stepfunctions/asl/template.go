package asl

import (
	"fmt"
	"strings"
)

// env is what paths and intrinsic functions read: the state's effective
// input, the context object ("$$") and the injected sources of randomness.
type env struct {
	input   any
	context any
	random  func() float64
	uuid    func() string
}

// template is a compiled payload template (Parameters, ResultSelector,
// ItemSelector): JSON whose "key.$" fields are replaced by the value of a
// path, a context path or an intrinsic function.
type template struct {
	static any // used when fields and items are nil
	fields []templateField
	items  []*template
	isObj  bool
	isArr  bool
}

type templateField struct {
	key   string // without the ".$" suffix for dynamic fields
	value *template
	// Dynamic fields: exactly one of path or call is set.
	path    *Path
	context bool
	call    *intrinsic
	src     string
}

// compileTemplate compiles a payload template; errors name the field.
func compileTemplate(v any, where string) (*template, error) {
	switch t := v.(type) {
	case map[string]any:
		out := &template{isObj: true}
		for k, e := range t {
			if !strings.HasSuffix(k, ".$") {
				sub, err := compileTemplate(e, where+"/"+k)
				if err != nil {
					return nil, err
				}
				out.fields = append(out.fields, templateField{key: k, value: sub})
				continue
			}
			f, err := compileDynamic(strings.TrimSuffix(k, ".$"), e, where+"/"+k)
			if err != nil {
				return nil, err
			}
			out.fields = append(out.fields, f)
		}
		return out, nil
	case []any:
		out := &template{isArr: true}
		for i, e := range t {
			sub, err := compileTemplate(e, fmt.Sprintf("%s[%d]", where, i))
			if err != nil {
				return nil, err
			}
			out.items = append(out.items, sub)
		}
		return out, nil
	}
	return &template{static: v}, nil
}

func compileDynamic(key string, v any, where string) (templateField, error) {
	s, ok := v.(string)
	if !ok {
		return templateField{}, fmt.Errorf("the value of the field %q must be a path or an intrinsic function, got %s at %s", key+".$", typeName(v), where)
	}
	f := templateField{key: key, src: s}
	var err error
	switch {
	case strings.HasPrefix(s, "$$"):
		f.context = true
		f.path, err = ParsePath(s[1:])
	case strings.HasPrefix(s, "$"):
		f.path, err = ParsePath(s)
	case strings.HasPrefix(s, "States."):
		f.call, err = parseIntrinsic(s)
	default:
		err = fmt.Errorf("the value of the field %q must be a JSONPath or an intrinsic function, got %q", key+".$", s)
	}
	if err != nil {
		return templateField{}, fmt.Errorf("%v at %s", err, where)
	}
	return f, nil
}

// eval builds the payload. A path that selects nothing is a
// States.ParameterPathFailure; an intrinsic that fails is a
// States.IntrinsicFailure.
func (t *template) eval(e *env) (any, error) {
	switch {
	case t.isObj:
		out := make(map[string]any, len(t.fields))
		for _, f := range t.fields {
			var v any
			var err error
			switch {
			case f.value != nil:
				v, err = f.value.eval(e)
			case f.call != nil:
				v, err = f.call.eval(e)
			default:
				root := e.input
				if f.context {
					root = e.context
				}
				var ok bool
				v, ok = f.path.Get(root)
				if !ok {
					err = errorf(ErrParameterPathFailure, "The JSONPath '%s' specified for the field '%s.$' could not be found in the input '%s'", f.src, f.key, mustJSON(root))
				}
			}
			if err != nil {
				return nil, err
			}
			out[f.key] = v
		}
		return out, nil
	case t.isArr:
		out := make([]any, len(t.items))
		for i, it := range t.items {
			v, err := it.eval(e)
			if err != nil {
				return nil, err
			}
			out[i] = v
		}
		return out, nil
	}
	return deepCopy(t.static), nil
}
