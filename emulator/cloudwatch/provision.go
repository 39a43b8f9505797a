package cloudwatch

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/shopstream/shopstream/emulator/stack"
)

// Resource types the Service provisions.
const (
	TypeAlarm     = "AWS::CloudWatch::Alarm"
	TypeDashboard = "AWS::CloudWatch::Dashboard"
)

var _ stack.Provisioner = (*Service)(nil)

// Types implements stack.Provisioner.
func (s *Service) Types() []string { return []string{TypeAlarm, TypeDashboard} }

// Create implements stack.Provisioner. An alarm that exists from an
// earlier start keeps its state and history.
func (s *Service) Create(_ context.Context, r stack.Resource) (stack.Created, error) {
	bad := func(err error) (stack.Created, error) {
		return stack.Created{}, fmt.Errorf("cloudwatch: %s (%s): %w", r.LogicalID, r.Type, err)
	}
	switch r.Type {
	case TypeAlarm:
		raw, _ := json.Marshal(r.Properties)
		var in alarmInput
		if err := json.Unmarshal(raw, &in); err != nil {
			return bad(err)
		}
		if in.AlarmName == "" {
			in.AlarmName = stack.PhysicalName(r.StackName, r.LogicalID, 255)
		}
		c, err := in.config()
		if err != nil {
			return bad(err)
		}
		a, err := s.putAlarm(c)
		if err != nil {
			return bad(err)
		}
		return stack.Created{Ref: a.AlarmName, Attrs: map[string]any{"Arn": a.ARN}}, nil
	case TypeDashboard:
		name, _ := r.Properties["DashboardName"].(string)
		if name == "" {
			name = stack.PhysicalName(r.StackName, r.LogicalID, 255)
		}
		body, _ := r.Properties["DashboardBody"].(string)
		if body == "" {
			return bad(fmt.Errorf("DashboardBody is required"))
		}
		if err := s.putDashboardBody(name, body); err != nil {
			return bad(err)
		}
		return stack.Created{Ref: name, Attrs: map[string]any{}}, nil
	}
	return stack.Created{}, fmt.Errorf("cloudwatch: %s: unsupported type %s", r.LogicalID, r.Type)
}
