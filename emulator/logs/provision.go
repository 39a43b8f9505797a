package logs

import (
	"context"
	"fmt"

	"github.com/shopstream/shopstream/emulator/stack"
)

// TypeLogGroup is the resource type the Service provisions. The other
// AWS::Logs types (metric and subscription filters, resource policies…)
// stay observational.
const TypeLogGroup = "AWS::Logs::LogGroup"

var _ stack.Provisioner = (*Service)(nil)

// Types implements stack.Provisioner.
func (s *Service) Types() []string { return []string{TypeLogGroup} }

// Create implements stack.Provisioner. Ref is the group's name and
// Fn::GetAtt Arn its ARN with the ":*" CloudFormation gives it. A group
// that exists from an earlier start keeps its events; its retention
// follows the template. Data protection, KMS keys and log group classes
// are accepted and not emulated.
func (s *Service) Create(_ context.Context, r stack.Resource) (stack.Created, error) {
	bad := func(field string, err error) (stack.Created, error) {
		return stack.Created{}, fmt.Errorf("logs: %s (%s): %s: %w", r.LogicalID, r.Type, field, err)
	}
	if r.Type != TypeLogGroup {
		return stack.Created{}, fmt.Errorf("logs: %s: unsupported type %s", r.LogicalID, r.Type)
	}
	name, _ := r.Properties["LogGroupName"].(string)
	if name == "" {
		name = stack.PhysicalName(r.StackName, r.LogicalID, 512)
	}
	if !ValidGroupName(name) {
		return bad("LogGroupName", fmt.Errorf("%q: 1 to 512 letters, digits or ._-/#", name))
	}
	days, err := stack.IntProp(r.Properties, "RetentionInDays", 0)
	if err != nil {
		return bad("RetentionInDays", err)
	}
	if err := checkRetention(days); err != nil {
		return bad("RetentionInDays", err)
	}
	if _, err := s.createGroup(groupRecord{Name: name, Retention: days, Template: r.LogicalID}, true); err != nil {
		return bad("LogGroupName", err)
	}
	return stack.Created{Ref: name, Attrs: map[string]any{"Arn": GroupARN(name) + ":*"}}, nil
}
