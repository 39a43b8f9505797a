package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http"
	neturl "net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/schemas"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/aws/smithy-go/transport/http/protocol/awsjson"

	"github.com/shopstream/shopstream/emulator/localtest"
	"github.com/shopstream/shopstream/internal/testutil/awstest"
)

// alarmWithin bounds waiting for an alarm: the poison message needs its
// five receives (scaled visibility timeouts) to reach the DLQ, then a
// CloudWatch minute (0.6 s at the harness's time scale) to be sampled and
// one more to be evaluated.
const alarmWithin = 90 * time.Second

// TestPoisonMessageRaisesTheDLQAlarm is issue 12's "done when": a message
// the ordering function cannot decode, sent straight to the order queue,
// fails maxReceiveCount times, lands in the dead-letter queue, and the
// DLQ's alarm goes to ALARM — seen through the Go SDK and through
// `aws cloudwatch describe-alarms --state-value ALARM` — and notifies its
// SNS topic, while a normal checkout still becomes an order.
//
// The alarm is the stack's own when the stack has one on the DLQ's
// ApproximateNumberOfMessagesVisible; otherwise the test creates the same
// alarm (≥ 1 visible, Maximum over a minute) with PutMetricAlarm.
func TestPoisonMessageRaisesTheDLQAlarm(t *testing.T) {
	localOnly(t)
	dir := t.TempDir()
	// Its own runtime: the poison message stays in the DLQ, which the
	// shared stack's waitQuiet would wait on forever.
	h, err := startRuntime(runtimeOptions{dataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer h.stop()
	h.logOnFailure(t)
	ctx := context.Background()
	q := sqs.NewFromConfig(awstest.Config(h.AWSURL))
	cw := cloudwatchClient(h.AWSURL)

	orderQueue := h.orderQueueURL(t, q)
	dlqURL, dlqName := deadLetterQueue(t, q, orderQueue)
	alarm, topic := h.dlqAlarm(t, cw, dlqName)
	t.Logf("alarm %s on %s notifies %s", alarm, dlqName, topic)

	// Observe the topic as a subscriber would: a queue (its policy lets
	// the topic send) and an e-mail address (<data>/sns-email.log).
	inbox := h.subscribeQueue(t, q, topic)
	h.snsQuery(t, neturl.Values{"Action": {"Subscribe"}, "TopicArn": {topic}, "Protocol": {"email"}, "Endpoint": {"oncall@example.com"}})

	if s := alarmState(t, cw, alarm); s == cwtypes.StateValueAlarm {
		t.Fatalf("alarm %s is in ALARM before any poison", alarm)
	}
	const poison = "poison: not an EventBridge envelope"
	if _, err := q.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(orderQueue), MessageBody: aws.String(poison)}); err != nil {
		t.Fatal(err)
	}

	// The rest of the pipeline keeps flowing meanwhile.
	_, shopper, user, _ := h.checkedOut(t, "poisoned", 1)
	eventually(t, checkoutWithin, "a normal checkout's order", func() bool { return len(shopper.orders(user)) == 1 })

	eventually(t, alarmWithin, "the poison message in "+dlqName, func() bool {
		out, err := q.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: aws.String(dlqURL),
			AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameApproximateNumberOfMessages}})
		return err == nil && out.Attributes["ApproximateNumberOfMessages"] == "1"
	})
	var reason string
	eventually(t, alarmWithin, "alarm "+alarm+" in ALARM", func() bool {
		out, err := cw.DescribeAlarms(ctx, &cloudwatch.DescribeAlarmsInput{StateValue: cwtypes.StateValueAlarm})
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range out.MetricAlarms {
			if *a.AlarmName == alarm {
				reason = *a.StateReason
				return true
			}
		}
		return false
	})
	if !strings.HasPrefix(reason, "Threshold Crossed: 1 datapoint [1.0 (") {
		t.Errorf("StateReason %q", reason)
	}

	// The DLQ holds the poison message itself.
	got, err := q.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(dlqURL), MessageSystemAttributeNames: []sqstypes.MessageSystemAttributeName{"All"}})
	if err != nil || len(got.Messages) != 1 || *got.Messages[0].Body != poison {
		t.Fatalf("DLQ: %v %+v", err, got)
	}

	// The topic's subscribers got CloudWatch's notification.
	var note map[string]any
	eventually(t, 10*time.Second, "the alarm notification in the subscribed queue", func() bool {
		out, err := q.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(inbox), MaxNumberOfMessages: 10})
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range out.Messages {
			var env struct{ Type, TopicArn, Subject, Message string }
			if json.Unmarshal([]byte(*m.Body), &env) != nil || env.Type != "Notification" || env.TopicArn != topic {
				t.Fatalf("not an SNS notification from %s: %s", topic, *m.Body)
			}
			var msg map[string]any
			if err := json.Unmarshal([]byte(env.Message), &msg); err != nil {
				t.Fatalf("notification message: %v: %s", err, env.Message)
			}
			if msg["AlarmName"] == alarm && msg["NewStateValue"] == "ALARM" {
				note = msg
			}
		}
		return note != nil
	})
	trigger := note["Trigger"].(map[string]any)
	dims, _ := json.Marshal(trigger["Dimensions"])
	if trigger["MetricName"] != "ApproximateNumberOfMessagesVisible" || trigger["Namespace"] != "AWS/SQS" ||
		string(dims) != `[{"name":"QueueName","value":"`+dlqName+`"}]` || note["NewStateReason"] != reason {
		t.Errorf("notification: %v", note)
	}
	eventually(t, 10*time.Second, "the alarm e-mail in sns-email.log", func() bool {
		return emailed(t, filepath.Join(dir, "sns-email.log"), "oncall@example.com", `ALARM: "`+alarm+`" in US East (N. Virginia)`)
	})

	// The AWS CLI (an optional oracle: the subtest is skipped without it)
	// shows the same alarm firing.
	t.Run("aws cloudwatch describe-alarms --state-value ALARM", func(t *testing.T) {
		out := localtest.AWSCLI(t, h.AWSURL)("cloudwatch", "describe-alarms", "--state-value", "ALARM")
		for _, a := range out["MetricAlarms"].([]any) {
			if m := a.(map[string]any); m["AlarmName"] == alarm && m["StateValue"] == "ALARM" {
				return
			}
		}
		t.Fatalf("%s not among the CLI's alarms in ALARM: %v", alarm, out)
	})
}

// orderQueueURL is the stack's order queue: its OrderQueueUrl output, or
// the queue the CDK named after the OrderQueue construct.
func (h *stackHandle) orderQueueURL(t *testing.T, q *sqs.Client) string {
	t.Helper()
	if u := h.Outputs["OrderQueueUrl"]; u != "" {
		return u
	}
	list, err := q.ListQueues(context.Background(), &sqs.ListQueuesInput{})
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range list.QueueUrls {
		if strings.Contains(u[strings.LastIndex(u, "/"):], "OrderQueue") {
			return u
		}
	}
	t.Fatalf("no order queue among %v", list.QueueUrls)
	return ""
}

// deadLetterQueue returns the URL and name of queue's redrive target.
func deadLetterQueue(t *testing.T, q *sqs.Client, queue string) (string, string) {
	t.Helper()
	ctx := context.Background()
	out, err := q.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: aws.String(queue), AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameRedrivePolicy}})
	if err != nil {
		t.Fatal(err)
	}
	var rp struct {
		DeadLetterTargetArn string `json:"deadLetterTargetArn"`
		MaxReceiveCount     int    `json:"maxReceiveCount"`
	}
	if err := json.Unmarshal([]byte(out.Attributes["RedrivePolicy"]), &rp); err != nil || rp.MaxReceiveCount != 5 {
		t.Fatalf("order queue's RedrivePolicy %q: %v (want maxReceiveCount 5)", out.Attributes["RedrivePolicy"], err)
	}
	name := rp.DeadLetterTargetArn[strings.LastIndex(rp.DeadLetterTargetArn, ":")+1:]
	u, err := q.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	return *u.QueueUrl, name
}

// dlqAlarm returns the stack's alarm on the DLQ's visible messages and
// the SNS topic it notifies, or creates both when the stack has none.
func (h *stackHandle) dlqAlarm(t *testing.T, cw *cloudwatch.Client, dlqName string) (alarm, topic string) {
	t.Helper()
	ctx := context.Background()
	pages := cloudwatch.NewDescribeAlarmsPaginator(cw, &cloudwatch.DescribeAlarmsInput{})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range page.MetricAlarms {
			if *a.MetricName != "ApproximateNumberOfMessagesVisible" || len(a.Dimensions) != 1 || *a.Dimensions[0].Name != "QueueName" || *a.Dimensions[0].Value != dlqName {
				continue
			}
			for _, action := range a.AlarmActions {
				if strings.HasPrefix(action, "arn:aws:sns:") {
					return *a.AlarmName, action
				}
			}
			t.Fatalf("the stack's alarm %s on %s notifies no SNS topic: %v", *a.AlarmName, dlqName, a.AlarmActions)
		}
	}
	t.Logf("the stack has no alarm on %s: the test creates one with PutMetricAlarm", dlqName)
	var created struct {
		Result struct{ TopicArn string } `xml:"CreateTopicResult"`
	}
	h.snsQuery(t, neturl.Values{"Action": {"CreateTopic"}, "Name": {"e2e-alarms"}}, &created)
	alarm = dlqName + "-not-empty"
	_, err := cw.PutMetricAlarm(ctx, &cloudwatch.PutMetricAlarmInput{
		AlarmName: aws.String(alarm), Namespace: aws.String("AWS/SQS"), MetricName: aws.String("ApproximateNumberOfMessagesVisible"),
		Dimensions: []cwtypes.Dimension{{Name: aws.String("QueueName"), Value: aws.String(dlqName)}},
		Statistic:  cwtypes.StatisticMaximum, Period: aws.Int32(60), EvaluationPeriods: aws.Int32(1), Threshold: aws.Float64(1),
		ComparisonOperator: cwtypes.ComparisonOperatorGreaterThanOrEqualToThreshold, TreatMissingData: aws.String("notBreaching"),
		AlarmActions: []string{created.Result.TopicArn}, OKActions: []string{created.Result.TopicArn},
	})
	if err != nil {
		t.Fatal(err)
	}
	return alarm, created.Result.TopicArn
}

// subscribeQueue creates a queue whose policy lets topic send to it,
// subscribes it to the topic and returns its URL.
func (h *stackHandle) subscribeQueue(t *testing.T, q *sqs.Client, topic string) string {
	t.Helper()
	ctx := context.Background()
	policy := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"sns.amazonaws.com"},"Action":"sqs:SendMessage","Resource":"*",` +
		`"Condition":{"ArnEquals":{"aws:SourceArn":"` + topic + `"}}}]}`
	out, err := q.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("e2e-alarm-inbox"), Attributes: map[string]string{"Policy": policy}})
	if err != nil {
		t.Fatal(err)
	}
	attrs, err := q.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: out.QueueUrl, AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameQueueArn}})
	if err != nil {
		t.Fatal(err)
	}
	h.snsQuery(t, neturl.Values{"Action": {"Subscribe"}, "TopicArn": {topic}, "Protocol": {"sqs"}, "Endpoint": {attrs.Attributes["QueueArn"]}})
	return *out.QueueUrl
}

// alarmState is an alarm's state.
func alarmState(t *testing.T, cw *cloudwatch.Client, alarm string) cwtypes.StateValue {
	t.Helper()
	out, err := cw.DescribeAlarms(context.Background(), &cloudwatch.DescribeAlarmsInput{AlarmNames: []string{alarm}})
	if err != nil || len(out.MetricAlarms) != 1 {
		t.Fatalf("alarm %s: %v %+v", alarm, err, out)
	}
	return out.MetricAlarms[0].StateValue
}

// cloudwatchClient is the Go SDK's CloudWatch client on the JSON 1.0
// protocol, which the local runtime serves (the client's default, CBOR,
// it does not).
func cloudwatchClient(endpoint string) *cloudwatch.Client {
	return cloudwatch.NewFromConfig(awstest.Config(endpoint), func(o *cloudwatch.Options) {
		o.Protocol = awsjson.New10(schemas.GraniteServiceVersion20100801)
	})
}

// snsQuery makes an SNS query-protocol request (routed by the credential
// scope's service, as a signed request's is), decoding the XML answer into
// out when given, and fails the test unless it succeeds.
func (h *stackHandle) snsQuery(t *testing.T, params neturl.Values, out ...any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, h.AWSURL+"/", strings.NewReader(params.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=test/"+time.Now().UTC().Format("20060102")+"/us-east-1/sns/aws4_request, SignedHeaders=host, Signature=0")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("SNS %s: %d %s", params.Get("Action"), res.StatusCode, raw)
	}
	for _, o := range out {
		if err := xml.Unmarshal(raw, o); err != nil {
			t.Fatalf("SNS %s: %v: %s", params.Get("Action"), err, raw)
		}
	}
}

// emailed reports whether the SNS e-mail log holds a message to addr with
// the given subject.
func emailed(t *testing.T, path, addr, subject string) bool {
	t.Helper()
	f, err := os.Open(path)
	if os.IsNotExist(err) {
		return false
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var l struct{ Endpoint, Subject string }
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatalf("%s: %v: %s", path, err, sc.Text())
		}
		if l.Endpoint == addr && l.Subject == subject {
			return true
		}
	}
	return false
}
