package eventbridge

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/shopstream/shopstream/emulator/stack"
)

// Resource types the Service provisions.
const (
	TypeEventBus = "AWS::Events::EventBus"
	TypeRule     = "AWS::Events::Rule"
	TypeArchive  = "AWS::Events::Archive"
)

var _ stack.Provisioner = (*Service)(nil)

// Types implements stack.Provisioner.
func (s *Service) Types() []string { return []string{TypeEventBus, TypeRule, TypeArchive} }

// Create implements stack.Provisioner. On a restart the template's
// definition replaces the stored one (archived events and undelivered
// events are kept).
func (s *Service) Create(_ context.Context, r stack.Resource) (stack.Created, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var c stack.Created
	var err error
	switch r.Type {
	case TypeEventBus:
		c, err = s.busFromTemplate(r)
	case TypeRule:
		c, err = s.ruleFromTemplate(r)
	case TypeArchive:
		c, err = s.archiveFromTemplate(r)
	default:
		err = fmt.Errorf("unsupported type")
	}
	if err != nil {
		return stack.Created{}, fmt.Errorf("eventbridge: %s (%s): %w", r.LogicalID, r.Type, err)
	}
	return c, nil
}

func (s *Service) busFromTemplate(r stack.Resource) (stack.Created, error) {
	name, _ := r.Properties["Name"].(string)
	if name == "" {
		return stack.Created{}, badField("Name", "required")
	}
	if !nameRE.MatchString(name) {
		return stack.Created{}, badField("Name", "%q: letters, digits, '.', '-' and '_' only, 1 to 64 characters", name)
	}
	b, err := s.ensureBus(name)
	if err != nil {
		return stack.Created{}, err
	}
	return stack.Created{Ref: b.Name, Attrs: map[string]any{"Arn": b.ARN, "Name": b.Name}}, nil
}

// patternText accepts EventPattern as an object (CloudFormation's form) or
// as JSON text.
func patternText(v any) (string, error) {
	switch v := v.(type) {
	case nil:
		return "", nil
	case string:
		return v, nil
	case map[string]any:
		raw, err := marshalJSON(v)
		return string(raw), err
	}
	return "", badField("EventPattern", "must be an object, not %T", v)
}

func (s *Service) ruleFromTemplate(r stack.Resource) (stack.Created, error) {
	p := r.Properties
	str := func(k string) string { v, _ := p[k].(string); return v }
	name := str("Name")
	if name == "" {
		name = stack.PhysicalName(r.StackName, r.LogicalID, 64)
	}
	eventPattern, err := patternText(p["EventPattern"])
	if err != nil {
		return stack.Created{}, err
	}
	var targets []Target
	if raw, ok := p["Targets"]; ok {
		text, err := json.Marshal(raw)
		if err != nil {
			return stack.Created{}, badField("Targets", "%v", err)
		}
		if err := json.Unmarshal(text, &targets); err != nil {
			return stack.Created{}, badField("Targets", "%v", err)
		}
	}
	if len(targets) > maxTargetsInRule {
		return stack.Created{}, badField("Targets", "at most %d per rule, got %d", maxTargetsInRule, len(targets))
	}
	rl, err := s.defineRule(name, str("EventBusName"), eventPattern, str("ScheduleExpression"), str("State"), str("Description"), str("RoleArn"), targets, true)
	if err != nil {
		return stack.Created{}, err
	}
	// CloudFormation's Ref of a rule is its name on the default bus and
	// "<bus>|<name>" on a custom bus.
	ref := rl.Name
	if rl.Bus != DefaultBus {
		ref = rl.Bus + "|" + rl.Name
	}
	return stack.Created{Ref: ref, Attrs: map[string]any{"Arn": rl.ARN}}, nil
}

func (s *Service) archiveFromTemplate(r stack.Resource) (stack.Created, error) {
	p := r.Properties
	name, _ := p["ArchiveName"].(string)
	if name == "" {
		name = stack.PhysicalName(r.StackName, r.LogicalID, 48)
	}
	source, _ := p["SourceArn"].(string)
	if source == "" {
		return stack.Created{}, badField("SourceArn", "required")
	}
	eventPattern, err := patternText(p["EventPattern"])
	if err != nil {
		return stack.Created{}, err
	}
	days := 0
	if v, ok := p["RetentionDays"].(float64); ok {
		days = int(v)
	}
	description, _ := p["Description"].(string)
	a, err := s.defineArchive(name, source, eventPattern, description, days)
	if err != nil {
		return stack.Created{}, err
	}
	return stack.Created{Ref: a.Name, Attrs: map[string]any{"Arn": a.ARN, "ArchiveName": a.Name}}, nil
}
