package sns

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/shopstream/shopstream/emulator/stack"
)

// Resource types the Service provisions.
const (
	TypeTopic        = "AWS::SNS::Topic"
	TypeSubscription = "AWS::SNS::Subscription"
	TypeTopicPolicy  = "AWS::SNS::TopicPolicy"
)

var _ stack.Provisioner = (*Service)(nil)

// Types implements stack.Provisioner.
func (s *Service) Types() []string { return []string{TypeTopic, TypeSubscription, TypeTopicPolicy} }

// Create implements stack.Provisioner. Topics and subscriptions that exist
// from an earlier start are found again.
func (s *Service) Create(_ context.Context, r stack.Resource) (stack.Created, error) {
	bad := func(err error) (stack.Created, error) {
		return stack.Created{}, fmt.Errorf("sns: %s (%s): %w", r.LogicalID, r.Type, err)
	}
	raw, _ := json.Marshal(r.Properties)
	switch r.Type {
	case TypeTopic:
		var p struct {
			TopicName, DisplayName string
			FifoTopic              any
			Subscription           []struct{ Protocol, Endpoint string }
		}
		if err := json.Unmarshal(raw, &p); err != nil {
			return bad(err)
		}
		if fifo, _ := stack.BoolProp(r.Properties, "FifoTopic", false); fifo {
			return bad(fieldf("FifoTopic: FIFO topics are not supported locally"))
		}
		if p.TopicName == "" {
			p.TopicName = stack.PhysicalName(r.StackName, r.LogicalID, 256)
		}
		// Check every inline subscription before creating anything.
		for i, sub := range p.Subscription {
			if !protocols[sub.Protocol] {
				return bad(fieldf("Subscription[%d].Protocol: %q is not supported locally: only sqs, email and email-json are delivered", i, sub.Protocol))
			}
		}
		t, err := s.ensureTopic(p.TopicName, p.DisplayName)
		if err != nil {
			return bad(err)
		}
		for i, sub := range p.Subscription {
			if _, err := s.subscribe(t.ARN, sub.Protocol, sub.Endpoint, false); err != nil {
				return bad(fieldf("Subscription[%d]: %w", i, err))
			}
		}
		return stack.Created{Ref: t.ARN, Attrs: map[string]any{"TopicArn": t.ARN, "TopicName": t.Name}}, nil
	case TypeSubscription:
		var p struct {
			TopicArn, Protocol, Endpoint string
			FilterPolicy                 any
			RedrivePolicy                any
		}
		if err := json.Unmarshal(raw, &p); err != nil {
			return bad(err)
		}
		if p.FilterPolicy != nil {
			return bad(fieldf("FilterPolicy: subscription filter policies are not supported locally"))
		}
		rawDelivery, err := stack.BoolProp(r.Properties, "RawMessageDelivery", false)
		if err != nil {
			return bad(fieldf("RawMessageDelivery: %w", err))
		}
		sub, err := s.subscribe(p.TopicArn, p.Protocol, p.Endpoint, rawDelivery)
		if err != nil {
			return bad(err)
		}
		return stack.Created{Ref: sub.ARN, Attrs: map[string]any{"Arn": sub.ARN}}, nil
	case TypeTopicPolicy:
		var p struct {
			PolicyDocument any
			Topics         []string
		}
		if err := json.Unmarshal(raw, &p); err != nil {
			return bad(err)
		}
		doc, err := json.Marshal(p.PolicyDocument)
		if err != nil || p.PolicyDocument == nil {
			return bad(fieldf("PolicyDocument is required"))
		}
		if err := s.setPolicy(p.Topics, string(doc)); err != nil {
			return bad(err)
		}
		return stack.Created{Ref: stack.PhysicalName(r.StackName, r.LogicalID, 0), Attrs: map[string]any{}}, nil
	}
	return stack.Created{}, fmt.Errorf("sns: %s: unsupported type %s", r.LogicalID, r.Type)
}

// setPolicy stores a topic policy on every topic (all must exist). The
// policy is reported by GetTopicAttributes; it is not enforced locally.
func (s *Service) setPolicy(arns []string, doc string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, arn := range arns {
		if s.topicByARN(arn) == nil {
			return fieldf("Topics: %s does not exist", arn)
		}
	}
	for _, arn := range arns {
		t := *s.topicByARN(arn)
		t.Policy = doc
		if err := s.put(bucketTopics, t.Name, &t); err != nil {
			return err
		}
		s.topics[t.Name] = &t
	}
	return nil
}

// fieldf is fmt.Errorf for messages that begin with a property name.
func fieldf(format string, args ...any) error { return fmt.Errorf(format, args...) }
