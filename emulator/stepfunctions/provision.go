package stepfunctions

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/shopstream/shopstream/emulator/awsapi"
	"github.com/shopstream/shopstream/emulator/stack"
)

// ResourceType is the CloudFormation type the service provisions.
const ResourceType = "AWS::StepFunctions::StateMachine"

// defaultRoleArn stands in for a template that gives no role: the local
// runtime checks no permissions.
var defaultRoleArn = "arn:aws:iam::" + awsapi.AccountID + ":role/shopstream-local-states"

// Types implements stack.Provisioner.
func (s *Service) Types() []string { return []string{ResourceType} }

// Create implements stack.Provisioner: it creates the state machine, or on
// a restart updates the existing one in place, keeping its executions.
func (s *Service) Create(_ context.Context, r stack.Resource) (stack.Created, error) {
	if r.Type != ResourceType {
		return stack.Created{}, fmt.Errorf("stepfunctions: %s: unsupported type %s", r.LogicalID, r.Type)
	}
	in, err := machineFromProperties(r)
	if err != nil {
		return stack.Created{}, fmt.Errorf("stepfunctions: %s: %w", r.LogicalID, err)
	}
	m, err := s.putMachine(in, true)
	if err != nil {
		return stack.Created{}, fmt.Errorf("stepfunctions: %s: %w", r.LogicalID, err)
	}
	sum := sha256.Sum256([]byte(m.rec.Definition))
	return stack.Created{Ref: m.rec.ARN, Attrs: map[string]any{
		"Arn": m.rec.ARN, "Name": m.rec.Name, "StateMachineRevisionId": hex.EncodeToString(sum[:8]),
	}}, nil
}

// machineFromProperties reads the resource's properties; each error names
// the property at fault.
func machineFromProperties(r stack.Resource) (createMachineInput, error) {
	p := r.Properties
	in := createMachineInput{RoleArn: defaultRoleArn}
	if v, ok := p["RoleArn"]; ok {
		s, isStr := v.(string)
		if !isStr {
			return in, fmt.Errorf("property RoleArn must be a string, got %T", v)
		}
		in.RoleArn = s
	}
	switch def := p["DefinitionString"].(type) {
	case string:
		in.Definition = def
	case nil:
		obj, ok := p["Definition"]
		if !ok {
			return in, fmt.Errorf("property DefinitionString or Definition is required")
		}
		raw, err := json.Marshal(obj)
		if err != nil {
			return in, fmt.Errorf("property Definition: %v", err)
		}
		in.Definition = string(raw)
	default:
		return in, fmt.Errorf("property DefinitionString must be a string after intrinsics are resolved, got %T", def)
	}
	if subs, ok := p["DefinitionSubstitutions"].(map[string]any); ok {
		keys := make([]string, 0, len(subs))
		for k := range subs {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			in.Definition = strings.ReplaceAll(in.Definition, "${"+k+"}", fmt.Sprint(subs[k]))
		}
	}
	if v, ok := p["StateMachineName"].(string); ok && v != "" {
		in.Name = v
	} else {
		// CloudFormation's generated names are "<LogicalId>-<suffix>"; a
		// suffix derived from the logical id keeps the name (and the
		// executions under it) stable across restarts.
		sum := sha256.Sum256([]byte(r.LogicalID))
		name := r.LogicalID
		if len(name) > 67 {
			name = name[:67]
		}
		in.Name = name + "-" + strings.ToUpper(hex.EncodeToString(sum[:6]))
	}
	if v, ok := p["StateMachineType"].(string); ok {
		in.Type = v
	}
	if v, ok := p["LoggingConfiguration"].(map[string]any); ok {
		in.LoggingConfiguration = lowerKeys(v)
	}
	if v, ok := p["TracingConfiguration"].(map[string]any); ok {
		in.TracingConfiguration = lowerKeys(v)
	}
	return in, nil
}

// lowerKeys turns CloudFormation's PascalCase property keys into the
// API's camelCase ("Level" → "level"), recursively.
func lowerKeys(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		if k != "" {
			k = strings.ToLower(k[:1]) + k[1:]
		}
		switch t := v.(type) {
		case map[string]any:
			v = lowerKeys(t)
		case []any:
			list := make([]any, len(t))
			for i, e := range t {
				if em, ok := e.(map[string]any); ok {
					list[i] = lowerKeys(em)
				} else {
					list[i] = e
				}
			}
			v = list
		}
		out[k] = v
	}
	return out
}
