package lambda

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/shopstream/shopstream/emulator/awsapi"
)

// invocationRecord is what Lambda sends to an asynchronous invocation's
// destination ("Capturing records of Lambda asynchronous invocations").
// responseContext and responsePayload are left out when the function
// never ran (an event that expired in the queue).
func (s *Service) invocationRecord(e *asyncEvent, condition, functionError string, response json.RawMessage) ([]byte, error) {
	rec := map[string]any{
		"version":   "1.0",
		"timestamp": s.cfg.Now().UTC().Format("2006-01-02T15:04:05.000Z"),
		"requestContext": map[string]any{
			"requestId":              e.RequestID,
			"functionArn":            FunctionARN(e.Function) + ":$LATEST",
			"condition":              condition,
			"approximateInvokeCount": e.Invokes,
		},
		"requestPayload": e.Payload,
	}
	if e.Invokes > 0 {
		rc := map[string]any{"statusCode": 200, "executedVersion": "$LATEST"}
		if functionError != "" {
			rc["functionError"] = functionError
		}
		rec["responseContext"] = rc
		if !json.Valid(response) {
			// A function's result is JSON; keep a malformed one readable.
			raw, _ := json.Marshal(string(response))
			response = raw
		}
		rec["responsePayload"] = response
	}
	return json.Marshal(rec)
}

// sendRecord sends e's invocation record to an SQS destination as AWS
// does, with the function's execution role: with IAM enforced the role
// must allow sqs:SendMessage on the queue. A record that cannot be sent
// is dropped with an error line (AWS counts it in the
// DestinationDeliveryFailures metric).
func (s *Service) sendRecord(e *asyncEvent, queueARN, condition, functionError string, response json.RawMessage) {
	body, err := s.invocationRecord(e, condition, functionError, response)
	if err == nil {
		err = s.sendToQueue(e.Function, queueARN, string(body))
	}
	if err != nil {
		s.cfg.Log.Error("lambda async invoke: destination delivery failed, record dropped", "function", e.Function, "requestId", e.RequestID,
			"condition", condition, "destination", queueARN, "err", err)
	}
}

// errNoEndpoint is why a destination record cannot be sent before Register.
var errNoEndpoint = errors.New("no AWS endpoint registered to reach SQS")

func (s *Service) sendToQueue(function, queueARN, body string) error {
	s.mu.RLock()
	srv := s.srv
	s.mu.RUnlock()
	if srv == nil {
		return errNoEndpoint
	}
	parts := strings.Split(queueARN, ":")
	if len(parts) != 6 || parts[5] == "" {
		return fmt.Errorf("%q is not an SQS queue ARN", queueARN)
	}
	// Lambda resolves the queue itself; only the send is the role's.
	in, _ := json.Marshal(map[string]string{"QueueName": parts[5], "QueueOwnerAWSAccountId": parts[4]})
	raw, err := srv.Call(context.Background(), "AmazonSQS.GetQueueUrl", in)
	if err != nil {
		return err
	}
	var out struct{ QueueUrl string }
	if err := json.Unmarshal(raw, &out); err != nil {
		return fmt.Errorf("GetQueueUrl reply: %w", err)
	}
	in, _ = json.Marshal(map[string]string{"QueueUrl": out.QueueUrl, "MessageBody": body})
	role := awsapi.WithPrincipal(context.Background(), awsapi.Principal{Function: FunctionARN(function)})
	_, err = srv.Call(role, "AmazonSQS.SendMessage", in)
	return err
}
