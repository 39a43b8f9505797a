package eventbridge_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/shopstream/shopstream/emulator/eventbridge"
	"github.com/shopstream/shopstream/emulator/stack"
)

// A service's event reaches the default bus's rules with the envelope AWS
// gives it, and an invalid one is refused with the entry's error.
func TestPutServiceEvent(t *testing.T) {
	e := newEnv(t, nil, eventbridge.Config{})
	const ruleARN = "arn:aws:events:us-east-1:000000000000:rule/ExecutionsEnded"
	resources := append(queueWithPolicy("Ended", "ended", ruleARN), stack.Resource{LogicalID: "Rule", Type: "AWS::Events::Rule", Properties: map[string]any{
		"Name": "ExecutionsEnded", "State": "ENABLED",
		"EventPattern": map[string]any{"source": []any{"aws.states"}, "detail": map[string]any{"status": []any{"TIMED_OUT"}}},
		"Targets":      []any{map[string]any{"Id": "q", "Arn": "arn:aws:sqs:us-east-1:000000000000:ended"}},
	}})
	e.provision(t, resources...)
	const exec = "arn:aws:states:us-east-1:000000000000:execution:M:e-1"
	for _, status := range []string{"RUNNING", "TIMED_OUT"} {
		detail := fmt.Sprintf(`{"executionArn":%q,"status":%q}`, exec, status)
		if err := e.events.PutServiceEvent(ctx, "aws.states", "Step Functions Execution Status Change", []string{exec}, []byte(detail)); err != nil {
			t.Fatalf("PutServiceEvent(%s): %v", status, err)
		}
	}
	ev := decodeJSON(t, e.receiveOne(t, "ended", 10*time.Second))
	want := map[string]any{"source": "aws.states", "detail-type": "Step Functions Execution Status Change",
		"resources": []any{exec}, "detail": map[string]any{"executionArn": exec, "status": "TIMED_OUT"}}
	for k, v := range want {
		if fmt.Sprint(ev[k]) != fmt.Sprint(v) {
			t.Errorf("envelope %s = %v, want %v", k, ev[k], v)
		}
	}
	e.settle(t)
	if extra := e.receiveNow(t, "ended"); extra != "" {
		t.Errorf("the RUNNING event matched too: %s", extra)
	}
	if err := e.events.PutServiceEvent(ctx, "aws.states", "Step Functions Execution Status Change", nil, []byte(`not json`)); err == nil {
		t.Error("a malformed detail was accepted")
	}
}
