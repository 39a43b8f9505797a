package esm

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/shopstream/shopstream/emulator/awsapi"
)

const sqsAPI = "AmazonSQS."

// startSQS starts the mapping's pollers. Standard queues are unordered, so
// pollers work independently; a FIFO queue keeps a message group locked
// while its messages are in flight, which preserves its order.
func (s *Service) startSQS(m *mapping) {
	for range m.concurrency {
		p := &sqsPoller{s: s, m: m}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			p.run()
		}()
	}
}

type sqsPoller struct {
	s       *Service
	m       *mapping
	url     string
	lastErr string
}

func (p *sqsPoller) logOnce(msg string, err error) {
	if err.Error() == p.lastErr {
		return
	}
	p.lastErr = err.Error()
	p.s.cfg.Log.Warn(msg, "mapping", p.m.logicalID, "queue", p.m.sourceARN, "err", err)
}

func (p *sqsPoller) run() {
	s, m := p.s, p.m
	for s.ctx.Err() == nil && !m.disabled.Load() {
		if p.url == "" {
			url, err := s.queueURL(s.ctx, m.sourceARN)
			if err != nil {
				p.logOnce("esm: queue not available; retrying", err)
				s.sleep(s.cfg.RetryDelay)
				continue
			}
			p.url = url
			// Lambda reads the queue's attributes with the role first.
			err = s.call(m.as(s.ctx), sqsAPI+"GetQueueAttributes", map[string]any{"QueueUrl": url, "AttributeNames": []string{"VisibilityTimeout"}}, nil)
			if s.disable(m, err) {
				return
			}
		}
		msgs, err := p.receive(min(10, m.batchSize), s.cfg.SQSWaitSeconds)
		if err != nil {
			continue
		}
		if len(msgs) == 0 {
			continue
		}
		// Within the batching window, keep gathering up to the batch size;
		// a long poll returns as soon as anything arrives.
		deadline := s.cfg.Now().Add(m.window)
		for len(msgs) < m.batchSize && s.ctx.Err() == nil {
			left := deadline.Sub(s.cfg.Now())
			if left <= 0 {
				break
			}
			more, err := p.receive(min(10, m.batchSize-len(msgs)), int(math.Ceil(min(left, 20*time.Second).Seconds())))
			if err != nil {
				break
			}
			msgs = append(msgs, more...)
		}
		p.deliver(msgs)
	}
}

// sqsMessage is a message as ReceiveMessage returns it.
type sqsMessage struct {
	MessageId              string
	ReceiptHandle          string
	MD5OfBody              string
	MD5OfMessageAttributes string
	Body                   string
	Attributes             map[string]string
	MessageAttributes      map[string]sqsAttribute
}

type sqsAttribute struct {
	StringValue      *string
	BinaryValue      []byte
	StringListValues []string
	BinaryListValues [][]byte
	DataType         string
}

func (p *sqsPoller) receive(n, waitSeconds int) ([]sqsMessage, error) {
	in := map[string]any{
		"QueueUrl":                    p.url,
		"MaxNumberOfMessages":         n,
		"WaitTimeSeconds":             waitSeconds,
		"AttributeNames":              []string{"All"},
		"MessageSystemAttributeNames": []string{"All"},
		"MessageAttributeNames":       []string{"All"},
	}
	var out struct{ Messages []sqsMessage }
	err := p.s.call(p.m.as(p.s.ctx), sqsAPI+"ReceiveMessage", in, &out)
	if err != nil {
		if p.s.ctx.Err() != nil || p.s.disable(p.m, err) {
			return nil, err
		}
		var ae *awsapi.Error
		if errors.As(err, &ae) && (ae.Type == "QueueDoesNotExist" || ae.Type == "AWS.SimpleQueueService.NonExistentQueue") {
			p.url = ""
		}
		p.logOnce("esm: receive failed; retrying", err)
		p.s.sleep(p.s.cfg.RetryDelay)
		return nil, err
	}
	p.lastErr = ""
	return out.Messages, nil
}

// sqsRecord is a message as the function receives it, the shape of
// aws-lambda-go's events.SQSMessage.
type sqsRecord struct {
	MessageId              string                     `json:"messageId"`
	ReceiptHandle          string                     `json:"receiptHandle"`
	Body                   string                     `json:"body"`
	Attributes             map[string]string          `json:"attributes"`
	MessageAttributes      map[string]sqsRecordAttrib `json:"messageAttributes"`
	MD5OfBody              string                     `json:"md5OfBody"`
	MD5OfMessageAttributes string                     `json:"md5OfMessageAttributes,omitempty"`
	EventSource            string                     `json:"eventSource"`
	EventSourceARN         string                     `json:"eventSourceARN"`
	AWSRegion              string                     `json:"awsRegion"`
}

type sqsRecordAttrib struct {
	StringValue      *string  `json:"stringValue,omitempty"`
	BinaryValue      []byte   `json:"binaryValue,omitempty"`
	StringListValues []string `json:"stringListValues"`
	BinaryListValues [][]byte `json:"binaryListValues"`
	DataType         string   `json:"dataType"`
}

func (m *mapping) sqsRecord(msg sqsMessage) sqsRecord {
	attrs := make(map[string]sqsRecordAttrib, len(msg.MessageAttributes))
	for k, a := range msg.MessageAttributes {
		attrs[k] = sqsRecordAttrib{
			StringValue: a.StringValue, BinaryValue: a.BinaryValue, DataType: a.DataType,
			StringListValues: append([]string{}, a.StringListValues...),
			BinaryListValues: append([][]byte{}, a.BinaryListValues...),
		}
	}
	if msg.Attributes == nil {
		msg.Attributes = map[string]string{}
	}
	return sqsRecord{
		MessageId: msg.MessageId, ReceiptHandle: msg.ReceiptHandle, Body: msg.Body,
		Attributes: msg.Attributes, MessageAttributes: attrs,
		MD5OfBody: msg.MD5OfBody, MD5OfMessageAttributes: msg.MD5OfMessageAttributes,
		EventSource: "aws:sqs", EventSourceARN: m.sourceARN, AWSRegion: awsapi.Region,
	}
}

// filterView is what FilterCriteria patterns see: the record, with a JSON
// body decoded so patterns can reach into it (as Lambda does).
func filterView(r sqsRecord) []byte {
	raw, _ := json.Marshal(r)
	var body any
	if json.Unmarshal([]byte(r.Body), &body) != nil {
		return raw
	}
	var fields map[string]any
	_ = json.Unmarshal(raw, &fields)
	fields["body"] = body
	raw, _ = json.Marshal(fields)
	return raw
}

// deliver invokes the function with one batch and deletes the messages
// that succeeded (and those the filters drop); the others become visible
// again when their visibility timeout ends.
func (p *sqsPoller) deliver(msgs []sqsMessage) {
	s, m := p.s, p.m
	var batch []sqsRecord
	var done []sqsMessage
	for _, msg := range msgs {
		r := m.sqsRecord(msg)
		if len(m.filters) > 0 && !m.matches(filterView(r)) {
			done = append(done, msg)
			continue
		}
		batch = append(batch, r)
	}
	if len(batch) > 0 {
		payload, _ := json.Marshal(map[string]any{"Records": batch})
		res, err := s.cfg.Invoker.Invoke(s.ctx, m.function, payload)
		inBatch := func(id string) bool {
			for _, r := range batch {
				if r.MessageId == id {
					return true
				}
			}
			return false
		}
		switch o := evaluate(res, m.reportFailures, inBatch); {
		case err != nil:
			p.logOnce("esm: invoke failed; messages will be retried", err)
		case o.allFailed:
			s.cfg.Log.Warn("esm: batch failed", "mapping", m.logicalID, "function", m.function, "messages", len(batch), "response", truncate(res.Payload))
		default:
			failed := map[string]bool{}
			for _, id := range o.failed {
				failed[id] = true
			}
			for _, msg := range msgs {
				if inBatch(msg.MessageId) && !failed[msg.MessageId] {
					done = append(done, msg)
				}
			}
			if len(failed) > 0 {
				s.cfg.Log.Warn("esm: batch partly failed", "mapping", m.logicalID, "function", m.function, "messages", len(batch), "failed", len(failed))
			}
		}
	}
	p.delete(done)
}

// delete removes messages in DeleteMessageBatch calls of ten. A failure is
// logged: the message reappears and is delivered again, which consumers
// must tolerate anyway.
func (p *sqsPoller) delete(msgs []sqsMessage) {
	for len(msgs) > 0 {
		n := min(10, len(msgs))
		entries := make([]map[string]string, n)
		for i, msg := range msgs[:n] {
			entries[i] = map[string]string{"Id": strconv.Itoa(i), "ReceiptHandle": msg.ReceiptHandle}
		}
		var out struct {
			Failed []struct{ Id, Code, Message string }
		}
		// Deletes use a fresh context: a batch that succeeded should be
		// deleted even while the service is stopping.
		err := p.s.call(p.m.as(detached(p.s.ctx)), sqsAPI+"DeleteMessageBatch", map[string]any{"QueueUrl": p.url, "Entries": entries}, &out)
		if p.s.disable(p.m, err) {
			return
		}
		if err != nil {
			p.logOnce("esm: delete failed; messages will be delivered again", err)
		} else if len(out.Failed) > 0 {
			p.logOnce("esm: delete failed; messages will be delivered again", fmt.Errorf("%d entries: %s %s", len(out.Failed), out.Failed[0].Code, out.Failed[0].Message))
		}
		msgs = msgs[n:]
	}
}
