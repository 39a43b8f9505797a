package eventbridge

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"

	"github.com/shopstream/shopstream/emulator/eventbridge/pattern"
)

// fieldError names the property or parameter at fault.
type fieldError struct{ field, reason string }

func (e *fieldError) Error() string { return e.field + ": " + e.reason }

func badField(field, format string, args ...any) error {
	return &fieldError{field: field, reason: fmt.Sprintf(format, args...)}
}

// validTarget checks what PutTargets and the template would reject.
func validTarget(t Target) error {
	if !nameRE.MatchString(t.ID) {
		return badField("Id", "%q must be 1 to 64 characters of letters, digits, '.', '-' or '_'", t.ID)
	}
	if _, err := targetKind(t.ARN); err != nil {
		return err
	}
	set := 0
	for _, b := range []bool{t.Input != "", t.InputPath != "", t.InputTransformer != nil} {
		if b {
			set++
		}
	}
	if set > 1 {
		return badField("Input", "only one of Input, InputPath, or InputTransformer may be provided")
	}
	if t.Input != "" && !json.Valid([]byte(t.Input)) {
		return badField("Input", "must be valid JSON text")
	}
	if t.InputPath != "" {
		if _, err := parsePath(t.InputPath); err != nil {
			return badField("InputPath", "%v", err)
		}
	}
	if it := t.InputTransformer; it != nil {
		if it.InputTemplate == "" {
			return badField("InputTransformer.InputTemplate", "required")
		}
		for name, path := range it.InputPathsMap {
			if strings.HasPrefix(name, "aws.") {
				return badField("InputTransformer.InputPathsMap", "key %q: names starting with \"aws.\" are reserved", name)
			}
			if _, err := parsePath(path); err != nil {
				return badField("InputTransformer.InputPathsMap["+name+"]", "%v", err)
			}
		}
	}
	if t.DeadLetterConfig != nil && t.DeadLetterConfig.ARN != "" && !strings.HasPrefix(t.DeadLetterConfig.ARN, "arn:aws:sqs:") {
		return badField("DeadLetterConfig.Arn", "%q must be an SQS queue ARN", t.DeadLetterConfig.ARN)
	}
	return nil
}

// input renders what a target receives for an event: the event itself,
// the constant Input, the InputPath selection, or the InputTransformer's
// template.
func input(t Target, event []byte, ruleARN, ruleName string, ingested string) ([]byte, error) {
	switch {
	case t.Input != "":
		return []byte(t.Input), nil
	case t.InputPath != "":
		v, err := pattern.Decode(event)
		if err != nil {
			return nil, err
		}
		p, err := parsePath(t.InputPath)
		if err != nil {
			return nil, err
		}
		got, _ := p.get(v)
		return marshalJSON(got)
	case t.InputTransformer != nil:
		return transform(t.InputTransformer, event, ruleARN, ruleName, ingested)
	}
	return event, nil
}

var placeholderRE = regexp.MustCompile(`<([A-Za-z0-9_.\-]+)>`)

// transform fills an InputTemplate as EventBridge does. A placeholder
// inside a JSON string takes the value's text (a string without its quotes,
// anything else as JSON, escaped for the string); outside a string it takes
// the value as JSON. A path that finds nothing gives "" inside a string and
// null outside. Unknown placeholders are left as written.
func transform(it *InputTransformer, event []byte, ruleARN, ruleName, ingested string) ([]byte, error) {
	v, err := pattern.Decode(event)
	if err != nil {
		return nil, err
	}
	values := map[string]any{
		"aws.events.rule-arn":             ruleARN,
		"aws.events.rule-name":            ruleName,
		"aws.events.event.ingestion-time": ingested,
		"aws.events.event":                json.RawMessage(event),
		"aws.events.event.json":           json.RawMessage(event),
	}
	found := map[string]bool{}
	for k := range values {
		found[k] = true
	}
	for name, path := range it.InputPathsMap {
		p, err := parsePath(path)
		if err != nil {
			return nil, fmt.Errorf("InputPathsMap[%s]: %w", name, err)
		}
		// A declared name whose path finds nothing is substituted as missing.
		values[name], _ = p.get(v)
		found[name] = true
	}

	tpl := it.InputTemplate
	var out strings.Builder
	inString := false
	for i := 0; i < len(tpl); i++ {
		c := tpl[i]
		switch {
		case c == '\\' && inString && i+1 < len(tpl):
			out.WriteByte(c)
			i++
			out.WriteByte(tpl[i])
			continue
		case c == '"':
			inString = !inString
		case c == '<':
			m := placeholderRE.FindStringSubmatchIndex(tpl[i:])
			if m != nil && m[0] == 0 {
				name := tpl[i+m[2] : i+m[3]]
				if found[name] {
					text, err := substitute(values[name], inString)
					if err != nil {
						return nil, fmt.Errorf("placeholder <%s>: %w", name, err)
					}
					out.WriteString(text)
					i += m[1] - 1
					continue
				}
			}
		}
		out.WriteByte(c)
	}
	return []byte(out.String()), nil
}

func substitute(v any, inString bool) (string, error) {
	if !inString {
		raw, err := marshalJSON(v)
		return string(raw), err
	}
	if v == nil {
		return "", nil
	}
	text, ok := v.(string)
	if !ok {
		raw, err := marshalJSON(v)
		if err != nil {
			return "", err
		}
		text = string(raw)
	}
	quoted, err := marshalJSON(text)
	if err != nil {
		return "", err
	}
	return string(quoted[1 : len(quoted)-1]), nil
}
