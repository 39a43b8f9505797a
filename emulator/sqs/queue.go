package sqs

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"
)

// Attribute is a message attribute as the JSON protocol carries it;
// BinaryValue travels base64-encoded, which encoding/json does for []byte.
type Attribute struct {
	DataType    string  `json:"DataType"`
	StringValue *string `json:"StringValue,omitempty"`
	BinaryValue []byte  `json:"BinaryValue,omitempty"`
}

// Defaults and limits are AWS's.
const (
	defaultVisibility = 30 * time.Second
	defaultRetention  = 4 * 24 * time.Hour
	maxMessageSize    = 262144
	maxBatchEntries   = 10
	maxWaitSeconds    = 20
)

// queueConfig is a queue's settable attributes, persisted as JSON.
type queueConfig struct {
	Name            string            `json:"name"`
	Created         time.Time         `json:"created"`
	Modified        time.Time         `json:"modified"`
	Visibility      time.Duration     `json:"visibility"`
	Retention       time.Duration     `json:"retention"`
	Delay           time.Duration     `json:"delay"`
	WaitTime        time.Duration     `json:"waitTime"`
	MaxMessageSize  int               `json:"maxMessageSize"`
	DeadLetterARN   string            `json:"deadLetterArn,omitempty"`
	MaxReceiveCount int               `json:"maxReceiveCount,omitempty"`
	Policy          string            `json:"policy,omitempty"`
	Passthrough     map[string]string `json:"passthrough,omitempty"` // accepted, no local effect (KMS, SSE, RedriveAllowPolicy)
	Tags            map[string]string `json:"tags,omitempty"`
}

// passthroughAttributes are accepted and reported back but have no local
// behaviour: data is not encrypted at rest locally.
var passthroughAttributes = map[string]bool{
	"KmsMasterKeyId": true, "KmsDataKeyReusePeriodSeconds": true,
	"SqsManagedSseEnabled": true, "RedriveAllowPolicy": true,
}

func newQueueConfig(name string, now time.Time) queueConfig {
	return queueConfig{
		Name: name, Created: now, Modified: now,
		Visibility: defaultVisibility, Retention: defaultRetention,
		MaxMessageSize: maxMessageSize,
	}
}

// message is one stored message. VisibleAt covers both DelaySeconds and
// the visibility timeout: the message can be received from then on.
type message struct {
	Seq          uint64               `json:"seq"`
	ID           string               `json:"id"`
	Body         string               `json:"body"`
	Attributes   map[string]Attribute `json:"attributes,omitempty"`
	TraceHeader  string               `json:"traceHeader,omitempty"`
	Sent         time.Time            `json:"sent"`
	VisibleAt    time.Time            `json:"visibleAt"`
	ReceiveCount int                  `json:"receiveCount"`
	FirstReceive time.Time            `json:"firstReceive"`
	Receipt      string               `json:"receipt,omitempty"` // nonce of the latest receive
	DLQSource    string               `json:"dlqSource,omitempty"`
}

// queue is a queue's working set. Messages are kept in send order.
type queue struct {
	queueConfig
	arn  string
	msgs []*message
	byID map[string]*message
	// wake is closed (and replaced) whenever a message may have become
	// receivable, so long polls wait on it instead of polling.
	wake chan struct{}
}

func newQueue(cfg queueConfig) *queue {
	return &queue{queueConfig: cfg, arn: queueARN(cfg.Name), byID: map[string]*message{}, wake: make(chan struct{})}
}

func (q *queue) signal() {
	close(q.wake)
	q.wake = make(chan struct{})
}

func (q *queue) add(m *message) {
	q.msgs = append(q.msgs, m)
	q.byID[m.ID] = m
	q.signal()
}

func (q *queue) remove(m *message) {
	delete(q.byID, m.ID)
	for i, x := range q.msgs {
		if x == m {
			q.msgs = append(q.msgs[:i], q.msgs[i+1:]...)
			return
		}
	}
}

// expired drops messages older than the retention period and returns them.
func (q *queue) expired(now time.Time) []*message {
	var gone []*message
	kept := q.msgs[:0]
	for _, m := range q.msgs {
		if now.Sub(m.Sent) >= q.Retention {
			gone = append(gone, m)
			delete(q.byID, m.ID)
			continue
		}
		kept = append(kept, m)
	}
	clear(q.msgs[len(kept):])
	q.msgs = kept
	return gone
}

// nextVisible is the earliest time a currently hidden message becomes
// receivable (zero when none is hidden).
func (q *queue) nextVisible(now time.Time) time.Time {
	var next time.Time
	for _, m := range q.msgs {
		if m.VisibleAt.After(now) && (next.IsZero() || m.VisibleAt.Before(next)) {
			next = m.VisibleAt
		}
	}
	return next
}

// counts returns ApproximateNumberOfMessages, …NotVisible and …Delayed.
func (q *queue) counts(now time.Time) (visible, inFlight, delayed int) {
	for _, m := range q.msgs {
		switch {
		case now.Sub(m.Sent) >= q.Retention:
			// expired: dropped on the next receive
		case !m.VisibleAt.After(now):
			visible++
		case m.ReceiveCount > 0:
			inFlight++
		default:
			delayed++
		}
	}
	return
}

// attributes renders the queue's attributes as GetQueueAttributes does.
func (q *queue) attributes(now time.Time) map[string]string {
	visible, inFlight, delayed := q.counts(now)
	secs := func(d time.Duration) string { return strconv.Itoa(int(d / time.Second)) }
	a := map[string]string{
		"QueueArn":                              q.arn,
		"ApproximateNumberOfMessages":           strconv.Itoa(visible),
		"ApproximateNumberOfMessagesNotVisible": strconv.Itoa(inFlight),
		"ApproximateNumberOfMessagesDelayed":    strconv.Itoa(delayed),
		"CreatedTimestamp":                      strconv.FormatInt(q.Created.Unix(), 10),
		"LastModifiedTimestamp":                 strconv.FormatInt(q.Modified.Unix(), 10),
		"VisibilityTimeout":                     secs(q.Visibility),
		"MaximumMessageSize":                    strconv.Itoa(q.MaxMessageSize),
		"MessageRetentionPeriod":                secs(q.Retention),
		"DelaySeconds":                          secs(q.Delay),
		"ReceiveMessageWaitTimeSeconds":         secs(q.WaitTime),
		"SqsManagedSseEnabled":                  "false",
	}
	if q.DeadLetterARN != "" {
		rp, _ := json.Marshal(map[string]any{"deadLetterTargetArn": q.DeadLetterARN, "maxReceiveCount": q.MaxReceiveCount})
		a["RedrivePolicy"] = string(rp)
	}
	if q.Policy != "" {
		a["Policy"] = q.Policy
	}
	for k, v := range q.Passthrough {
		a[k] = v
	}
	return a
}

// setAttribute validates and applies one attribute (CreateQueue,
// SetQueueAttributes, the template). exists reports whether a queue ARN
// names an existing queue, for RedrivePolicy.
func (c *queueConfig) setAttribute(name, value string, exists func(arn string) bool) error {
	seconds := func(lo, hi int) (time.Duration, error) {
		n, err := strconv.Atoi(value)
		if err != nil || n < lo || n > hi {
			return 0, invalidAttributeValue(name, value, fmt.Sprintf("must be an integer from %d to %d", lo, hi))
		}
		return time.Duration(n) * time.Second, nil
	}
	var err error
	switch name {
	case "VisibilityTimeout":
		c.Visibility, err = seconds(0, 43200)
	case "MessageRetentionPeriod":
		c.Retention, err = seconds(60, 1209600)
	case "DelaySeconds":
		c.Delay, err = seconds(0, 900)
	case "ReceiveMessageWaitTimeSeconds":
		c.WaitTime, err = seconds(0, maxWaitSeconds)
	case "MaximumMessageSize":
		var d time.Duration
		d, err = seconds(1024, maxMessageSize)
		c.MaxMessageSize = int(d / time.Second)
	case "RedrivePolicy":
		if value == "" {
			c.DeadLetterARN, c.MaxReceiveCount = "", 0
			return nil
		}
		return c.setRedrive(value, exists)
	case "Policy":
		c.Policy = value
	case "FifoQueue", "ContentBasedDeduplication", "DeduplicationScope", "FifoThroughputLimit":
		if value == "false" {
			return nil
		}
		return invalidAttributeValue(name, value, "FIFO queues are not supported by the local runtime")
	default:
		if !passthroughAttributes[name] {
			return &apiError{typ: "InvalidAttributeName", msg: "Unknown Attribute " + name + "."}
		}
		if c.Passthrough == nil {
			c.Passthrough = map[string]string{}
		}
		c.Passthrough[name] = value
	}
	return err
}

func (c *queueConfig) setRedrive(value string, exists func(arn string) bool) error {
	var rp struct {
		DeadLetterTargetARN string          `json:"deadLetterTargetArn"`
		MaxReceiveCount     json.RawMessage `json:"maxReceiveCount"`
	}
	if err := json.Unmarshal([]byte(value), &rp); err != nil {
		return invalidAttributeValue("RedrivePolicy", value, "Redrive policy is not a valid JSON map.")
	}
	// maxReceiveCount may be a number or a numeric string, as AWS accepts.
	raw := string(rp.MaxReceiveCount)
	if s, err := strconv.Unquote(raw); err == nil {
		raw = s
	}
	n, err := strconv.Atoi(raw)
	if err != nil || n < 1 || n > 1000 {
		return invalidAttributeValue("RedrivePolicy", value, "Value for maxReceiveCount must be an integer from 1 to 1000.")
	}
	if rp.DeadLetterTargetARN == "" {
		return invalidAttributeValue("RedrivePolicy", value, "Redrive policy does not contain deadLetterTargetArn.")
	}
	if !exists(rp.DeadLetterTargetARN) {
		return invalidAttributeValue("RedrivePolicy", value, "Dead letter target does not exist.")
	}
	c.DeadLetterARN, c.MaxReceiveCount = rp.DeadLetterTargetARN, n
	return nil
}
