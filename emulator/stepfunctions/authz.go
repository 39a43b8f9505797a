package stepfunctions

import (
	"context"
	"encoding/json"

	"github.com/shopstream/shopstream/emulator/awsapi"
)

// authorize checks the operation's action on the state machine or
// execution it names (Service Authorization Reference, "Actions defined
// by AWS Step Functions"): states:StartExecution on the machine's ARN,
// states:DescribeExecution on the execution's
// (arn:aws:states:<region>:<account>:execution:<machine>:<name>), "*" for
// ListStateMachines.
func (s *Service) authorize(ctx context.Context, op string, body []byte) error {
	if awsapi.PrincipalFrom(ctx).IsZero() {
		return nil
	}
	var in struct {
		Name            string `json:"name"`
		StateMachineArn string `json:"stateMachineArn"`
		ExecutionArn    string `json:"executionArn"`
	}
	if json.Unmarshal(body, &in) != nil {
		return nil // the operation reports the malformed body
	}
	resource := "*"
	switch op {
	case "CreateStateMachine":
		resource = machineARN(in.Name)
	case "DescribeStateMachine", "UpdateStateMachine", "DeleteStateMachine", "StartExecution", "ListExecutions":
		resource = in.StateMachineArn
	case "DescribeExecution", "GetExecutionHistory", "StopExecution", "DescribeStateMachineForExecution":
		resource = in.ExecutionArn
	}
	return awsapi.Authorize(ctx, "states:"+op, resource, nil)
}

// machinePrincipal is who a machine's executions act as: its role. Lambda
// tasks invoke with it and SDK integrations call with it, so the role's
// policies must allow what the tasks do, as on AWS.
func machinePrincipal(m *machine) awsapi.Principal {
	return awsapi.Principal{RoleARN: m.rec.RoleArn, Session: m.rec.Name}
}
