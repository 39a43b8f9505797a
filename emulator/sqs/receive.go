package sqs

import (
	"context"
	"encoding/base64"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
)

type receivedMessage struct {
	MessageID              string `json:"MessageId"`
	ReceiptHandle          string
	MD5OfBody              string
	Body                   string
	Attributes             map[string]string    `json:",omitempty"`
	MD5OfMessageAttributes string               `json:",omitempty"`
	MessageAttributes      map[string]Attribute `json:",omitempty"`
}

type receiveInput struct {
	QueueURL                    string `json:"QueueUrl"`
	AttributeNames              []string
	MessageSystemAttributeNames []string
	MessageAttributeNames       []string
	MaxNumberOfMessages         *int
	VisibilityTimeout           *int
	WaitTimeSeconds             *int
}

func (s *Service) receiveMessage(ctx context.Context, body []byte) (any, error) {
	var in receiveInput
	if err := decodeInput(body, &in); err != nil {
		return nil, err
	}
	limit := 1
	if in.MaxNumberOfMessages != nil {
		limit = *in.MaxNumberOfMessages
		if limit < 1 || limit > maxBatchEntries {
			return nil, invalidParameter("Value %d for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10, if provided.", limit)
		}
	}
	if in.VisibilityTimeout != nil && (*in.VisibilityTimeout < 0 || *in.VisibilityTimeout > 43200) {
		return nil, invalidParameter("Value %d for parameter VisibilityTimeout is invalid. Reason: Must be between 0 and 43200, if provided.", *in.VisibilityTimeout)
	}
	if in.WaitTimeSeconds != nil && (*in.WaitTimeSeconds < 0 || *in.WaitTimeSeconds > maxWaitSeconds) {
		return nil, invalidParameter("Value %d for parameter WaitTimeSeconds is invalid. Reason: Must be >= 0 and <= 20, if provided.", *in.WaitTimeSeconds)
	}

	s.mu.Lock()
	q, err := s.queueByURL(in.QueueURL)
	if err != nil {
		s.mu.Unlock()
		return nil, err
	}
	wait := q.WaitTime
	if in.WaitTimeSeconds != nil {
		wait = time.Duration(*in.WaitTimeSeconds) * time.Second
	}
	// The deadline runs on the wall clock: it bounds a real wait, while
	// visibility arithmetic uses the injected clock.
	deadline := time.Now().Add(wait)
	for {
		got, err := s.take(q, limit, in)
		if err != nil || len(got) > 0 || !time.Now().Before(deadline) {
			s.mu.Unlock()
			if got == nil {
				got = []receivedMessage{}
			}
			return map[string]any{"Messages": got}, err
		}
		wake := q.wake
		next := q.nextVisible(s.now())
		s.mu.Unlock()

		d := time.Until(deadline)
		if !next.IsZero() {
			d = min(d, next.Sub(s.now()))
		}
		timer := time.NewTimer(max(d, time.Millisecond))
		select {
		case <-wake:
		case <-timer.C:
		case <-ctx.Done():
			timer.Stop()
			return nil, ctx.Err()
		}
		timer.Stop()
		s.mu.Lock()
		if s.queues[q.Name] != q {
			s.mu.Unlock()
			return nil, ErrQueueDoesNotExist
		}
	}
}

// take receives up to limit visible messages from q, moving any that have
// used up the redrive policy's maxReceiveCount to the dead-letter queue
// first. The caller holds s.mu.
func (s *Service) take(q *queue, limit int, in receiveInput) ([]receivedMessage, error) {
	now := s.now()
	expired := q.expired(now)
	visibility := q.Visibility
	if in.VisibilityTimeout != nil {
		visibility = time.Duration(*in.VisibilityTimeout) * time.Second
	}
	var dlq *queue
	if q.DeadLetterARN != "" {
		if name, ok := nameFromARN(q.DeadLetterARN); ok {
			dlq = s.queues[name]
		}
	}
	var got []receivedMessage
	var changed, movedOut, movedIn []*message
	for _, m := range slices.Clone(q.msgs) {
		if len(got) == limit {
			break
		}
		if m.VisibleAt.After(now) {
			continue
		}
		// AWS moves the message on the receive that would exceed
		// maxReceiveCount, instead of returning it.
		if dlq != nil && m.ReceiveCount >= q.MaxReceiveCount {
			q.remove(m)
			s.seq++
			moved := *m
			moved.Seq, moved.VisibleAt, moved.ReceiveCount, moved.FirstReceive, moved.Receipt = s.seq, now, 0, time.Time{}, ""
			moved.DLQSource = q.arn
			movedOut, movedIn = append(movedOut, m), append(movedIn, &moved)
			continue
		}
		m.ReceiveCount++
		if m.FirstReceive.IsZero() {
			m.FirstReceive = now
		}
		m.VisibleAt = now.Add(s.scaled(visibility))
		m.Receipt = s.newID()
		changed = append(changed, m)
		got = append(got, s.render(q, m, in))
	}
	var moved map[string][]*message
	if len(movedIn) > 0 {
		moved = map[string][]*message{dlq.Name: movedIn}
	}
	if err := s.saveMessages(q.Name, changed, append(expired, movedOut...), moved); err != nil {
		return nil, err
	}
	for _, m := range movedIn {
		dlq.add(m)
	}
	s.count(q, "NumberOfMessagesReceived", len(got))
	return got, nil
}

// systemAttributes are the names "All" expands to.
var systemAttributes = []string{"SenderId", "SentTimestamp", "ApproximateReceiveCount", "ApproximateFirstReceiveTimestamp", "AWSTraceHeader", "DeadLetterQueueSourceArn"}

func (s *Service) render(q *queue, m *message, in receiveInput) receivedMessage {
	r := receivedMessage{
		MessageID: m.ID, ReceiptHandle: encodeReceipt(q.Name, m.ID, m.Receipt),
		MD5OfBody: md5Hex(m.Body), Body: m.Body,
	}
	names := append(slices.Clone(in.AttributeNames), in.MessageSystemAttributeNames...)
	if slices.Contains(names, "All") {
		names = systemAttributes
	}
	millis := func(t time.Time) string { return strconv.FormatInt(t.UnixMilli(), 10) }
	for _, n := range names {
		var v string
		switch n {
		case "SenderId":
			v = "000000000000"
		case "SentTimestamp":
			v = millis(m.Sent)
		case "ApproximateReceiveCount":
			v = strconv.Itoa(m.ReceiveCount)
		case "ApproximateFirstReceiveTimestamp":
			v = millis(m.FirstReceive)
		case "AWSTraceHeader":
			v = m.TraceHeader
		case "DeadLetterQueueSourceArn":
			v = m.DLQSource
		}
		if v != "" {
			if r.Attributes == nil {
				r.Attributes = map[string]string{}
			}
			r.Attributes[n] = v
		}
	}
	for name, a := range m.Attributes {
		if wantAttribute(in.MessageAttributeNames, name) {
			if r.MessageAttributes == nil {
				r.MessageAttributes = map[string]Attribute{}
			}
			r.MessageAttributes[name] = a
		}
	}
	// The digest covers the attributes returned, which is what SDKs check.
	r.MD5OfMessageAttributes = md5OfAttributes(r.MessageAttributes)
	return r
}

// wantAttribute applies MessageAttributeNames: "All", ".*", "prefix.*" or
// an exact name.
func wantAttribute(patterns []string, name string) bool {
	for _, p := range patterns {
		if p == "All" || p == ".*" || p == name {
			return true
		}
		if prefix, ok := strings.CutSuffix(p, ".*"); ok && strings.HasPrefix(name, prefix+".") {
			return true
		}
	}
	return false
}

// A receipt handle names the queue, the message and the receive it came
// from; a later receive of the same message makes it stale.
func encodeReceipt(queue, id, nonce string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(queue + "\x00" + id + "\x00" + nonce))
}

type receipt struct{ queue, id, nonce string }

func decodeReceipt(h string) (receipt, error) {
	invalid := &apiError{typ: "ReceiptHandleIsInvalid", msg: fmt.Sprintf("The input receipt handle \"%s\" is not a valid receipt handle.", h)}
	if h == "" {
		return receipt{}, missingParameter("ReceiptHandle")
	}
	raw, err := base64.RawURLEncoding.DecodeString(h)
	if err != nil {
		return receipt{}, invalid
	}
	parts := strings.Split(string(raw), "\x00")
	if len(parts) != 3 {
		return receipt{}, invalid
	}
	return receipt{parts[0], parts[1], parts[2]}, nil
}

// findReceipt resolves a receipt handle on q. m is nil when the message is
// gone (deleted, expired or redriven); current is false when it has been
// received again since. The caller holds s.mu.
func findReceipt(q *queue, h string) (m *message, current bool, err error) {
	r, err := decodeReceipt(h)
	if err != nil {
		return nil, false, err
	}
	if r.queue != q.Name {
		return nil, false, &apiError{typ: "ReceiptHandleIsInvalid", msg: fmt.Sprintf("The input receipt handle \"%s\" is not a valid receipt handle for this queue.", h)}
	}
	m = q.byID[r.id]
	return m, m != nil && m.Receipt == r.nonce, nil
}

func (s *Service) deleteMessage(_ context.Context, body []byte) (any, error) {
	var in struct {
		QueueURL      string `json:"QueueUrl"`
		ReceiptHandle string
	}
	if err := decodeInput(body, &in); err != nil {
		return nil, err
	}
	return s.withQueue(in.QueueURL, func(q *queue) (any, error) {
		return nil, s.deleteByReceipt(q, in.ReceiptHandle)
	})
}

// deleteByReceipt deletes the message if h is its latest receipt handle.
// Like AWS, a stale handle succeeds without deleting, and deleting a
// message that is already gone succeeds.
func (s *Service) deleteByReceipt(q *queue, h string) error {
	m, current, err := findReceipt(q, h)
	if err != nil || !current {
		return err
	}
	if err := s.saveMessages(q.Name, nil, []*message{m}, nil); err != nil {
		return err
	}
	q.remove(m)
	s.count(q, "NumberOfMessagesDeleted", 1)
	return nil
}

type receiptEntry struct {
	ID                string `json:"Id"`
	ReceiptHandle     string
	VisibilityTimeout int
}

type batchResult struct {
	Successful []map[string]string
	Failed     []batchFailure
}

func (s *Service) receiptBatch(body []byte, apply func(q *queue, e receiptEntry) error) (any, error) {
	in, err := decodeBatch[receiptEntry](body)
	if err != nil {
		return nil, err
	}
	return s.withQueue(in.QueueURL, func(q *queue) (any, error) {
		out := batchResult{Successful: []map[string]string{}, Failed: []batchFailure{}}
		for _, e := range in.Entries {
			if err := apply(q, e); err != nil {
				out.Failed = append(out.Failed, failure(e.ID, err))
				continue
			}
			out.Successful = append(out.Successful, map[string]string{"Id": e.ID})
		}
		return out, nil
	})
}

func (s *Service) deleteMessageBatch(_ context.Context, body []byte) (any, error) {
	return s.receiptBatch(body, func(q *queue, e receiptEntry) error { return s.deleteByReceipt(q, e.ReceiptHandle) })
}

func (s *Service) changeMessageVisibility(_ context.Context, body []byte) (any, error) {
	var in struct {
		QueueURL          string `json:"QueueUrl"`
		ReceiptHandle     string
		VisibilityTimeout *int
	}
	if err := decodeInput(body, &in); err != nil {
		return nil, err
	}
	if in.VisibilityTimeout == nil {
		return nil, missingParameter("VisibilityTimeout")
	}
	return s.withQueue(in.QueueURL, func(q *queue) (any, error) {
		return nil, s.changeVisibility(q, in.ReceiptHandle, *in.VisibilityTimeout)
	})
}

func (s *Service) changeMessageVisibilityBatch(_ context.Context, body []byte) (any, error) {
	return s.receiptBatch(body, func(q *queue, e receiptEntry) error {
		return s.changeVisibility(q, e.ReceiptHandle, e.VisibilityTimeout)
	})
}

// changeVisibility sets a received message's visibility timeout, counted
// from now. The caller holds s.mu.
func (s *Service) changeVisibility(q *queue, h string, seconds int) error {
	if seconds < 0 || seconds > 43200 {
		return invalidParameter("Value %d for parameter VisibilityTimeout is invalid. Reason: Must be between 0 and 43200.", seconds)
	}
	m, current, err := findReceipt(q, h)
	if err != nil {
		return err
	}
	if !current {
		return invalidParameter("Value %s for parameter ReceiptHandle is invalid. Reason: The receipt handle has expired.", h)
	}
	now := s.now()
	if !m.VisibleAt.After(now) {
		return &apiError{typ: "MessageNotInflight", msg: "The message referred to isn't in flight."}
	}
	m.VisibleAt = now.Add(s.scaled(time.Duration(seconds) * time.Second))
	if err := s.saveMessages(q.Name, []*message{m}, nil, nil); err != nil {
		return err
	}
	if seconds == 0 {
		q.signal()
	}
	return nil
}

func (s *Service) listQueueTags(_ context.Context, body []byte) (any, error) {
	return s.onQueueURL(body, func(q *queue) (any, error) {
		return map[string]any{"Tags": q.Tags}, nil
	})
}

func (s *Service) tagQueue(_ context.Context, body []byte) (any, error) {
	var in struct {
		QueueURL string `json:"QueueUrl"`
		Tags     map[string]string
	}
	if err := decodeInput(body, &in); err != nil {
		return nil, err
	}
	return s.updateTags(in.QueueURL, func(tags map[string]string) { maps.Copy(tags, in.Tags) })
}

func (s *Service) untagQueue(_ context.Context, body []byte) (any, error) {
	var in struct {
		QueueURL string `json:"QueueUrl"`
		TagKeys  []string
	}
	if err := decodeInput(body, &in); err != nil {
		return nil, err
	}
	return s.updateTags(in.QueueURL, func(tags map[string]string) {
		for _, k := range in.TagKeys {
			delete(tags, k)
		}
	})
}

// updateTags applies edit to a copy of the queue's tags and stores it.
func (s *Service) updateTags(queueURL string, edit func(map[string]string)) (any, error) {
	return s.withQueue(queueURL, func(q *queue) (any, error) {
		cfg := q.queueConfig
		cfg.Tags = maps.Clone(cfg.Tags)
		if cfg.Tags == nil {
			cfg.Tags = map[string]string{}
		}
		edit(cfg.Tags)
		if err := s.saveQueue(&cfg); err != nil {
			return nil, err
		}
		q.queueConfig = cfg
		return nil, nil
	})
}

func (s *Service) listDeadLetterSourceQueues(_ context.Context, body []byte) (any, error) {
	return s.onQueueURL(body, func(q *queue) (any, error) {
		urls := []string{}
		for _, name := range slices.Sorted(maps.Keys(s.queues)) {
			if s.queues[name].DeadLetterARN == q.arn {
				urls = append(urls, s.QueueURL(name))
			}
		}
		return map[string]any{"queueUrls": urls}, nil
	})
}
