package cloudwatch_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/shopstream/shopstream/emulator/localtest"
)

func TestMetricDataRoundTrip(t *testing.T) {
	e := newEnv(t, nil)
	at := func(min int) float64 { return float64(start.Add(time.Duration(min) * time.Minute).Unix()) }
	e.clock.Advance(10 * time.Minute)
	e.must(t, "PutMetricData", map[string]any{"Namespace": "Shop", "MetricData": []any{
		map[string]any{"MetricName": "Latency", "Dimensions": []any{map[string]any{"Name": "Api", "Value": "a"}}, "Timestamp": at(1), "Value": 10, "Unit": "Milliseconds"},
		map[string]any{"MetricName": "Latency", "Dimensions": []any{map[string]any{"Name": "Api", "Value": "a"}}, "Timestamp": at(1), "Values": []float64{20, 30}, "Counts": []float64{1, 2}, "Unit": "Milliseconds"},
		map[string]any{"MetricName": "Latency", "Dimensions": []any{map[string]any{"Name": "Api", "Value": "a"}}, "Timestamp": at(3), "StatisticValues": map[string]any{"SampleCount": 4, "Sum": 8, "Minimum": 1, "Maximum": 3}},
		map[string]any{"MetricName": "Orders", "Timestamp": at(2), "Value": 1},
	}})
	out := e.must(t, "GetMetricStatistics", map[string]any{"Namespace": "Shop", "MetricName": "Latency",
		"Dimensions": []any{map[string]any{"Name": "Api", "Value": "a"}}, "StartTime": at(0), "EndTime": at(10), "Period": 120,
		"Statistics": []string{"SampleCount", "Sum", "Average", "Minimum", "Maximum"}, "ExtendedStatistics": []string{"p50"}})
	dps := out["Datapoints"].([]any)
	if len(dps) != 2 {
		t.Fatalf("datapoints: %v", dps)
	}
	first, second := dps[0].(map[string]any), dps[1].(map[string]any)
	if first["Timestamp"] != at(0) || first["SampleCount"] != 4.0 || first["Sum"] != 90.0 || first["Minimum"] != 10.0 ||
		first["Maximum"] != 30.0 || first["Unit"] != "Milliseconds" || first["ExtendedStatistics"].(map[string]any)["p50"] != 20.0 {
		t.Fatalf("first period: %v", first)
	}
	if second["Timestamp"] != at(2) || second["SampleCount"] != 4.0 || second["Average"] != 2.0 {
		t.Fatalf("second period: %v", second)
	}

	md := e.must(t, "GetMetricData", map[string]any{"StartTime": at(0), "EndTime": at(10), "MetricDataQueries": []any{
		map[string]any{"Id": "m1", "MetricStat": map[string]any{"Metric": map[string]any{"Namespace": "Shop", "MetricName": "Orders"}, "Period": 60, "Stat": "Sum"}},
	}})
	res := md["MetricDataResults"].([]any)[0].(map[string]any)
	if res["Id"] != "m1" || res["Label"] != "Orders" || fmt.Sprint(res["Values"]) != "[1]" || fmt.Sprint(res["Timestamps"]) != fmt.Sprint([]any{at(2)}) || res["StatusCode"] != "Complete" {
		t.Fatalf("GetMetricData: %v", res)
	}

	lm := e.must(t, "ListMetrics", map[string]any{"Namespace": "Shop", "Dimensions": []any{map[string]any{"Name": "Api"}}})
	ms := lm["Metrics"].([]any)
	if len(ms) != 1 || ms[0].(map[string]any)["MetricName"] != "Latency" {
		t.Fatalf("ListMetrics: %v", ms)
	}
}

func TestBadInputIsRefusedAndChangesNothing(t *testing.T) {
	e := newEnv(t, nil)
	cases := []struct {
		op, code string
		status   int
		in       map[string]any
	}{
		{"PutMetricData", "InvalidParameterValue", 400, map[string]any{"Namespace": "AWS/SQS", "MetricData": []any{map[string]any{"MetricName": "x", "Value": 1}}}},
		{"PutMetricData", "InvalidParameterCombination", 400, map[string]any{"Namespace": "Shop", "MetricData": []any{map[string]any{"MetricName": "ok", "Value": 1}, map[string]any{"MetricName": "x"}}}},
		{"PutMetricData", "MissingParameter", 400, map[string]any{"MetricData": []any{map[string]any{"MetricName": "x", "Value": 1}}}},
		{"PutMetricAlarm", "InvalidParameterValue", 400, dlqAlarm("bad", map[string]any{"ComparisonOperator": "Bigger"})},
		{"PutMetricAlarm", "InvalidParameterValue", 400, dlqAlarm("bad", map[string]any{"Period": 30})},
		{"PutMetricAlarm", "InvalidParameterValue", 400, dlqAlarm("bad", map[string]any{"DatapointsToAlarm": 2})},
		{"PutMetricAlarm", "InvalidParameterValue", 400, dlqAlarm("bad", map[string]any{"TreatMissingData": "sometimes"})},
		{"PutMetricAlarm", "InvalidParameterValue", 400, map[string]any{"AlarmName": "bad", "EvaluationPeriods": 1, "Threshold": 1, "ComparisonOperator": "GreaterThanThreshold",
			"Metrics": []any{map[string]any{"Id": "e", "Expression": "m1 * 2"}}}},
		{"SetAlarmState", "ResourceNotFound", 404, map[string]any{"AlarmName": "nope", "StateValue": "ALARM", "StateReason": "test"}},
		{"DescribeAlarms", "InvalidNextToken", 400, map[string]any{"NextToken": "!!"}},
		{"GetDashboard", "ResourceNotFound", 404, map[string]any{"DashboardName": "nope"}},
		{"PutDashboard", "InvalidParameterInput", 400, map[string]any{"DashboardName": "d", "DashboardBody": "not json"}},
	}
	for _, c := range cases {
		status, out, code := e.call(t, c.op, c.in)
		if status != c.status || code != c.code+";Sender" || out["message"] == "" {
			t.Errorf("%s %v: %d %q %v; want %d %s", c.op, c.in, status, code, out, c.status, c.code)
		}
	}
	if ms := e.must(t, "ListMetrics", map[string]any{})["Metrics"].([]any); len(ms) != 0 {
		t.Errorf("metrics after refused input: %v", ms)
	}
	if as := e.must(t, "DescribeAlarms", map[string]any{})["MetricAlarms"].([]any); len(as) != 0 {
		t.Errorf("alarms after refused input: %v", as)
	}
	status, out, _ := e.call(t, "PutMetricAlarm", map[string]any{"AlarmName": "bad", "EvaluationPeriods": 1, "Threshold": 1, "ComparisonOperator": "GreaterThanThreshold",
		"Metrics": []any{map[string]any{"Id": "e", "Expression": "m1 * 2"}}})
	if status != http.StatusBadRequest || out["message"] != `Metrics[0] (e): metric math expressions ("m1 * 2") are not supported locally: alarm on a single MetricStat` {
		t.Errorf("expression alarm: %v", out)
	}
}

func TestDescribeAlarmsFiltersAndPages(t *testing.T) {
	e := newEnv(t, nil)
	for i := range 5 {
		e.must(t, "PutMetricAlarm", dlqAlarm(fmt.Sprintf("q-%d", i), nil))
	}
	e.must(t, "PutMetricAlarm", dlqAlarm("other", nil))
	e.must(t, "SetAlarmState", map[string]any{"AlarmName": "q-3", "StateValue": "ALARM", "StateReason": "testing"})

	var names []string
	token := ""
	for pages := 0; ; pages++ {
		in := map[string]any{"AlarmNamePrefix": "q-", "MaxRecords": 2}
		if token != "" {
			in["NextToken"] = token
		}
		out := e.must(t, "DescribeAlarms", in)
		for _, a := range out["MetricAlarms"].([]any) {
			names = append(names, a.(map[string]any)["AlarmName"].(string))
		}
		token, _ = out["NextToken"].(string)
		if token == "" {
			if pages != 2 {
				t.Errorf("%d pages, want 3", pages+1)
			}
			break
		}
	}
	if fmt.Sprint(names) != "[q-0 q-1 q-2 q-3 q-4]" {
		t.Fatalf("paged names: %v", names)
	}
	forMetric := e.must(t, "DescribeAlarmsForMetric", map[string]any{"Namespace": "AWS/SQS", "MetricName": "ApproximateNumberOfMessagesVisible",
		"Dimensions": []any{map[string]any{"Name": "QueueName", "Value": "dlq"}}, "Statistic": "Maximum"})["MetricAlarms"].([]any)
	if len(forMetric) != 6 {
		t.Errorf("DescribeAlarmsForMetric: %d alarms, want 6", len(forMetric))
	}
	if other := e.must(t, "DescribeAlarmsForMetric", map[string]any{"Namespace": "AWS/SQS", "MetricName": "ApproximateNumberOfMessagesVisible",
		"Dimensions": []any{map[string]any{"Name": "QueueName", "Value": "other"}}})["MetricAlarms"].([]any); len(other) != 0 {
		t.Errorf("DescribeAlarmsForMetric on another queue: %v", other)
	}
	out := e.must(t, "DescribeAlarms", map[string]any{"StateValue": "ALARM"})
	as := out["MetricAlarms"].([]any)
	if len(as) != 1 || as[0].(map[string]any)["AlarmName"] != "q-3" || as[0].(map[string]any)["StateReason"] != "testing" {
		t.Fatalf("ALARM alarms: %v", as)
	}
}

func TestAWSCLI(t *testing.T) {
	e := newEnv(t, nil)
	e.clock.Advance(time.Since(start).Truncate(time.Minute)) // the CLI's times are the wall clock's
	aws := localtest.AWSCLI(t, e.url)
	topic := e.topic(t, "cli-ops", "cli@example.com")
	aws("cloudwatch", "put-metric-alarm", "--alarm-name", "cli-dlq", "--namespace", "AWS/SQS",
		"--metric-name", "ApproximateNumberOfMessagesVisible", "--dimensions", "Name=QueueName,Value=dlq",
		"--statistic", "Maximum", "--period", "60", "--evaluation-periods", "1", "--threshold", "1",
		"--comparison-operator", "GreaterThanOrEqualToThreshold", "--alarm-actions", topic)
	e.record("AWS/SQS", "ApproximateNumberOfMessagesVisible", dlq, 3)
	e.minute()
	out := aws("cloudwatch", "describe-alarms", "--state-value", "ALARM")
	as := out["MetricAlarms"].([]any)
	if len(as) != 1 || as[0].(map[string]any)["AlarmName"] != "cli-dlq" || as[0].(map[string]any)["StateValue"] != "ALARM" {
		t.Fatalf("describe-alarms --state-value ALARM: %v", out)
	}
	if none := aws("cloudwatch", "describe-alarms", "--state-value", "OK")["MetricAlarms"].([]any); len(none) != 0 {
		t.Fatalf("describe-alarms --state-value OK: %v", none)
	}
	aws("cloudwatch", "put-metric-data", "--namespace", "Shop", "--metric-name", "Orders", "--value", "2")
	lm := aws("cloudwatch", "list-metrics", "--namespace", "Shop")
	if ms := lm["Metrics"].([]any); len(ms) != 1 || ms[0].(map[string]any)["MetricName"] != "Orders" {
		t.Fatalf("list-metrics: %v", lm)
	}
	now := e.clock.Now()
	st := aws("cloudwatch", "get-metric-statistics", "--namespace", "Shop", "--metric-name", "Orders",
		"--start-time", now.Add(-time.Hour).Format(time.RFC3339), "--end-time", now.Add(time.Hour).Format(time.RFC3339),
		"--period", "60", "--statistics", "Sum")
	if dps := st["Datapoints"].([]any); len(dps) != 1 || dps[0].(map[string]any)["Sum"] != 2.0 {
		t.Fatalf("get-metric-statistics: %v", st)
	}
	h := aws("cloudwatch", "describe-alarm-history", "--alarm-name", "cli-dlq", "--history-item-type", "StateUpdate")
	if items := h["AlarmHistoryItems"].([]any); len(items) != 1 {
		t.Fatalf("describe-alarm-history: %v", h)
	}
	aws("cloudwatch", "put-dashboard", "--dashboard-name", "pipeline", "--dashboard-body", `{"widgets":[]}`)
	if d := aws("cloudwatch", "get-dashboard", "--dashboard-name", "pipeline"); d["DashboardBody"] != `{"widgets":[]}` {
		t.Fatalf("get-dashboard: %v", d)
	}
	if l := aws("cloudwatch", "list-dashboards")["DashboardEntries"].([]any); len(l) != 1 {
		t.Fatalf("list-dashboards: %v", l)
	}

	// SNS over the query protocol.
	topics := aws("sns", "list-topics")["Topics"].([]any)
	if len(topics) != 1 || topics[0].(map[string]any)["TopicArn"] != topic {
		t.Fatalf("list-topics: %v", topics)
	}
	attrs := aws("sns", "get-topic-attributes", "--topic-arn", topic)["Attributes"].(map[string]any)
	if attrs["TopicArn"] != topic || attrs["SubscriptionsConfirmed"] != "1" {
		t.Fatalf("get-topic-attributes: %v", attrs)
	}
	subs := aws("sns", "list-subscriptions-by-topic", "--topic-arn", topic)["Subscriptions"].([]any)
	if len(subs) != 1 || subs[0].(map[string]any)["Endpoint"] != "cli@example.com" {
		t.Fatalf("list-subscriptions-by-topic: %v", subs)
	}
	pub := aws("sns", "publish", "--topic-arn", topic, "--subject", "hello", "--message", "from the CLI")
	mails := e.emails(t)
	last := mails[len(mails)-1]
	if last["messageId"] != pub["MessageId"] || last["message"] != "from the CLI" || last["subject"] != "hello" {
		t.Fatalf("published %v, delivered %v", pub, last)
	}
	if len(mails) != 2 || mails[0]["subject"] != `ALARM: "cli-dlq" in US East (N. Virginia)` {
		t.Fatalf("emails: %v", mails)
	}
}
