package stack

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/shopstream/shopstream/emulator/awsapi"
)

// noValue is what Ref AWS::NoValue resolves to: the enclosing key or list
// element is removed.
type noValueT struct{}

var noValue = noValueT{}

// availabilityZones is what Fn::GetAZs returns locally.
var availabilityZones = []any{awsapi.Region + "a", awsapi.Region + "b", awsapi.Region + "c"}

// resolver evaluates intrinsic functions against the template's parameters,
// conditions and the resources created so far.
type resolver struct {
	stackName string
	tpl       *Template
	params    map[string]any
	conds     map[string]bool
	condBusy  map[string]bool

	// mu guards created: resources are created concurrently.
	mu      sync.RWMutex
	created map[string]Created
}

func (r *resolver) lookup(id string) (Created, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	c, ok := r.created[id]
	return c, ok
}

func (r *resolver) record(id string, c Created) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.created[id] = c
}

// resolve returns v with every intrinsic evaluated.
func (r *resolver) resolve(v any) (any, error) {
	switch t := v.(type) {
	case map[string]any:
		if len(t) == 1 {
			for k, arg := range t {
				if k == "Ref" || strings.HasPrefix(k, "Fn::") {
					out, err := r.intrinsic(k, arg)
					if err != nil {
						return nil, fmt.Errorf("%s: %w", k, err)
					}
					return out, nil
				}
			}
		}
		out := make(map[string]any, len(t))
		for k, e := range t {
			rv, err := r.resolve(e)
			if err != nil {
				return nil, fmt.Errorf("%s.%w", k, err)
			}
			if rv != noValue {
				out[k] = rv
			}
		}
		return out, nil
	case []any:
		out := make([]any, 0, len(t))
		for i, e := range t {
			rv, err := r.resolve(e)
			if err != nil {
				return nil, fmt.Errorf("[%d].%w", i, err)
			}
			if rv != noValue {
				out = append(out, rv)
			}
		}
		return out, nil
	default:
		return v, nil
	}
}

func (r *resolver) intrinsic(fn string, arg any) (any, error) {
	switch fn {
	case "Ref":
		name, ok := arg.(string)
		if !ok {
			return nil, fmt.Errorf("want a name, got %s", show(arg))
		}
		return r.ref(name)
	case "Fn::GetAtt":
		return r.getAtt(arg)
	case "Fn::Join":
		sep, rest, err := r.stringArgs(arg, 2, "delimiter")
		if err != nil {
			return nil, err
		}
		list, err := listOf(rest[0], " to join")
		if err != nil {
			return nil, err
		}
		parts := make([]string, len(list))
		for i, e := range list {
			if parts[i], err = str(e); err != nil {
				return nil, fmt.Errorf("element %d: %w", i, err)
			}
		}
		return strings.Join(parts, sep[0]), nil
	case "Fn::Sub":
		return r.sub(arg)
	case "Fn::Select":
		index, rest, err := r.stringArgs(arg, 2, "index")
		if err != nil {
			return nil, err
		}
		i, err := strconv.Atoi(index[0])
		if err != nil {
			return nil, fmt.Errorf("index %q is not an integer", index[0])
		}
		list, err := listOf(rest[0], " to select from")
		if err != nil {
			return nil, err
		}
		if i < 0 || i >= len(list) {
			return nil, fmt.Errorf("index %d out of range for a list of %d", i, len(list))
		}
		return list[i], nil
	case "Fn::Split":
		s, _, err := r.stringArgs(arg, 2, "delimiter", "source")
		if err != nil {
			return nil, err
		}
		parts := strings.Split(s[1], s[0])
		out := make([]any, len(parts))
		for i, p := range parts {
			out[i] = p
		}
		return out, nil
	case "Fn::If":
		list, ok := arg.([]any)
		if !ok || len(list) != 3 {
			return nil, fmt.Errorf("want [condition, valueIfTrue, valueIfFalse], got %s", show(arg))
		}
		name, ok := list[0].(string)
		if !ok {
			return nil, fmt.Errorf("condition name: want a string, got %s", show(list[0]))
		}
		ok, err := r.condition(name)
		if err != nil {
			return nil, err
		}
		if ok {
			return r.resolve(list[1])
		}
		return r.resolve(list[2])
	case "Fn::Equals", "Fn::And", "Fn::Or", "Fn::Not":
		return r.evalCond(map[string]any{fn: arg})
	case "Fn::GetAZs":
		return append([]any(nil), availabilityZones...), nil
	case "Fn::FindInMap":
		keys, _, err := r.stringArgs(arg, 3, "key 0", "key 1", "key 2")
		if err != nil {
			return nil, err
		}
		m, ok := r.tpl.Mappings[keys[0]]
		if !ok {
			return nil, fmt.Errorf("no mapping %q", keys[0])
		}
		top, ok := m[keys[1]].(map[string]any)
		if !ok {
			return nil, fmt.Errorf("mapping %q has no key %q", keys[0], keys[1])
		}
		v, ok := top[keys[2]]
		if !ok {
			return nil, fmt.Errorf("mapping %q key %q has no %q", keys[0], keys[1], keys[2])
		}
		return v, nil
	case "Fn::Base64", "Fn::ToJsonString", "Fn::Length":
		v, err := r.resolve(arg)
		if err != nil {
			return nil, err
		}
		return ofValue(fn, v)
	case "Fn::ImportValue":
		v, _ := r.resolve(arg)
		return nil, fmt.Errorf("cannot import %s: the local runtime runs one stack, so cross-stack exports are not available; pass the value as a parameter or deploy the stacks as one", show(v))
	default:
		return nil, fmt.Errorf("intrinsic function not supported by the local runtime")
	}
}

// args resolves a fixed-length argument list.
func (r *resolver) args(arg any, n int) ([]any, error) {
	list, ok := arg.([]any)
	if !ok || len(list) != n {
		return nil, fmt.Errorf("want a list of %d arguments, got %s", n, show(arg))
	}
	out := make([]any, n)
	for i, a := range list {
		v, err := r.resolve(a)
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}

// stringArgs resolves a fixed-length argument list and renders its first
// len(names) elements as strings, each named in errors by names[i]; rest
// is the elements after them.
func (r *resolver) stringArgs(arg any, n int, names ...string) (strs []string, rest []any, err error) {
	args, err := r.args(arg, n)
	if err != nil {
		return nil, nil, err
	}
	strs = make([]string, len(names))
	for i, name := range names {
		if strs[i], err = str(args[i]); err != nil {
			return nil, nil, fmt.Errorf("%s: %w", name, err)
		}
	}
	return strs, args[len(names):], nil
}

// listOf is a resolved argument that must be a list; purpose completes the
// error message ("want a list to join").
func listOf(v any, purpose string) ([]any, error) {
	list, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("want a list%s, got %s", purpose, show(v))
	}
	return list, nil
}

// ofValue evaluates the intrinsics that take one (resolved) value.
func ofValue(fn string, v any) (any, error) {
	switch fn {
	case "Fn::Base64":
		s, err := str(v)
		if err != nil {
			return nil, err
		}
		return base64.StdEncoding.EncodeToString([]byte(s)), nil
	case "Fn::ToJsonString":
		raw, err := json.Marshal(v)
		return string(raw), err
	case "Fn::Length":
		list, err := listOf(v, "")
		if err != nil {
			return nil, err
		}
		return float64(len(list)), nil
	}
	return nil, fmt.Errorf("%s does not take one value", fn)
}

// ref resolves a Ref to a pseudo parameter, parameter or resource.
func (r *resolver) ref(name string) (any, error) {
	switch name {
	case "AWS::AccountId":
		return awsapi.AccountID, nil
	case "AWS::Region":
		return awsapi.Region, nil
	case "AWS::Partition":
		return "aws", nil
	case "AWS::URLSuffix":
		return "amazonaws.com", nil
	case "AWS::StackName":
		return r.stackName, nil
	case "AWS::StackId":
		return StackID(r.stackName), nil
	case "AWS::NotificationARNs":
		return []any{}, nil
	case "AWS::NoValue":
		return noValue, nil
	}
	if v, ok := r.params[name]; ok {
		return v, nil
	}
	if _, ok := r.tpl.Resources[name]; !ok {
		return nil, fmt.Errorf("%q is not a parameter, pseudo parameter or resource", name)
	}
	c, ok := r.lookup(name)
	if !ok {
		return nil, fmt.Errorf("resource %s is not provisioned (its Condition is false?)", name)
	}
	return c.Ref, nil
}

// getAtt resolves both Fn::GetAtt forms: "Res.Attr" and [Res, Attr].
func (r *resolver) getAtt(arg any) (any, error) {
	var res, attr string
	switch a := arg.(type) {
	case string:
		var ok bool
		if res, attr, ok = strings.Cut(a, "."); !ok {
			return nil, fmt.Errorf("want \"Resource.Attribute\", got %q", a)
		}
	case []any:
		if len(a) != 2 {
			return nil, fmt.Errorf("want [resource, attribute], got %s", show(arg))
		}
		var ok bool
		if res, ok = a[0].(string); !ok {
			return nil, fmt.Errorf("resource: want a string, got %s", show(a[0]))
		}
		v, err := r.resolve(a[1])
		if err != nil {
			return nil, err
		}
		if attr, err = str(v); err != nil {
			return nil, fmt.Errorf("attribute: %w", err)
		}
	default:
		return nil, fmt.Errorf("want \"Resource.Attribute\" or [resource, attribute], got %s", show(arg))
	}
	return r.attr(res, attr)
}

func (r *resolver) attr(res, attr string) (any, error) {
	if _, ok := r.tpl.Resources[res]; !ok {
		return nil, fmt.Errorf("no resource %q", res)
	}
	c, ok := r.lookup(res)
	if !ok {
		return nil, fmt.Errorf("resource %s is not provisioned (its Condition is false?)", res)
	}
	v, ok := c.Attrs[attr]
	if !ok {
		have := make([]string, 0, len(c.Attrs))
		for k := range c.Attrs {
			have = append(have, k)
		}
		sort.Strings(have)
		return nil, fmt.Errorf("resource %s (%s) has no attribute %q locally (has %s)", res, r.tpl.Resources[res].Type, attr, strings.Join(have, ", "))
	}
	return v, nil
}

// sub resolves Fn::Sub in its string and [string, variables] forms.
func (r *resolver) sub(arg any) (any, error) {
	var format string
	vars := map[string]any{}
	switch a := arg.(type) {
	case string:
		format = a
	case []any:
		if len(a) != 2 {
			return nil, fmt.Errorf("want a string or [string, variables], got %s", show(arg))
		}
		var ok bool
		if format, ok = a[0].(string); !ok {
			return nil, fmt.Errorf("want a format string, got %s", show(a[0]))
		}
		m, ok := a[1].(map[string]any)
		if !ok {
			return nil, fmt.Errorf("variables: want a map, got %s", show(a[1]))
		}
		for k, e := range m {
			v, err := r.resolve(e)
			if err != nil {
				return nil, fmt.Errorf("variable %s: %w", k, err)
			}
			vars[k] = v
		}
	default:
		return nil, fmt.Errorf("want a string or [string, variables], got %s", show(arg))
	}
	var b strings.Builder
	err := scanSub(format, func(lit string) { b.WriteString(lit) }, func(name string) error {
		var v any
		var err error
		if vv, ok := vars[name]; ok {
			v = vv
		} else if res, attr, ok := strings.Cut(name, "."); ok {
			v, err = r.attr(res, attr)
		} else {
			v, err = r.ref(name)
		}
		if err != nil {
			return fmt.Errorf("${%s}: %w", name, err)
		}
		s, err := str(v)
		if err != nil {
			return fmt.Errorf("${%s}: %w", name, err)
		}
		b.WriteString(s)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return b.String(), nil
}

// scanSub splits a Fn::Sub format into literal text and ${name} references;
// "${!Literal}" is the escape for a literal "${Literal}".
func scanSub(format string, lit func(string), ref func(string) error) error {
	for {
		i := strings.Index(format, "${")
		if i < 0 {
			lit(format)
			return nil
		}
		lit(format[:i])
		rest := format[i+2:]
		j := strings.IndexByte(rest, '}')
		if j < 0 {
			return fmt.Errorf("unterminated ${ in %q", format)
		}
		name := rest[:j]
		if strings.HasPrefix(name, "!") {
			lit("${" + name[1:] + "}")
		} else if err := ref(strings.TrimSpace(name)); err != nil {
			return err
		}
		format = rest[j+1:]
	}
}

// condition evaluates a named template condition once.
func (r *resolver) condition(name string) (bool, error) {
	if v, ok := r.conds[name]; ok {
		return v, nil
	}
	expr, ok := r.tpl.Conditions[name]
	if !ok {
		return false, fmt.Errorf("no condition %q", name)
	}
	if r.condBusy[name] {
		return false, fmt.Errorf("condition %q refers to itself", name)
	}
	r.condBusy[name] = true
	v, err := r.evalCond(expr)
	delete(r.condBusy, name)
	if err != nil {
		return false, fmt.Errorf("condition %s: %w", name, err)
	}
	r.conds[name] = v
	return v, nil
}

// evalCond evaluates a condition expression (Fn::Equals/And/Or/Not and
// {"Condition": name}).
func (r *resolver) evalCond(expr any) (bool, error) {
	m, ok := expr.(map[string]any)
	if !ok || len(m) != 1 {
		return false, fmt.Errorf("want a condition function, got %s", show(expr))
	}
	for fn, arg := range m {
		switch fn {
		case "Condition":
			name, ok := arg.(string)
			if !ok {
				return false, fmt.Errorf("{\"Condition\": name}: want a name, got %s", show(arg))
			}
			return r.condition(name)
		case "Fn::Equals":
			args, err := r.args(arg, 2)
			if err != nil {
				return false, fmt.Errorf("Fn::Equals: %w", err)
			}
			a, errA := str(args[0])
			b, errB := str(args[1])
			if errA != nil || errB != nil {
				ra, _ := json.Marshal(args[0])
				rb, _ := json.Marshal(args[1])
				return string(ra) == string(rb), nil
			}
			return a == b, nil
		case "Fn::Not":
			list, ok := arg.([]any)
			if !ok || len(list) != 1 {
				return false, fmt.Errorf("Fn::Not: want [condition], got %s", show(arg))
			}
			v, err := r.evalCond(list[0])
			return !v, err
		case "Fn::And", "Fn::Or":
			list, ok := arg.([]any)
			if !ok || len(list) < 2 || len(list) > 10 {
				return false, fmt.Errorf("%s: want 2 to 10 conditions, got %s", fn, show(arg))
			}
			and := fn == "Fn::And"
			for _, c := range list {
				v, err := r.evalCond(c)
				if err != nil {
					return false, fmt.Errorf("%s: %w", fn, err)
				}
				if v != and {
					return v, nil
				}
			}
			return and, nil
		default:
			return false, fmt.Errorf("%s is not a condition function", fn)
		}
	}
	panic("unreachable")
}

// str renders a resolved scalar as CloudFormation does when it needs a string.
func str(v any) (string, error) {
	switch t := v.(type) {
	case string:
		return t, nil
	case float64:
		return strconv.FormatFloat(t, 'f', -1, 64), nil
	case bool:
		return strconv.FormatBool(t), nil
	case json.Number:
		return t.String(), nil
	default:
		return "", fmt.Errorf("want a string, got %s", show(v))
	}
}

// show renders a value briefly for error messages.
func show(v any) string {
	if v == noValue {
		return "AWS::NoValue"
	}
	raw, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("%T", v)
	}
	if len(raw) > 120 {
		return string(raw[:117]) + "..."
	}
	return string(raw)
}
