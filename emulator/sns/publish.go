package sns

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"time"
)

// maxMessage is SNS's limit on a message's size in bytes.
const maxMessage = 262144

// Publish sends message to every subscription of the topic and returns the
// message id. CloudWatch alarm actions call it in-process. Delivery
// failures (a queue whose policy does not allow the topic, a missing
// queue) are logged, not returned, as SNS accepts the message before it
// delivers.
func (s *Service) Publish(ctx context.Context, topicArn, subject, message string) (string, error) {
	switch {
	case message == "":
		return "", invalidParameter("Empty message")
	case len(message) > maxMessage:
		return "", invalidParameter("Message too long")
	case len(subject) > 100:
		return "", invalidParameter("Subject: at most 100 characters")
	}
	s.mu.Lock()
	t := s.topicByARN(topicArn)
	s.mu.Unlock()
	if t == nil {
		return "", notFound("Topic does not exist")
	}
	id := s.opts.NewID()
	now := s.opts.Now().UTC()
	for _, sub := range s.subscriptions(topicArn) {
		if err := s.deliver(ctx, sub, id, subject, message, now); err != nil {
			s.opts.Log.Error("sns: delivery failed", "topic", topicArn, "subscription", sub.ARN, "protocol", sub.Protocol, "endpoint", sub.Endpoint, "err", err)
		}
	}
	return id, nil
}

// envelope is the JSON SNS wraps a message in for sqs and email-json
// subscriptions. Locally it is not signed: Signature holds a placeholder.
func (s *Service) envelope(sub subscription, id, subject, message string, now time.Time) string {
	env := map[string]any{
		"Type": "Notification", "MessageId": id, "TopicArn": sub.TopicARN, "Message": message,
		"Timestamp": now.Format("2006-01-02T15:04:05.000Z"), "SignatureVersion": "1",
		"Signature":      base64.StdEncoding.EncodeToString([]byte("not signed by the local runtime")),
		"SigningCertURL": s.opts.BaseURL + "/SimpleNotificationService-local.pem",
		"UnsubscribeURL": s.opts.BaseURL + "/?Action=Unsubscribe&SubscriptionArn=" + url.QueryEscape(sub.ARN),
	}
	if subject != "" {
		env["Subject"] = subject
	}
	raw, _ := json.Marshal(env)
	return string(raw)
}

func (s *Service) deliver(ctx context.Context, sub subscription, id, subject, message string, now time.Time) error {
	switch sub.Protocol {
	case "sqs":
		if !s.opts.Queues.AllowsSend(sub.Endpoint, "sns.amazonaws.com", sub.TopicARN) {
			return fmt.Errorf("the policy of queue %s does not allow sns.amazonaws.com to send from %s", sub.Endpoint, sub.TopicARN)
		}
		body := message
		if !sub.Raw {
			body = s.envelope(sub, id, subject, message, now)
		}
		_, err := s.opts.Queues.Send(context.WithoutCancel(ctx), sub.Endpoint, body, nil)
		return err
	default: // email, email-json
		body := message
		if sub.Protocol == "email-json" {
			body = s.envelope(sub, id, subject, message, now)
		}
		s.opts.Log.Info(fmt.Sprintf("sns: %s to %s: %s", sub.Protocol, sub.Endpoint, orText(subject, id)))
		return s.appendEmail(emailLine{Time: now.Format(time.RFC3339Nano), TopicArn: sub.TopicARN, MessageID: id,
			Protocol: sub.Protocol, Endpoint: sub.Endpoint, Subject: subject, Message: body})
	}
}

func orText(subject, id string) string {
	if subject != "" {
		return subject
	}
	return "message " + id
}
