package eventbridge_test

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/shopstream/shopstream/emulator/eventbridge"
	"github.com/shopstream/shopstream/emulator/gopackage"
	"github.com/shopstream/shopstream/emulator/lambda"
	"github.com/shopstream/shopstream/emulator/localtest"
	"github.com/shopstream/shopstream/emulator/stack"
)

// EventBridge invokes a Lambda target asynchronously: once Lambda accepts
// the event the delivery is done, so a function error is Lambda's to retry
// and report (the function's on-failure destination), not a failed delivery
// for the target's dead-letter queue. A function that does not exist is
// still a delivery failure.
func TestLambdaTargetFunctionErrorIsNotADeliveryFailure(t *testing.T) {
	db := localtest.OpenDB(t, "")
	fns := lambda.New(lambda.Config{ModuleRoot: localtest.ModuleRoot(t), Output: io.Discard, DB: db, TimeScale: 0.001})
	t.Cleanup(func() { fns.Close(context.Background()) })
	logs := &localtest.SyncBuffer{}
	e := newEnv(t, db, eventbridge.Config{Invoker: fns, RetryBase: time.Millisecond, Log: slog.New(slog.NewTextHandler(logs, nil))})
	fns.Register(e.srv)
	ruleARN := "arn:aws:events:us-east-1:000000000000:rule/failing"
	e.provision(t, append(queueWithPolicy("Dlq", "target-dlq", ruleARN),
		stack.Resource{LogicalID: "Failed", Type: "AWS::SQS::Queue", Properties: map[string]any{"QueueName": "fn-failed"}})...)
	for _, r := range []stack.Resource{
		{LogicalID: "Fn", Type: lambda.TypeFunction, Properties: map[string]any{"FunctionName": "failing-fn"},
			Metadata: map[string]any{gopackage.MetadataKey: "./emulator/lambda/testdata/testfn"}},
		{LogicalID: "FnAsync", Type: lambda.TypeEventInvokeConfig, Properties: map[string]any{"FunctionName": "failing-fn", "MaximumRetryAttempts": 1,
			"DestinationConfig": map[string]any{"OnFailure": map[string]any{"Destination": "arn:aws:sqs:us-east-1:000000000000:fn-failed"}}}},
	} {
		if _, err := fns.Create(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	target := func(id, function string) map[string]any {
		return map[string]any{"Id": id, "Arn": lambda.FunctionARN(function), "Input": `{"op":"fail","value":"boom"}`,
			"RetryPolicy":      map[string]any{"MaximumRetryAttempts": 0},
			"DeadLetterConfig": map[string]any{"Arn": "arn:aws:sqs:us-east-1:000000000000:target-dlq"}}
	}
	e.provision(t, stack.Resource{LogicalID: "Rule", Type: "AWS::Events::Rule", Properties: map[string]any{
		"Name": "failing", "EventPattern": map[string]any{"source": []any{"shop.catalog"}},
		"Targets": []any{target("fn", "failing-fn"), target("ghost", "no-such-fn")},
	}})
	e.putEvent(t, "default", "shop.catalog", "ProductCreated", `{"productId":"p-1"}`)

	rec := decodeJSON(t, e.receiveOne(t, "fn-failed", 20*time.Second))
	rc, _ := rec["requestContext"].(map[string]any)
	req, _ := rec["requestPayload"].(map[string]any)
	if rc["condition"] != "RetriesExhausted" || rc["approximateInvokeCount"] != 2.0 || req["op"] != "fail" {
		t.Errorf("on-failure record %v, want the target's input after one try and one retry", rec)
	}
	e.settle(t)
	dead := e.receiveNow(t, "target-dlq")
	if !strings.Contains(dead, `"source":"shop.catalog"`) {
		t.Errorf("target dead-letter queue got %q, want the event for the missing function", dead)
	}
	if more := e.receiveNow(t, "target-dlq"); more != "" {
		t.Errorf("target dead-letter queue got a second message %s: the function error counted as a delivery failure\n%s", more, logs)
	}
}
