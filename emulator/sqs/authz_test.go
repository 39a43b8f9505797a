package sqs_test

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	awssqs "github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/aws/smithy-go"

	"github.com/shopstream/shopstream/emulator/localtest"
	"github.com/shopstream/shopstream/emulator/sqs"
	"github.com/shopstream/shopstream/internal/testutil/awstest"
)

// TestAuthorization signs requests with credentials issued for roles: the
// role's policy or the queue's policy must allow the action on the queue.
func TestAuthorization(t *testing.T) {
	srv, url := localtest.Serve(t)
	svc, err := sqs.New(localtest.OpenDB(t, ""), sqs.Options{BaseURL: url})
	if err != nil {
		t.Fatal(err)
	}
	svc.Register(srv)
	ctx := context.Background()
	admin := awssqs.NewFromConfig(awstest.Config(url))
	ordersURL := mustCreate(t, admin, "orders", nil)
	orders := "arn:aws:sqs:us-east-1:000000000000:orders"
	// The queue policy grants the consumer role receiving; a Deny of
	// insecure transport (as CDK's enforceSSL writes) must not hit the
	// loopback endpoint, which stands in for AWS's TLS one.
	inboxURL := mustCreate(t, admin, "inbox", map[string]string{"Policy": `{"Version":"2012-10-17","Statement":[
		{"Effect":"Deny","Principal":{"AWS":"*"},"Action":"sqs:*","Resource":"arn:aws:sqs:us-east-1:000000000000:inbox","Condition":{"Bool":{"aws:SecureTransport":"false"}}},
		{"Effect":"Allow","Principal":{"AWS":"` + localtest.RoleARN("consumer") + `"},"Action":"sqs:ReceiveMessage","Resource":"arn:aws:sqs:us-east-1:000000000000:inbox"}]}`})

	iam := localtest.EnforceIAM(t, srv)
	iam.Service.ResourcePolicies(svc.QueuePolicy)
	client := func(creds aws.CredentialsProvider) *awssqs.Client {
		cfg := awstest.Config(url)
		cfg.Credentials = creds
		return awssqs.NewFromConfig(cfg)
	}
	producer := client(iam.Role("producer", localtest.Allow([]string{"sqs:SendMessage", "sqs:GetQueueUrl"}, orders)))
	consumer := client(iam.Role("consumer", localtest.Allow([]string{"sqs:ReceiveMessage", "sqs:DeleteMessage"}, orders)))

	denied := func(role, action, resource string) string {
		return "User: arn:aws:sts::000000000000:assumed-role/" + role + "/" + role + " is not authorized to perform: " + action +
			" on resource: " + resource + " because no identity-based policy allows the " + action + " action"
	}
	tests := []struct {
		name string
		call func() error
		want string
	}{
		{"SendMessage granted", func() error {
			_, err := producer.SendMessage(ctx, &awssqs.SendMessageInput{QueueUrl: &ordersURL, MessageBody: aws.String("x")})
			return err
		}, ""},
		{"SendMessageBatch needs sqs:SendMessage", func() error {
			_, err := producer.SendMessageBatch(ctx, &awssqs.SendMessageBatchInput{QueueUrl: &ordersURL,
				Entries: []types.SendMessageBatchRequestEntry{{Id: aws.String("1"), MessageBody: aws.String("y")}}})
			return err
		}, ""},
		{"GetQueueUrl by name", func() error {
			_, err := producer.GetQueueUrl(ctx, &awssqs.GetQueueUrlInput{QueueName: aws.String("orders")})
			return err
		}, ""},
		{"ReceiveMessage not granted", func() error {
			_, err := producer.ReceiveMessage(ctx, &awssqs.ReceiveMessageInput{QueueUrl: &ordersURL})
			return err
		}, denied("producer", "sqs:receivemessage", orders)},
		{"SendMessage to another queue", func() error {
			_, err := producer.SendMessage(ctx, &awssqs.SendMessageInput{QueueUrl: &inboxURL, MessageBody: aws.String("x")})
			return err
		}, denied("producer", "sqs:sendmessage", "arn:aws:sqs:us-east-1:000000000000:inbox")},
		{"ListQueues needs Resource *", func() error { _, err := producer.ListQueues(ctx, &awssqs.ListQueuesInput{}); return err },
			denied("producer", "sqs:listqueues", "*")},
		{"consumer receives", func() error {
			_, err := consumer.ReceiveMessage(ctx, &awssqs.ReceiveMessageInput{QueueUrl: &ordersURL})
			return err
		}, ""},
		{"the queue policy grants what the identity policy does not", func() error {
			_, err := consumer.ReceiveMessage(ctx, &awssqs.ReceiveMessageInput{QueueUrl: &inboxURL})
			return err
		}, ""},
		{"neither policy grants", func() error {
			_, err := consumer.PurgeQueue(ctx, &awssqs.PurgeQueueInput{QueueUrl: &inboxURL})
			return err
		}, denied("consumer", "sqs:purgequeue", "arn:aws:sqs:us-east-1:000000000000:inbox")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			if tt.want == "" {
				if err != nil {
					t.Fatalf("denied: %v", err)
				}
				return
			}
			// As on AWS: SQS's query-compatible code, HTTP 403.
			var api smithy.APIError
			var resp *awshttp.ResponseError
			if !errors.As(err, &api) || api.ErrorCode() != "AccessDenied" || api.ErrorMessage() != tt.want ||
				!errors.As(err, &resp) || resp.HTTPStatusCode() != 403 {
				t.Fatalf("got %v\nwant a 403 AccessDenied: %s", err, tt.want)
			}
		})
	}
}

func mustCreate(t *testing.T, c *awssqs.Client, name string, attrs map[string]string) string {
	t.Helper()
	out, err := c.CreateQueue(context.Background(), &awssqs.CreateQueueInput{QueueName: aws.String(name), Attributes: attrs})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(out.QueueUrl)
}
