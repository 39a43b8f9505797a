package sns

import (
	"context"
	"encoding/xml"
	"errors"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/shopstream/shopstream/emulator/awsapi"
)

// Register serves the SNS query protocol on srv.
func (s *Service) Register(srv *awsapi.Server) {
	ops := map[string]func(context.Context, url.Values) (any, error){
		"CreateTopic": s.createTopic, "ListTopics": s.listTopics, "GetTopicAttributes": s.getTopicAttributes,
		"Subscribe": s.subscribeAPI, "ListSubscriptions": s.listSubscriptions,
		"ListSubscriptionsByTopic": s.listSubscriptionsByTopic, "Publish": s.publishAPI,
	}
	srv.RegisterQuery("sns", Namespace, func(ctx context.Context, action string, p url.Values) (any, error) {
		f, ok := ops[action]
		if !ok {
			return nil, &awsapi.Error{Type: "InvalidAction", Message: action + " is not supported by the local SNS.", Status: http.StatusBadRequest}
		}
		resource := "*"
		if arn := p.Get("TopicArn"); arn != "" {
			resource = arn
		}
		if err := awsapi.Authorize(ctx, "sns:"+action, resource, nil); err != nil {
			return nil, authError(err)
		}
		return f(ctx, p)
	})
}

// authError reshapes a denial as SNS reports it (AuthorizationError, 403).
func authError(err error) error {
	var ae *awsapi.Error
	if errors.As(err, &ae) && awsapi.IsAccessDenied(ae) {
		return &awsapi.Error{Type: "AuthorizationError", Message: ae.Message, Status: http.StatusForbidden}
	}
	return err
}

type entry struct {
	Key   string `xml:"key"`
	Value string `xml:"value"`
}

func (s *Service) createTopic(_ context.Context, p url.Values) (any, error) {
	if strings.HasSuffix(p.Get("Name"), ".fifo") {
		return nil, invalidParameter("FIFO topics are not supported locally")
	}
	t, err := s.ensureTopic(p.Get("Name"), "")
	if err != nil {
		return nil, err
	}
	return struct {
		XMLName  xml.Name `xml:"CreateTopicResult"`
		TopicArn string
	}{TopicArn: t.ARN}, nil
}

// pageSize is SNS's page size for topic and subscription lists.
const pageSize = 100

// pageOf returns items[from:] cut to a page and the next token (the
// index of the next page, as SNS's tokens are opaque).
func pageOf[T any](items []T, token string) ([]T, string, error) {
	start := 0
	if token != "" {
		n, err := strconv.Atoi(token)
		if err != nil || n < 0 || n > len(items) {
			return nil, "", invalidParameter("NextToken")
		}
		start = n
	}
	end := min(start+pageSize, len(items))
	next := ""
	if end < len(items) {
		next = strconv.Itoa(end)
	}
	return items[start:end], next, nil
}

func (s *Service) listTopics(_ context.Context, p url.Values) (any, error) {
	s.mu.Lock()
	type member struct{ TopicArn string }
	var all []member
	for _, t := range s.topics {
		all = append(all, member{t.ARN})
	}
	s.mu.Unlock()
	sort.Slice(all, func(i, j int) bool { return all[i].TopicArn < all[j].TopicArn })
	pg, next, err := pageOf(all, p.Get("NextToken"))
	if err != nil {
		return nil, err
	}
	return struct {
		XMLName   xml.Name `xml:"ListTopicsResult"`
		Topics    []member `xml:"Topics>member"`
		NextToken string   `xml:",omitempty"`
	}{Topics: pg, NextToken: next}, nil
}

func (s *Service) getTopicAttributes(_ context.Context, p url.Values) (any, error) {
	arn := p.Get("TopicArn")
	s.mu.Lock()
	t := s.topicByARN(arn)
	var tc topic
	if t != nil {
		tc = *t
	}
	s.mu.Unlock()
	if t == nil {
		return nil, notFound("Topic does not exist")
	}
	confirmed := 0
	for range s.subscriptions(arn) {
		confirmed++
	}
	policy := tc.Policy
	if policy == "" {
		policy = defaultPolicy(tc.ARN)
	}
	attrs := []entry{
		{"TopicArn", tc.ARN}, {"Owner", awsapi.AccountID}, {"DisplayName", tc.DisplayName}, {"Policy", policy},
		{"SubscriptionsConfirmed", strconv.Itoa(confirmed)}, {"SubscriptionsPending", "0"}, {"SubscriptionsDeleted", "0"},
		{"EffectiveDeliveryPolicy", `{"http":{"defaultHealthyRetryPolicy":{"minDelayTarget":20,"maxDelayTarget":20,"numRetries":3,"numMaxDelayRetries":0,"numNoDelayRetries":0,"numMinDelayRetries":0,"backoffFunction":"linear"},"disableSubscriptionOverrides":false}}`},
	}
	return struct {
		XMLName    xml.Name `xml:"GetTopicAttributesResult"`
		Attributes []entry  `xml:"Attributes>entry"`
	}{Attributes: attrs}, nil
}

// defaultPolicy is the policy SNS gives a topic created without one.
func defaultPolicy(arn string) string {
	return `{"Version":"2008-10-17","Id":"__default_policy_ID","Statement":[{"Sid":"__default_statement_ID","Effect":"Allow","Principal":{"AWS":"*"},"Action":["SNS:GetTopicAttributes","SNS:SetTopicAttributes","SNS:AddPermission","SNS:RemovePermission","SNS:DeleteTopic","SNS:Subscribe","SNS:ListSubscriptionsByTopic","SNS:Publish"],"Resource":"` + arn + `","Condition":{"StringEquals":{"AWS:SourceOwner":"` + awsapi.AccountID + `"}}}]}`
}

func (s *Service) subscribeAPI(_ context.Context, p url.Values) (any, error) {
	raw := false
	for i := 1; p.Has("Attributes.entry." + strconv.Itoa(i) + ".key"); i++ {
		k, v := p.Get("Attributes.entry."+strconv.Itoa(i)+".key"), p.Get("Attributes.entry."+strconv.Itoa(i)+".value")
		switch k {
		case "RawMessageDelivery":
			raw = v == "true"
		default:
			return nil, invalidParameter("Attributes: %s is not supported locally", k)
		}
	}
	sub, err := s.subscribe(p.Get("TopicArn"), p.Get("Protocol"), p.Get("Endpoint"), raw)
	if err != nil {
		return nil, err
	}
	return struct {
		XMLName         xml.Name `xml:"SubscribeResult"`
		SubscriptionArn string
	}{SubscriptionArn: sub.ARN}, nil
}

type subMember struct {
	SubscriptionArn, Owner, Protocol, Endpoint, TopicArn string
}

func (s *Service) subscriptionList(topicArn, token string) ([]subMember, string, error) {
	var all []subMember
	for _, sub := range s.subscriptions(topicArn) {
		all = append(all, subMember{sub.ARN, awsapi.AccountID, sub.Protocol, sub.Endpoint, sub.TopicARN})
	}
	return pageOf(all, token)
}

func (s *Service) listSubscriptions(_ context.Context, p url.Values) (any, error) {
	pg, next, err := s.subscriptionList("", p.Get("NextToken"))
	if err != nil {
		return nil, err
	}
	return struct {
		XMLName       xml.Name    `xml:"ListSubscriptionsResult"`
		Subscriptions []subMember `xml:"Subscriptions>member"`
		NextToken     string      `xml:",omitempty"`
	}{Subscriptions: pg, NextToken: next}, nil
}

func (s *Service) listSubscriptionsByTopic(_ context.Context, p url.Values) (any, error) {
	arn := p.Get("TopicArn")
	s.mu.Lock()
	t := s.topicByARN(arn)
	s.mu.Unlock()
	if t == nil {
		return nil, notFound("Topic does not exist")
	}
	pg, next, err := s.subscriptionList(arn, p.Get("NextToken"))
	if err != nil {
		return nil, err
	}
	return struct {
		XMLName       xml.Name    `xml:"ListSubscriptionsByTopicResult"`
		Subscriptions []subMember `xml:"Subscriptions>member"`
		NextToken     string      `xml:",omitempty"`
	}{Subscriptions: pg, NextToken: next}, nil
}

func (s *Service) publishAPI(ctx context.Context, p url.Values) (any, error) {
	if p.Get("TopicArn") == "" {
		if p.Get("TargetArn") != "" || p.Get("PhoneNumber") != "" {
			return nil, invalidParameter("TargetArn and PhoneNumber (mobile push, SMS) are not supported locally: give TopicArn")
		}
		return nil, invalidParameter("TopicArn or TargetArn Reason: no value for required parameter")
	}
	if p.Get("MessageStructure") != "" {
		return nil, invalidParameter("MessageStructure is not supported locally")
	}
	id, err := s.Publish(ctx, p.Get("TopicArn"), p.Get("Subject"), p.Get("Message"))
	if err != nil {
		return nil, err
	}
	return struct {
		XMLName   xml.Name `xml:"PublishResult"`
		MessageId string
	}{MessageId: id}, nil
}
