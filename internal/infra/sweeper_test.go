package infra_test

import (
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/shopstream/shopstream/internal/infra"
)

// The sweeper's rule is on the default bus (no EventBusName: where Step
// Functions sends its events) and matches only the checkout machine's
// executions that ended without finishing; its target retries, then keeps
// what it could not deliver, and the function keeps what it gave up on.
func TestCheckoutSweeper(t *testing.T) {
	synth(t)
	s, tpl, raw := synthesized.dev, synthesized.template, synthesized.raw
	fn, failures := logicalID(s.Sweeper.Sweeper), logicalID(s.Sweeper.Failures)
	tpl.HasResourceProperties(jsii.String("AWS::Events::Rule"), map[string]any{
		"EventBusName": assertions.Match_Absent(),
		"EventPattern": map[string]any{
			"source":      []any{infra.StatesSource},
			"detail-type": []any{infra.ExecutionStatusChange},
			"detail": map[string]any{
				"status":          []any{"TIMED_OUT", "ABORTED", "FAILED"},
				"stateMachineArn": []any{ref(logicalID(s.Checkout.StateMachine))},
			},
		},
		"Targets": []any{assertions.Match_ObjectLike(&map[string]any{
			"Arn":              getAtt(fn, "Arn"),
			"DeadLetterConfig": map[string]any{"Arn": getAtt(failures, "Arn")},
			"RetryPolicy":      map[string]any{"MaximumRetryAttempts": 20, "MaximumEventAgeInSeconds": 86400},
		})},
	})
	tpl.HasResourceProperties(jsii.String("AWS::Lambda::EventInvokeConfig"), map[string]any{
		"FunctionName":         ref(fn),
		"MaximumRetryAttempts": 2,
		"DestinationConfig":    map[string]any{"OnFailure": map[string]any{"Destination": getAtt(failures, "Arn")}},
	})
	// EventBridge may send to the failure queue only for this rule.
	tpl.HasResourceProperties(jsii.String("AWS::SQS::QueuePolicy"), map[string]any{
		"Queues": []any{ref(failures)},
		"PolicyDocument": map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{
			assertions.Match_ObjectLike(&map[string]any{
				"Action":    "sqs:SendMessage",
				"Principal": map[string]any{"Service": "events.amazonaws.com"},
				"Condition": map[string]any{"ArnEquals": map[string]any{"aws:SourceArn": getAtt(logicalID(s.Sweeper.Rule), "Arn")}},
			}),
		})},
	})
	// The function's environment names the event store and the machine.
	env := raw.Resources[fn].Properties["Environment"].(map[string]any)["Variables"].(map[string]any)
	for _, name := range []string{"EVENTS_TABLE", "CHECKOUT_STATE_MACHINE_ARN", "STAGE"} {
		if _, ok := env[name]; !ok {
			t.Errorf("sweeper environment has no %s: %v", name, env)
		}
	}
	if len(env) != 3 {
		t.Errorf("sweeper environment %v, want exactly EVENTS_TABLE, CHECKOUT_STATE_MACHINE_ARN, STAGE", env)
	}
}
