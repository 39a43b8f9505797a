package cloudwatch_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/shopstream/shopstream/emulator/cloudwatch"
	"github.com/shopstream/shopstream/emulator/localtest"
	"github.com/shopstream/shopstream/emulator/stack"
	"github.com/shopstream/shopstream/emulator/telemetry"
)

// template is a dead-letter queue, its alarm (a Metrics array with one
// MetricStat, as CDK emits for some alarms), an alarm with a generated
// name, a topic with an email subscription, a queue subscribed to the
// topic and a dashboard.
const template = `{
 "Resources": {
  "Dlq": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "orders-dlq"}},
  "Ops": {"Type": "AWS::SNS::Topic", "Properties": {"Subscription": [{"Protocol": "email", "Endpoint": "ops@example.com"}]}},
  "Inbox": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "inbox"}},
  "InboxPolicy": {"Type": "AWS::SQS::QueuePolicy", "Properties": {"Queues": [{"Ref": "Inbox"}], "PolicyDocument": {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"}, "Action": "sqs:SendMessage", "Resource": {"Fn::GetAtt": ["Inbox", "Arn"]},
     "Condition": {"ArnEquals": {"aws:SourceArn": {"Ref": "Ops"}}}}]}}},
  "InboxSub": {"Type": "AWS::SNS::Subscription", "Properties": {"TopicArn": {"Ref": "Ops"}, "Protocol": "sqs", "Endpoint": {"Fn::GetAtt": ["Inbox", "Arn"]}, "RawMessageDelivery": "true"}},
  "OpsPolicy": {"Type": "AWS::SNS::TopicPolicy", "Properties": {"Topics": [{"Ref": "Ops"}], "PolicyDocument": {"Version": "2012-10-17", "Statement": []}}},
  "DlqAlarm": {"Type": "AWS::CloudWatch::Alarm", "Properties": {
    "AlarmName": "orders-dlq-visible", "EvaluationPeriods": "1", "Threshold": "1", "ComparisonOperator": "GreaterThanOrEqualToThreshold",
    "TreatMissingData": "notBreaching", "AlarmActions": [{"Ref": "Ops"}],
    "Metrics": [{"Id": "m1", "ReturnData": true, "MetricStat": {"Stat": "Maximum", "Period": 300,
      "Metric": {"Namespace": "AWS/SQS", "MetricName": "ApproximateNumberOfMessagesVisible", "Dimensions": [{"Name": "QueueName", "Value": {"Fn::GetAtt": ["Dlq", "QueueName"]}}]}}}]}},
  "Errors": {"Type": "AWS::CloudWatch::Alarm", "Properties": {"Namespace": "AWS/Lambda", "MetricName": "Errors", "Statistic": "Sum", "Period": 60,
    "EvaluationPeriods": 1, "Threshold": 1, "ComparisonOperator": "GreaterThanOrEqualToThreshold"}},
  "Board": {"Type": "AWS::CloudWatch::Dashboard", "Properties": {"DashboardName": "pipeline", "DashboardBody": "{\"widgets\":[]}"}}
 },
 "Outputs": {"AlarmArn": {"Value": {"Fn::GetAtt": ["DlqAlarm", "Arn"]}}, "Generated": {"Value": {"Ref": "Errors"}}}
}`

func deploy(t *testing.T, e *env, tmpl string) (*stack.Deployed, error) {
	t.Helper()
	tp, err := stack.ParseTemplate([]byte(tmpl))
	if err != nil {
		t.Fatal(err)
	}
	reg, err := stack.NewRegistry(e.sqs, e.sns, e.cw)
	if err != nil {
		t.Fatal(err)
	}
	return stack.Deploy(context.Background(), tp, reg, stack.Options{StackName: "shop"})
}

func TestProvisionAlarmTopicAndDashboard(t *testing.T) {
	dir := t.TempDir()
	db := localtest.OpenDB(t, dir)
	e := newEnv(t, db)
	d, err := deploy(t, e, template)
	if err != nil {
		t.Fatal(err)
	}
	if d.Outputs["AlarmArn"] != "arn:aws:cloudwatch:us-east-1:000000000000:alarm:orders-dlq-visible" ||
		!strings.HasPrefix(d.Outputs["Generated"].(string), "shop-Errors-") {
		t.Fatalf("outputs: %v", d.Outputs)
	}
	a := e.alarm(t, "orders-dlq-visible")
	if a["Period"] != 300.0 || a["Statistic"] != "Maximum" || a["Threshold"] != 1.0 || a["TreatMissingData"] != "notBreaching" {
		t.Fatalf("alarm from Metrics: %v", a)
	}

	// A message lands in the DLQ: the sampled depth breaches in the next
	// evaluation, which publishes to the topic: an email and a raw
	// message in the subscribed queue.
	dlqURL := e.sqs.QueueURL("orders-dlq")
	e.sqsCall(t, "SendMessage", map[string]any{"QueueUrl": dlqURL, "MessageBody": "poison"})
	e.minute() // samples the depth at 04:01
	if s := e.alarm(t, "orders-dlq-visible")["StateValue"]; s != "OK" {
		t.Fatalf("before the sampled minute is complete: %v", s)
	}
	e.minute() // evaluates the window ending 04:02
	if s := e.alarm(t, "orders-dlq-visible")["StateValue"]; s != "ALARM" {
		t.Fatalf("after the sampled minute: %v", s)
	}
	if m := e.emails(t); len(m) != 1 || m[0]["endpoint"] != "ops@example.com" {
		t.Fatalf("emails: %v", m)
	}
	got := e.sqsCall(t, "ReceiveMessage", map[string]any{"QueueUrl": e.sqs.QueueURL("inbox")})
	msgs, _ := got["Messages"].([]any)
	if len(msgs) != 1 {
		t.Fatalf("inbox: %v", got)
	}
	var note map[string]any
	if err := json.Unmarshal([]byte(msgs[0].(map[string]any)["Body"].(string)), &note); err != nil || note["NewStateValue"] != "ALARM" {
		t.Fatalf("raw delivery %v: %v", msgs[0], err)
	}
	if b := e.must(t, "GetDashboard", map[string]any{"DashboardName": "pipeline"}); b["DashboardBody"] != `{"widgets":[]}` {
		t.Fatalf("dashboard: %v", b)
	}

	// A restart (a new service over the same store, the stack deployed
	// again) keeps the alarm's state and history.
	e2 := newEnv(t, db)
	if _, err := deploy(t, e2, template); err != nil {
		t.Fatal(err)
	}
	a2 := e2.alarm(t, "orders-dlq-visible")
	if a2["StateValue"] != "ALARM" || a2["StateReason"] != e.alarm(t, "orders-dlq-visible")["StateReason"] {
		t.Fatalf("after restart: %v", a2)
	}
	h := e2.must(t, "DescribeAlarmHistory", map[string]any{"AlarmName": "orders-dlq-visible", "HistoryItemType": "ConfigurationUpdate"})["AlarmHistoryItems"].([]any)
	if len(h) != 1 || h[0].(map[string]any)["HistorySummary"] != `Alarm "orders-dlq-visible" created` {
		t.Fatalf("configuration history after a restart with the same alarm: %v", h)
	}
	h = e2.must(t, "DescribeAlarmHistory", map[string]any{"AlarmName": "orders-dlq-visible", "HistoryItemType": "StateUpdate"})["AlarmHistoryItems"].([]any)
	if len(h) != 2 {
		t.Fatalf("state history after restart: %v", h)
	}
}

func TestProvisionRejectsWhatIsNotEmulated(t *testing.T) {
	cases := map[string]string{
		`"Metrics": [{"Id": "e1", "Expression": "m1 + m2"}]`:                             "metric math expressions",
		`"Namespace": "N", "MetricName": "M", "Statistic": "tm99", "Period": 60`:         "Statistic",
		`"Namespace": "N", "MetricName": "M", "ExtendedStatistic": "tm99", "Period": 60`: "only percentiles",
		`"Namespace": "N", "MetricName": "M", "Statistic": "Sum", "Period": 10`:          "high resolution",
	}
	for props, want := range cases {
		e := newEnv(t, nil)
		_, err := deploy(t, e, `{"Resources": {"A": {"Type": "AWS::CloudWatch::Alarm", "Properties": {"EvaluationPeriods": 1, "Threshold": 1,
			"ComparisonOperator": "GreaterThanThreshold", `+props+`}}}}`)
		if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "A (AWS::CloudWatch::Alarm)") {
			t.Errorf("%s: %v; want an error naming the alarm and %q", props, err, want)
		}
	}
	e := newEnv(t, nil)
	_, err := deploy(t, e, `{"Resources": {"T": {"Type": "AWS::SNS::Topic", "Properties": {"Subscription": [{"Protocol": "lambda", "Endpoint": "arn:aws:lambda:us-east-1:000000000000:function:f"}]}}}}`)
	if err == nil || !strings.Contains(err.Error(), `"lambda" is not supported locally`) {
		t.Errorf("lambda subscription: %v", err)
	}
}

func TestTimeScaleShrinksTheMinute(t *testing.T) {
	db := localtest.OpenDB(t, "")
	cw, err := cloudwatch.New(db, cloudwatch.Options{TimeScale: 0.001})
	if err != nil {
		t.Fatal(err)
	}
	srv, url := localtest.Serve(t)
	cw.Register(srv)
	e := &env{cw: cw, url: url}
	e.must(t, "PutMetricAlarm", map[string]any{"AlarmName": "fast", "Namespace": "Shop", "MetricName": "Errors",
		"Statistic": "Sum", "Period": 300, "EvaluationPeriods": 1, "Threshold": 1, "ComparisonOperator": "GreaterThanOrEqualToThreshold"})
	cw.Start()
	t.Cleanup(func() { _ = cw.Close(context.Background()) })
	cw.Record(telemetry.Datum{Namespace: "Shop", Name: "Errors", Value: 1})
	// A CloudWatch minute is 60 ms: the alarm fires within a few of them.
	deadline := time.Now().Add(5 * time.Second)
	for e.alarm(t, "fast")["StateValue"] != "ALARM" {
		if time.Now().After(deadline) {
			t.Fatalf("alarm still %v after 5 s at time scale 0.001", e.alarm(t, "fast")["StateValue"])
		}
		time.Sleep(10 * time.Millisecond)
	}
}
