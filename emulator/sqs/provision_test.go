package sqs_test

import (
	"strings"
	"testing"

	"github.com/shopstream/shopstream/emulator/stack"
)

func TestProvisionQueuesAndPolicy(t *testing.T) {
	e := newEnv(t, nil, nil)
	dlq, err := e.svc.Create(ctx, stack.Resource{LogicalID: "OrdersDLQ", Type: "AWS::SQS::Queue", StackName: "Shop",
		Properties: map[string]any{"MessageRetentionPeriod": 1209600.0, "SqsManagedSseEnabled": true}})
	if err != nil {
		t.Fatal(err)
	}
	name := dlq.Attrs["QueueName"].(string)
	if dlq.Ref != e.svc.QueueURL(name) || dlq.Attrs["QueueUrl"] != dlq.Ref || dlq.Attrs["Arn"] != "arn:aws:sqs:us-east-1:000000000000:"+name {
		t.Fatalf("generated-name queue: %+v", dlq)
	}
	props := map[string]any{
		"QueueName":         "orders",
		"VisibilityTimeout": 60.0,
		"RedrivePolicy":     map[string]any{"deadLetterTargetArn": dlq.Attrs["Arn"], "maxReceiveCount": 3.0},
	}
	q, err := e.svc.Create(ctx, stack.Resource{LogicalID: "Orders", Type: "AWS::SQS::Queue", StackName: "Shop", Properties: props})
	if err != nil {
		t.Fatal(err)
	}
	if got := e.attribute(t, q.Ref, "VisibilityTimeout"); got != "60" {
		t.Errorf("VisibilityTimeout = %s", got)
	}
	if got := e.attribute(t, q.Ref, "RedrivePolicy"); got == "" {
		t.Error("RedrivePolicy not applied")
	}
	// A second start provisions again: the queue keeps its messages.
	e.send(t, q.Ref, "kept")
	if _, err := e.svc.Create(ctx, stack.Resource{LogicalID: "Orders", Type: "AWS::SQS::Queue", StackName: "Shop", Properties: props}); err != nil {
		t.Fatal(err)
	}
	if got := e.attribute(t, q.Ref, "ApproximateNumberOfMessages"); got != "1" {
		t.Errorf("re-provisioning lost messages: %s left", got)
	}

	rule := "arn:aws:events:us-east-1:000000000000:rule/shop-bus/OrderPlacedRule"
	policy := map[string]any{
		"Version": "2012-10-17",
		"Statement": []any{map[string]any{
			"Effect": "Allow", "Principal": map[string]any{"Service": "events.amazonaws.com"},
			"Action": []any{"sqs:SendMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl"}, "Resource": q.Attrs["Arn"],
			"Condition": map[string]any{"ArnEquals": map[string]any{"aws:SourceArn": rule}},
		}},
	}
	if _, err := e.svc.Create(ctx, stack.Resource{LogicalID: "OrdersPolicy", Type: "AWS::SQS::QueuePolicy", StackName: "Shop",
		Properties: map[string]any{"Queues": []any{q.Ref}, "PolicyDocument": policy}}); err != nil {
		t.Fatal(err)
	}
	arn := q.Attrs["Arn"].(string)
	tests := []struct {
		name               string
		queue, svc, source string
		want               bool
	}{
		{"the rule named in the condition", arn, "events.amazonaws.com", rule, true},
		{"another rule", arn, "events.amazonaws.com", rule + "2", false},
		{"another service", arn, "sns.amazonaws.com", rule, false},
		{"queue without a policy", dlq.Attrs["Arn"].(string), "events.amazonaws.com", rule, false},
		{"unknown queue", "arn:aws:sqs:us-east-1:000000000000:nope", "events.amazonaws.com", rule, false},
	}
	for _, tt := range tests {
		if got := e.svc.AllowsSend(tt.queue, tt.svc, tt.source); got != tt.want {
			t.Errorf("%s: AllowsSend = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestAllowsSendPolicyForms(t *testing.T) {
	rule := "arn:aws:events:us-east-1:000000000000:rule/r1"
	tests := []struct {
		name   string
		policy string
		want   bool
	}{
		{"wildcard principal, ArnLike", `{"Statement":{"Effect":"Allow","Principal":"*","Action":"sqs:*","Resource":"*","Condition":{"ArnLike":{"aws:SourceArn":"arn:aws:events:*:*:rule/*"}}}}`, true},
		{"AWS star principal, no condition", `{"Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"SQS:SendMessage"}]}`, true},
		{"service list", `{"Statement":[{"Effect":"Allow","Principal":{"Service":["lambda.amazonaws.com","events.amazonaws.com"]},"Action":"sqs:SendMessage"}]}`, true},
		{"explicit deny wins", `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"sqs:SendMessage"},{"Effect":"Deny","Principal":"*","Action":"sqs:SendMessage","Condition":{"ArnEquals":{"aws:SourceArn":"` + rule + `"}}}]}`, false},
		{"other action only", `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"sqs:ReceiveMessage"}]}`, false},
		{"source account condition", `{"Statement":[{"Effect":"Allow","Principal":{"Service":"events.amazonaws.com"},"Action":"sqs:SendMessage","Condition":{"StringEquals":{"aws:SourceAccount":"000000000000"}}}]}`, true},
		{"unknown condition key", `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"sqs:SendMessage","Condition":{"Bool":{"aws:SecureTransport":"true"}}}]}`, false},
		{"not json", `{`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, nil, nil)
			url := e.createQueue(t, "q", map[string]string{"Policy": tt.policy})
			if got := e.svc.AllowsSend(e.attribute(t, url, "QueueArn"), "events.amazonaws.com", rule); got != tt.want {
				t.Errorf("AllowsSend = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestProvisionRejectsBadProperties(t *testing.T) {
	e := newEnv(t, nil, nil)
	tests := []struct {
		name  string
		typ   string
		props map[string]any
		want  string
	}{
		{"visibility out of range", "AWS::SQS::Queue", map[string]any{"QueueName": "a", "VisibilityTimeout": 99999.0}, "VisibilityTimeout"},
		{"fifo", "AWS::SQS::Queue", map[string]any{"QueueName": "a.fifo", "FifoQueue": true}, "QueueName"},
		{"policy without queues", "AWS::SQS::QueuePolicy", map[string]any{"PolicyDocument": map[string]any{}}, "Queues"},
		{"policy for unknown queue", "AWS::SQS::QueuePolicy", map[string]any{"PolicyDocument": map[string]any{}, "Queues": []any{e.svc.QueueURL("nope")}}, "Queues[0]"},
	}
	for _, tt := range tests {
		_, err := e.svc.Create(ctx, stack.Resource{LogicalID: "X", Type: tt.typ, StackName: "Shop", Properties: tt.props})
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want it to name %q", tt.name, err, tt.want)
		}
	}
}
