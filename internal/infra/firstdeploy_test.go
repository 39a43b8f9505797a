package infra_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/shopstream/shopstream/internal/infra"
)

// A stage with access logging fails to create ("CloudWatch Logs role ARN
// must be set in account settings to enable logging") in a region whose API
// Gateway account settings name no role, as in a fresh account. The stack
// sets that role itself, before the stage, and retains the role and the
// setting so that deleting one stage never breaks another's logging.
func TestAPIGatewayAccountRole(t *testing.T) {
	synth(t)
	tpl := synthesized.raw
	accounts := tpl.ofType("AWS::ApiGateway::Account")
	if len(accounts) != 1 {
		t.Fatalf("%d AWS::ApiGateway::Account resources, want 1", len(accounts))
	}
	for id, account := range accounts {
		if account.DeletionPolicy != "Retain" {
			t.Errorf("account %s: DeletionPolicy %q, want Retain", id, account.DeletionPolicy)
		}
		arn, _ := account.Properties["CloudWatchRoleArn"].(map[string]any)
		getAtt, _ := arn["Fn::GetAtt"].([]any)
		if len(getAtt) != 2 || getAtt[1] != "Arn" {
			t.Fatalf("account %s: CloudWatchRoleArn %v, want a role's Fn::GetAtt Arn", id, arn)
		}
		roleID, _ := getAtt[0].(string)
		role, ok := tpl.Resources[roleID]
		if !ok || role.Type != "AWS::IAM::Role" {
			t.Fatalf("account %s: CloudWatchRoleArn names %s, not a role in the stack", id, roleID)
		}
		if role.DeletionPolicy != "Retain" {
			t.Errorf("role %s: DeletionPolicy %q, want Retain", roleID, role.DeletionPolicy)
		}
		doc, _ := json.Marshal(role.Properties)
		for _, want := range []string{`"apigateway.amazonaws.com"`, "service-role/AmazonAPIGatewayPushToCloudWatchLogs"} {
			if !strings.Contains(string(doc), want) {
				t.Errorf("role %s does not mention %s: %s", roleID, want, doc)
			}
		}
		for sid, stage := range tpl.ofType("AWS::ApiGateway::Stage") {
			if _, logs := stage.Properties["AccessLogSetting"]; logs && !stage.dependsOn(id) {
				t.Errorf("stage %s logs access but does not depend on %s: DependsOn %v", sid, id, stage.DependsOn)
			}
		}
	}
}

// Step Functions delivers logs to CloudWatch Logs through a log resource
// policy whose size is limited per account and region; a log group under
// /aws/vendedlogs/ needs no entry of its own. The name carries the stack
// name, so two stages in one region keep their own.
func TestStateMachineLogGroupName(t *testing.T) {
	synth(t)
	tpl := synthesized.raw
	for id, sm := range tpl.ofType("AWS::StepFunctions::StateMachine") {
		doc, _ := json.Marshal(sm.Properties["LoggingConfiguration"])
		found := 0
		for gid, group := range tpl.ofType("AWS::Logs::LogGroup") {
			if !strings.Contains(string(doc), `"`+gid+`"`) {
				continue
			}
			found++
			name, _ := json.Marshal(group.Properties["LogGroupName"])
			want := `{"Fn::Join":["",["` + infra.StateMachineLogsPrefix + `",{"Ref":"AWS::StackName"},`
			if !strings.HasPrefix(string(name), want) {
				t.Errorf("state machine %s logs to %s named %s, want a name starting %s", id, gid, name, want)
			}
		}
		if found != 1 {
			t.Errorf("state machine %s logs to %d of the stack's log groups, want 1: %s", id, found, doc)
		}
	}
}

// Lambda checks, when an on-failure destination is configured (an
// EventInvokeConfig or an event source mapping), that the function's role
// may already send to it ("The function's execution role does not have
// permissions to call SendMessage"). CloudFormation creates in parallel
// whatever does not depend on each other, so the function (which both
// refer to) must depend on the policy that grants sqs:SendMessage on the
// queue, or the first deployment races that check.
func TestOnFailureGrantBeforeDestination(t *testing.T) {
	synth(t)
	tpl := synthesized.raw
	checked := 0
	for _, typ := range []string{"AWS::Lambda::EventInvokeConfig", "AWS::Lambda::EventSourceMapping"} {
		for id, r := range tpl.ofType(typ) {
			dc, _ := r.Properties["DestinationConfig"].(map[string]any)
			of, _ := dc["OnFailure"].(map[string]any)
			if of == nil {
				continue
			}
			dest, _ := json.Marshal(of["Destination"])
			checked++
			fnRef, _ := r.Properties["FunctionName"].(map[string]any)
			fn, _ := fnRef["Ref"].(string)
			granted := false
			for pid, p := range tpl.ofType("AWS::IAM::Policy") {
				if !tpl.Resources[fn].dependsOn(pid) {
					continue
				}
				doc, _ := json.Marshal(p.Properties["PolicyDocument"])
				if strings.Contains(string(doc), "sqs:SendMessage") && strings.Contains(string(doc), string(dest)) {
					granted = true
				}
			}
			if !granted {
				t.Errorf("%s %s: function %s does not depend on a policy granting sqs:SendMessage on %s", typ, id, fn, dest)
			}
		}
	}
	if checked < 2 {
		t.Errorf("checked %d on-failure destinations, want the publisher's and the catalog projector's", checked)
	}
}
