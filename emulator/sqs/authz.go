package sqs

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/shopstream/shopstream/emulator/awsapi"
)

// actions maps operations to the IAM actions they need where the names
// differ: a batch needs its single-message action (Service Authorization
// Reference, "Actions defined by Amazon SQS").
var actions = map[string]string{
	"SendMessageBatch":             "SendMessage",
	"DeleteMessageBatch":           "DeleteMessage",
	"ChangeMessageVisibilityBatch": "ChangeMessageVisibility",
}

// authorize checks the operation's action on its queue (named by QueueUrl,
// or QueueName for CreateQueue and GetQueueUrl, SourceArn for the message
// move tasks; "*" for ListQueues). SQS
// words actions in lower case in its denials ("sqs:sendmessage"), and IAM
// matches actions case-insensitively, so they are checked that way. A
// denial is reshaped as SQS sends it: HTTP 403 and the query-protocol code
// AccessDenied, which the SDKs report as the error code.
func (s *Service) authorize(ctx context.Context, op string, body []byte) error {
	if awsapi.PrincipalFrom(ctx).IsZero() {
		return nil
	}
	var in struct {
		QueueURL  string `json:"QueueUrl"`
		QueueName string `json:"QueueName"`
		SourceARN string `json:"SourceArn"`
	}
	if json.Unmarshal(body, &in) != nil {
		return nil // the operation reports the malformed body
	}
	action := op
	if a, ok := actions[op]; ok {
		action = a
	}
	resource := "*"
	switch {
	case op == "ListQueues":
	case op == "CreateQueue" || op == "GetQueueUrl":
		resource = queueARN(in.QueueName)
	case op == "StartMessageMoveTask" || op == "ListMessageMoveTasks":
		if in.SourceARN == "" {
			return nil // the operation reports the missing parameter
		}
		resource = in.SourceARN // the source (dead-letter) queue
	default:
		name, err := nameFromURL(in.QueueURL)
		if err != nil {
			return nil
		}
		resource = queueARN(name)
	}
	return denial(awsapi.Authorize(ctx, "sqs:"+strings.ToLower(action), resource, nil))
}

// QueuePolicy returns the Policy attribute of the queue with the given
// ARN ("" for none), the queue's resource-based policy for IAM.
func (s *Service) QueuePolicy(arn string) string {
	name, ok := nameFromARN(arn)
	if !ok {
		return ""
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if q := s.queues[name]; q != nil {
		return q.Policy
	}
	return ""
}
