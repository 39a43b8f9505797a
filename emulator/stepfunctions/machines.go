package stepfunctions

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/shopstream/shopstream/emulator/awsapi"
	"github.com/shopstream/shopstream/emulator/stepfunctions/asl"
)

// machineRecord is a state machine as persisted.
type machineRecord struct {
	ARN                  string         `json:"arn"`
	Name                 string         `json:"name"`
	Definition           string         `json:"definition"`
	RoleArn              string         `json:"roleArn"`
	Type                 string         `json:"type"`
	Created              time.Time      `json:"created"`
	LoggingConfiguration map[string]any `json:"loggingConfiguration,omitempty"`
	TracingConfiguration map[string]any `json:"tracingConfiguration,omitempty"`
}

type machine struct {
	rec    machineRecord
	parsed *asl.Machine
}

func newMachine(rec machineRecord) (*machine, error) {
	parsed, err := asl.Parse([]byte(rec.Definition))
	if err != nil {
		return nil, err
	}
	return &machine{rec: rec, parsed: parsed}, nil
}

func machineARN(name string) string { return awsapi.ARN("states", "stateMachine:"+name) }

// validName checks a state machine or execution name as AWS does: 1 to 80
// characters, none of whitespace, brackets, wildcards, special or control
// characters.
func validName(field, name string) error {
	if name == "" || len(name) > 80 {
		return awsapi.Errorf("InvalidName", "Invalid Name: '%s' (%s must be 1 to 80 characters)", name, field)
	}
	if i := strings.IndexAny(name, " \t\n<>{}[]?*\"#%\\^|~`$&,;:/"); i >= 0 {
		return awsapi.Errorf("InvalidName", "Invalid Name: '%s' (%s must not contain %q)", name, field, name[i])
	}
	for _, r := range name {
		if r < 0x20 || r == 0x7f {
			return awsapi.Errorf("InvalidName", "Invalid Name: '%s' (%s must not contain control characters)", name, field)
		}
	}
	return nil
}

type createMachineInput struct {
	Name                 string         `json:"name"`
	Definition           string         `json:"definition"`
	RoleArn              string         `json:"roleArn"`
	Type                 string         `json:"type"`
	LoggingConfiguration map[string]any `json:"loggingConfiguration"`
	TracingConfiguration map[string]any `json:"tracingConfiguration"`
}

// validate checks the input and parses the definition; errors are the
// API's (InvalidName, InvalidDefinition, ValidationException).
func (in *createMachineInput) validate() (*asl.Machine, error) {
	if err := validName("name", in.Name); err != nil {
		return nil, err
	}
	if in.RoleArn == "" {
		return nil, validation("1 validation error detected: Value null at 'roleArn' failed to satisfy constraint: Member must not be null")
	}
	if !strings.HasPrefix(in.RoleArn, "arn:") {
		return nil, invalidARN(in.RoleArn)
	}
	switch in.Type {
	case "":
		in.Type = "STANDARD"
	case "STANDARD", "EXPRESS":
	default:
		return nil, validation("1 validation error detected: Value '%s' at 'type' failed to satisfy constraint: Member must satisfy enum value set: [STANDARD, EXPRESS]", in.Type)
	}
	if in.Definition == "" {
		return nil, validation("1 validation error detected: Value null at 'definition' failed to satisfy constraint: Member must not be null")
	}
	parsed, err := asl.Parse([]byte(in.Definition))
	if err != nil {
		var de *asl.DefinitionError
		if errors.As(err, &de) {
			return nil, awsapi.Errorf("InvalidDefinition", "%s", de.Error())
		}
		return nil, err
	}
	return parsed, nil
}

// putMachine creates a machine, or with replace updates an existing one
// in place (provisioning on restart). Without replace, an existing machine
// with a different definition or role is StateMachineAlreadyExists, an
// identical one is returned as is (CreateStateMachine is idempotent).
func (s *Service) putMachine(in createMachineInput, replace bool) (*machine, error) {
	parsed, err := in.validate()
	if err != nil {
		return nil, err
	}
	arn := machineARN(in.Name)
	s.mu.Lock()
	defer s.mu.Unlock()
	rec := machineRecord{
		ARN: arn, Name: in.Name, Definition: in.Definition, RoleArn: in.RoleArn, Type: in.Type, Created: s.now(),
		LoggingConfiguration: in.LoggingConfiguration, TracingConfiguration: in.TracingConfiguration,
	}
	if old, ok := s.machines[arn]; ok {
		same := old.rec.Definition == in.Definition && old.rec.RoleArn == in.RoleArn && old.rec.Type == in.Type
		if !replace {
			if same {
				return old, nil
			}
			return nil, awsapi.Errorf("StateMachineAlreadyExists", "State Machine Already Exists: '%s'", arn)
		}
		rec.Created = old.rec.Created
	}
	if err := s.putJSON(bucketMachines, arn, rec); err != nil {
		return nil, err
	}
	m := &machine{rec: rec, parsed: parsed}
	s.machines[arn] = m
	s.setLogging(rec)
	return m, nil
}

func (s *Service) createStateMachine(_ context.Context, body []byte) (any, error) {
	var in createMachineInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	m, err := s.putMachine(in, false)
	if err != nil {
		return nil, err
	}
	return map[string]any{"stateMachineArn": m.rec.ARN, "creationDate": epoch(m.rec.Created)}, nil
}

func (s *Service) updateStateMachine(_ context.Context, body []byte) (any, error) {
	var in struct {
		StateMachineArn      string         `json:"stateMachineArn"`
		Definition           string         `json:"definition"`
		RoleArn              string         `json:"roleArn"`
		LoggingConfiguration map[string]any `json:"loggingConfiguration"`
		TracingConfiguration map[string]any `json:"tracingConfiguration"`
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	old, err := s.machine(in.StateMachineArn)
	if err != nil {
		return nil, err
	}
	upd := createMachineInput{Name: old.rec.Name, Definition: old.rec.Definition, RoleArn: old.rec.RoleArn, Type: old.rec.Type,
		LoggingConfiguration: old.rec.LoggingConfiguration, TracingConfiguration: old.rec.TracingConfiguration}
	if in.Definition != "" {
		upd.Definition = in.Definition
	}
	if in.RoleArn != "" {
		upd.RoleArn = in.RoleArn
	}
	if in.LoggingConfiguration != nil {
		upd.LoggingConfiguration = in.LoggingConfiguration
	}
	if in.TracingConfiguration != nil {
		upd.TracingConfiguration = in.TracingConfiguration
	}
	if _, err := s.putMachine(upd, true); err != nil {
		return nil, err
	}
	return map[string]any{"updateDate": epoch(s.now())}, nil
}

// machine finds a machine by ARN.
func (s *Service) machine(arn string) (*machine, error) {
	return find(s, s.machines, arn, "stateMachine", "StateMachineDoesNotExist", "State Machine Does Not Exist")
}

// find looks up a Step Functions resource of the given ARN resource type
// ("stateMachine", "execution") in items, which s.mu guards. An ARN of
// another type is InvalidArn; an unknown one is the missing error type.
func find[T any](s *Service, items map[string]T, arn, resourceType, missingType, missingMsg string) (T, error) {
	var zero T
	if !strings.HasPrefix(arn, "arn:aws:states:") || !strings.Contains(arn, ":"+resourceType+":") {
		return zero, invalidARN(arn)
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	v, ok := items[arn]
	if !ok {
		return zero, awsapi.Errorf(missingType, "%s: '%s'", missingMsg, arn)
	}
	return v, nil
}

func invalidARN(arn string) error {
	return awsapi.Errorf("InvalidArn", "Invalid Arn: 'Resource type not valid in this context: %s'", arn)
}

func (s *Service) describeStateMachine(_ context.Context, body []byte) (any, error) {
	var in struct {
		StateMachineArn string `json:"stateMachineArn"`
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	m, err := s.machine(in.StateMachineArn)
	if err != nil {
		return nil, err
	}
	out := map[string]any{
		"stateMachineArn": m.rec.ARN, "name": m.rec.Name, "status": "ACTIVE", "definition": m.rec.Definition,
		"roleArn": m.rec.RoleArn, "type": m.rec.Type, "creationDate": epoch(m.rec.Created),
	}
	logging := m.rec.LoggingConfiguration
	if logging == nil {
		logging = map[string]any{"level": "OFF", "includeExecutionData": false}
	}
	out["loggingConfiguration"] = logging
	tracing := m.rec.TracingConfiguration
	if tracing == nil {
		tracing = map[string]any{"enabled": false}
	}
	out["tracingConfiguration"] = tracing
	return out, nil
}

func (s *Service) listStateMachines(_ context.Context, body []byte) (any, error) {
	var in struct {
		MaxResults int    `json:"maxResults"`
		NextToken  string `json:"nextToken"`
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	s.mu.RLock()
	list := make([]machineRecord, 0, len(s.machines))
	for _, m := range s.machines {
		list = append(list, m.rec)
	}
	s.mu.RUnlock()
	sort.Slice(list, func(i, j int) bool { return list[i].Name < list[j].Name })
	page, next, err := paginate(len(list), in.MaxResults, in.NextToken)
	if err != nil {
		return nil, err
	}
	items := []map[string]any{}
	for _, m := range list[page.start:page.end] {
		items = append(items, map[string]any{"stateMachineArn": m.ARN, "name": m.Name, "type": m.Type, "creationDate": epoch(m.Created)})
	}
	return pageOutput("stateMachines", items, next), nil
}

func (s *Service) deleteStateMachine(_ context.Context, body []byte) (any, error) {
	var in struct {
		StateMachineArn string `json:"stateMachineArn"`
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if _, err := s.machine(in.StateMachineArn); err != nil {
		var ae *awsapi.Error
		if errors.As(err, &ae) && ae.Type == "StateMachineDoesNotExist" {
			return nil, nil // deleting a deleted machine succeeds, as in AWS
		}
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.deleteKey(bucketMachines, in.StateMachineArn); err != nil {
		return nil, fmt.Errorf("stepfunctions: delete machine: %w", err)
	}
	delete(s.machines, in.StateMachineArn)
	s.logTargets.Delete(in.StateMachineArn)
	return nil, nil
}
