package sqs_test

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awssqs "github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/shopstream/shopstream/emulator/awsapi"
	"github.com/shopstream/shopstream/emulator/localtest"
	"github.com/shopstream/shopstream/emulator/sqs"
	"github.com/shopstream/shopstream/emulator/state"
	"github.com/shopstream/shopstream/internal/testutil/awstest"
)

func newClock() *localtest.Clock {
	return localtest.NewClock(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
}

// env is one Service behind a real HTTP endpoint with an SDK client.
type env struct {
	svc    *sqs.Service
	client *awssqs.Client
	clock  *localtest.Clock
	db     *state.DB
	srv    *awsapi.Server
	url    string
}

// newEnv serves a Service on db (a fresh ephemeral store when nil). A nil
// clock uses the wall clock.
func newEnv(t testing.TB, db *state.DB, c *localtest.Clock) *env {
	t.Helper()
	if db == nil {
		db = localtest.OpenDB(t, "")
	}
	srv, url := localtest.Serve(t)
	opts := sqs.Options{BaseURL: url}
	if c != nil {
		opts.Now = c.Now
	}
	svc, err := sqs.New(db, opts)
	if err != nil {
		t.Fatal(err)
	}
	svc.Register(srv)
	return &env{svc: svc, client: awssqs.NewFromConfig(awstest.Config(url)), clock: c, db: db, srv: srv, url: url}
}

func (e *env) createQueue(t testing.TB, name string, attrs map[string]string) string {
	t.Helper()
	out, err := e.client.CreateQueue(context.Background(), &awssqs.CreateQueueInput{QueueName: aws.String(name), Attributes: attrs})
	if err != nil {
		t.Fatalf("CreateQueue %s: %v", name, err)
	}
	return *out.QueueUrl
}

func (e *env) send(t testing.TB, url, body string) string {
	t.Helper()
	out, err := e.client.SendMessage(context.Background(), &awssqs.SendMessageInput{QueueUrl: aws.String(url), MessageBody: aws.String(body)})
	if err != nil {
		t.Fatalf("SendMessage: %v", err)
	}
	return *out.MessageId
}

// receive does a short-poll receive of up to 10 messages with all
// system attributes.
func (e *env) receive(t testing.TB, url string) []types.Message {
	t.Helper()
	out, err := e.client.ReceiveMessage(context.Background(), &awssqs.ReceiveMessageInput{
		QueueUrl: aws.String(url), MaxNumberOfMessages: 10, WaitTimeSeconds: 0,
		MessageSystemAttributeNames: []types.MessageSystemAttributeName{types.MessageSystemAttributeNameAll},
		MessageAttributeNames:       []string{"All"},
	})
	if err != nil {
		t.Fatalf("ReceiveMessage: %v", err)
	}
	return out.Messages
}

func (e *env) attribute(t testing.TB, url, name string) string {
	t.Helper()
	out, err := e.client.GetQueueAttributes(context.Background(), &awssqs.GetQueueAttributesInput{
		QueueUrl: aws.String(url), AttributeNames: []types.QueueAttributeName{"All"},
	})
	if err != nil {
		t.Fatalf("GetQueueAttributes: %v", err)
	}
	return out.Attributes[name]
}

func ids(msgs []types.Message) []string {
	var out []string
	for _, m := range msgs {
		out = append(out, *m.MessageId)
	}
	return out
}
