package sqs_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awssqs "github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/aws/smithy-go"

	"github.com/shopstream/shopstream/emulator/localtest"
	"github.com/shopstream/shopstream/internal/testutil/awstest"
)

// deadLetter sends body to src and receives it until its redrive policy
// (maxReceiveCount 1, visibility 10 s) moves it to the dead-letter queue.
func (e *env) deadLetter(t *testing.T, src, body string) string {
	t.Helper()
	id := e.send(t, src, body)
	if got := e.receive(t, src); len(got) != 1 {
		t.Fatalf("first receive of %s: %v", body, ids(got))
	}
	e.clock.Advance(10 * time.Second)
	if got := e.receive(t, src); len(got) != 0 {
		t.Fatalf("second receive returned %v, want %s dead-lettered", ids(got), body)
	}
	return id
}

func TestMessageMoveTaskBackToSources(t *testing.T) {
	e := newEnv(t, nil, newClock())
	ctx := context.Background()
	dlqURL := e.createQueue(t, "dlq", nil)
	dlqARN := e.attribute(t, dlqURL, "QueueArn")
	redrive := map[string]string{"VisibilityTimeout": "10", "RedrivePolicy": fmt.Sprintf(`{"deadLetterTargetArn":%q,"maxReceiveCount":"1"}`, dlqARN)}
	a := e.createQueue(t, "source-a", redrive)
	b := e.createQueue(t, "source-b", redrive)
	idA := e.deadLetter(t, a, "from a")
	idB := e.deadLetter(t, b, "from b")
	if n := e.attribute(t, dlqURL, "ApproximateNumberOfMessages"); n != "2" {
		t.Fatalf("dead-letter queue holds %s messages, want 2", n)
	}

	out, err := e.client.StartMessageMoveTask(ctx, &awssqs.StartMessageMoveTaskInput{SourceArn: aws.String(dlqARN)})
	if err != nil || aws.ToString(out.TaskHandle) == "" {
		t.Fatalf("StartMessageMoveTask: %v %+v", err, out)
	}
	// Each message is back on the queue it came from, with no receives.
	for _, q := range []struct{ url, id, body string }{{a, idA, "from a"}, {b, idB, "from b"}} {
		got := e.receive(t, q.url)
		if len(got) != 1 || *got[0].MessageId != q.id || *got[0].Body != q.body || got[0].Attributes["ApproximateReceiveCount"] != "1" {
			t.Errorf("%s after the move: %+v", q.url, got)
		}
	}
	if got := e.receive(t, dlqURL); len(got) != 0 {
		t.Errorf("dead-letter queue still holds %v", ids(got))
	}
	list, err := e.client.ListMessageMoveTasks(ctx, &awssqs.ListMessageMoveTasksInput{SourceArn: aws.String(dlqARN)})
	if err != nil || len(list.Results) != 1 {
		t.Fatalf("ListMessageMoveTasks: %v %+v", err, list)
	}
	r := list.Results[0]
	if aws.ToString(r.Status) != "COMPLETED" || r.ApproximateNumberOfMessagesMoved != 2 || aws.ToInt64(r.ApproximateNumberOfMessagesToMove) != 2 ||
		aws.ToString(r.SourceArn) != dlqARN || r.DestinationArn != nil || r.TaskHandle != nil || r.StartedTimestamp == 0 {
		t.Errorf("task %+v", r)
	}
}

func TestMessageMoveTaskToDestination(t *testing.T) {
	e := newEnv(t, nil, newClock())
	ctx := context.Background()
	dlqURL := e.createQueue(t, "dlq", nil)
	dlqARN := e.attribute(t, dlqURL, "QueueArn")
	e.createQueue(t, "source", map[string]string{"RedrivePolicy": fmt.Sprintf(`{"deadLetterTargetArn":%q,"maxReceiveCount":"1"}`, dlqARN)})
	other := e.createQueue(t, "other", nil)
	otherARN := e.attribute(t, other, "QueueArn")
	// Sent to the dead-letter queue directly: it has no source queue.
	direct := e.send(t, dlqURL, "direct")

	// Without a destination it cannot go anywhere: it stays, and the task
	// says why.
	if _, err := e.client.StartMessageMoveTask(ctx, &awssqs.StartMessageMoveTaskInput{SourceArn: aws.String(dlqARN)}); err != nil {
		t.Fatal(err)
	}
	list, err := e.client.ListMessageMoveTasks(ctx, &awssqs.ListMessageMoveTasksInput{SourceArn: aws.String(dlqARN)})
	if err != nil || len(list.Results) != 1 || aws.ToString(list.Results[0].Status) != "FAILED" ||
		!strings.Contains(aws.ToString(list.Results[0].FailureReason), "no source queue") || list.Results[0].ApproximateNumberOfMessagesMoved != 0 {
		t.Fatalf("task without a destination: %v %+v", err, list)
	}
	if n := e.attribute(t, dlqURL, "ApproximateNumberOfMessages"); n != "1" {
		t.Fatalf("dead-letter queue holds %s messages after the failed task, want 1", n)
	}

	if _, err := e.client.StartMessageMoveTask(ctx, &awssqs.StartMessageMoveTaskInput{SourceArn: aws.String(dlqARN), DestinationArn: aws.String(otherARN), MaxNumberOfMessagesPerSecond: aws.Int32(5)}); err != nil {
		t.Fatal(err)
	}
	if got := e.receive(t, other); len(got) != 1 || *got[0].MessageId != direct {
		t.Errorf("destination after the move: %v", ids(got))
	}
	list, err = e.client.ListMessageMoveTasks(ctx, &awssqs.ListMessageMoveTasksInput{SourceArn: aws.String(dlqARN), MaxResults: aws.Int32(10)})
	if err != nil || len(list.Results) != 2 {
		t.Fatalf("ListMessageMoveTasks: %v %+v", err, list)
	}
	r := list.Results[0] // most recent first
	if aws.ToString(r.Status) != "COMPLETED" || aws.ToString(r.DestinationArn) != otherARN || aws.ToInt32(r.MaxNumberOfMessagesPerSecond) != 5 || r.ApproximateNumberOfMessagesMoved != 1 {
		t.Errorf("latest task %+v", r)
	}
	if aws.ToString(list.Results[1].Status) != "FAILED" {
		t.Errorf("older task %+v", list.Results[1])
	}
}

func TestMessageMoveTaskBadInput(t *testing.T) {
	e := newEnv(t, nil, newClock())
	ctx := context.Background()
	dlqURL := e.createQueue(t, "dlq", nil)
	dlqARN := e.attribute(t, dlqURL, "QueueArn")
	srcURL := e.createQueue(t, "source", map[string]string{"RedrivePolicy": fmt.Sprintf(`{"deadLetterTargetArn":%q,"maxReceiveCount":"1"}`, dlqARN)})
	srcARN := e.attribute(t, srcURL, "QueueArn")
	e.send(t, dlqURL, "stays")
	missing := "arn:aws:sqs:us-east-1:000000000000:missing"
	tests := []struct {
		name     string
		in       awssqs.StartMessageMoveTaskInput
		code     string
		contains string
	}{
		{"unknown source", awssqs.StartMessageMoveTaskInput{SourceArn: aws.String(missing)}, "ResourceNotFoundException", "SourceArn parameter doesn't exist"},
		{"not a dead-letter queue", awssqs.StartMessageMoveTaskInput{SourceArn: aws.String(srcARN)}, "InvalidParameterValue", "Source queue must be configured as a Dead Letter Queue."},
		{"unknown destination", awssqs.StartMessageMoveTaskInput{SourceArn: aws.String(dlqARN), DestinationArn: aws.String(missing)}, "ResourceNotFoundException", "DestinationArn parameter doesn't exist"},
		{"destination is the source", awssqs.StartMessageMoveTaskInput{SourceArn: aws.String(dlqARN), DestinationArn: aws.String(dlqARN)}, "InvalidParameterValue", "cannot be the same"},
		{"rate 0", awssqs.StartMessageMoveTaskInput{SourceArn: aws.String(dlqARN), MaxNumberOfMessagesPerSecond: aws.Int32(0)}, "InvalidParameterValue", "MaxNumberOfMessagesPerSecond"},
		{"rate 501", awssqs.StartMessageMoveTaskInput{SourceArn: aws.String(dlqARN), MaxNumberOfMessagesPerSecond: aws.Int32(501)}, "InvalidParameterValue", "Must be between 1 and 500"},
	}
	for _, tc := range tests {
		_, err := e.client.StartMessageMoveTask(ctx, &tc.in)
		var api smithy.APIError
		if !errors.As(err, &api) || api.ErrorCode() != tc.code || !strings.Contains(api.ErrorMessage(), tc.contains) {
			t.Errorf("%s: %v, want %s with %q", tc.name, err, tc.code, tc.contains)
		}
	}
	_, err := e.client.ListMessageMoveTasks(ctx, &awssqs.ListMessageMoveTasksInput{SourceArn: aws.String(dlqARN), MaxResults: aws.Int32(11)})
	var api smithy.APIError
	if !errors.As(err, &api) || api.ErrorCode() != "InvalidParameterValue" {
		t.Errorf("MaxResults 11: %v", err)
	}
	var nf *types.ResourceNotFoundException
	if _, err := e.client.ListMessageMoveTasks(ctx, &awssqs.ListMessageMoveTasksInput{SourceArn: aws.String(missing)}); !errors.As(err, &nf) {
		t.Errorf("list for an unknown queue: %v, want ResourceNotFoundException", err)
	}
	// Nothing moved, no task recorded.
	if n := e.attribute(t, dlqURL, "ApproximateNumberOfMessages"); n != "1" {
		t.Errorf("dead-letter queue holds %s messages, want 1", n)
	}
	list, err := e.client.ListMessageMoveTasks(ctx, &awssqs.ListMessageMoveTasksInput{SourceArn: aws.String(dlqARN)})
	if err != nil || len(list.Results) != 0 {
		t.Errorf("tasks after rejected starts: %v %+v", err, list)
	}
}

// TestMessageMoveTaskAuthorization: the caller needs the task's action on
// the dead-letter queue and what the task does: receive and delete there,
// send to the destination.
func TestMessageMoveTaskAuthorization(t *testing.T) {
	e := newEnv(t, nil, nil)
	srv, url := e.srv, e.url
	ctx := context.Background()
	dlqURL := e.createQueue(t, "dlq", nil)
	dlq := e.attribute(t, dlqURL, "QueueArn")
	srcURL := e.createQueue(t, "source", map[string]string{"RedrivePolicy": fmt.Sprintf(`{"deadLetterTargetArn":%q,"maxReceiveCount":"1"}`, dlq)})
	src := e.attribute(t, srcURL, "QueueArn")
	iam := localtest.EnforceIAM(t, srv)
	client := func(actions ...string) *awssqs.Client {
		cfg := awstest.Config(url)
		cfg.Credentials = iam.Role("r"+fmt.Sprint(len(actions)), localtest.Allow(actions, dlq), localtest.Allow([]string{"sqs:SendMessage"}, src))
		return awssqs.NewFromConfig(cfg)
	}
	full := []string{"sqs:StartMessageMoveTask", "sqs:ListMessageMoveTasks", "sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"}
	for i := range full {
		if i == 1 {
			continue // ListMessageMoveTasks is not needed to start
		}
		partial := slices.Delete(slices.Clone(full), i, i+1)
		_, err := client(partial...).StartMessageMoveTask(ctx, &awssqs.StartMessageMoveTaskInput{SourceArn: aws.String(dlq)})
		var api smithy.APIError
		if !errors.As(err, &api) || api.ErrorCode() != "AccessDenied" || !strings.Contains(api.ErrorMessage(), strings.ToLower(full[i])) {
			t.Errorf("without %s: %v, want AccessDenied naming it", full[i], err)
		}
	}
	c := client(full...)
	if _, err := c.StartMessageMoveTask(ctx, &awssqs.StartMessageMoveTaskInput{SourceArn: aws.String(dlq)}); err != nil {
		t.Fatalf("with every permission: %v", err)
	}
	if out, err := c.ListMessageMoveTasks(ctx, &awssqs.ListMessageMoveTasksInput{SourceArn: aws.String(dlq)}); err != nil || len(out.Results) != 1 {
		t.Fatalf("list: %v", err)
	}
}

// TestMessageMoveTaskWithAWSCLI runs the runbook's commands.
func TestMessageMoveTaskWithAWSCLI(t *testing.T) {
	e := newEnv(t, nil, nil)
	cli := localtest.AWSCLI(t, e.url)
	dlqURL := e.createQueue(t, "dlq", nil)
	dlq := e.attribute(t, dlqURL, "QueueArn")
	e.createQueue(t, "source", map[string]string{"RedrivePolicy": fmt.Sprintf(`{"deadLetterTargetArn":%q,"maxReceiveCount":"1"}`, dlq)})
	other := e.createQueue(t, "other", nil)
	e.send(t, dlqURL, "x")
	if out := cli("sqs", "start-message-move-task", "--source-arn", dlq, "--destination-arn", e.attribute(t, other, "QueueArn")); out["TaskHandle"] == nil {
		t.Errorf("start-message-move-task: %v", out)
	}
	out := cli("sqs", "list-message-move-tasks", "--source-arn", dlq)
	if rs, _ := out["Results"].([]any); len(rs) != 1 || rs[0].(map[string]any)["Status"] != "COMPLETED" {
		t.Errorf("list-message-move-tasks: %v", out)
	}
}
