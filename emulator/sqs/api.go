package sqs

import (
	"context"
	"encoding/base64"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

var queueNameRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,80}$`)

func (s *Service) createQueue(_ context.Context, body []byte) (any, error) {
	var in struct {
		QueueName  string
		Attributes map[string]string
		Tags       map[string]string `json:"tags"`
	}
	if err := decodeInput(body, &in); err != nil {
		return nil, err
	}
	if strings.HasSuffix(in.QueueName, ".fifo") {
		return nil, invalidParameter("Value %s for parameter QueueName is invalid. Reason: FIFO queues are not supported by the local runtime.", in.QueueName)
	}
	if !queueNameRE.MatchString(in.QueueName) {
		return nil, invalidParameter("Value %s for parameter QueueName is invalid. Reason: Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length.", in.QueueName)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.ensureQueue(in.QueueName, in.Attributes, in.Tags, false); err != nil {
		return nil, err
	}
	return map[string]string{"QueueUrl": s.QueueURL(in.QueueName)}, nil
}

// ensureQueue creates a queue, or checks an existing one against attrs.
// With update set (the template is the source of truth on every start) an
// existing queue takes the attributes instead, keeping its messages.
// The caller holds s.mu.
func (s *Service) ensureQueue(name string, attrs, tags map[string]string, update bool) error {
	now := s.now()
	q := s.queues[name]
	cfg := newQueueConfig(name, now)
	if q != nil {
		cfg = q.queueConfig
		cfg.Modified = now
	}
	for _, k := range slices.Sorted(maps.Keys(attrs)) {
		if err := cfg.setAttribute(k, attrs[k], s.queueExists); err != nil {
			return err
		}
	}
	if q != nil && !update {
		current := q.attributes(now)
		for _, k := range slices.Sorted(maps.Keys(attrs)) {
			if got, ok := current[k]; ok && !sameAttribute(k, got, attrs[k]) {
				return &apiError{typ: "QueueNameExists", msg: fmt.Sprintf("A queue already exists with the same name and a different value for attribute %s", k)}
			}
		}
		return nil
	}
	if len(tags) > 0 {
		cfg.Tags = maps.Clone(tags)
	}
	if err := s.saveQueue(&cfg); err != nil {
		return err
	}
	if q == nil {
		s.queues[name] = newQueue(cfg)
		return nil
	}
	q.queueConfig = cfg
	q.signal() // a shorter delay or wait may concern waiting receivers
	return nil
}

// sameAttribute compares attribute values as AWS does: RedrivePolicy as
// JSON (its maxReceiveCount may be given as a string), others as text.
func sameAttribute(name, current, requested string) bool {
	if name != "RedrivePolicy" {
		return current == requested
	}
	var a, b queueConfig
	always := func(string) bool { return true }
	return a.setRedrive(current, always) == nil && b.setRedrive(requested, always) == nil &&
		a.DeadLetterARN == b.DeadLetterARN && a.MaxReceiveCount == b.MaxReceiveCount
}

func (s *Service) getQueueURL(_ context.Context, body []byte) (any, error) {
	var in struct{ QueueName string }
	if err := decodeInput(body, &in); err != nil {
		return nil, err
	}
	if in.QueueName == "" {
		return nil, missingParameter("QueueName")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.queues[in.QueueName] == nil {
		return nil, ErrQueueDoesNotExist
	}
	return map[string]string{"QueueUrl": s.QueueURL(in.QueueName)}, nil
}

func (s *Service) listQueues(_ context.Context, body []byte) (any, error) {
	var in struct {
		QueueNamePrefix string
		MaxResults      int
		NextToken       string
	}
	if err := decodeInput(body, &in); err != nil {
		return nil, err
	}
	if in.MaxResults < 0 || in.MaxResults > 1000 {
		return nil, invalidParameter("Value %d for parameter MaxResults is invalid. Reason: must be between 1 and 1000.", in.MaxResults)
	}
	after := ""
	if in.NextToken != "" {
		raw, err := base64.RawURLEncoding.DecodeString(in.NextToken)
		if err != nil {
			return nil, invalidParameter("Invalid NextToken value.")
		}
		after = string(raw)
	}
	s.mu.Lock()
	names := slices.Sorted(maps.Keys(s.queues))
	s.mu.Unlock()
	out := struct {
		QueueUrls []string `json:"QueueUrls,omitempty"`
		NextToken string   `json:"NextToken,omitempty"`
	}{}
	last := ""
	limit := in.MaxResults
	if limit == 0 {
		limit = 1000
	}
	for _, n := range names {
		if !strings.HasPrefix(n, in.QueueNamePrefix) || n <= after {
			continue
		}
		if len(out.QueueUrls) == limit {
			// AWS pages only when MaxResults is given; the token is the
			// last name returned.
			if in.MaxResults > 0 {
				out.NextToken = base64.RawURLEncoding.EncodeToString([]byte(last))
			}
			break
		}
		out.QueueUrls = append(out.QueueUrls, s.QueueURL(n))
		last = n
	}
	return out, nil
}

func (s *Service) deleteQueue(_ context.Context, body []byte) (any, error) {
	return s.onQueueURL(body, func(q *queue) (any, error) {
		if err := s.deleteQueueState(q.Name); err != nil {
			return nil, err
		}
		delete(s.queues, q.Name)
		q.signal()
		return nil, nil
	})
}

func (s *Service) getQueueAttributes(_ context.Context, body []byte) (any, error) {
	var in struct {
		QueueURL       string `json:"QueueUrl"`
		AttributeNames []string
	}
	if err := decodeInput(body, &in); err != nil {
		return nil, err
	}
	return s.withQueue(in.QueueURL, func(q *queue) (any, error) {
		all := q.attributes(s.now())
		out := map[string]string{}
		for _, n := range in.AttributeNames {
			if n == "All" {
				out = all
				break
			}
			v, ok := all[n]
			if !ok && !passthroughAttributes[n] && n != "RedrivePolicy" && n != "Policy" {
				return nil, &apiError{typ: "InvalidAttributeName", msg: "Unknown Attribute " + n + "."}
			}
			if ok {
				out[n] = v
			}
		}
		return map[string]any{"Attributes": out}, nil
	})
}

func (s *Service) setQueueAttributes(_ context.Context, body []byte) (any, error) {
	var in struct {
		QueueURL   string `json:"QueueUrl"`
		Attributes map[string]string
	}
	if err := decodeInput(body, &in); err != nil {
		return nil, err
	}
	return s.withQueue(in.QueueURL, func(q *queue) (any, error) {
		return nil, s.ensureQueue(q.Name, in.Attributes, nil, true)
	})
}

func (s *Service) purgeQueue(_ context.Context, body []byte) (any, error) {
	return s.onQueueURL(body, func(q *queue) (any, error) {
		if err := s.saveMessages(q.Name, nil, q.msgs, nil); err != nil {
			return nil, err
		}
		q.msgs, q.byID = nil, map[string]*message{}
		return nil, nil
	})
}

// sendEntry is one message to send (SendMessage or a batch entry).
type sendEntry struct {
	ID                      string `json:"Id"`
	MessageBody             string
	DelaySeconds            *int
	MessageAttributes       map[string]Attribute
	MessageSystemAttributes map[string]Attribute
}

type sendResult struct {
	ID                     string `json:"Id,omitempty"`
	MessageID              string `json:"MessageId"`
	MD5OfMessageBody       string
	MD5OfMessageAttributes string `json:",omitempty"`
}

// newSendResult reports a sent message; entryID is empty outside a batch.
func newSendResult(entryID string, m *message) sendResult {
	return sendResult{ID: entryID, MessageID: m.ID, MD5OfMessageBody: md5Hex(m.Body), MD5OfMessageAttributes: md5OfAttributes(m.Attributes)}
}

func (s *Service) sendMessage(_ context.Context, body []byte) (any, error) {
	var in struct {
		QueueURL string `json:"QueueUrl"`
		sendEntry
	}
	if err := decodeInput(body, &in); err != nil {
		return nil, err
	}
	return s.withQueue(in.QueueURL, func(q *queue) (any, error) {
		m, err := s.enqueue(q, in.sendEntry)
		if err != nil {
			return nil, err
		}
		return newSendResult("", m), nil
	})
}

type batchFailure struct {
	ID          string `json:"Id"`
	SenderFault bool
	Code        string
	Message     string
}

func (s *Service) sendMessageBatch(_ context.Context, body []byte) (any, error) {
	in, err := decodeBatch[sendEntry](body)
	if err != nil {
		return nil, err
	}
	total := 0
	for _, e := range in.Entries {
		total += messageSize(e)
	}
	if total > maxMessageSize {
		return nil, &apiError{typ: "BatchRequestTooLong", msg: fmt.Sprintf("Batch requests cannot be longer than %d bytes. You have sent %d bytes.", maxMessageSize, total)}
	}
	return s.withQueue(in.QueueURL, func(q *queue) (any, error) {
		out := struct {
			Successful []sendResult
			Failed     []batchFailure
		}{Successful: []sendResult{}, Failed: []batchFailure{}}
		var sent []*message
		for _, e := range in.Entries {
			m, err := s.newMessage(q, e)
			if err != nil {
				out.Failed = append(out.Failed, failure(e.ID, err))
				continue
			}
			sent = append(sent, m)
			out.Successful = append(out.Successful, newSendResult(e.ID, m))
		}
		if err := s.saveMessages(q.Name, sent, nil, nil); err != nil {
			return nil, err
		}
		for _, m := range sent {
			q.add(m)
		}
		s.count(q, "NumberOfMessagesSent", len(sent))
		return out, nil
	})
}

func failure(id string, err error) batchFailure {
	f := batchFailure{ID: id, SenderFault: true, Code: "InternalError", Message: err.Error()}
	if ae, ok := err.(*apiError); ok {
		f.Code, f.Message = ae.typ, ae.msg
	}
	return f
}

var batchIDRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,80}$`)

// batchEntry is an entry of a *Batch request, named by its Id.
type batchEntry interface{ entryID() string }

func (e sendEntry) entryID() string    { return e.ID }
func (e receiptEntry) entryID() string { return e.ID }

// batchRequest is the input of every *Batch operation.
type batchRequest[E batchEntry] struct {
	QueueURL string `json:"QueueUrl"`
	Entries  []E
}

// decodeBatch decodes a *Batch request and checks the rules every *Batch
// operation shares: 1 to 10 entries with valid, distinct Ids.
func decodeBatch[E batchEntry](body []byte) (batchRequest[E], error) {
	var in batchRequest[E]
	if err := decodeInput(body, &in); err != nil {
		return in, err
	}
	n := len(in.Entries)
	if n == 0 {
		return in, &apiError{typ: "EmptyBatchRequest", msg: "There should be at least one entry in the request."}
	}
	if n > maxBatchEntries {
		return in, &apiError{typ: "TooManyEntriesInBatchRequest", msg: fmt.Sprintf("Maximum number of entries per request are %d. You have sent %d.", maxBatchEntries, n)}
	}
	seen := map[string]bool{}
	for _, e := range in.Entries {
		id := e.entryID()
		if !batchIDRE.MatchString(id) {
			return in, &apiError{typ: "InvalidBatchEntryId", msg: "A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long."}
		}
		if seen[id] {
			return in, &apiError{typ: "BatchEntryIdsNotDistinct", msg: "Id " + id + " repeated."}
		}
		seen[id] = true
	}
	return in, nil
}

// messageSize counts what AWS counts against the size limit: the body and
// each attribute's name, type and value.
func messageSize(e sendEntry) int {
	n := len(e.MessageBody)
	for k, a := range e.MessageAttributes {
		n += len(k) + len(a.DataType) + len(deref(a.StringValue)) + len(a.BinaryValue)
	}
	return n
}

// newMessage validates an entry and builds its message; the caller holds
// s.mu and stores it.
func (s *Service) newMessage(q *queue, e sendEntry) (*message, error) {
	if e.MessageBody == "" {
		return nil, missingParameter("MessageBody")
	}
	if !validBody(e.MessageBody) {
		return nil, &apiError{typ: "InvalidMessageContents", msg: "Invalid characters found. Valid values are: #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF"}
	}
	if size := messageSize(e); size > q.MaxMessageSize {
		return nil, invalidParameter("One or more parameters are invalid. Reason: Message must be shorter than %d bytes.", q.MaxMessageSize)
	}
	if err := validAttributes(e.MessageAttributes); err != nil {
		return nil, err
	}
	delay := q.Delay
	if e.DelaySeconds != nil {
		if *e.DelaySeconds < 0 || *e.DelaySeconds > 900 {
			return nil, invalidParameter("Value %d for parameter DelaySeconds is invalid. Reason: DelaySeconds must be >= 0 and <= 900.", *e.DelaySeconds)
		}
		delay = time.Duration(*e.DelaySeconds) * time.Second
	}
	now := s.now()
	s.seq++
	m := &message{
		Seq: s.seq, ID: s.newID(), Body: e.MessageBody, Attributes: e.MessageAttributes,
		Sent: now, VisibleAt: now.Add(s.scaled(delay)),
	}
	if th, ok := e.MessageSystemAttributes["AWSTraceHeader"]; ok {
		m.TraceHeader = deref(th.StringValue)
	}
	return m, nil
}

// enqueue validates, stores and queues one message; the caller holds s.mu.
func (s *Service) enqueue(q *queue, e sendEntry) (*message, error) {
	m, err := s.newMessage(q, e)
	if err != nil {
		return nil, err
	}
	if err := s.saveMessages(q.Name, []*message{m}, nil, nil); err != nil {
		return nil, err
	}
	q.add(m)
	s.count(q, "NumberOfMessagesSent", 1)
	return m, nil
}

func validBody(s string) bool {
	for i, r := range s {
		if r == utf8.RuneError {
			if _, size := utf8.DecodeRuneInString(s[i:]); size == 1 {
				return false
			}
		}
		if r < 0x20 && r != 0x9 && r != 0xA && r != 0xD || r >= 0xD800 && r <= 0xDFFF || r == 0xFFFE || r == 0xFFFF {
			return false
		}
	}
	return true
}

func validAttributes(attrs map[string]Attribute) error {
	if len(attrs) > 10 {
		return invalidParameter("Number of message attributes [%d] exceeds the allowed maximum [10].", len(attrs))
	}
	for name, a := range attrs {
		if name == "" || len(name) > 256 {
			return invalidParameter("Message attribute name %q is invalid: it must be 1 to 256 characters.", name)
		}
		base, _, _ := strings.Cut(a.DataType, ".")
		switch base {
		case "String":
			if a.StringValue == nil {
				return invalidParameter("Message (user) attribute '%s' must contain a non-empty value of type 'String'.", name)
			}
		case "Number":
			if _, err := strconv.ParseFloat(deref(a.StringValue), 64); err != nil {
				return invalidParameter("Can't cast the value of message (user) attribute '%s' to a number.", name)
			}
		case "Binary":
			if len(a.BinaryValue) == 0 {
				return invalidParameter("Message (user) attribute '%s' must contain a non-empty value of type 'Binary'.", name)
			}
		default:
			return invalidParameter("The type of message (user) attribute '%s' is invalid. You must use only the following supported type prefixes: Binary, Number, String.", name)
		}
	}
	return nil
}

// Send enqueues body on the queue with the given ARN, for services that
// deliver in-process (EventBridge targets). It returns the message id.
func (s *Service) Send(_ context.Context, queueARN, body string, attrs map[string]Attribute) (string, error) {
	name, ok := nameFromARN(queueARN)
	if !ok {
		return "", fmt.Errorf("sqs: send: %q is not a queue ARN in the local account", queueARN)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	q := s.queues[name]
	if q == nil {
		return "", fmt.Errorf("sqs: send to %s: %w", name, ErrQueueDoesNotExist)
	}
	m, err := s.enqueue(q, sendEntry{MessageBody: body, MessageAttributes: attrs})
	if err != nil {
		return "", fmt.Errorf("sqs: send to %s: %w", name, err)
	}
	return m.ID, nil
}
