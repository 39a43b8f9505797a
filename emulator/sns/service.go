package sns

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/shopstream/shopstream/emulator/awsapi"
	"github.com/shopstream/shopstream/emulator/sqs"
	"github.com/shopstream/shopstream/emulator/state"
)

// Namespace is SNS's XML namespace.
const Namespace = "http://sns.amazonaws.com/doc/2010-03-31/"

// Buckets in the shared state store.
var (
	bucketTopics = []byte("sns/topics")        // name → topic JSON
	bucketSubs   = []byte("sns/subscriptions") // ARN → subscription JSON
)

// Queues is what SNS needs from SQS; *sqs.Service implements it.
type Queues interface {
	AllowsSend(queueARN, principalService, sourceARN string) bool
	Send(ctx context.Context, queueARN, body string, attrs map[string]sqs.Attribute) (string, error)
}

// Options configures a Service.
type Options struct {
	// Queues delivers to sqs subscriptions (nil: sqs subscriptions are refused).
	Queues Queues
	// EmailLog is the file email and email-json deliveries are appended to,
	// one JSON line each ("": logged only).
	EmailLog string
	// Now and NewID are the clock and message id source (defaults:
	// time.Now, random UUIDs).
	Now   func() time.Time
	NewID func() string
	// BaseURL is the endpoint's address, for the envelope's URLs.
	BaseURL string
	Log     *slog.Logger
}

// Service is the local SNS. Its methods are safe for concurrent use.
type Service struct {
	db   *state.DB
	opts Options

	mu     sync.Mutex
	topics map[string]*topic        // by name
	subs   map[string]*subscription // by ARN
	email  sync.Mutex               // serializes appends to EmailLog
}

// topic is a topic and its attributes, persisted as JSON.
type topic struct {
	Name        string `json:"name"`
	ARN         string `json:"arn"`
	DisplayName string `json:"displayName,omitempty"`
	Policy      string `json:"policy,omitempty"`
}

// subscription is one subscription, persisted as JSON.
type subscription struct {
	ARN      string `json:"arn"`
	TopicARN string `json:"topicArn"`
	Protocol string `json:"protocol"`
	Endpoint string `json:"endpoint"`
	Raw      bool   `json:"raw,omitempty"` // RawMessageDelivery
}

func topicARN(name string) string { return awsapi.ARN("sns", name) }

// New loads the topics and subscriptions kept in db.
func New(db *state.DB, opts Options) (*Service, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.NewID == nil {
		opts.NewID = awsapi.RequestID
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	if opts.BaseURL == "" {
		opts.BaseURL = "http://127.0.0.1:4566"
	}
	s := &Service{db: db, opts: opts, topics: map[string]*topic{}, subs: map[string]*subscription{}}
	err := db.Update(func(tx *bolt.Tx) error {
		tb, err := tx.CreateBucketIfNotExists(bucketTopics)
		if err != nil {
			return err
		}
		sb, err := tx.CreateBucketIfNotExists(bucketSubs)
		if err != nil {
			return err
		}
		if err := tb.ForEach(func(k, v []byte) error {
			t := &topic{}
			s.topics[string(k)] = t
			return json.Unmarshal(v, t)
		}); err != nil {
			return err
		}
		return sb.ForEach(func(k, v []byte) error {
			sub := &subscription{}
			s.subs[string(k)] = sub
			return json.Unmarshal(v, sub)
		})
	})
	if err != nil {
		return nil, fmt.Errorf("sns: load: %w", err)
	}
	return s, nil
}

func (s *Service) put(bucket []byte, key string, v any) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return s.db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bucket).Put([]byte(key), raw) })
}

// ensureTopic creates the topic name (or returns the existing one, with
// displayName updated when given).
func (s *Service) ensureTopic(name, displayName string) (*topic, error) {
	if !topicNameOK(name) {
		return nil, invalidParameter("Topic Name: 1 to 256 letters, digits, hyphens and underscores (FIFO topics are not supported locally)")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.topics[name]
	if t != nil && (displayName == "" || displayName == t.DisplayName) {
		return t, nil
	}
	nt := &topic{Name: name, ARN: topicARN(name), DisplayName: displayName}
	if t != nil {
		*nt = *t
		nt.DisplayName = displayName
	}
	if err := s.put(bucketTopics, name, nt); err != nil {
		return nil, err
	}
	s.topics[name] = nt
	return nt, nil
}

func topicNameOK(name string) bool {
	if name == "" || len(name) > 256 {
		return false
	}
	for _, r := range name {
		if !(r == '-' || r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return false
		}
	}
	return true
}

// topicByARN returns the topic; the caller holds s.mu.
func (s *Service) topicByARN(arn string) *topic {
	prefix := topicARN("")
	if !strings.HasPrefix(arn, prefix) {
		return nil
	}
	return s.topics[arn[len(prefix):]]
}

// protocols are the subscription protocols delivered locally.
var protocols = map[string]bool{"sqs": true, "email": true, "email-json": true}

// subscribe adds (or finds) the subscription of endpoint to the topic. The
// ARN derives from topic, protocol and endpoint, so subscribing again, or
// a restart re-provisioning it, finds the same subscription.
func (s *Service) subscribe(topicArn, protocol, endpoint string, raw bool) (*subscription, error) {
	if !protocols[protocol] {
		return nil, invalidParameter("Protocol %q is not supported locally: only sqs, email and email-json are delivered", protocol)
	}
	if endpoint == "" {
		return nil, invalidParameter("Endpoint is required")
	}
	if protocol == "sqs" {
		if !strings.HasPrefix(endpoint, "arn:aws:sqs:") {
			return nil, invalidParameter("SQS endpoint %q is not a queue ARN", endpoint)
		}
		if s.opts.Queues == nil {
			return nil, invalidParameter("sqs subscriptions need the local SQS, which is not wired")
		}
	}
	if protocol != "sqs" && !strings.Contains(endpoint, "@") {
		return nil, invalidParameter("Email address %q is not valid", endpoint)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.topicByARN(topicArn) == nil {
		return nil, notFound("Topic does not exist")
	}
	sum := sha256.Sum256([]byte(topicArn + "\x00" + protocol + "\x00" + endpoint))
	h := hex.EncodeToString(sum[:16])
	arn := topicArn + ":" + h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
	sub := &subscription{ARN: arn, TopicARN: topicArn, Protocol: protocol, Endpoint: endpoint, Raw: raw}
	if err := s.put(bucketSubs, arn, sub); err != nil {
		return nil, err
	}
	s.subs[arn] = sub
	return sub, nil
}

// subscriptions returns the subscriptions of topicArn ("" for all), by ARN.
func (s *Service) subscriptions(topicArn string) []subscription {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []subscription
	for _, sub := range s.subs {
		if topicArn == "" || sub.TopicARN == topicArn {
			out = append(out, *sub)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ARN < out[j].ARN })
	return out
}

// emailLine is one line of the email log.
type emailLine struct {
	Time      string `json:"time"`
	TopicArn  string `json:"topicArn"`
	MessageID string `json:"messageId"`
	Protocol  string `json:"protocol"`
	Endpoint  string `json:"endpoint"`
	Subject   string `json:"subject,omitempty"`
	Message   string `json:"message"`
}

func (s *Service) appendEmail(l emailLine) error {
	if s.opts.EmailLog == "" {
		return nil
	}
	raw, err := json.Marshal(l)
	if err != nil {
		return err
	}
	s.email.Lock()
	defer s.email.Unlock()
	f, err := os.OpenFile(s.opts.EmailLog, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(append(raw, '\n')); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
