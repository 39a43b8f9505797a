package asl

import (
	"fmt"
	"sort"
	"strings"
)

// Machine is a parsed, validated state machine definition (or a Map
// iterator / Parallel branch, which have the same shape).
type Machine struct {
	StartAt        string
	TimeoutSeconds int // 0: none
	States         map[string]*State
}

// State is one compiled state. Fields irrelevant to its Type are zero.
type State struct {
	Name    string
	Type    string
	Next    string
	End     bool
	Comment string

	InputPath, OutputPath, ResultPath optPath
	Parameters, ResultSelector        *template
	Result                            any
	HasResult                         bool

	// Task
	Resource         string
	TimeoutSeconds   int
	TimeoutPath      *Path
	HeartbeatSeconds int
	Retry            []Retrier
	Catch            []Catcher

	// Choice
	Choices []*choiceRule
	Default string

	// Wait
	Seconds       *float64
	SecondsPath   *Path
	Timestamp     string
	TimestampPath *Path

	// Fail
	Error, Cause         string
	ErrorPath, CausePath *dynamicString

	// Parallel and Map
	Branches           []*Machine
	Iterator           *Machine
	ItemsPath          optPath
	ItemSelector       *template
	MaxConcurrency     int
	MaxConcurrencyPath *Path
}

// Retrier is one Retry entry, with the documented defaults applied.
type Retrier struct {
	ErrorEquals     []string
	IntervalSeconds float64
	MaxAttempts     int
	BackoffRate     float64
	MaxDelaySeconds float64 // 0: no cap
	JitterStrategy  string  // "FULL" or "NONE"
}

// Catcher is one Catch entry.
type Catcher struct {
	ErrorEquals []string
	Next        string
	ResultPath  optPath
}

// dynamicString is a Fail state's ErrorPath/CausePath: a path or an
// intrinsic function yielding a string.
type dynamicString struct {
	path *Path
	call *intrinsic
}

// DefinitionError is an invalid definition; Message reads like Step
// Functions' ("SCHEMA_VALIDATION_FAILED: ... at /States/X/Next").
type DefinitionError struct{ Problems []string }

func (e *DefinitionError) Error() string {
	return "Invalid State Machine Definition: '" + strings.Join(e.Problems, ", ") + "'"
}

// Parse parses and validates a definition. Every problem found is
// reported, each with the location of the offending field.
func Parse(definition []byte) (*Machine, error) {
	raw, err := ParseJSON(definition)
	if err != nil {
		return nil, &DefinitionError{Problems: []string{"INVALID_JSON_DESCRIPTION: " + err.Error()}}
	}
	p := &parser{}
	m := p.machine(raw, "")
	p.checkUniqueNames(m, "", map[string]string{})
	if len(p.problems) > 0 {
		return nil, &DefinitionError{Problems: p.problems}
	}
	return m, nil
}

type parser struct{ problems []string }

func (p *parser) fail(code, where, format string, args ...any) {
	if where == "" {
		where = "/"
	}
	p.problems = append(p.problems, fmt.Sprintf("%s: %s at %s", code, fmt.Sprintf(format, args...), where))
}

func (p *parser) schema(where, format string, args ...any) {
	p.fail("SCHEMA_VALIDATION_FAILED", where, format, args...)
}

func (p *parser) machine(raw any, where string) *Machine {
	obj, ok := raw.(map[string]any)
	if !ok {
		p.schema(where, "a state machine must be a JSON object")
		return nil
	}
	m := &Machine{States: map[string]*State{}}
	m.StartAt, _ = obj["StartAt"].(string)
	if m.StartAt == "" {
		p.schema(where+"/StartAt", "The field \"StartAt\" should be non-empty")
	}
	if v, ok := obj["TimeoutSeconds"]; ok {
		m.TimeoutSeconds = p.positiveInt(v, where+"/TimeoutSeconds")
	}
	if ql, ok := obj["QueryLanguage"]; ok && ql != "JSONPath" {
		p.schema(where+"/QueryLanguage", "only the JSONPath query language is supported, got %s", mustJSON(ql))
	}
	states, ok := obj["States"].(map[string]any)
	if !ok || len(states) == 0 {
		p.schema(where+"/States", "The field \"States\" should be a non-empty object")
		return m
	}
	names := make([]string, 0, len(states))
	for name := range states {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if len(name) > 80 {
			p.schema(where+"/States/"+name, "state names must be at most 80 characters")
		}
		m.States[name] = p.state(name, states[name], where+"/States/"+name)
	}
	if m.StartAt != "" && m.States[m.StartAt] == nil {
		p.fail("MISSING_TRANSITION_TARGET", where+"/StartAt", "Missing 'StartAt' target: %s", m.StartAt)
	}
	for _, name := range names {
		p.checkTargets(m, m.States[name], where+"/States/"+name)
	}
	if m.States[m.StartAt] != nil {
		reached := reachable(m)
		for _, name := range names {
			if !reached[name] && m.States[name] != nil {
				p.fail("UNREACHABLE_STATE", where+"/States/"+name, "State \"%s\" is not reachable", name)
			}
		}
	}
	return m
}

// reachable returns the states a run can enter, following Next, Default,
// Choices and Catch transitions from StartAt.
func reachable(m *Machine) map[string]bool {
	seen := map[string]bool{}
	todo := []string{m.StartAt}
	for len(todo) > 0 {
		name := todo[len(todo)-1]
		todo = todo[:len(todo)-1]
		s := m.States[name]
		if seen[name] || s == nil {
			continue
		}
		seen[name] = true
		todo = append(todo, s.Next, s.Default)
		for _, c := range s.Choices {
			todo = append(todo, c.next)
		}
		for _, c := range s.Catch {
			todo = append(todo, c.Next)
		}
	}
	return seen
}

// checkUniqueNames reports state names used twice anywhere in the machine,
// Parallel branches and Map iterators included: Step Functions requires
// them unique, since history events identify states by name alone.
func (p *parser) checkUniqueNames(m *Machine, where string, seen map[string]string) {
	if m == nil {
		return
	}
	names := make([]string, 0, len(m.States))
	for name := range m.States {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		at := where + "/States/" + name
		if first, dup := seen[name]; dup {
			p.fail("DUPLICATE_STATE_NAME", at, "Duplicate State name: %s (first at %s)", name, first)
		} else {
			seen[name] = at
		}
		s := m.States[name]
		if s == nil {
			continue
		}
		for i, b := range s.Branches {
			p.checkUniqueNames(b, fmt.Sprintf("%s/Branches[%d]", at, i), seen)
		}
		p.checkUniqueNames(s.Iterator, at+"/ItemProcessor", seen)
	}
}

// checkTargets reports transitions to states that do not exist.
func (p *parser) checkTargets(m *Machine, s *State, where string) {
	if s == nil {
		return
	}
	check := func(target, field string) {
		if target != "" && m.States[target] == nil {
			p.fail("MISSING_TRANSITION_TARGET", where+field, "Missing 'Next' target: %s", target)
		}
	}
	check(s.Next, "/Next")
	check(s.Default, "/Default")
	for i, c := range s.Choices {
		check(c.next, fmt.Sprintf("/Choices[%d]/Next", i))
	}
	for i, c := range s.Catch {
		check(c.Next, fmt.Sprintf("/Catch[%d]/Next", i))
	}
}

var stateFields = map[string][]string{
	"Pass":     {"Next", "End", "InputPath", "OutputPath", "ResultPath", "Parameters", "Result"},
	"Task":     {"Next", "End", "InputPath", "OutputPath", "ResultPath", "Parameters", "ResultSelector", "Resource", "TimeoutSeconds", "TimeoutSecondsPath", "HeartbeatSeconds", "HeartbeatSecondsPath", "Retry", "Catch", "Credentials"},
	"Choice":   {"InputPath", "OutputPath", "Choices", "Default"},
	"Wait":     {"Next", "End", "InputPath", "OutputPath", "Seconds", "SecondsPath", "Timestamp", "TimestampPath"},
	"Succeed":  {"InputPath", "OutputPath"},
	"Fail":     {"Error", "Cause", "ErrorPath", "CausePath"},
	"Parallel": {"Next", "End", "InputPath", "OutputPath", "ResultPath", "Parameters", "ResultSelector", "Branches", "Retry", "Catch"},
	"Map":      {"Next", "End", "InputPath", "OutputPath", "ResultPath", "Parameters", "ResultSelector", "ItemsPath", "ItemSelector", "Iterator", "ItemProcessor", "MaxConcurrency", "MaxConcurrencyPath", "Retry", "Catch", "Label", "ToleratedFailurePercentage", "ToleratedFailureCount"},
}

func (p *parser) state(name string, raw any, where string) *State {
	obj, ok := raw.(map[string]any)
	if !ok {
		p.schema(where, "a state must be a JSON object")
		return nil
	}
	s := &State{Name: name}
	s.Type, _ = obj["Type"].(string)
	allowed, known := stateFields[s.Type]
	if !known {
		p.schema(where+"/Type", "The field \"Type\" should be one of Pass, Task, Choice, Wait, Succeed, Fail, Parallel, Map; got %s", mustJSON(obj["Type"]))
		return nil
	}
	for k := range obj {
		if k != "Type" && k != "Comment" && !contains(allowed, k) {
			p.schema(where+"/"+k, "Field %q is not supported by %s states", k, s.Type)
		}
	}
	s.Comment, _ = obj["Comment"].(string)
	if contains(allowed, "Next") {
		next, hasNext := obj["Next"]
		end, _ := obj["End"].(bool)
		s.Next, _ = next.(string)
		s.End = end
		switch {
		case hasNext && (s.Next == ""):
			p.schema(where+"/Next", "The field \"Next\" should be non-empty")
		case hasNext && end:
			p.schema(where, "a state cannot have both \"Next\" and \"End\": true")
		case !hasNext && !end:
			p.schema(where, "a %s state needs \"Next\" or \"End\": true", s.Type)
		}
	}
	s.InputPath = p.optPath(obj, "InputPath", where, false)
	s.OutputPath = p.optPath(obj, "OutputPath", where, false)
	s.ResultPath = p.optPath(obj, "ResultPath", where, true)
	s.Parameters = p.template(obj, "Parameters", where)
	s.ResultSelector = p.template(obj, "ResultSelector", where)
	s.Result, s.HasResult = obj["Result"]
	s.Retry = p.retriers(obj["Retry"], where+"/Retry")
	s.Catch = p.catchers(obj["Catch"], where+"/Catch")

	switch s.Type {
	case "Task":
		p.task(s, obj, where)
	case "Choice":
		list, ok := obj["Choices"].([]any)
		if !ok || len(list) == 0 {
			p.schema(where+"/Choices", "The field \"Choices\" should be a non-empty array")
		}
		for i, c := range list {
			r, err := parseChoiceRule(c, fmt.Sprintf("%s/Choices[%d]", where, i), true)
			if err != nil {
				p.problems = append(p.problems, "SCHEMA_VALIDATION_FAILED: "+err.Error())
				continue
			}
			s.Choices = append(s.Choices, r)
		}
		s.Default, _ = obj["Default"].(string)
	case "Wait":
		p.wait(s, obj, where)
	case "Fail":
		s.Error, _ = obj["Error"].(string)
		s.Cause, _ = obj["Cause"].(string)
		s.ErrorPath = p.dynamicString(obj, "ErrorPath", where)
		s.CausePath = p.dynamicString(obj, "CausePath", where)
		if s.Error != "" && s.ErrorPath != nil {
			p.schema(where, "a Fail state cannot have both \"Error\" and \"ErrorPath\"")
		}
		if s.Cause != "" && s.CausePath != nil {
			p.schema(where, "a Fail state cannot have both \"Cause\" and \"CausePath\"")
		}
	case "Parallel":
		list, ok := obj["Branches"].([]any)
		if !ok || len(list) == 0 {
			p.schema(where+"/Branches", "The field \"Branches\" should be a non-empty array")
		}
		for i, b := range list {
			s.Branches = append(s.Branches, p.machine(b, fmt.Sprintf("%s/Branches[%d]", where, i)))
		}
	case "Map":
		p.mapState(s, obj, where)
	}
	return s
}

func (p *parser) task(s *State, obj map[string]any, where string) {
	s.Resource, _ = obj["Resource"].(string)
	if !strings.HasPrefix(s.Resource, "arn:") {
		p.schema(where+"/Resource", "The field \"Resource\" should be an ARN, got %s", mustJSON(obj["Resource"]))
	}
	if v, ok := obj["TimeoutSeconds"]; ok {
		s.TimeoutSeconds = p.positiveInt(v, where+"/TimeoutSeconds")
	}
	if v, ok := obj["TimeoutSecondsPath"].(string); ok {
		s.TimeoutPath = p.path(v, where+"/TimeoutSecondsPath")
	}
	if v, ok := obj["HeartbeatSeconds"]; ok {
		s.HeartbeatSeconds = p.positiveInt(v, where+"/HeartbeatSeconds")
		if s.TimeoutSeconds > 0 && s.HeartbeatSeconds >= s.TimeoutSeconds {
			p.schema(where+"/HeartbeatSeconds", "HeartbeatSeconds must be smaller than TimeoutSeconds")
		}
	}
}

func (p *parser) wait(s *State, obj map[string]any, where string) {
	n := 0
	if v, ok := obj["Seconds"]; ok {
		n++
		f, isNum := number(v)
		if !isNum || f < 0 {
			p.schema(where+"/Seconds", "Seconds must be a non-negative number")
		}
		s.Seconds = &f
	}
	if v, ok := obj["SecondsPath"].(string); ok {
		n++
		s.SecondsPath = p.path(v, where+"/SecondsPath")
	}
	if v, ok := obj["Timestamp"].(string); ok {
		n++
		if _, valid := parseTimestamp(v); !valid {
			p.schema(where+"/Timestamp", "Timestamp must be an RFC 3339 timestamp, got %q", v)
		}
		s.Timestamp = v
	}
	if v, ok := obj["TimestampPath"].(string); ok {
		n++
		s.TimestampPath = p.path(v, where+"/TimestampPath")
	}
	if n != 1 {
		p.schema(where, "a Wait state needs exactly one of Seconds, SecondsPath, Timestamp, TimestampPath")
	}
}

func (p *parser) mapState(s *State, obj map[string]any, where string) {
	proc, field := obj["ItemProcessor"], "ItemProcessor"
	if proc == nil {
		proc, field = obj["Iterator"], "Iterator"
	}
	if proc == nil {
		p.schema(where, "a Map state needs \"ItemProcessor\" (or \"Iterator\")")
	} else {
		if pm, ok := proc.(map[string]any); ok {
			if cfg, ok := pm["ProcessorConfig"].(map[string]any); ok {
				if mode, _ := cfg["Mode"].(string); mode == "DISTRIBUTED" {
					p.schema(where+"/"+field+"/ProcessorConfig/Mode", "only INLINE Map states are supported")
				}
				delete(pm, "ProcessorConfig")
			}
		}
		s.Iterator = p.machine(proc, where+"/"+field)
	}
	s.ItemsPath = p.optPath(obj, "ItemsPath", where, false)
	s.ItemSelector = p.template(obj, "ItemSelector", where)
	if s.ItemSelector != nil && s.Parameters != nil {
		p.schema(where, "a Map state cannot have both \"ItemSelector\" and \"Parameters\"")
	}
	if s.ItemSelector == nil {
		// Before ItemSelector existed, a Map's Parameters selected items.
		s.ItemSelector, s.Parameters = s.Parameters, nil
	}
	if v, ok := obj["MaxConcurrency"]; ok {
		n, isInt := integer(v)
		if !isInt || n < 0 {
			p.schema(where+"/MaxConcurrency", "MaxConcurrency must be a non-negative integer")
		}
		s.MaxConcurrency = int(n)
	}
	if v, ok := obj["MaxConcurrencyPath"].(string); ok {
		s.MaxConcurrencyPath = p.path(v, where+"/MaxConcurrencyPath")
	}
}

func (p *parser) retriers(raw any, where string) []Retrier {
	if raw == nil {
		return nil
	}
	list, ok := raw.([]any)
	if !ok {
		p.schema(where, "Retry must be an array")
		return nil
	}
	var out []Retrier
	for i, e := range list {
		at := fmt.Sprintf("%s[%d]", where, i)
		m, ok := e.(map[string]any)
		if !ok {
			p.schema(at, "a retrier must be an object")
			continue
		}
		r := Retrier{IntervalSeconds: 1, MaxAttempts: 3, BackoffRate: 2, JitterStrategy: "NONE"}
		r.ErrorEquals = p.errorEquals(m["ErrorEquals"], at, i == len(list)-1)
		if v, ok := m["IntervalSeconds"]; ok {
			r.IntervalSeconds = float64(p.positiveInt(v, at+"/IntervalSeconds"))
		}
		if v, ok := m["MaxAttempts"]; ok {
			n, isInt := integer(v)
			if !isInt || n < 0 {
				p.schema(at+"/MaxAttempts", "MaxAttempts must be a non-negative integer")
			}
			r.MaxAttempts = int(n)
		}
		if v, ok := m["BackoffRate"]; ok {
			f, isNum := number(v)
			if !isNum || f < 1 {
				p.schema(at+"/BackoffRate", "BackoffRate must be a number not less than 1.0")
			}
			r.BackoffRate = f
		}
		if v, ok := m["MaxDelaySeconds"]; ok {
			r.MaxDelaySeconds = float64(p.positiveInt(v, at+"/MaxDelaySeconds"))
		}
		if v, ok := m["JitterStrategy"]; ok {
			s, _ := v.(string)
			if s != "FULL" && s != "NONE" {
				p.schema(at+"/JitterStrategy", "JitterStrategy must be FULL or NONE")
			}
			r.JitterStrategy = s
		}
		for k := range m {
			if !contains([]string{"ErrorEquals", "IntervalSeconds", "MaxAttempts", "BackoffRate", "MaxDelaySeconds", "JitterStrategy", "Comment"}, k) {
				p.schema(at+"/"+k, "Field %q is not supported in a retrier", k)
			}
		}
		out = append(out, r)
	}
	return out
}

func (p *parser) catchers(raw any, where string) []Catcher {
	if raw == nil {
		return nil
	}
	list, ok := raw.([]any)
	if !ok {
		p.schema(where, "Catch must be an array")
		return nil
	}
	var out []Catcher
	for i, e := range list {
		at := fmt.Sprintf("%s[%d]", where, i)
		m, ok := e.(map[string]any)
		if !ok {
			p.schema(at, "a catcher must be an object")
			continue
		}
		c := Catcher{ErrorEquals: p.errorEquals(m["ErrorEquals"], at, i == len(list)-1)}
		c.Next, _ = m["Next"].(string)
		if c.Next == "" {
			p.schema(at+"/Next", "The field \"Next\" should be non-empty")
		}
		c.ResultPath = p.optPath(m, "ResultPath", at, true)
		out = append(out, c)
	}
	return out
}

// errorEquals validates an ErrorEquals list: non-empty, and States.ALL only
// alone and in the last retrier or catcher.
func (p *parser) errorEquals(raw any, where string, last bool) []string {
	list, ok := raw.([]any)
	if !ok || len(list) == 0 {
		p.schema(where+"/ErrorEquals", "The field \"ErrorEquals\" should be a non-empty array")
		return nil
	}
	var out []string
	for _, e := range list {
		s, ok := e.(string)
		if !ok || s == "" {
			p.schema(where+"/ErrorEquals", "error names must be non-empty strings")
			continue
		}
		out = append(out, s)
	}
	if contains(out, ErrAll) && (len(out) > 1 || !last) {
		p.schema(where+"/ErrorEquals", "States.ALL must appear alone, in the last retrier or catcher")
	}
	return out
}

func (p *parser) optPath(obj map[string]any, field, where string, reference bool) optPath {
	v, ok := obj[field]
	if !ok {
		return optPath{}
	}
	if v == nil {
		return optPath{null: true}
	}
	s, isStr := v.(string)
	if !isStr {
		p.schema(where+"/"+field, "%s must be a path or null", field)
		return optPath{}
	}
	path := p.path(s, where+"/"+field)
	if path == nil {
		return optPath{}
	}
	if reference && !path.IsReference() {
		p.schema(where+"/"+field, "%s must be a reference path (names and indexes only), got %q", field, s)
	}
	if s == "$" {
		return optPath{}
	}
	return optPath{path: path}
}

func (p *parser) path(s, where string) *Path {
	path, err := ParsePath(s)
	if err != nil {
		p.schema(where, "%v", err)
		return nil
	}
	return path
}

func (p *parser) template(obj map[string]any, field, where string) *template {
	v, ok := obj[field]
	if !ok {
		return nil
	}
	t, err := compileTemplate(v, where+"/"+field)
	if err != nil {
		p.problems = append(p.problems, "SCHEMA_VALIDATION_FAILED: "+err.Error())
		return nil
	}
	return t
}

func (p *parser) dynamicString(obj map[string]any, field, where string) *dynamicString {
	v, ok := obj[field]
	if !ok {
		return nil
	}
	s, _ := v.(string)
	var err error
	d := &dynamicString{}
	switch {
	case strings.HasPrefix(s, "$"):
		d.path, err = ParsePath(s)
	case strings.HasPrefix(s, "States."):
		d.call, err = parseIntrinsic(s)
	default:
		err = fmt.Errorf("%s must be a path or an intrinsic function, got %s", field, mustJSON(v))
	}
	if err != nil {
		p.schema(where+"/"+field, "%v", err)
		return nil
	}
	return d
}

func (p *parser) positiveInt(v any, where string) int {
	n, ok := integer(v)
	if !ok || n <= 0 {
		p.schema(where, "must be a positive integer, got %s", mustJSON(v))
		return 0
	}
	return int(n)
}

func contains(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}
