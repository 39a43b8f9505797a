package eventbridge_test

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awseb "github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/smithy-go"

	"github.com/shopstream/shopstream/emulator/eventbridge"
	"github.com/shopstream/shopstream/emulator/stack"
	"github.com/shopstream/shopstream/emulator/state"
)

const ordersRuleARN = "arn:aws:events:us-east-1:000000000000:rule/shop-bus/OrderPlacedToQueue"

// orderTemplate is the shape the CDK stack emits: a custom bus, a queue
// with a policy for the rule, and a rule with an SQS target.
func orderTemplate(target map[string]any) []stack.Resource {
	rs := []stack.Resource{{LogicalID: "Bus", Type: "AWS::Events::EventBus", Properties: map[string]any{"Name": "shop-bus"}}}
	rs = append(rs, queueWithPolicy("Orders", "orders", ordersRuleARN)...)
	return append(rs, stack.Resource{LogicalID: "OrderPlacedRule", Type: "AWS::Events::Rule", Properties: map[string]any{
		"Name": "OrderPlacedToQueue", "EventBusName": "shop-bus", "State": "ENABLED",
		"EventPattern": map[string]any{"source": []any{"shop.ordering"}, "detail-type": []any{"CheckoutCompleted"}},
		"Targets":      []any{target},
	}})
}

func TestTemplateRuleDeliversEnvelopeToSQS(t *testing.T) {
	e := newEnv(t, nil, eventbridge.Config{})
	created := e.provision(t, orderTemplate(map[string]any{"Id": "q", "Arn": "arn:aws:sqs:us-east-1:000000000000:orders"})...)
	if got := created["OrderPlacedRule"]; got.Ref != "shop-bus|OrderPlacedToQueue" || got.Attrs["Arn"] != ordersRuleARN {
		t.Errorf("rule Ref %q Arn %v", got.Ref, got.Attrs["Arn"])
	}
	if got := created["Bus"]; got.Ref != "shop-bus" || got.Attrs["Arn"] != "arn:aws:events:us-east-1:000000000000:event-bus/shop-bus" {
		t.Errorf("bus %+v", got)
	}

	before := time.Now().UTC().Truncate(time.Second)
	e.putEvent(t, "shop-bus", "shop.catalog", "CheckoutCompleted", `{"ignored":true}`) // other source
	id := e.putEvent(t, "shop-bus", "shop.ordering", "CheckoutCompleted", `{"checkoutId":"c-1","total":12.5,"note":"a<b & c"}`)
	body := e.receiveOne(t, "orders", 10*time.Second)
	if body == "" {
		t.Fatal("no message reached the queue")
	}
	ev := decodeJSON(t, body)
	want := map[string]any{
		"version": "0", "id": id, "detail-type": "CheckoutCompleted", "source": "shop.ordering",
		"account": "000000000000", "region": "us-east-1", "resources": []any{},
		"detail": map[string]any{"checkoutId": "c-1", "total": 12.5, "note": "a<b & c"},
	}
	for k, v := range want {
		if fmt.Sprint(ev[k]) != fmt.Sprint(v) {
			t.Errorf("envelope %s = %v, want %v", k, ev[k], v)
		}
	}
	ts, _ := ev["time"].(string)
	if !regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$`).MatchString(ts) {
		t.Errorf("time %q: want RFC 3339 UTC with second precision", ts)
	}
	if at, err := time.Parse(time.RFC3339, ts); err != nil || at.Before(before) {
		t.Errorf("time %q is before the PutEvents call (%v)", ts, before)
	}
	if len(ev) != 9 {
		t.Errorf("envelope has %d fields, want the 9 AWS sends: %s", len(ev), body)
	}
	e.settle(t)
	if extra := e.receiveNow(t, "orders"); extra != "" {
		t.Errorf("unmatched event was delivered too: %s", extra)
	}
}

func TestTargetInputForms(t *testing.T) {
	tests := []struct {
		name   string
		target map[string]any
		want   string
	}{
		{"Input", map[string]any{"Input": `{"kind":"constant"}`}, `{"kind":"constant"}`},
		{"InputPath", map[string]any{"InputPath": "$.detail"}, `{"checkoutId":"c-9","lines":[{"sku":"a"}]}`},
		{"InputTransformer", map[string]any{"InputTransformer": map[string]any{
			"InputPathsMap": map[string]any{"id": "$.detail.checkoutId", "type": "$.detail-type", "sku": "$.detail.lines[0].sku"},
			"InputTemplate": `{"checkout": <id>, "what": "<type> of <sku>"}`,
		}}, `{"checkout": "c-9", "what": "CheckoutCompleted of a"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, nil, eventbridge.Config{})
			target := map[string]any{"Id": "q", "Arn": "arn:aws:sqs:us-east-1:000000000000:orders"}
			for k, v := range tt.target {
				target[k] = v
			}
			e.provision(t, orderTemplate(target)...)
			e.putEvent(t, "shop-bus", "shop.ordering", "CheckoutCompleted", `{"checkoutId":"c-9","lines":[{"sku":"a"}]}`)
			if got := e.receiveOne(t, "orders", 10*time.Second); got != tt.want {
				t.Errorf("delivered %s, want %s", got, tt.want)
			}
		})
	}
}

// A queue whose policy does not let the rule send gets nothing; the event
// goes to the target's dead-letter queue with AWS's attributes.
func TestQueuePolicyEnforcedWithDeadLetter(t *testing.T) {
	e := newEnv(t, nil, eventbridge.Config{})
	resources := []stack.Resource{
		{LogicalID: "Locked", Type: "AWS::SQS::Queue", Properties: map[string]any{"QueueName": "locked"}},
	}
	resources = append(resources, queueWithPolicy("DLQ", "rule-dlq", "arn:aws:events:us-east-1:000000000000:rule/ToLocked")...)
	resources = append(resources, stack.Resource{LogicalID: "ToLocked", Type: "AWS::Events::Rule", Properties: map[string]any{
		"Name": "ToLocked", "EventPattern": map[string]any{"source": []any{"shop.ordering"}},
		"Targets": []any{map[string]any{"Id": "locked", "Arn": "arn:aws:sqs:us-east-1:000000000000:locked",
			"DeadLetterConfig": map[string]any{"Arn": "arn:aws:sqs:us-east-1:000000000000:rule-dlq"}}},
	}})
	created := e.provision(t, resources...)
	if created["ToLocked"].Ref != "ToLocked" {
		t.Errorf("Ref of a default-bus rule = %q, want its name", created["ToLocked"].Ref)
	}
	id := e.putEvent(t, "default", "shop.ordering", "X", `{}`)
	dead := e.receiveOne(t, "rule-dlq", 10*time.Second)
	if dead == "" || decodeJSON(t, dead)["id"] != id {
		t.Fatalf("dead-letter queue got %q, want event %s", dead, id)
	}
	e.settle(t)
	if got := e.receiveNow(t, "locked"); got != "" {
		t.Errorf("queue without a policy received %s", got)
	}
}

func TestLambdaTargetRetriesUntilDelivered(t *testing.T) {
	inv := newRecordingInvoker(2)
	e := newEnv(t, nil, eventbridge.Config{Invoker: inv, RetryBase: 5 * time.Millisecond})
	e.provision(t, stack.Resource{LogicalID: "Projection", Type: "AWS::Events::Rule", Properties: map[string]any{
		"EventPattern": map[string]any{"detail": map[string]any{"price": []any{map[string]any{"numeric": []any{">", 0.0}}}}},
		"Targets":      []any{map[string]any{"Id": "fn", "Arn": "arn:aws:lambda:us-east-1:000000000000:function:catalogprojection"}},
	}})
	id := e.putEvent(t, "default", "shop.catalog", "ProductCreated", `{"productId":"p-1","price":3}`)
	select {
	case payload := <-inv.got:
		if decodeJSON(t, string(payload))["id"] != id {
			t.Errorf("payload %s", payload)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("function not invoked successfully after %d calls", inv.count())
	}
	if n := inv.count(); n != 3 {
		t.Errorf("invocations = %d, want 2 failures and 1 success", n)
	}
}

// An event accepted while its target cannot take it survives a restart
// and is delivered by the next Service on the same state store.
func TestOutboxSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	db, err := state.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	down := newRecordingInvoker(1 << 30)
	e := newEnv(t, db, eventbridge.Config{Invoker: down, RetryBase: time.Hour})
	e.provision(t, stack.Resource{LogicalID: "R", Type: "AWS::Events::Rule", Properties: map[string]any{
		"Name": "r", "EventPattern": map[string]any{"source": []any{"shop.catalog"}},
		"Targets": []any{map[string]any{"Id": "fn", "Arn": "arn:aws:lambda:us-east-1:000000000000:function:f"}},
	}})
	id := e.putEvent(t, "default", "shop.catalog", "ProductCreated", `{"productId":"p-1"}`)
	// Stop only after the first attempt has failed: the restart then has
	// to deliver an event that was tried, not merely accepted.
	for deadline := time.Now().Add(10 * time.Second); down.count() == 0; {
		if time.Now().After(deadline) {
			t.Fatal("the first delivery attempt never happened")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := e.events.Close(ctx); err != nil {
		t.Fatal(err)
	}
	db.Close()

	db2, err := state.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db2.Close() })
	up := newRecordingInvoker(0)
	// The failed attempt scheduled its retry an hour out; the restarted
	// service, with a clock two hours on, finds it due and delivers it.
	later := func() time.Time { return time.Now().Add(2 * time.Hour) }
	newEnv(t, db2, eventbridge.Config{Invoker: up, Now: later})
	select {
	case payload := <-up.got:
		if decodeJSON(t, string(payload))["id"] != id {
			t.Errorf("payload %s", payload)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("event accepted before the restart was never delivered")
	}
}

func TestPutEventsValidation(t *testing.T) {
	e := newEnv(t, nil, eventbridge.Config{})
	out, err := e.ebc.PutEvents(ctx, &awseb.PutEventsInput{Entries: []ebtypes.PutEventsRequestEntry{
		{Source: aws.String("s"), DetailType: aws.String("ok"), Detail: aws.String(`{}`)},
		{DetailType: aws.String("no source"), Detail: aws.String(`{}`)},
		{Source: aws.String("s"), DetailType: aws.String("array detail"), Detail: aws.String(`[1]`)},
		{Source: aws.String("s"), DetailType: aws.String("broken"), Detail: aws.String(`{"a":`)},
		{Source: aws.String("s"), DetailType: aws.String("bus"), Detail: aws.String(`{}`), EventBusName: aws.String("nope")},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if out.FailedEntryCount != 4 {
		t.Errorf("FailedEntryCount = %d, want 4", out.FailedEntryCount)
	}
	want := []string{"", "InvalidArgument", "MalformedDetail", "MalformedDetail", "ResourceNotFoundException"}
	for i, w := range want {
		if got := aws.ToString(out.Entries[i].ErrorCode); got != w {
			t.Errorf("entry %d ErrorCode %q, want %q (%s)", i, got, w, aws.ToString(out.Entries[i].ErrorMessage))
		}
	}
	if out.Entries[0].EventId == nil || out.Entries[1].EventId != nil {
		t.Errorf("EventId only on the accepted entry: %v %v", out.Entries[0].EventId, out.Entries[1].EventId)
	}
	if msg := aws.ToString(out.Entries[1].ErrorMessage); !strings.Contains(msg, "Source") {
		t.Errorf("missing-source message %q does not name the field", msg)
	}

	eleven := make([]ebtypes.PutEventsRequestEntry, 11)
	for i := range eleven {
		eleven[i] = ebtypes.PutEventsRequestEntry{Source: aws.String("s"), DetailType: aws.String("d"), Detail: aws.String(`{}`)}
	}
	huge := `{"x":"` + strings.Repeat("a", 256*1024) + `"}`
	for name, entries := range map[string][]ebtypes.PutEventsRequestEntry{
		"11 entries":  eleven,
		"over 256 KB": {{Source: aws.String("s"), DetailType: aws.String("d"), Detail: &huge}},
	} {
		_, err := e.ebc.PutEvents(ctx, &awseb.PutEventsInput{Entries: entries})
		var api smithy.APIError
		if !errors.As(err, &api) || api.ErrorCode() != "ValidationException" {
			t.Errorf("%s: error %v, want ValidationException", name, err)
		}
	}
}

func TestRuleAPIs(t *testing.T) {
	e := newEnv(t, nil, eventbridge.Config{})
	if _, err := e.ebc.CreateEventBus(ctx, &awseb.CreateEventBusInput{Name: aws.String("shop")}); err != nil {
		t.Fatal(err)
	}
	_, err := e.ebc.PutRule(ctx, &awseb.PutRuleInput{Name: aws.String("bad"), EventBusName: aws.String("shop"), EventPattern: aws.String(`{"source":[{"foo":"x"}]}`)})
	var invalid *ebtypes.InvalidEventPatternException
	if !errors.As(err, &invalid) || !strings.Contains(invalid.ErrorMessage(), "Event pattern is not valid. Reason: Unrecognized match type foo") {
		t.Fatalf("invalid pattern: %v", err)
	}
	rule, err := e.ebc.PutRule(ctx, &awseb.PutRuleInput{Name: aws.String("orders"), EventBusName: aws.String("shop"),
		EventPattern: aws.String(`{"source":["shop.ordering"]}`), Description: aws.String("orders to queue")})
	if err != nil {
		t.Fatal(err)
	}
	if *rule.RuleArn != "arn:aws:events:us-east-1:000000000000:rule/shop/orders" {
		t.Errorf("RuleArn %s", *rule.RuleArn)
	}
	put, err := e.ebc.PutTargets(ctx, &awseb.PutTargetsInput{Rule: aws.String("orders"), EventBusName: aws.String("shop"), Targets: []ebtypes.Target{
		{Id: aws.String("q"), Arn: aws.String("arn:aws:sqs:us-east-1:000000000000:orders")},
		{Id: aws.String("topic"), Arn: aws.String("arn:aws:sns:us-east-1:000000000000:t")},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if put.FailedEntryCount != 1 || *put.FailedEntries[0].TargetId != "topic" {
		t.Errorf("PutTargets failures %+v", put.FailedEntries)
	}
	d, err := e.ebc.DescribeRule(ctx, &awseb.DescribeRuleInput{Name: aws.String("orders"), EventBusName: aws.String("shop")})
	if err != nil || *d.EventPattern != `{"source":["shop.ordering"]}` || d.State != ebtypes.RuleStateEnabled || *d.Description != "orders to queue" {
		t.Fatalf("DescribeRule = %+v, %v", d, err)
	}
	list, err := e.ebc.ListRules(ctx, &awseb.ListRulesInput{EventBusName: aws.String("shop"), NamePrefix: aws.String("ord")})
	if err != nil || len(list.Rules) != 1 || *list.Rules[0].Name != "orders" {
		t.Fatalf("ListRules = %+v, %v", list, err)
	}
	targets, err := e.ebc.ListTargetsByRule(ctx, &awseb.ListTargetsByRuleInput{Rule: aws.String("orders"), EventBusName: aws.String("shop")})
	if err != nil || len(targets.Targets) != 1 || *targets.Targets[0].Id != "q" {
		t.Fatalf("ListTargetsByRule = %+v, %v", targets, err)
	}
	_, err = e.ebc.DeleteRule(ctx, &awseb.DeleteRuleInput{Name: aws.String("orders"), EventBusName: aws.String("shop")})
	var api smithy.APIError
	if !errors.As(err, &api) || api.ErrorCode() != "ValidationException" {
		t.Errorf("DeleteRule with targets: %v", err)
	}
	if _, err := e.ebc.RemoveTargets(ctx, &awseb.RemoveTargetsInput{Rule: aws.String("orders"), EventBusName: aws.String("shop"), Ids: []string{"q"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.ebc.DeleteRule(ctx, &awseb.DeleteRuleInput{Name: aws.String("orders"), EventBusName: aws.String("shop")}); err != nil {
		t.Fatal(err)
	}
	_, err = e.ebc.DescribeRule(ctx, &awseb.DescribeRuleInput{Name: aws.String("orders"), EventBusName: aws.String("shop")})
	var nf *ebtypes.ResourceNotFoundException
	if !errors.As(err, &nf) {
		t.Errorf("DescribeRule after delete: %v", err)
	}
	buses, err := e.ebc.ListEventBuses(ctx, &awseb.ListEventBusesInput{})
	if err != nil || len(buses.EventBuses) != 2 {
		t.Errorf("ListEventBuses = %+v, %v", buses, err)
	}
	if _, err := e.ebc.DescribeEventBus(ctx, &awseb.DescribeEventBusInput{Name: aws.String("shop")}); err != nil {
		t.Error(err)
	}
}

func TestRuleStateAndMissingResources(t *testing.T) {
	e := newEnv(t, nil, eventbridge.Config{})
	if _, err := e.ebc.PutRule(ctx, &awseb.PutRuleInput{Name: aws.String("r"), EventPattern: aws.String(`{"source":["s"]}`)}); err != nil {
		t.Fatal(err)
	}
	for _, step := range []struct {
		toggle func() error
		want   ebtypes.RuleState
	}{
		{func() error {
			_, err := e.ebc.DisableRule(ctx, &awseb.DisableRuleInput{Name: aws.String("r")})
			return err
		}, ebtypes.RuleStateDisabled},
		{func() error {
			_, err := e.ebc.EnableRule(ctx, &awseb.EnableRuleInput{Name: aws.String("r")})
			return err
		}, ebtypes.RuleStateEnabled},
	} {
		if err := step.toggle(); err != nil {
			t.Fatal(err)
		}
		d, err := e.ebc.DescribeRule(ctx, &awseb.DescribeRuleInput{Name: aws.String("r")})
		if err != nil || d.State != step.want {
			t.Errorf("DescribeRule = %+v, %v; want state %s", d, err, step.want)
		}
	}

	tests := []struct {
		name     string
		call     func() error
		contains string
	}{
		{"put rule on missing bus", func() error {
			_, err := e.ebc.PutRule(ctx, &awseb.PutRuleInput{Name: aws.String("x"), EventBusName: aws.String("nope"), EventPattern: aws.String(`{"source":["s"]}`)})
			return err
		}, "Event bus nope does not exist."},
		{"list rules on missing bus", func() error {
			_, err := e.ebc.ListRules(ctx, &awseb.ListRulesInput{EventBusName: aws.String("nope")})
			return err
		}, "Event bus nope does not exist."},
		{"describe missing bus", func() error {
			_, err := e.ebc.DescribeEventBus(ctx, &awseb.DescribeEventBusInput{Name: aws.String("nope")})
			return err
		}, "Event bus nope does not exist."},
		{"disable missing rule", func() error {
			_, err := e.ebc.DisableRule(ctx, &awseb.DisableRuleInput{Name: aws.String("ghost")})
			return err
		}, "Rule ghost does not exist on EventBus default."},
		{"remove targets of missing rule", func() error {
			_, err := e.ebc.RemoveTargets(ctx, &awseb.RemoveTargetsInput{Rule: aws.String("ghost"), Ids: []string{"t"}})
			return err
		}, "Rule ghost does not exist on EventBus default."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			var nf *ebtypes.ResourceNotFoundException
			if !errors.As(err, &nf) || nf.ErrorMessage() != tt.contains {
				t.Errorf("err = %v, want ResourceNotFoundException %q", err, tt.contains)
			}
		})
	}
	if _, err := e.ebc.DescribeRule(ctx, &awseb.DescribeRuleInput{Name: aws.String("x"), EventBusName: aws.String("nope")}); err == nil {
		t.Error("a rule was created on a missing bus")
	}
}

func TestTestEventPatternAPI(t *testing.T) {
	e := newEnv(t, nil, eventbridge.Config{})
	event := `{"id":"1","account":"000000000000","source":"shop.catalog","time":"2026-01-01T00:00:00Z","region":"us-east-1","resources":[],"detail-type":"ProductCreated","detail":{"price":5}}`
	tests := []struct {
		pattern string
		want    bool
	}{
		{`{"source":["shop.catalog"],"detail":{"price":[{"numeric":[">",1]}]}}`, true},
		{`{"detail":{"price":["5"]}}`, false},
	}
	for _, tt := range tests {
		out, err := e.ebc.TestEventPattern(ctx, &awseb.TestEventPatternInput{EventPattern: &tt.pattern, Event: &event})
		if err != nil {
			t.Fatal(err)
		}
		if out.Result != tt.want {
			t.Errorf("TestEventPattern(%s) = %v, want %v", tt.pattern, out.Result, tt.want)
		}
	}
	_, err := e.ebc.TestEventPattern(ctx, &awseb.TestEventPatternInput{EventPattern: aws.String(`{"source":["x"]}`), Event: aws.String(`{"source":"x"}`)})
	var api smithy.APIError
	if !errors.As(err, &api) || api.ErrorCode() != "ValidationException" || !strings.Contains(api.ErrorMessage(), "id") {
		t.Errorf("event without mandatory fields: %v", err)
	}
}

func TestArchiveKeepsMatchingEvents(t *testing.T) {
	e := newEnv(t, nil, eventbridge.Config{})
	e.provision(t,
		stack.Resource{LogicalID: "Bus", Type: "AWS::Events::EventBus", Properties: map[string]any{"Name": "shop"}},
		stack.Resource{LogicalID: "Audit", Type: "AWS::Events::Archive", Properties: map[string]any{
			"ArchiveName": "audit", "SourceArn": "arn:aws:events:us-east-1:000000000000:event-bus/shop",
			"EventPattern": map[string]any{"source": []any{map[string]any{"prefix": "shop."}}}, "RetentionDays": 30.0,
		}},
	)
	kept := e.putEvent(t, "shop", "shop.ordering", "OrderPlaced", `{"n":1}`)
	e.putEvent(t, "shop", "other", "Noise", `{}`)
	e.putEvent(t, "default", "shop.ordering", "OtherBus", `{}`)
	events, err := e.events.ArchivedEvents("audit")
	if err != nil {
		t.Fatal(err)
	}
	if len(events) != 1 || decodeJSON(t, string(events[0]))["id"] != kept {
		t.Fatalf("archive holds %d events, want only %s", len(events), kept)
	}
	d, err := e.ebc.DescribeArchive(ctx, &awseb.DescribeArchiveInput{ArchiveName: aws.String("audit")})
	if err != nil || d.EventCount != 1 || d.RetentionDays == nil || *d.RetentionDays != 30 {
		t.Errorf("DescribeArchive = %+v, %v", d, err)
	}
}

func TestStepFunctionsTarget(t *testing.T) {
	e := newEnv(t, nil, eventbridge.Config{})
	started := make(chan map[string]any, 4)
	// A stand-in for the Step Functions service at the edge of this test.
	e.srv.Register("AWSStepFunctions", "1.0", "", func(_ context.Context, op string, body []byte) (any, error) {
		started <- decodeJSON(t, string(body))
		return map[string]any{"executionArn": "arn:x", "startDate": 0}, nil
	})
	machine := "arn:aws:states:us-east-1:000000000000:stateMachine:Checkout"
	e.provision(t, stack.Resource{LogicalID: "R", Type: "AWS::Events::Rule", Properties: map[string]any{
		"EventPattern": map[string]any{"detail-type": []any{"CheckoutRequested"}},
		"Targets":      []any{map[string]any{"Id": "sfn", "Arn": machine, "InputPath": "$.detail", "RoleArn": "arn:aws:iam::000000000000:role/r"}},
	}})
	e.putEvent(t, "default", "shop.basket", "CheckoutRequested", `{"checkoutId":"c-7"}`)
	select {
	case in := <-started:
		name, _ := in["name"].(string)
		if in["stateMachineArn"] != machine || in["input"] != `{"checkoutId":"c-7"}` || len(name) != 36 {
			t.Errorf("StartExecution input %v", in)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("StartExecution not called")
	}
}

func TestPutEventsTimeAndResourcesReachPatternAndEnvelope(t *testing.T) {
	e := newEnv(t, nil, eventbridge.Config{})
	ruleARN := "arn:aws:events:us-east-1:000000000000:rule/October"
	resources := queueWithPolicy("Q", "october", ruleARN)
	resources = append(resources, stack.Resource{LogicalID: "October", Type: "AWS::Events::Rule", Properties: map[string]any{
		"Name": "October", "EventPattern": map[string]any{
			"time":      []any{map[string]any{"prefix": "2017-10-02"}},
			"resources": []any{map[string]any{"wildcard": "arn:aws:ec2:*:instance/*"}},
		},
		"Targets": []any{map[string]any{"Id": "q", "Arn": "arn:aws:sqs:us-east-1:000000000000:october"}},
	}})
	e.provision(t, resources...)
	at := time.Date(2017, 10, 2, 15, 32, 11, 500_000_000, time.UTC)
	instance := "arn:aws:ec2:us-east-1:123456789012:instance/i-1"
	for _, when := range []time.Time{at.Add(24 * time.Hour), at} {
		if _, err := e.ebc.PutEvents(ctx, &awseb.PutEventsInput{Entries: []ebtypes.PutEventsRequestEntry{{
			Source: aws.String("aws.ec2"), DetailType: aws.String("State"), Detail: aws.String(`{}`),
			Time: aws.Time(when), Resources: []string{instance},
		}}}); err != nil {
			t.Fatal(err)
		}
	}
	ev := decodeJSON(t, e.receiveOne(t, "october", 10*time.Second))
	if ev["time"] != "2017-10-02T15:32:11Z" || fmt.Sprint(ev["resources"]) != "["+instance+"]" {
		t.Errorf("envelope time %v resources %v", ev["time"], ev["resources"])
	}
	e.settle(t)
	if extra := e.receiveNow(t, "october"); extra != "" {
		t.Errorf("event of another day delivered: %s", extra)
	}
}
