package eventbridge_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awseb "github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/smithy-go"

	"github.com/shopstream/shopstream/emulator/awsapi"
	"github.com/shopstream/shopstream/emulator/eventbridge"
	"github.com/shopstream/shopstream/emulator/localtest"
	"github.com/shopstream/shopstream/emulator/stack"
	"github.com/shopstream/shopstream/internal/testutil/awstest"
)

// authorizingInvoker stands in for Lambda: it authorizes
// lambda:InvokeFunction through the endpoint, as the lambda service does.
type authorizingInvoker struct {
	srv     *awsapi.Server
	mu      sync.Mutex
	invoked []string
}

func (a *authorizingInvoker) InvokeAsync(ctx context.Context, fn string, _ []byte) error {
	if err := a.srv.Authorize(ctx, "lambda:InvokeFunction", fn, nil); err != nil {
		return err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.invoked = append(a.invoked, fn)
	return nil
}

func (a *authorizingInvoker) calls() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]string(nil), a.invoked...)
}

func TestPutEventsAuthorization(t *testing.T) {
	e := newEnv(t, nil, eventbridge.Config{})
	e.provision(t, stack.Resource{LogicalID: "Bus", Type: "AWS::Events::EventBus", Properties: map[string]any{"Name": "shop"}})
	bus := "arn:aws:events:us-east-1:000000000000:event-bus/shop"
	iam := localtest.EnforceIAM(t, e.srv)
	// The publisher may put only its own sources, as the stack grants.
	publisher := iam.Role("publisher", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"events:PutEvents","Resource":"`+bus+`",
		"Condition":{"StringLike":{"events:source":"shopstream.*"},"StringEquals":{"events:detail-type":["ProductCreated","OrderPlaced"]}}}]}`)
	nobody := iam.Role("nobody", localtest.Allow([]string{"events:DescribeRule"}, bus))
	client := func(creds aws.CredentialsProvider) *awseb.Client {
		cfg := awstest.Config(strings.TrimSuffix(e.queues.QueueURL("x"), "/000000000000/x"))
		cfg.Credentials = creds
		return awseb.NewFromConfig(cfg)
	}
	entry := func(source, detailType string) ebtypes.PutEventsRequestEntry {
		return ebtypes.PutEventsRequestEntry{EventBusName: aws.String("shop"), Source: aws.String(source), DetailType: aws.String(detailType), Detail: aws.String(`{}`)}
	}
	out, err := client(publisher).PutEvents(ctx, &awseb.PutEventsInput{Entries: []ebtypes.PutEventsRequestEntry{
		entry("shopstream.catalog", "ProductCreated"), entry("acme.catalog", "ProductCreated"), entry("shopstream.ordering", "OrderDeleted"),
	}})
	if err != nil {
		t.Fatal(err)
	}
	if out.FailedEntryCount != 2 || out.Entries[0].EventId == nil || aws.ToString(out.Entries[1].ErrorCode) != "AccessDeniedException" ||
		aws.ToString(out.Entries[2].ErrorCode) != "AccessDeniedException" {
		t.Fatalf("PutEvents results: %d failed, %+v", out.FailedEntryCount, out.Entries)
	}
	want := "User: arn:aws:sts::000000000000:assumed-role/publisher/publisher is not authorized to perform: events:PutEvents on resource: " + bus +
		" because no identity-based policy allows the events:PutEvents action"
	if got := aws.ToString(out.Entries[1].ErrorMessage); got != want {
		t.Errorf("entry message %q\nwant %q", got, want)
	}
	// A caller no entry is allowed for is denied the call, as on AWS.
	for _, c := range []*awseb.Client{client(nobody), client(publisher)} {
		_, err := c.PutEvents(ctx, &awseb.PutEventsInput{Entries: []ebtypes.PutEventsRequestEntry{entry("acme", "X")}})
		var api smithy.APIError
		if !errors.As(err, &api) || api.ErrorCode() != "AccessDeniedException" {
			t.Errorf("PutEvents with no allowed entry: %v, want AccessDeniedException", err)
		}
	}
	_, err = client(nobody).PutRule(ctx, &awseb.PutRuleInput{Name: aws.String("r"), EventBusName: aws.String("shop"), EventPattern: aws.String(`{"source":["x"]}`)})
	var api smithy.APIError
	if !errors.As(err, &api) || !strings.Contains(api.ErrorMessage(), "events:PutRule on resource: arn:aws:events:us-east-1:000000000000:rule/shop/r ") {
		t.Errorf("PutRule: %v", err)
	}
}

// Targets are reached as AWS reaches them: a function as
// events.amazonaws.com for the rule (its Lambda permission must allow
// it), a state machine with the target's role.
func TestTargetsAreAuthorized(t *testing.T) {
	srvHolder := &authorizingInvoker{}
	e := newEnv(t, nil, eventbridge.Config{Invoker: srvHolder, RetryBase: time.Millisecond})
	srvHolder.srv = e.srv
	iam := localtest.EnforceIAM(t, e.srv)
	fn := "arn:aws:lambda:us-east-1:000000000000:function:projection"
	allowedRule := "arn:aws:events:us-east-1:000000000000:rule/Allowed"
	iam.LambdaPermission(fn, "events.amazonaws.com", allowedRule)
	machine := "arn:aws:states:us-east-1:000000000000:stateMachine:checkout"
	iam.Role("starter", localtest.Allow([]string{"states:StartExecution"}, machine))
	iam.Role("idle", localtest.Allow([]string{"states:DescribeExecution"}, machine))
	var started []string
	var mu sync.Mutex
	e.srv.Register("AWSStepFunctions", "1.0", "", func(ctx context.Context, op string, body []byte) (any, error) {
		if err := awsapi.Authorize(ctx, "states:"+op, machine, nil); err != nil {
			return nil, err
		}
		mu.Lock()
		defer mu.Unlock()
		started = append(started, awsapi.PrincipalFrom(ctx).RoleARN)
		return map[string]any{}, nil
	})

	resources := queueWithPolicy("DLQ", "denied-dlq", "arn:aws:events:us-east-1:000000000000:rule/Denied")
	rule := func(name string, targets ...any) stack.Resource {
		return stack.Resource{LogicalID: name, Type: "AWS::Events::Rule", Properties: map[string]any{
			"Name": name, "EventPattern": map[string]any{"source": []any{"shop"}}, "Targets": targets}}
	}
	resources = append(resources,
		rule("Allowed", map[string]any{"Id": "fn", "Arn": fn}),
		rule("Denied", map[string]any{"Id": "fn", "Arn": fn, "DeadLetterConfig": map[string]any{"Arn": "arn:aws:sqs:us-east-1:000000000000:denied-dlq"}}),
		rule("Start", map[string]any{"Id": "sm", "Arn": machine, "RoleArn": localtest.RoleARN("starter")}),
		rule("NoStart", map[string]any{"Id": "sm", "Arn": machine, "RoleArn": localtest.RoleARN("idle")}),
	)
	e.provision(t, resources...)
	e.putEvent(t, "default", "shop", "X", `{}`)

	dead := e.receiveOne(t, "denied-dlq", 10*time.Second)
	if dead == "" {
		t.Fatal("the denied rule's event did not reach its dead-letter queue")
	}
	e.settle(t)
	if got := srvHolder.calls(); len(got) != 1 {
		t.Errorf("function invoked %d times (%v), want once, for the permitted rule", len(got), got)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(started) != 1 || started[0] != localtest.RoleARN("starter") {
		t.Errorf("executions started as %v, want once as the starter role", started)
	}
	for _, want := range []string{"principal=events.amazonaws.com source=arn:aws:events:us-east-1:000000000000:rule/Denied", "role=idle session=NoStart action=states:StartExecution"} {
		if !strings.Contains(iam.Log.String(), want) {
			t.Errorf("log lacks %q:\n%s", want, iam.Log.String())
		}
	}
}
