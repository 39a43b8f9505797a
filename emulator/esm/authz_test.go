package esm_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/shopstream/shopstream/emulator/esm"
	"github.com/shopstream/shopstream/emulator/gopackage"
	"github.com/shopstream/shopstream/emulator/lambda"
	"github.com/shopstream/shopstream/emulator/localtest"
	"github.com/shopstream/shopstream/emulator/stack"
)

// TestPollingUsesTheExecutionRole: a mapping polls with its function's
// execution role; one whose role lacks what polling needs stops with an
// error line and leaves its source alone.
func TestPollingUsesTheExecutionRole(t *testing.T) {
	ls := newLocalStack(t, nil)
	iam := localtest.EnforceIAM(t, ls.srv)
	sink := ls.queue(t, "sink", nil)
	work := ls.queue(t, "work", nil)
	idle := ls.queue(t, "idle", nil)
	table := ls.create(t, ls.ddb.Provisioner("test"), stack.Resource{LogicalID: "Items", Type: "AWS::DynamoDB::Table", Properties: map[string]any{
		"TableName":            "items",
		"KeySchema":            []any{map[string]any{"AttributeName": "id", "KeyType": "HASH"}},
		"AttributeDefinitions": []any{map[string]any{"AttributeName": "id", "AttributeType": "S"}},
		"StreamSpecification":  map[string]any{"StreamViewType": "NEW_IMAGE"},
	}})
	// What CDK's SqsEventSource grants, on the work queue only.
	iam.Role("consumer", localtest.Allow([]string{"sqs:ReceiveMessage", "sqs:ChangeMessageVisibility", "sqs:GetQueueUrl", "sqs:DeleteMessage", "sqs:GetQueueAttributes"}, work.Attrs["Arn"].(string)))
	iam.Role("stranger", localtest.Allow([]string{"sqs:SendMessage"}, sink.Attrs["Arn"].(string)))
	fns := iam.Service.Watch(ls.lambda)
	for name, role := range map[string]string{"consumer-fn": "consumer", "stranger-fn": "stranger"} {
		ls.create(t, fns, stack.Resource{LogicalID: strings.ReplaceAll(name, "-", ""), Type: lambda.TypeFunction,
			Properties: map[string]any{"FunctionName": name, "Role": localtest.RoleARN(role),
				"Environment": map[string]any{"Variables": map[string]any{"SINK_QUEUE_URL": sink.Ref}}},
			Metadata: map[string]any{gopackage.MetadataKey: "./emulator/esm/testdata/sink"}})
	}
	mapping := func(id, fn, source string, props map[string]any) {
		p := map[string]any{"FunctionName": fn, "EventSourceArn": source}
		for k, v := range props {
			p[k] = v
		}
		ls.create(t, ls.esm, stack.Resource{LogicalID: id, Type: esm.TypeEventSourceMapping, Properties: p})
	}
	mapping("WorkToConsumer", "consumer-fn", work.Attrs["Arn"].(string), nil)
	mapping("IdleToStranger", "stranger-fn", idle.Attrs["Arn"].(string), nil)
	mapping("ItemsToStranger", "stranger-fn", table.Attrs["StreamArn"].(string), map[string]any{"StartingPosition": "TRIM_HORIZON"})

	client := sqs.NewFromConfig(ls.cfg)
	for _, q := range []string{work.Ref, idle.Ref} {
		if _, err := client.SendMessage(context.Background(), &sqs.SendMessageInput{QueueUrl: aws.String(q), MessageBody: aws.String("m")}); err != nil {
			t.Fatal(err)
		}
	}
	if got := ls.drain(t, sink.Ref, 1); got[0] != "sqs:m" {
		t.Errorf("sink got %v", got)
	}
	for _, want := range []string{"mapping=IdleToStranger", "mapping=ItemsToStranger"} {
		waitFor(t, func() bool { return strings.Contains(ls.log.String(), want) }, "a stopped-mapping line with "+want+"\n"+ls.log.String())
	}
	for _, want := range []string{"sqs:getqueueattributes on resource: " + idle.Attrs["Arn"].(string), "dynamodb:ListStreams on resource: *"} {
		if !strings.Contains(ls.log.String(), want) {
			t.Errorf("log lacks %q:\n%s", want, ls.log.String())
		}
	}
	// The stopped mapping never received: its message is still visible.
	attrs, err := client.GetQueueAttributes(context.Background(), &sqs.GetQueueAttributesInput{QueueUrl: aws.String(idle.Ref), AttributeNames: []sqstypes.QueueAttributeName{"ApproximateNumberOfMessages"}})
	if err != nil {
		t.Fatal(err)
	}
	if n := attrs.Attributes["ApproximateNumberOfMessages"]; n != "1" {
		t.Errorf("idle queue has %s visible messages, want 1 (untouched)", n)
	}
}

// waitFor polls cond until it holds or 10 s pass.
func waitFor(t *testing.T, cond func() bool, what string) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
