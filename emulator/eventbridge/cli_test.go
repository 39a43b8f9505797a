package eventbridge_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/shopstream/shopstream/emulator/eventbridge"
	"github.com/shopstream/shopstream/emulator/localtest"
)

// TestAWSCLI drives both services with the AWS CLI (botocore speaks the
// same JSON protocols), the way a developer pokes at a running stack: a
// queue, a rule targeting it, PutEvents, and ReceiveMessage.
func TestAWSCLI(t *testing.T) {
	e := newEnv(t, nil, eventbridge.Config{})
	cli := localtest.AWSCLI(t, strings.TrimSuffix(e.queues.QueueURL("x"), "/000000000000/x"))

	url, _ := cli("sqs", "create-queue", "--queue-name", "cli-orders")["QueueUrl"].(string)
	policy := `{"Statement":[{"Effect":"Allow","Principal":{"Service":"events.amazonaws.com"},"Action":"sqs:SendMessage",` +
		`"Condition":{"ArnEquals":{"aws:SourceArn":"arn:aws:events:us-east-1:000000000000:rule/cli-rule"}}}]}`
	attrs, _ := json.Marshal(map[string]string{"Policy": policy})
	cli("sqs", "set-queue-attributes", "--queue-url", url, "--attributes", string(attrs))
	cli("events", "put-rule", "--name", "cli-rule", "--event-pattern", `{"source":["shop.cli"],"detail":{"n":[{"numeric":[">=",2]}]}}`)
	cli("events", "put-targets", "--rule", "cli-rule", "--targets", `[{"Id":"q","Arn":"arn:aws:sqs:us-east-1:000000000000:cli-orders","InputPath":"$.detail"}]`)
	put := cli("events", "put-events", "--entries", `[{"Source":"shop.cli","DetailType":"T","Detail":"{\"n\":1}"},{"Source":"shop.cli","DetailType":"T","Detail":"{\"n\":2}"}]`)
	if fmt.Sprint(put["FailedEntryCount"]) != "0" {
		t.Fatalf("put-events: %v", put)
	}
	got := cli("sqs", "receive-message", "--queue-url", url, "--wait-time-seconds", "10", "--attribute-names", "All")
	msgs, _ := got["Messages"].([]any)
	if len(msgs) != 1 {
		t.Fatalf("receive-message: %v", got)
	}
	msg := msgs[0].(map[string]any)
	if msg["Body"] != `{"n":2}` {
		t.Errorf("body %v, want only the matching event's detail", msg["Body"])
	}
	if a, _ := msg["Attributes"].(map[string]any); a["ApproximateReceiveCount"] != "1" {
		t.Errorf("attributes %v", msg["Attributes"])
	}
	cli("sqs", "delete-message", "--queue-url", url, "--receipt-handle", msg["ReceiptHandle"].(string))
	n := cli("sqs", "get-queue-attributes", "--queue-url", url, "--attribute-names", "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible")
	if a, _ := n["Attributes"].(map[string]any); a["ApproximateNumberOfMessages"] != "0" || a["ApproximateNumberOfMessagesNotVisible"] != "0" {
		t.Errorf("queue not empty after delete: %v", n)
	}
}
