package secretsmanager

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/shopstream/shopstream/emulator/stack"
)

// TypeSecret is the resource type the Service provisions.
const TypeSecret = "AWS::SecretsManager::Secret"

var _ stack.Provisioner = (*Service)(nil)

// Types implements stack.Provisioner.
func (s *Service) Types() []string { return []string{TypeSecret} }

// Create implements stack.Provisioner. Ref is the secret's ARN, as in
// CloudFormation; Fn::GetAtt offers Id (the ARN) too. A secret that exists
// from an earlier start keeps its value (a generated one is not generated
// again), as a deployed secret does across stack updates that leave it be;
// the description follows the template.
func (s *Service) Create(_ context.Context, r stack.Resource) (stack.Created, error) {
	bad := func(field string, err error) (stack.Created, error) {
		return stack.Created{}, fmt.Errorf("secretsmanager: %s (%s): %s: %w", r.LogicalID, r.Type, field, err)
	}
	if r.Type != TypeSecret {
		return stack.Created{}, fmt.Errorf("secretsmanager: %s: unsupported type %s", r.LogicalID, r.Type)
	}
	var props struct {
		Name                 string
		Description          string
		SecretString         *string
		GenerateSecretString *PasswordSpec
		KmsKeyID             string `json:"KmsKeyId"`
		ReplicaRegions       []any
	}
	raw, err := json.Marshal(r.Properties)
	if err != nil {
		return bad("Properties", err)
	}
	if err := json.Unmarshal(raw, &props); err != nil {
		return bad("Properties", err)
	}
	if props.SecretString != nil && props.GenerateSecretString != nil {
		return bad("SecretString", fmt.Errorf("SecretString and GenerateSecretString cannot both be set"))
	}
	name := props.Name
	if name == "" {
		name = stack.PhysicalName(r.StackName, r.LogicalID, 512)
	}
	if !validName(name) {
		return bad("Name", fmt.Errorf("%q: 1 to 512 ASCII letters, digits or /_+=.@-", name))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if sec := s.secrets[name]; sec != nil {
		if sec.Description != props.Description {
			next := *sec
			next.Description = props.Description
			if err := s.save(&next); err != nil {
				return bad("Description", err)
			}
			*sec = next
		}
		return created(sec), nil
	}
	value := props.SecretString
	if value == nil {
		spec := PasswordSpec{}
		if props.GenerateSecretString != nil {
			spec = *props.GenerateSecretString
		}
		// CloudFormation generates a 32-character password when neither
		// property is set.
		p, err := spec.Generate()
		if err != nil {
			return bad("GenerateSecretString", err)
		}
		value = &p
	}
	sec, err := s.create(name, props.Description, value, nil, "", r.LogicalID)
	if err != nil {
		return bad("Properties", err)
	}
	return created(sec), nil
}

func created(sec *secret) stack.Created {
	return stack.Created{Ref: sec.ARN, Attrs: map[string]any{"Id": sec.ARN}}
}
