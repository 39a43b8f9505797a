package cloudwatch_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/shopstream/shopstream/emulator/stack"
)

func stackResource(typ, id string, props map[string]any) stack.Resource {
	return stack.Resource{LogicalID: id, Type: typ, Properties: props, StackName: "test"}
}

func dlqAlarm(name string, extra map[string]any) map[string]any {
	a := map[string]any{
		"AlarmName": name, "Namespace": "AWS/SQS", "MetricName": "ApproximateNumberOfMessagesVisible",
		"Dimensions": []any{map[string]any{"Name": "QueueName", "Value": "dlq"}},
		"Statistic":  "Maximum", "Period": 60, "EvaluationPeriods": 1, "Threshold": 1,
		"ComparisonOperator": "GreaterThanOrEqualToThreshold",
	}
	for k, v := range extra {
		a[k] = v
	}
	return a
}

var dlq = map[string]string{"QueueName": "dlq"}

func TestAlarmGoesToAlarmAndBack(t *testing.T) {
	e := newEnv(t, nil)
	topic := e.topic(t, "ops", "ops@example.com")
	e.must(t, "PutMetricAlarm", dlqAlarm("dlq-visible", map[string]any{"AlarmActions": []string{topic}, "OKActions": []string{topic}}))
	a := e.alarm(t, "dlq-visible")
	if a["StateValue"] != "INSUFFICIENT_DATA" || a["StateReason"] != "Unchecked: Initial alarm creation" {
		t.Fatalf("new alarm: %v %v", a["StateValue"], a["StateReason"])
	}

	e.record("AWS/SQS", "ApproximateNumberOfMessagesVisible", dlq, 0)
	e.minute()
	if a := e.alarm(t, "dlq-visible"); a["StateValue"] != "OK" ||
		a["StateReason"] != "Threshold Crossed: 1 datapoint [0.0 (07/12/26 04:00:00)] was not greater than or equal to the threshold (1.0)." {
		t.Fatalf("after 0: %v %q", a["StateValue"], a["StateReason"])
	}

	// Evaluation at 04:02 sees the complete minute 04:01 and its maximum.
	e.record("AWS/SQS", "ApproximateNumberOfMessagesVisible", dlq, 2)
	e.clock.Advance(30e9)
	e.record("AWS/SQS", "ApproximateNumberOfMessagesVisible", dlq, 1)
	e.clock.Advance(30e9)
	e.cw.Tick()
	a = e.alarm(t, "dlq-visible")
	if a["StateValue"] != "ALARM" ||
		a["StateReason"] != "Threshold Crossed: 1 datapoint [2.0 (07/12/26 04:01:00)] was greater than or equal to the threshold (1.0)." {
		t.Fatalf("after 2: %v %q", a["StateValue"], a["StateReason"])
	}
	var data map[string]any
	if err := json.Unmarshal([]byte(a["StateReasonData"].(string)), &data); err != nil || data["statistic"] != "Maximum" || data["threshold"] != 1.0 {
		t.Fatalf("StateReasonData %v: %v", a["StateReasonData"], err)
	}

	mails := e.emails(t)
	if len(mails) != 2 {
		t.Fatalf("%d notifications, want OK then ALARM: %v", len(mails), mails)
	}
	last := mails[1]
	if last["subject"] != `ALARM: "dlq-visible" in US East (N. Virginia)` || last["endpoint"] != "ops@example.com" {
		t.Fatalf("notification: %v", last)
	}
	var msg map[string]any
	if err := json.Unmarshal([]byte(last["message"].(string)), &msg); err != nil {
		t.Fatal(err)
	}
	trigger := msg["Trigger"].(map[string]any)
	if msg["AlarmName"] != "dlq-visible" || msg["NewStateValue"] != "ALARM" || msg["OldStateValue"] != "OK" ||
		msg["NewStateReason"] != a["StateReason"] || msg["AWSAccountId"] != "000000000000" ||
		trigger["MetricName"] != "ApproximateNumberOfMessagesVisible" || trigger["Namespace"] != "AWS/SQS" ||
		trigger["Statistic"] != "MAXIMUM" || trigger["Period"] != 60.0 || trigger["EvaluationPeriods"] != 1.0 ||
		trigger["ComparisonOperator"] != "GreaterThanOrEqualToThreshold" || trigger["Threshold"] != 1.0 {
		t.Fatalf("notification message: %v", msg)
	}
	dims := trigger["Dimensions"].([]any)
	if len(dims) != 1 || dims[0].(map[string]any)["name"] != "QueueName" || dims[0].(map[string]any)["value"] != "dlq" {
		t.Fatalf("trigger dimensions: %v", dims)
	}
	if !strings.HasPrefix(msg["StateChangeTime"].(string), "2026-12-07T04:02:00.000") {
		t.Fatalf("StateChangeTime %v", msg["StateChangeTime"])
	}

	// History: newest first, with the transitions and the actions.
	h := e.must(t, "DescribeAlarmHistory", map[string]any{"AlarmName": "dlq-visible", "HistoryItemType": "StateUpdate"})
	items := h["AlarmHistoryItems"].([]any)
	if len(items) != 2 || items[0].(map[string]any)["HistorySummary"] != "Alarm updated from OK to ALARM" ||
		items[1].(map[string]any)["HistorySummary"] != "Alarm updated from INSUFFICIENT_DATA to OK" {
		t.Fatalf("history: %v", items)
	}
	acts := e.must(t, "DescribeAlarmHistory", map[string]any{"AlarmName": "dlq-visible", "HistoryItemType": "Action"})["AlarmHistoryItems"].([]any)
	if len(acts) != 2 || !strings.HasPrefix(acts[0].(map[string]any)["HistorySummary"].(string), "Successfully executed action "+topic) {
		t.Fatalf("action history: %v", acts)
	}
}

func TestMOutOfNAndMissingData(t *testing.T) {
	// Each case records values minute by minute (nil: no data that
	// minute), ticking after each, and expects the final state.
	v := func(f float64) *float64 { return &f }
	cases := []struct {
		name   string
		extra  map[string]any
		values []*float64
		want   string
		reason string
	}{
		{"2 of 3 breaching", map[string]any{"EvaluationPeriods": 3, "DatapointsToAlarm": 2}, []*float64{v(5), v(0), v(3)}, "ALARM",
			"Threshold Crossed: 2 out of the last 3 datapoints [3.0 (07/12/26 04:02:00), 0.0 (07/12/26 04:01:00), 5.0 (07/12/26 04:00:00)] were greater than or equal to the threshold (1.0) (minimum 2 datapoints for OK -> ALARM transition)."},
		{"1 of 3 breaching", map[string]any{"EvaluationPeriods": 3, "DatapointsToAlarm": 2}, []*float64{v(0), v(0), v(3)}, "OK", ""},
		{"missing is insufficient data", nil, []*float64{v(0), nil}, "INSUFFICIENT_DATA", "Insufficient Data: 1 datapoint was unknown."},
		{"notBreaching", map[string]any{"TreatMissingData": "notBreaching"}, []*float64{nil}, "OK",
			"Threshold Crossed: no datapoints were received for 1 period and 1 missing datapoint was treated as [NonBreaching]."},
		{"breaching", map[string]any{"TreatMissingData": "breaching", "EvaluationPeriods": 2}, []*float64{nil, nil}, "ALARM",
			"Threshold Crossed: no datapoints were received for 2 periods and 2 missing datapoints were treated as [Breaching]."},
		{"ignore keeps the state", map[string]any{"TreatMissingData": "ignore"}, []*float64{v(4), nil}, "ALARM", ""},
		{"p99", map[string]any{"Statistic": nil, "ExtendedStatistic": "p99", "Threshold": 50}, []*float64{v(60)}, "ALARM", ""},
		{"less than", map[string]any{"ComparisonOperator": "LessThanThreshold"}, []*float64{v(0)}, "ALARM", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t, nil)
			in := dlqAlarm("a", c.extra)
			for k, v := range in {
				if v == nil {
					delete(in, k)
				}
			}
			e.must(t, "PutMetricAlarm", in)
			for _, v := range c.values {
				if v != nil {
					e.record("AWS/SQS", "ApproximateNumberOfMessagesVisible", dlq, *v)
				}
				e.minute()
			}
			a := e.alarm(t, "a")
			if a["StateValue"] != c.want || (c.reason != "" && a["StateReason"] != c.reason) {
				t.Fatalf("state %v, reason %q; want %s %q", a["StateValue"], a["StateReason"], c.want, c.reason)
			}
		})
	}
}

func TestALateCycleSkipsNoMinute(t *testing.T) {
	e := newEnv(t, nil)
	e.must(t, "PutMetricAlarm", dlqAlarm("errors", map[string]any{"Namespace": "Shop", "MetricName": "Errors", "Dimensions": []any{},
		"Statistic": "Sum", "TreatMissingData": "notBreaching"}))
	e.clock.Advance(10e9)
	e.record("Shop", "Errors", nil, 1) // in the minute 04:00
	e.clock.Advance(20e9)
	e.cw.Tick() // 04:00:30 evaluates the minute before
	// The next cycle runs two minutes late: it still evaluates 04:00
	// (ALARM), then 04:01 (no errors: OK again).
	e.clock.Advance(2 * 60e9)
	e.cw.Tick()
	items := e.must(t, "DescribeAlarmHistory", map[string]any{"AlarmName": "errors", "HistoryItemType": "StateUpdate", "ScanBy": "TimestampAscending"})["AlarmHistoryItems"].([]any)
	var got []string
	for _, it := range items {
		got = append(got, it.(map[string]any)["HistorySummary"].(string))
	}
	want := []string{"Alarm updated from INSUFFICIENT_DATA to OK", "Alarm updated from OK to ALARM", "Alarm updated from ALARM to OK"}
	if strings.Join(got, "; ") != strings.Join(want, "; ") {
		t.Fatalf("history %q, want %q", got, want)
	}
}
