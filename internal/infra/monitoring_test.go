package infra_test

import (
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/shopstream/shopstream/internal/infra"
)

func TestValidateAlarmEmail(t *testing.T) {
	for _, tt := range []struct {
		addr string
		ok   bool
	}{
		{"", true}, {"ops@example.com", true}, {"first.last+alarms@ops.example.co.uk", true},
		{"ops", false}, {"ops@", false}, {"@example.com", false}, {"Ops <ops@example.com>", false},
		{"ops@example.com, dev@example.com", false}, {" ops@example.com", false},
	} {
		err := infra.ValidateAlarmEmail(tt.addr)
		if (err == nil) != tt.ok {
			t.Errorf("ValidateAlarmEmail(%q) = %v, want ok=%v", tt.addr, err, tt.ok)
		}
		if err != nil && !strings.Contains(err.Error(), fmt.Sprintf("%q", tt.addr)) {
			t.Errorf("error %q does not name the address", err)
		}
	}
}

// alarms returns the stack's alarms by logical id.
func alarms() map[string]resource { return synthesized.raw.ofType("AWS::CloudWatch::Alarm") }

// alarmOn returns the logical ids of the alarms on namespace/metric with
// exactly dims.
func alarmOn(namespace, metric string, dims ...map[string]any) []string {
	var out []string
	want := []any{}
	for _, d := range dims {
		want = append(want, d)
	}
	for id, a := range alarms() {
		p := a.Properties
		got, _ := p["Dimensions"].([]any)
		if got == nil {
			got = []any{}
		}
		if p["Namespace"] == namespace && p["MetricName"] == metric && reflect.DeepEqual(got, want) {
			out = append(out, id)
		}
	}
	return out
}

func dim(name string, value any) map[string]any { return map[string]any{"Name": name, "Value": value} }

// alarmSpec is what an alarm must say besides its metric.
type alarmSpec struct {
	stat      string // Statistic, or ExtendedStatistic if it starts with 'p'
	threshold float64
	periods   float64 // evaluation periods and datapoints to alarm, of 60 s
}

// checkAlarm asserts there is exactly one alarm on the metric with spec,
// ≥ threshold, missing data not breaching, notifying the topic both ways.
func checkAlarm(t *testing.T, spec alarmSpec, namespace, metric string, dims ...map[string]any) {
	t.Helper()
	ids := alarmOn(namespace, metric, dims...)
	if len(ids) != 1 {
		t.Errorf("%d alarms on %s %s %v, want 1", len(ids), namespace, metric, dims)
		return
	}
	topic := ref(logicalID(synthesized.dev.Monitoring.Topic))
	p := alarms()[ids[0]].Properties
	statKey := "Statistic"
	if strings.HasPrefix(spec.stat, "p") {
		statKey = "ExtendedStatistic"
	}
	for k, want := range map[string]any{
		statKey:              spec.stat,
		"Threshold":          spec.threshold,
		"ComparisonOperator": "GreaterThanOrEqualToThreshold",
		"Period":             float64(60),
		"EvaluationPeriods":  spec.periods,
		"DatapointsToAlarm":  spec.periods,
		"TreatMissingData":   "notBreaching",
		"AlarmActions":       []any{topic},
		"OKActions":          []any{topic},
	} {
		if !reflect.DeepEqual(p[k], want) {
			t.Errorf("alarm %s (%s %s): %s = %v, want %v", ids[0], namespace, metric, k, p[k], want)
		}
	}
	if _, math := p["Metrics"]; math {
		t.Errorf("alarm %s uses metric math: the local runtime evaluates plain metrics only", ids[0])
	}
}

var oneInAMinute = alarmSpec{stat: "Sum", threshold: 1, periods: 1}

func TestAlarms(t *testing.T) {
	synth(t)
	s := synthesized.dev
	for _, q := range []string{logicalID(s.Ordering.DLQ), logicalID(s.Ordering.DeliveryFailures),
		logicalID(s.EventBus.PublishFailures), logicalID(s.Catalog.DeliveryFailures), logicalID(s.Catalog.ProjectionFailures)} {
		checkAlarm(t, alarmSpec{stat: "Maximum", threshold: 1, periods: 1},
			"AWS/SQS", "ApproximateNumberOfMessagesVisible", dim("QueueName", getAtt(q, "QueueName")))
	}
	machine := dim("StateMachineArn", ref(logicalID(s.Checkout.StateMachine)))
	// Declines end FAILED too: only a steady stream of them alarms.
	checkAlarm(t, alarmSpec{stat: "Sum", threshold: 10, periods: 3}, "AWS/States", "ExecutionsFailed", machine)
	for _, m := range []string{"ExecutionsTimedOut", "ExecutionsAborted"} {
		checkAlarm(t, oneInAMinute, "AWS/States", m, machine)
	}
	fns := synthesized.raw.ofType("AWS::Lambda::Function")
	for id := range fns {
		for _, m := range []string{"Errors", "Throttles"} {
			checkAlarm(t, oneInAMinute, "AWS/Lambda", m, dim("FunctionName", ref(id)))
		}
	}
	checkAlarm(t, alarmSpec{stat: "Maximum", threshold: 60_000, periods: 5},
		"AWS/Lambda", "IteratorAge", dim("FunctionName", ref(logicalID(s.EventBus.Publisher))))
	api := []map[string]any{dim("ApiName", "shopstream-dev"), dim("Stage", ref(logicalID(s.API.RestAPI.DeploymentStage())))}
	checkAlarm(t, oneInAMinute, "AWS/ApiGateway", "5XXError", api...)
	checkAlarm(t, alarmSpec{stat: "p99", threshold: 2000, periods: 5}, "AWS/ApiGateway", "Latency", api...)
	checkAlarm(t, oneInAMinute, infra.ForgedEventsNamespace, infra.ForgedEventsMetric, dim("Stage", "dev"))

	// One per failure queue (TestEveryFailureQueueHasAnAlarm checks each,
	// including queues added after the five above), and one per check above.
	if got, want := len(alarms()), len(failureQueues(t))+3+2*len(fns)+1+2+1; got != want {
		t.Errorf("%d alarms, want %d", got, want)
	}
}

// failureQueues returns the logical ids of every queue the template uses
// as a place of last resort: a redrive target, a rule target's dead-letter
// queue, or an on-failure destination (of an event source mapping or of
// asynchronous invocation).
func failureQueues(t *testing.T) map[string]bool {
	t.Helper()
	tpl := synthesized.raw
	out := map[string]bool{}
	add := func(v any) {
		m, _ := v.(map[string]any)
		g, _ := m["Fn::GetAtt"].([]any)
		if len(g) != 2 {
			return
		}
		id := g[0].(string)
		if tpl.Resources[id].Type != "AWS::SQS::Queue" {
			return
		}
		out[id] = true
	}
	for _, q := range tpl.ofType("AWS::SQS::Queue") {
		if rp, ok := q.Properties["RedrivePolicy"].(map[string]any); ok {
			add(rp["deadLetterTargetArn"])
		}
	}
	for _, r := range tpl.ofType("AWS::Events::Rule") {
		targets, _ := r.Properties["Targets"].([]any)
		for _, x := range targets {
			dlc, _ := x.(map[string]any)["DeadLetterConfig"].(map[string]any)
			add(dlc["Arn"])
		}
	}
	for _, typ := range []string{"AWS::Lambda::EventSourceMapping", "AWS::Lambda::EventInvokeConfig"} {
		for _, r := range tpl.ofType(typ) {
			dc, _ := r.Properties["DestinationConfig"].(map[string]any)
			of, _ := dc["OnFailure"].(map[string]any)
			add(of["Destination"])
		}
	}
	return out
}

// Every queue where failed work waits has an alarm that fires on its first
// message: a failure queue added without one fails here.
func TestEveryFailureQueueHasAnAlarm(t *testing.T) {
	synth(t)
	queues := failureQueues(t)
	if len(queues) < 5 {
		t.Fatalf("found %d failure queues (%v), want at least the 5 the stack has", len(queues), queues)
	}
	for q := range queues {
		if ids := alarmOn("AWS/SQS", "ApproximateNumberOfMessagesVisible", dim("QueueName", getAtt(q, "QueueName"))); len(ids) != 1 {
			t.Errorf("failure queue %s has %d visible-messages alarms, want 1", q, len(ids))
		}
	}
}

// The alarm topic is encrypted with a key CloudWatch may use, refuses
// plain HTTP, and lets only this account's alarms publish; an e-mail
// subscription exists only when the context names an address.
func TestAlarmTopic(t *testing.T) {
	synth(t)
	m := synthesized.dev.Monitoring
	tpl := synthesized.template
	key, topic := logicalID(m.Key), logicalID(m.Topic)
	tpl.HasResourceProperties(jsii.String("AWS::SNS::Topic"), map[string]any{"KmsMasterKeyId": getAtt(key, "Arn")})
	tpl.HasResourceProperties(jsii.String("AWS::KMS::Key"), map[string]any{
		"EnableKeyRotation": true,
		"KeyPolicy": map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{assertions.Match_ObjectLike(&map[string]any{
			"Effect":    "Allow",
			"Principal": map[string]any{"Service": "cloudwatch.amazonaws.com"},
			"Action":    []any{"kms:Decrypt", "kms:GenerateDataKey*"},
		})})},
	})
	tpl.HasResourceProperties(jsii.String("AWS::SNS::TopicPolicy"), map[string]any{
		"Topics": []any{ref(topic)},
		"PolicyDocument": map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{
			assertions.Match_ObjectLike(&map[string]any{
				"Effect":    "Deny",
				"Condition": map[string]any{"Bool": map[string]any{"aws:SecureTransport": "false"}},
			}),
			assertions.Match_ObjectLike(&map[string]any{
				"Effect":    "Allow",
				"Action":    "sns:Publish",
				"Principal": map[string]any{"Service": "cloudwatch.amazonaws.com"},
				"Condition": assertions.Match_ObjectLike(&map[string]any{
					"StringEquals": map[string]any{"aws:SourceAccount": ref("AWS::AccountId")},
				}),
			}),
		})},
	})
	tpl.ResourceCountIs(jsii.String("AWS::SNS::Subscription"), jsii.Number(0))
	prod := assertions.Template_FromStack(synthesized.prod.Stack, nil)
	prod.ResourceCountIs(jsii.String("AWS::SNS::Subscription"), jsii.Number(1))
	prod.HasResourceProperties(jsii.String("AWS::SNS::Subscription"), map[string]any{
		"Protocol": "email",
		"Endpoint": testAlarmEmail,
		"TopicArn": ref(logicalID(synthesized.prod.Monitoring.Topic)),
	})
}

// The dashboard draws every part of the pipeline and every alarm's state.
func TestDashboard(t *testing.T) {
	synth(t)
	s := synthesized.dev
	dashboards := synthesized.raw.ofType("AWS::CloudWatch::Dashboard")
	if len(dashboards) != 1 {
		t.Fatalf("%d dashboards, want 1", len(dashboards))
	}
	for _, d := range dashboards {
		body, _ := json.Marshal(d.Properties["DashboardBody"])
		for _, want := range []string{
			`\"alarm\"`, "AWS/ApiGateway", "5XXError", "Latency", "AWS/States", "ExecutionsTimedOut",
			"IteratorAge", "AWS/SQS", "ApproximateNumberOfMessagesVisible", "AWS/Lambda", "Throttles",
			`"` + logicalID(s.Checkout.StateMachine) + `"`, `"` + logicalID(s.Ordering.Queue) + `"`,
		} {
			if !strings.Contains(string(body), want) {
				t.Errorf("dashboard body does not mention %s", want)
			}
		}
		for id := range synthesized.raw.ofType("AWS::Lambda::Function") {
			if !strings.Contains(string(body), `"`+id+`"`) {
				t.Errorf("dashboard does not draw function %s", id)
			}
		}
		for q := range failureQueues(t) {
			if !strings.Contains(string(body), `"`+q+`"`) {
				t.Errorf("dashboard does not draw failure queue %s", q)
			}
		}
		for id := range alarms() {
			if !strings.Contains(string(body), `"`+id+`"`) {
				t.Errorf("dashboard's alarm widget does not show %s", id)
			}
		}
	}
}

// The forged-event alarm reads the metric the ordering function emits:
// the constants of lambdas/ordering/security.go, read from its source (a
// main package cannot be imported).
func TestForgedEventsMetricMatchesOrdering(t *testing.T) {
	root, err := infra.ModuleRoot(".")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(root, "lambdas", "ordering", "security.go")
	f, err := parser.ParseFile(token.NewFileSet(), path, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	consts := map[string]string{}
	ast.Inspect(f, func(n ast.Node) bool {
		vs, ok := n.(*ast.ValueSpec)
		if !ok {
			return true
		}
		for i, name := range vs.Names {
			if i < len(vs.Values) {
				if lit, ok := vs.Values[i].(*ast.BasicLit); ok && lit.Kind == token.STRING {
					consts[name.Name], _ = strconv.Unquote(lit.Value)
				}
			}
		}
		return true
	})
	for name, want := range map[string]string{"MetricNamespace": infra.ForgedEventsNamespace, "ForgedEventsMetric": infra.ForgedEventsMetric} {
		if consts[name] != want {
			t.Errorf("%s: %s = %q, infra alarms on %q", path, name, consts[name], want)
		}
	}
}

// The runbook's commands find the queues, the topic and the dashboard by
// the stack's outputs (locally, stack.env's ORDER_DLQ_URL, …).
func TestOperatorOutputs(t *testing.T) {
	synth(t)
	s := synthesized.dev
	for key, want := range map[string]any{
		"OrderQueueUrl":              ref(logicalID(s.Ordering.Queue)),
		"OrderDLQUrl":                ref(logicalID(s.Ordering.DLQ)),
		"OrderDeliveryFailuresUrl":   ref(logicalID(s.Ordering.DeliveryFailures)),
		"PublishFailuresUrl":         ref(logicalID(s.EventBus.PublishFailures)),
		"CatalogDeliveryFailuresUrl": ref(logicalID(s.Catalog.DeliveryFailures)),
		"ProjectionFailuresUrl":      ref(logicalID(s.Catalog.ProjectionFailures)),
		"AlarmTopicArn":              ref(logicalID(s.Monitoring.Topic)),
		"DashboardName":              ref(logicalID(s.Monitoring.Dashboard)),
	} {
		out, _ := synthesized.raw.Outputs[key].(map[string]any)
		if !reflect.DeepEqual(out["Value"], want) {
			t.Errorf("output %s = %v, want %v", key, out["Value"], want)
		}
	}
}
