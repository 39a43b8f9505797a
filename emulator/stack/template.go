package stack

import (
	"encoding/json"
	"fmt"
	"os"
)

// Template is a parsed CloudFormation template. Values are left as decoded
// JSON (map[string]any, []any, string, float64, bool) until resolved.
type Template struct {
	Parameters map[string]Parameter        `json:"Parameters"`
	Mappings   map[string]map[string]any   `json:"Mappings"`
	Conditions map[string]any              `json:"Conditions"`
	Resources  map[string]TemplateResource `json:"Resources"`
	Outputs    map[string]TemplateOutput   `json:"Outputs"`
	Rules      map[string]any              `json:"Rules"` // ignored locally
	// Transform is a name or a list of macro names.
	Transform any `json:"Transform"`
}

// Parameter is a template parameter; only what resolution needs.
type Parameter struct {
	Type    string `json:"Type"`
	Default any    `json:"Default"`
}

// TemplateResource is a resource as written in the template.
type TemplateResource struct {
	Type       string         `json:"Type"`
	Properties map[string]any `json:"Properties"`
	Metadata   map[string]any `json:"Metadata"`
	Condition  string         `json:"Condition"`
	// DependsOn is a string or a list of strings in templates.
	DependsOn any `json:"DependsOn"`
}

// TemplateOutput is a stack output.
type TemplateOutput struct {
	Value     any    `json:"Value"`
	Condition string `json:"Condition"`
}

// ReadTemplate parses a template file.
func ReadTemplate(path string) (*Template, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read template: %w", err)
	}
	t, err := ParseTemplate(raw)
	if err != nil {
		return nil, fmt.Errorf("read template %s: %w", path, err)
	}
	return t, nil
}

// ParseTemplate parses template JSON and checks its shape: every resource
// has a Type and every DependsOn names a resource.
func ParseTemplate(raw []byte) (*Template, error) {
	var t Template
	if err := json.Unmarshal(raw, &t); err != nil {
		return nil, err
	}
	if len(t.Resources) == 0 {
		return nil, fmt.Errorf("template has no Resources")
	}
	if err := checkTransforms(t.Transform); err != nil {
		return nil, err
	}
	for id, r := range t.Resources {
		if r.Type == "" {
			return nil, fmt.Errorf("resource %s: no Type", id)
		}
		deps, err := r.dependsOn()
		if err != nil {
			return nil, fmt.Errorf("resource %s: %w", id, err)
		}
		for _, d := range deps {
			if _, ok := t.Resources[d]; !ok {
				return nil, fmt.Errorf("resource %s: DependsOn names unknown resource %q", id, d)
			}
		}
	}
	return &t, nil
}

func (r TemplateResource) dependsOn() ([]string, error) {
	switch d := r.DependsOn.(type) {
	case nil:
		return nil, nil
	case string:
		return []string{d}, nil
	case []any:
		out := make([]string, 0, len(d))
		for _, v := range d {
			s, ok := v.(string)
			if !ok {
				return nil, fmt.Errorf("DependsOn: want strings, got %T", v)
			}
			out = append(out, s)
		}
		return out, nil
	default:
		return nil, fmt.Errorf("DependsOn: want a string or a list, got %T", d)
	}
}

// checkTransforms rejects macros other than AWS::LanguageExtensions (whose
// functions the resolver implements): SAM and custom macros expand in the
// CloudFormation service, which the local runtime does not have.
func checkTransforms(v any) error {
	var names []any
	switch t := v.(type) {
	case nil:
		return nil
	case string:
		names = []any{t}
	case []any:
		names = t
	default:
		return fmt.Errorf("template Transform: want a name or a list of names")
	}
	for _, n := range names {
		if n != "AWS::LanguageExtensions" {
			return fmt.Errorf("template Transform %v is not supported locally: the runtime reads plain CloudFormation (what `cdk synth` writes)", show(n))
		}
	}
	return nil
}
