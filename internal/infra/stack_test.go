package infra_test

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/shopstream/shopstream/emulator/gopackage"
	"github.com/shopstream/shopstream/internal/config"
	"github.com/shopstream/shopstream/internal/infra"
)

func TestValidateStage(t *testing.T) {
	for _, tt := range []struct {
		stage string
		ok    bool
	}{
		{"dev", true}, {"prod", true}, {"pr-123", true}, {"a", true},
		{"", false}, {"Dev", false}, {"1dev", false}, {"dev_1", false}, {"dev stage", false},
		{strings.Repeat("a", 21), false},
	} {
		err := infra.ValidateStage(tt.stage)
		if (err == nil) != tt.ok {
			t.Errorf("ValidateStage(%q) = %v, want ok=%v", tt.stage, err, tt.ok)
		}
		if err != nil && !strings.Contains(err.Error(), fmt.Sprintf("%q", tt.stage)) {
			t.Errorf("error %q does not name the stage", err)
		}
	}
}

func TestStackResourceCounts(t *testing.T) {
	synth(t)
	tpl := synthesized.template
	const queues = 7
	for typ, n := range map[string]int{
		"AWS::Lambda::Function":            len(config.Functions()),
		"AWS::IAM::Role":                   len(config.Functions()) + 2, // + the state machine's, API Gateway's CloudWatch Logs role
		"AWS::ApiGateway::Method":          len(infra.Routes()),
		"AWS::Lambda::Permission":          len(infra.Routes()) + 2, // + the catalog rule's, the sweeper rule's
		"AWS::DynamoDB::Table":             3,                       // events, catalog, orders
		"AWS::Lambda::EventSourceMapping":  2,                       // stream → publisher, queue → ordering
		"AWS::Events::EventBus":            1,
		"AWS::Events::Archive":             1,
		"AWS::Events::Rule":                3,      // BasketCheckedOut, catalog events, ended checkouts
		"AWS::SQS::Queue":                  queues, // order queue, its DLQ, its delivery failures, publish failures, catalog delivery and projection failures, sweep failures
		"AWS::Lambda::EventInvokeConfig":   2,      // the catalog projector's and the sweeper's on-failure destinations
		"AWS::StepFunctions::StateMachine": 1,
		"AWS::ApiGateway::RestApi":         1,
		"AWS::ApiGateway::Stage":           1,
		"AWS::ApiGateway::Authorizer":      1,
		"AWS::ApiGateway::Account":         1, // names the CloudWatch Logs role access logging needs
		"AWS::Cognito::UserPool":           1,
		"AWS::Cognito::UserPoolClient":     1,
		"AWS::Cognito::UserPoolGroup":      1,                           // admin
		"AWS::Logs::LogGroup":              len(config.Functions()) + 2, // + API access logs, workflow logs
		"AWS::SecretsManager::Secret":      1,                           // the deployment secret
		// One per failure queue (every queue but OrderQueue), 3 for checkout
		// executions, 2 per function, the publisher's lag, API 5XX and
		// latency, forged events.
		"AWS::CloudWatch::Alarm":     queues - 1 + 3 + 2*len(config.Functions()) + 1 + 2 + 1,
		"AWS::CloudWatch::Dashboard": 1,
		"AWS::SNS::Topic":            1, // the alarms'
		"AWS::SNS::TopicPolicy":      1,
		"AWS::KMS::Key":              1, // encrypts the alarm topic
	} {
		tpl.ResourceCountIs(jsii.String(typ), jsii.Number(n))
	}
	// Nothing unexpected: every type in the template is one counted above
	// or a supporting type CDK adds.
	known := []string{"AWS::IAM::Policy", "AWS::SQS::QueuePolicy", "AWS::ApiGateway::Resource",
		"AWS::ApiGateway::Deployment", "AWS::CDK::Metadata"}
	counted := []string{"AWS::Lambda::Function", "AWS::IAM::Role", "AWS::ApiGateway::Method",
		"AWS::Lambda::Permission", "AWS::DynamoDB::Table", "AWS::Lambda::EventSourceMapping",
		"AWS::Events::EventBus", "AWS::Events::Archive", "AWS::Events::Rule", "AWS::SQS::Queue",
		"AWS::StepFunctions::StateMachine", "AWS::ApiGateway::RestApi", "AWS::ApiGateway::Stage", "AWS::Logs::LogGroup",
		"AWS::ApiGateway::Authorizer", "AWS::Cognito::UserPool", "AWS::Cognito::UserPoolClient", "AWS::Cognito::UserPoolGroup",
		"AWS::SecretsManager::Secret", "AWS::ApiGateway::Account", "AWS::Lambda::EventInvokeConfig",
		"AWS::CloudWatch::Alarm", "AWS::CloudWatch::Dashboard", "AWS::SNS::Topic", "AWS::SNS::TopicPolicy", "AWS::KMS::Key"}
	for id, r := range synthesized.raw.Resources {
		if !slices.Contains(known, r.Type) && !slices.Contains(counted, r.Type) {
			t.Errorf("unexpected resource %s of type %s", id, r.Type)
		}
	}
}

func TestTables(t *testing.T) {
	synth(t)
	s, tpl := synthesized.dev, synthesized.template
	events := synthesized.raw.Resources[logicalID(s.Events)]
	if events.DeletionPolicy != "Retain" {
		t.Errorf("event store DeletionPolicy = %q, want Retain", events.DeletionPolicy)
	}
	tpl.HasResource(jsii.String("AWS::DynamoDB::Table"), map[string]any{
		"DeletionPolicy": "Retain",
		"Properties": map[string]any{
			"KeySchema": []any{
				map[string]any{"AttributeName": infra.EventsPartitionKey, "KeyType": "HASH"},
				map[string]any{"AttributeName": infra.EventsSortKey, "KeyType": "RANGE"},
			},
			"BillingMode":                      "PAY_PER_REQUEST",
			"StreamSpecification":              map[string]any{"StreamViewType": "NEW_IMAGE"},
			"PointInTimeRecoverySpecification": map[string]any{"PointInTimeRecoveryEnabled": true},
			"GlobalSecondaryIndexes": []any{map[string]any{
				"IndexName": infra.EventsGlobalIndex,
				"KeySchema": []any{
					map[string]any{"AttributeName": infra.EventsGlobalIndexPK, "KeyType": "HASH"},
					map[string]any{"AttributeName": infra.EventsGlobalIndexSK, "KeyType": "RANGE"},
				},
				"Projection": map[string]any{"ProjectionType": "ALL"},
			}},
		},
	})
	tpl.HasResourceProperties(jsii.String("AWS::DynamoDB::Table"), map[string]any{
		"KeySchema": []any{map[string]any{"AttributeName": infra.CatalogPartitionKey, "KeyType": "HASH"}},
		"GlobalSecondaryIndexes": []any{assertions.Match_ObjectLike(&map[string]any{
			"IndexName": infra.CatalogByCategory,
			"KeySchema": []any{
				map[string]any{"AttributeName": infra.CatalogCategoryKey, "KeyType": "HASH"},
				map[string]any{"AttributeName": infra.CatalogPartitionKey, "KeyType": "RANGE"},
			},
		})},
		"BillingMode": "PAY_PER_REQUEST",
	})
	tpl.HasResourceProperties(jsii.String("AWS::DynamoDB::Table"), map[string]any{
		"KeySchema": []any{
			map[string]any{"AttributeName": infra.OrdersPartitionKey, "KeyType": "HASH"},
			map[string]any{"AttributeName": infra.OrdersSortKey, "KeyType": "RANGE"},
		},
		"GlobalSecondaryIndexes": []any{assertions.Match_ObjectLike(&map[string]any{
			"IndexName": infra.OrdersByOrderID,
			"KeySchema": []any{map[string]any{"AttributeName": infra.OrdersOrderIDKey, "KeyType": "HASH"}},
		})},
		"BillingMode": "PAY_PER_REQUEST",
	})
}

// functionsByName maps each config.Function name to its function's logical
// id, found by the Go package the function is stamped with.
func functionsByName(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{}
	for id, r := range synthesized.raw.ofType("AWS::Lambda::Function") {
		pkg := gopackage.Of(r.Metadata)
		name, ok := strings.CutPrefix(pkg, "./lambdas/")
		if !ok {
			t.Errorf("function %s: metadata %s = %q, want ./lambdas/<name>", id, gopackage.MetadataKey, pkg)
			continue
		}
		out[name] = id
	}
	return out
}

// resourceFor maps each config variable to the logical id of what it names.
func resourceFor() map[string]string {
	s := synthesized.dev
	return map[string]string{
		config.EventsTable:             logicalID(s.Events),
		config.CatalogTable:            logicalID(s.ReadModels.Catalog),
		config.OrdersTable:             logicalID(s.ReadModels.Orders),
		config.EventBusName:            logicalID(s.EventBus.Bus),
		config.CheckoutStateMachineARN: logicalID(s.Checkout.StateMachine),
		config.OrderQueueURL:           logicalID(s.Ordering.Queue),
		config.DeploymentSecretARN:     logicalID(s.Secret),
	}
}

// Every function is a stamped provided.al2023 arm64 Go binary with tracing,
// and its environment is exactly its config variables, each referring to
// the resource it names.
func TestFunctionsAndEnvironment(t *testing.T) {
	synth(t)
	byName := functionsByName(t)
	targets := resourceFor()
	for _, f := range config.Functions() {
		id, ok := byName[f.Name]
		if !ok {
			t.Errorf("no function stamped with %s", f.Package())
			continue
		}
		p := synthesized.raw.Resources[id].Properties
		for key, want := range map[string]any{
			"Runtime": "provided.al2023", "Handler": "bootstrap",
			"Architectures": []any{"arm64"}, "TracingConfig": map[string]any{"Mode": "Active"},
		} {
			if !reflect.DeepEqual(p[key], want) {
				t.Errorf("%s: %s = %v, want %v", f.Name, key, p[key], want)
			}
		}
		vars, _ := p["Environment"].(map[string]any)["Variables"].(map[string]any)
		var got []string
		for k := range vars {
			got = append(got, k)
		}
		want := f.Names()
		sort.Strings(got)
		sort.Strings(want)
		if !slices.Equal(got, want) {
			t.Errorf("%s: environment %v, want %v", f.Name, got, want)
		}
		for _, v := range f.Vars {
			if v.Name == config.Stage {
				if vars[v.Name] != "dev" {
					t.Errorf("%s: %s = %v, want dev", f.Name, v.Name, vars[v.Name])
				}
				continue
			}
			if !reflect.DeepEqual(vars[v.Name], ref(targets[v.Name])) {
				t.Errorf("%s: %s = %v, want a Ref to %s", f.Name, v.Name, vars[v.Name], targets[v.Name])
			}
		}
	}
}

// statements returns the IAM statements attached to the role of the
// function with logical id fn.
func statements(t *testing.T, fn string) []map[string]any {
	t.Helper()
	role := synthesized.raw.Resources[fn].Properties["Role"].(map[string]any)["Fn::GetAtt"].([]any)[0].(string)
	var out []map[string]any
	for _, r := range synthesized.raw.ofType("AWS::IAM::Policy") {
		if !slices.ContainsFunc(r.Properties["Roles"].([]any), func(x any) bool { return reflect.DeepEqual(x, ref(role)) }) {
			continue
		}
		for _, s := range r.Properties["PolicyDocument"].(map[string]any)["Statement"].([]any) {
			out = append(out, s.(map[string]any))
		}
	}
	if mp := synthesized.raw.Resources[role].Properties["ManagedPolicyArns"]; mp != nil {
		t.Errorf("%s: role has managed policies %v", fn, mp)
	}
	return out
}

func actions(s map[string]any) []string {
	switch a := s["Action"].(type) {
	case string:
		return []string{a}
	case []any:
		var out []string
		for _, x := range a {
			out = append(out, x.(string))
		}
		return out
	}
	return nil
}

// stmt is an IAM statement of a function's role in a form a table can
// spell: the resource by name (see resourceNames), the actions sorted and
// joined, and the condition as JSON ("" for none).
type stmt struct {
	resource, actions, condition string
}

func (s stmt) String() string {
	return fmt.Sprintf("{%s: %s %s}", s.resource, s.actions, s.condition)
}

// render spells a template value of a Resource element: Ref and GetAtt as
// <id> and <id.Attr>, joins joined, selects and splits spelled out.
func render(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case map[string]any:
		if id, ok := x["Ref"].(string); ok {
			return "<" + id + ">"
		}
		if g, ok := x["Fn::GetAtt"].([]any); ok {
			return fmt.Sprintf("<%v.%v>", g[0], g[1])
		}
		if j, ok := x["Fn::Join"].([]any); ok {
			var parts []string
			for _, p := range j[1].([]any) {
				parts = append(parts, render(p))
			}
			return strings.Join(parts, j[0].(string))
		}
		if sel, ok := x["Fn::Select"].([]any); ok {
			return fmt.Sprintf("<select %v of %s>", sel[0], render(sel[1]))
		}
		if sp, ok := x["Fn::Split"].([]any); ok {
			return fmt.Sprintf("<split %q %s>", sp[0], render(sp[1]))
		}
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// resourceNames maps the rendered resources of the stack's statements to
// the names the policy table uses; logs is the logical id of the
// function's own log group.
func resourceNames(logs string) map[string]string {
	s := synthesized.dev
	events, catalog, orders := logicalID(s.Events), logicalID(s.ReadModels.Catalog), logicalID(s.ReadModels.Orders)
	machine := logicalID(s.Checkout.StateMachine)
	return map[string]string{
		"*":                                 "*",
		"<" + logs + ".Arn>":                "own log group",
		"<" + events + ".Arn>":              "events",
		"<" + events + ".Arn>/index/byTime": "events/index/byTime",
		"<" + events + ".StreamArn>":        "events stream",
		"<" + catalog + ".Arn>":             "catalog",
		"<" + catalog + ".Arn>/index/" + infra.CatalogByCategory: "catalog/index/byCategory",
		"<" + orders + ".Arn>":                                  "orders",
		"<" + orders + ".Arn>/index/" + infra.OrdersByOrderID:   "orders/index/byOrderId",
		"<" + logicalID(s.EventBus.Bus) + ".Arn>":               "bus",
		"<" + logicalID(s.EventBus.PublishFailures) + ".Arn>":   "publish failures",
		"<" + logicalID(s.Ordering.Queue) + ".Arn>":             "order queue",
		"<" + logicalID(s.Catalog.ProjectionFailures) + ".Arn>": "projection failures",
		"<" + logicalID(s.Sweeper.Failures) + ".Arn>":           "sweep failures",
		"<" + machine + ">":                                     "machine",
		"<" + logicalID(s.Secret) + ">":                         "deployment secret",
		"arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:<select 6 of <split \":\" <" + machine + ">>>:*": "machine executions",
	}
}

// policy returns the statements of the role of the function with logical
// id fn, spelled as stmts.
func policy(t *testing.T, fn string) []stmt {
	t.Helper()
	logs := synthesized.raw.Resources[fn].Properties["LoggingConfig"].(map[string]any)["LogGroup"].(map[string]any)["Ref"].(string)
	names := resourceNames(logs)
	var out []stmt
	for _, s := range statements(t, fn) {
		if s["Effect"] != "Allow" {
			t.Errorf("%s: statement %v is not an Allow", fn, s)
		}
		acts := actions(s)
		sort.Strings(acts)
		cond := ""
		if c, ok := s["Condition"]; ok {
			b, _ := json.Marshal(c)
			cond = string(b)
		}
		resources, ok := s["Resource"].([]any)
		if !ok {
			resources = []any{s["Resource"]}
		}
		for _, r := range resources {
			name, ok := names[render(r)]
			if !ok {
				name = "unknown " + render(r)
			}
			out = append(out, stmt{name, strings.Join(acts, ","), cond})
		}
	}
	slices.SortFunc(out, func(a, b stmt) int { return strings.Compare(a.String(), b.String()) })
	return out
}

// Each function's role allows exactly what its code calls, on exactly the
// resources (and, for the event store, the streams) it touches: the table
// below is written out by hand from the handlers, not derived from
// config, so a grant added or widened anywhere fails here.
func TestRolePolicies(t *testing.T) {
	synth(t)
	const (
		appendActs = "dynamodb:GetItem,dynamodb:PutItem,dynamodb:Query"
		query      = "dynamodb:Query"
		readSecret = "secretsmanager:GetSecretValue"
	)
	leading := func(prefixes ...string) string {
		var q []string
		for _, p := range prefixes {
			q = append(q, fmt.Sprintf("%q", p+"*"))
		}
		return `{"ForAllValues:StringLike":{"dynamodb:LeadingKeys":[` + strings.Join(q, ",") + `]}}`
	}
	common := []stmt{
		{"own log group", "logs:CreateLogStream,logs:PutLogEvents", ""},
		{"*", "xray:PutTelemetryRecords,xray:PutTraceSegments", ""},
	}
	want := map[string][]stmt{
		config.CatalogAPI.Name: {
			{"events", appendActs, leading("product-")},
			{"catalog", "dynamodb:Scan", ""},
			{"catalog/index/byCategory", query, ""},
			{"deployment secret", readSecret, ""}, // cursor key
		},
		config.BasketAPI.Name: {
			{"events", appendActs, leading("basket-")},
			{"events", query, leading("product-")},
			{"events/index/byTime", query, ""}, // GET /basket: ReadAll
			{"machine", "states:StartExecution", ""},
			{"machine executions", "states:DescribeExecution", ""},
			{"deployment secret", readSecret, ""}, // card token and cursor key
		},
		config.OrderAPI.Name: {
			{"events", query, leading("product-", "basket-", "order-")},
			{"orders", query, ""},
			{"orders/index/byOrderId", query, ""},
			{"orders", "dynamodb:Scan", ""},       // GET /order
			{"deployment secret", readSecret, ""}, // cursor key
		},
		config.Publisher.Name: {
			{"bus", "events:PutEvents", `{"StringEquals":{"events:source":["shopstream.basket","shopstream.catalog","shopstream.ordering"]}}`},
			// The stream event source and its on-failure destination (CDK's grants).
			{"events stream", "dynamodb:DescribeStream,dynamodb:GetRecords,dynamodb:GetShardIterator", ""},
			{"*", "dynamodb:ListStreams", ""},
			{"publish failures", "sqs:GetQueueAttributes,sqs:GetQueueUrl,sqs:SendMessage", ""},
		},
		config.Ordering.Name: {
			{"events", appendActs, leading("order-")},
			{"events", query, leading("basket-")}, // checks BasketCheckedOut against the store
			{"orders", "dynamodb:PutItem", ""},
			// The queue event source (CDK's grant).
			{"order queue", "sqs:ChangeMessageVisibility,sqs:DeleteMessage,sqs:GetQueueAttributes,sqs:GetQueueUrl,sqs:ReceiveMessage", ""},
		},
		config.CatalogProjection.Name: {
			{"events", query, leading("product-")},
			{"catalog", "dynamodb:PutItem", ""},
			// Its on-failure destination (CDK's grant): Lambda sends the
			// record with the function's role.
			{"projection failures", "sqs:GetQueueAttributes,sqs:GetQueueUrl,sqs:SendMessage", ""},
		},
		config.PriceBasket.Name: {
			{"events", appendActs, leading("basket-")},
			{"events", query, leading("product-")},
		},
		config.ReserveStock.Name:     {{"events", appendActs, leading("product-")}},
		config.AuthorizePayment.Name: nil,
		config.ConfirmCheckout.Name:  {{"events", appendActs, leading("basket-")}},
		config.ReleaseStock.Name: {
			{"events", appendActs, leading("product-")},
			{"events", query, leading("basket-")}, // is the checkout confirmed after all?
		},
		config.RecordCheckoutFailed.Name: {{"events", appendActs, leading("basket-")}},
		config.CheckoutSweeper.Name: {
			{"events", appendActs, leading("basket-", "product-")},
			{"machine executions", "states:DescribeExecution", ""}, // the execution's status and input
			// The on-failure destination (CDK's grant).
			{"sweep failures", "sqs:GetQueueAttributes,sqs:GetQueueUrl,sqs:SendMessage", ""},
		},
	}
	byName := functionsByName(t)
	if len(want) != len(config.Functions()) {
		t.Fatalf("the table has %d functions, the stack %d", len(want), len(config.Functions()))
	}
	for name, stmts := range want {
		id, ok := byName[name]
		if !ok {
			t.Errorf("no function %s", name)
			continue
		}
		exp := append(slices.Clone(common), stmts...)
		slices.SortFunc(exp, func(a, b stmt) int { return strings.Compare(a.String(), b.String()) })
		if got := policy(t, id); !slices.Equal(got, exp) {
			t.Errorf("%s: role allows\n  %v\nwant\n  %v", name, got, exp)
		}
	}
}

// Resource "*" (the IAM5 suppression's finding) is allowed only for the
// actions that have no resource-level permissions, and no statement
// allows what an append-only store must never do.
func TestNoWildcards(t *testing.T) {
	synth(t)
	star := []string{"xray:PutTraceSegments", "xray:PutTelemetryRecords", "dynamodb:ListStreams"}
	never := []string{"dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem", "dynamodb:PartiQLUpdate", "dynamodb:PartiQLDelete"}
	for name, id := range functionsByName(t) {
		for _, s := range statements(t, id) {
			for _, a := range actions(s) {
				if a == "*" || strings.HasSuffix(a, ":*") || slices.Contains(never, a) {
					t.Errorf("%s allows %s", name, a)
				}
				if s["Resource"] == "*" && !slices.Contains(star, a) {
					t.Errorf("%s allows %s on every resource", name, a)
				}
				if a == "dynamodb:ListStreams" && name != config.Publisher.Name {
					t.Errorf("%s lists streams", name)
				}
			}
			if strings.Contains(render(s["Resource"]), "/index/*") {
				t.Errorf("%s: a grant on every index: %v", name, s)
			}
		}
	}
}

// The statements config's uses produce are the ones its Op table names.
func TestGrantsFollowConfig(t *testing.T) {
	synth(t)
	byName := functionsByName(t)
	for _, f := range config.Functions() {
		got := map[string]bool{}
		for _, s := range statements(t, byName[f.Name]) {
			for _, a := range actions(s) {
				got[a] = true
			}
		}
		for _, v := range f.Vars {
			for _, u := range v.Uses {
				for _, a := range u.Op.Actions() {
					if !got[a] {
						t.Errorf("%s: %s %s: %s not granted", f.Name, v.Name, u, a)
					}
				}
			}
		}
	}
}

// The stream feeds the publisher with partial-batch responses, bisection,
// bounded retries and an SQS on-failure destination.
func TestStreamToPublisher(t *testing.T) {
	synth(t)
	s := synthesized.dev
	synthesized.template.HasResourceProperties(jsii.String("AWS::Lambda::EventSourceMapping"), map[string]any{
		"EventSourceArn":             getAtt(logicalID(s.Events), "StreamArn"),
		"FunctionName":               ref(logicalID(s.EventBus.Publisher)),
		"FunctionResponseTypes":      []any{"ReportBatchItemFailures"},
		"BisectBatchOnFunctionError": true,
		"MaximumRetryAttempts":       assertions.Match_AnyValue(),
		"DestinationConfig": map[string]any{"OnFailure": map[string]any{
			"Destination": getAtt(logicalID(s.EventBus.PublishFailures), "Arn"),
		}},
	})
	for _, r := range synthesized.raw.ofType("AWS::Lambda::EventSourceMapping") {
		if n, ok := r.Properties["MaximumRetryAttempts"].(float64); ok && (n < 0 || n > 100) {
			t.Errorf("stream retries %v: must be bounded", n)
		}
	}
}

// BasketCheckedOut from shopstream.basket → rule → OrderQueue (DLQ, encryption, TLS only) → ordering.
func TestCheckoutToOrdering(t *testing.T) {
	synth(t)
	s, tpl := synthesized.dev, synthesized.template
	queue, dlq, consumer := logicalID(s.Ordering.Queue), logicalID(s.Ordering.DLQ), logicalID(s.Ordering.Consumer)
	tpl.HasResourceProperties(jsii.String("AWS::Events::Rule"), map[string]any{
		"EventBusName": ref(logicalID(s.EventBus.Bus)),
		"EventPattern": map[string]any{"source": []any{infra.BasketSource}, "detail-type": []any{infra.BasketCheckedOut}},
		"Targets": []any{assertions.Match_ObjectLike(&map[string]any{
			"Arn":              getAtt(queue, "Arn"),
			"RetryPolicy":      map[string]any{"MaximumRetryAttempts": 20, "MaximumEventAgeInSeconds": 3600},
			"DeadLetterConfig": map[string]any{"Arn": getAtt(logicalID(s.Ordering.DeliveryFailures), "Arn")},
		})},
	})
	// EventBridge may send to the failure queue, only for this rule.
	tpl.HasResourceProperties(jsii.String("AWS::SQS::QueuePolicy"), map[string]any{
		"Queues": []any{ref(logicalID(s.Ordering.DeliveryFailures))},
		"PolicyDocument": map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{
			assertions.Match_ObjectLike(&map[string]any{
				"Effect":    "Allow",
				"Action":    "sqs:SendMessage",
				"Principal": map[string]any{"Service": "events.amazonaws.com"},
				"Condition": map[string]any{"ArnEquals": map[string]any{"aws:SourceArn": getAtt(logicalID(s.Ordering.Rule), "Arn")}},
			}),
		})},
	})
	q := synthesized.raw.Resources[queue].Properties
	if got := q["RedrivePolicy"]; !reflect.DeepEqual(got, map[string]any{
		"deadLetterTargetArn": getAtt(dlq, "Arn"), "maxReceiveCount": float64(5)}) {
		t.Errorf("OrderQueue redrive = %v, want the DLQ after 5 receives", got)
	}
	timeout := synthesized.raw.Resources[consumer].Properties["Timeout"].(float64)
	if vis := q["VisibilityTimeout"].(float64); vis < 6*timeout {
		t.Errorf("OrderQueue visibility %vs < 6 × consumer timeout %vs", vis, timeout)
	}
	tpl.HasResourceProperties(jsii.String("AWS::Lambda::EventSourceMapping"), map[string]any{
		"EventSourceArn":        getAtt(queue, "Arn"),
		"FunctionName":          ref(consumer),
		"FunctionResponseTypes": []any{"ReportBatchItemFailures"},
		"BatchSize":             assertions.Match_AnyValue(),
	})
	for _, r := range synthesized.raw.ofType("AWS::Lambda::EventSourceMapping") {
		if reflect.DeepEqual(r.Properties["EventSourceArn"], getAtt(queue, "Arn")) && r.Properties["BatchSize"].(float64) <= 1 {
			t.Errorf("ordering batch size %v, want > 1", r.Properties["BatchSize"])
		}
	}
	// Every queue is encrypted and refuses plain HTTP.
	for id, r := range synthesized.raw.ofType("AWS::SQS::Queue") {
		if r.Properties["SqsManagedSseEnabled"] != true {
			t.Errorf("queue %s is not encrypted", id)
		}
		tpl.HasResourceProperties(jsii.String("AWS::SQS::QueuePolicy"), map[string]any{
			"Queues": []any{ref(id)},
			"PolicyDocument": map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{
				assertions.Match_ObjectLike(&map[string]any{
					"Effect":    "Deny",
					"Condition": map[string]any{"Bool": map[string]any{"aws:SecureTransport": "false"}},
				}),
			})},
		})
	}
}

func TestCatalogProjectionAndArchive(t *testing.T) {
	synth(t)
	s, tpl := synthesized.dev, synthesized.template
	tpl.HasResourceProperties(jsii.String("AWS::Events::Rule"), map[string]any{
		"EventBusName": ref(logicalID(s.EventBus.Bus)),
		"EventPattern": map[string]any{"source": []any{infra.CatalogSource}},
		"Targets": []any{assertions.Match_ObjectLike(&map[string]any{
			"Arn":              getAtt(logicalID(s.Catalog.Projector), "Arn"),
			"RetryPolicy":      map[string]any{"MaximumRetryAttempts": 20, "MaximumEventAgeInSeconds": 86400},
			"DeadLetterConfig": map[string]any{"Arn": getAtt(logicalID(s.Catalog.DeliveryFailures), "Arn")},
		})},
	})
	// The projector's own failures, after Lambda's asynchronous retries,
	// go to a queue of their own.
	tpl.HasResourceProperties(jsii.String("AWS::Lambda::EventInvokeConfig"), map[string]any{
		"FunctionName":             ref(logicalID(s.Catalog.Projector)),
		"Qualifier":                "$LATEST",
		"MaximumRetryAttempts":     2,
		"MaximumEventAgeInSeconds": 3600,
		"DestinationConfig": map[string]any{"OnFailure": map[string]any{
			"Destination": getAtt(logicalID(s.Catalog.ProjectionFailures), "Arn"),
		}},
	})
	tpl.HasResourceProperties(jsii.String("AWS::Events::Archive"), map[string]any{
		"SourceArn":    getAtt(logicalID(s.EventBus.Bus), "Arn"),
		"EventPattern": map[string]any{"source": []any{map[string]any{"prefix": infra.SourcePrefix}}},
	})
}

// Every route of the issue reaches its function through a Lambda proxy
// integration, behind the Cognito authorizer unless it is a public catalog
// read, and the stage is named after the deployment stage, with access
// logs and tracing.
func TestAPIRoutes(t *testing.T) {
	synth(t)
	raw := synthesized.raw
	// The routes the issues list, by method and path, with the bounded
	// context that serves them.
	spec := map[string]string{
		"POST /product": "catalogapi", "GET /product": "catalogapi", "GET /product/{id}": "catalogapi",
		"PUT /product/{id}": "catalogapi", "DELETE /product/{id}": "catalogapi", "POST /product/{id}/stock": "catalogapi",
		"GET /basket":            "basketapi",
		"GET /basket/{userName}": "basketapi", "POST /basket": "basketapi", "DELETE /basket/{userName}": "basketapi",
		"POST /basket/checkout": "basketapi", "GET /checkout/{checkoutId}": "basketapi",
		"GET /order":            "orderapi",
		"GET /order/{userName}": "orderapi", "GET /order/{userName}/{orderId}": "orderapi", "GET /audit/{streamId}": "orderapi",
	}
	// Anyone may browse the catalog; every other route needs a token.
	public := map[string]bool{"GET /product": true, "GET /product/{id}": true}
	authorizer := logicalID(synthesized.dev.API.Authorizer)
	paths := map[string]string{} // resource logical id → path
	var pathOf func(id string) string
	pathOf = func(id string) string {
		if p, ok := paths[id]; ok {
			return p
		}
		r := raw.Resources[id].Properties
		parent := ""
		if pr, ok := r["ParentId"].(map[string]any)["Ref"].(string); ok {
			parent = pathOf(pr)
		}
		paths[id] = parent + "/" + r["PathPart"].(string)
		return paths[id]
	}
	byName := functionsByName(t)
	got := map[string]string{}
	for id, m := range raw.ofType("AWS::ApiGateway::Method") {
		p := m.Properties
		route := p["HttpMethod"].(string) + " " + pathOf(p["ResourceId"].(map[string]any)["Ref"].(string))
		switch {
		case p["HttpMethod"] == "OPTIONS" || public[route]:
			if p["AuthorizationType"] != "NONE" || p["AuthorizerId"] != nil {
				t.Errorf("%s: authorization %v %v, want NONE", route, p["AuthorizationType"], p["AuthorizerId"])
			}
		case p["AuthorizationType"] != "COGNITO_USER_POOLS" || !reflect.DeepEqual(p["AuthorizerId"], ref(authorizer)):
			t.Errorf("%s: authorization %v %v, want COGNITO_USER_POOLS by %s", route, p["AuthorizationType"], p["AuthorizerId"], authorizer)
		}
		integ := p["Integration"].(map[string]any)
		if integ["Type"] != "AWS_PROXY" {
			t.Errorf("%s (%s): integration %v, want AWS_PROXY", route, id, integ["Type"])
		}
		uri, _ := json.Marshal(integ["Uri"])
		for name, fn := range byName {
			if strings.Contains(string(uri), `"`+fn+`"`) {
				got[route] = name
			}
		}
	}
	if !reflect.DeepEqual(got, spec) {
		t.Errorf("routes:\n got %v\nwant %v", got, spec)
	}
	synthesized.template.HasResourceProperties(jsii.String("AWS::ApiGateway::Stage"), map[string]any{
		"StageName":        "dev",
		"TracingEnabled":   true,
		"AccessLogSetting": assertions.Match_ObjectLike(&map[string]any{"DestinationArn": assertions.Match_AnyValue()}),
	})
}

func TestCheckoutStateMachine(t *testing.T) {
	synth(t)
	synthesized.template.HasResourceProperties(jsii.String("AWS::StepFunctions::StateMachine"), map[string]any{
		"StateMachineType":     "STANDARD",
		"TracingConfiguration": map[string]any{"Enabled": true},
		"LoggingConfiguration": assertions.Match_ObjectLike(&map[string]any{"Level": "ALL"}),
	})
}

// stackScopedLogGroup reports whether property n of r is a log group name
// that starts with one of infra's fixed prefixes and then the stack's own
// name (see TestStateMachineLogGroupName), so unique per stage as well.
func stackScopedLogGroup(r resource, n string) bool {
	if r.Type != "AWS::Logs::LogGroup" || n != "LogGroupName" {
		return false
	}
	name, _ := json.Marshal(r.Properties[n])
	return strings.HasPrefix(string(name), `{"Fn::Join":["",["`+infra.StateMachineLogsPrefix+`",{"Ref":"AWS::StackName"},`)
}

// Two stages synthesize side by side: CloudFormation names every resource,
// so nothing physical is spelled out in the template.
func TestNoPhysicalNames(t *testing.T) {
	synth(t)
	names := []string{"TableName", "FunctionName", "QueueName", "StateMachineName", "RoleName",
		"LogGroupName", "ArchiveName", "Name"}
	for id, r := range synthesized.raw.Resources {
		if r.Type == "AWS::Lambda::EventSourceMapping" || r.Type == "AWS::Lambda::Permission" || r.Type == "AWS::Lambda::EventInvokeConfig" ||
			r.Type == "AWS::Events::EventBus" || r.Type == "AWS::ApiGateway::RestApi" || r.Type == "AWS::ApiGateway::Authorizer" {
			continue // FunctionName is a reference there; bus and API names are generated per stack below; an authorizer's name is the API's own
		}
		for _, n := range names {
			if v, ok := r.Properties[n]; ok && !stackScopedLogGroup(r, n) {
				t.Errorf("%s (%s) sets %s = %v", id, r.Type, n, v)
			}
		}
	}
	dev, prod := synthesized.dev, synthesized.prod
	if *dev.StackName() == *prod.StackName() {
		t.Errorf("both stages are named %s", *dev.StackName())
	}
	if got := *dev.StackName(); got != infra.StackName("dev") {
		t.Errorf("stack name %s, want %s", got, infra.StackName("dev"))
	}
	devAPI := assertions.Template_FromStack(dev.Stack, nil).FindResources(jsii.String("AWS::ApiGateway::RestApi"), nil)
	prodAPI := assertions.Template_FromStack(prod.Stack, nil).FindResources(jsii.String("AWS::ApiGateway::RestApi"), nil)
	if reflect.DeepEqual(devAPI, prodAPI) {
		t.Error("the two stages' REST APIs are identical")
	}
}
