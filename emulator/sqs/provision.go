package sqs

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/shopstream/shopstream/emulator/stack"
)

// Resource types the Service provisions.
const (
	TypeQueue       = "AWS::SQS::Queue"
	TypeQueuePolicy = "AWS::SQS::QueuePolicy"
)

var _ stack.Provisioner = (*Service)(nil)

// Types implements stack.Provisioner.
func (s *Service) Types() []string { return []string{TypeQueue, TypeQueuePolicy} }

// Create implements stack.Provisioner. A queue that already exists (from an
// earlier start) takes the template's attributes and keeps its messages.
func (s *Service) Create(_ context.Context, r stack.Resource) (stack.Created, error) {
	switch r.Type {
	case TypeQueue:
		return s.createFromTemplate(r)
	case TypeQueuePolicy:
		return s.policyFromTemplate(r)
	}
	return stack.Created{}, fmt.Errorf("sqs: %s: unsupported type %s", r.LogicalID, r.Type)
}

// templateAttributes maps AWS::SQS::Queue properties to queue attributes.
var templateAttributes = []string{
	"VisibilityTimeout", "MessageRetentionPeriod", "DelaySeconds", "ReceiveMessageWaitTimeSeconds",
	"MaximumMessageSize", "RedrivePolicy", "KmsMasterKeyId", "KmsDataKeyReusePeriodSeconds",
	"SqsManagedSseEnabled", "RedriveAllowPolicy", "FifoQueue", "ContentBasedDeduplication",
}

func (s *Service) createFromTemplate(r stack.Resource) (stack.Created, error) {
	bad := func(field string, err error) (stack.Created, error) {
		return stack.Created{}, fmt.Errorf("sqs: %s (%s): %s: %w", r.LogicalID, r.Type, field, err)
	}
	name, _ := r.Properties["QueueName"].(string)
	if name == "" {
		name = stack.PhysicalName(r.StackName, r.LogicalID, 80)
	}
	if !queueNameRE.MatchString(name) {
		return bad("QueueName", fmt.Errorf("%q: only alphanumerics, hyphens and underscores, 1 to 80 characters (FIFO queues are not supported locally)", name))
	}
	attrs := map[string]string{}
	for _, k := range templateAttributes {
		v, ok := r.Properties[k]
		if !ok {
			continue
		}
		text, err := propertyText(v)
		if err != nil {
			return bad(k, err)
		}
		attrs[k] = text
	}
	tags := map[string]string{}
	if list, ok := r.Properties["Tags"].([]any); ok {
		for _, t := range list {
			if m, ok := t.(map[string]any); ok {
				k, _ := m["Key"].(string)
				v, _ := m["Value"].(string)
				tags[k] = v
			}
		}
	}
	s.mu.Lock()
	err := s.ensureQueue(name, attrs, tags, true)
	s.mu.Unlock()
	if err != nil {
		return bad("Properties", err)
	}
	url := s.QueueURL(name)
	return stack.Created{Ref: url, Attrs: map[string]any{"Arn": queueARN(name), "QueueName": name, "QueueUrl": url}}, nil
}

// propertyText renders a template value as SQS attribute text: numbers
// and booleans as written, objects (RedrivePolicy) as JSON.
func propertyText(v any) (string, error) {
	switch v := v.(type) {
	case string:
		return v, nil
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64), nil
	case int:
		return strconv.Itoa(v), nil
	case bool:
		return strconv.FormatBool(v), nil
	case map[string]any:
		raw, err := json.Marshal(v)
		return string(raw), err
	}
	return "", fmt.Errorf("unexpected value %v (%T)", v, v)
}

func (s *Service) policyFromTemplate(r stack.Resource) (stack.Created, error) {
	bad := func(field string, format string, args ...any) (stack.Created, error) {
		return stack.Created{}, fmt.Errorf("sqs: %s (%s): %s: %s", r.LogicalID, r.Type, field, fmt.Sprintf(format, args...))
	}
	doc, ok := r.Properties["PolicyDocument"].(map[string]any)
	if !ok {
		return bad("PolicyDocument", "required, an object")
	}
	raw, err := json.Marshal(doc)
	if err != nil {
		return bad("PolicyDocument", "%v", err)
	}
	queues, ok := r.Properties["Queues"].([]any)
	if !ok || len(queues) == 0 {
		return bad("Queues", "required, a list of queue URLs")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, u := range queues {
		url, _ := u.(string)
		q, err := s.queueByURL(url)
		if err != nil {
			return bad(fmt.Sprintf("Queues[%d]", i), "%q: %v", url, err)
		}
		if err := s.ensureQueue(q.Name, map[string]string{"Policy": string(raw)}, nil, true); err != nil {
			return bad("PolicyDocument", "%v", err)
		}
	}
	return stack.Created{Ref: stack.PhysicalName(r.StackName, r.LogicalID, 128)}, nil
}
