package infra_test

import (
	"encoding/json"
	"strings"
	"testing"
)

// Every asynchronous path ends in a queue an operator can see: each rule
// target has bounded retries and a dead-letter queue, and each function a
// rule invokes (asynchronously) has an on-failure destination, so neither
// a delivery nor a function error is ever dropped. A rule added without
// them (the sweeper's, say) fails here.
func TestEveryAsyncPathEndsInAQueue(t *testing.T) {
	synth(t)
	tpl := synthesized.raw
	queues := tpl.ofType("AWS::SQS::Queue")
	functions := tpl.ofType("AWS::Lambda::Function")
	isQueue := func(v any) bool {
		g, _ := v.(map[string]any)["Fn::GetAtt"].([]any)
		if len(g) != 2 || g[1] != "Arn" {
			return false
		}
		_, ok := queues[g[0].(string)]
		return ok
	}
	onFailure := map[string]any{} // function logical id → its EventInvokeConfig's OnFailure destination
	for _, c := range tpl.ofType("AWS::Lambda::EventInvokeConfig") {
		fn, _ := c.Properties["FunctionName"].(map[string]any)["Ref"].(string)
		dest, _ := c.Properties["DestinationConfig"].(map[string]any)["OnFailure"].(map[string]any)
		onFailure[fn] = dest["Destination"]
	}
	targets := 0
	for id, rule := range tpl.ofType("AWS::Events::Rule") {
		ts, _ := rule.Properties["Targets"].([]any)
		for _, x := range ts {
			targets++
			target := x.(map[string]any)
			name, _ := json.Marshal(target["Arn"])
			retry, _ := target["RetryPolicy"].(map[string]any)
			attempts, okA := retry["MaximumRetryAttempts"].(float64)
			age, okE := retry["MaximumEventAgeInSeconds"].(float64)
			// EventBridge's bounds: 0-185 attempts, 60 s to 24 h.
			if !okA || !okE || attempts < 0 || attempts > 185 || age < 60 || age > 86400 {
				t.Errorf("rule %s target %s: RetryPolicy %v, want bounded attempts and event age", id, name, target["RetryPolicy"])
			}
			dlc, _ := target["DeadLetterConfig"].(map[string]any)
			if !isQueue(dlc["Arn"]) {
				t.Errorf("rule %s target %s: DeadLetterConfig %v, want a queue of the stack", id, name, target["DeadLetterConfig"])
			}
			g, _ := target["Arn"].(map[string]any)["Fn::GetAtt"].([]any)
			if len(g) != 2 {
				continue
			}
			if _, isFn := functions[g[0].(string)]; isFn && !isQueue(onFailure[g[0].(string)]) {
				t.Errorf("rule %s invokes function %s with no on-failure queue (EventInvokeConfig): %v", id, g[0], onFailure[g[0].(string)])
			}
		}
	}
	if targets == 0 {
		t.Fatal("no rule targets in the template")
	}
	for fn, dest := range onFailure {
		if !isQueue(dest) {
			t.Errorf("function %s: on-failure destination %v is not a queue of the stack", fn, dest)
		}
	}
	// Stream sources keep their on-failure queue (TestStreamToPublisher
	// asserts which); any other stream mapping must have one too.
	for id, m := range tpl.ofType("AWS::Lambda::EventSourceMapping") {
		src, _ := json.Marshal(m.Properties["EventSourceArn"])
		if !strings.Contains(string(src), "StreamArn") {
			continue
		}
		dest, _ := m.Properties["DestinationConfig"].(map[string]any)["OnFailure"].(map[string]any)
		if !isQueue(dest["Destination"]) {
			t.Errorf("stream mapping %s has no on-failure queue: %v", id, m.Properties["DestinationConfig"])
		}
	}
}
