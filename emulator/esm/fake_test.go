package esm

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/shopstream/shopstream/emulator/awsapi"
	"github.com/shopstream/shopstream/emulator/stack"
)

// fakeAWS is the edge these unit tests stand on: a DynamoDB
// stream and SQS queues, speaking the same JSON operations as the real
// services (the real ones are exercised in integration_test.go).
type fakeAWS struct {
	mu     sync.Mutex
	stream []map[string]any // Streams records of the open shard, ascending
	// parent, when set, is a closed parent shard of the open one.
	parent  []map[string]any
	queues  map[string]*fakeQueue
	nextSeq int
	calls   map[string]int
}

const (
	testStreamARN = "arn:aws:dynamodb:us-east-1:000000000000:table/events/stream/2026-01-01T00:00:00.000"
	testShard     = "shardId-00000000000000000001-abcdef01"
	parentShard   = "shardId-00000000000000000000-abcdef00"
)

type fakeQueue struct {
	visibility time.Duration
	msgs       []*fakeMessage
}

type fakeMessage struct {
	id, body, receipt string
	attrs             map[string]any
	visibleAt         time.Time
	receives          int
	sent              time.Time
}

func newFakeAWS(queues ...string) *fakeAWS {
	f := &fakeAWS{queues: map[string]*fakeQueue{}, calls: map[string]int{}}
	for _, q := range queues {
		f.queues[q] = &fakeQueue{visibility: 300 * time.Millisecond}
	}
	return f
}

// putItems appends one INSERT record per item id to the open shard.
func (f *fakeAWS) putItems(ids ...string) { f.putItemsAt(time.Now(), ids...) }

// putItemsAt appends records stamped with the given creation time.
func (f *fakeAWS) putItemsAt(created time.Time, ids ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.stream = append(f.stream, f.newRecords(created, ids)...)
}

// closeParent makes the records so far a closed parent shard.
func (f *fakeAWS) closeParent() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.parent, f.stream = f.stream, nil
}

func (f *fakeAWS) newRecords(created time.Time, ids []string) []map[string]any {
	var out []map[string]any
	for _, id := range ids {
		f.nextSeq++
		out = append(out, map[string]any{
			"eventID": fmt.Sprintf("%032x", f.nextSeq), "eventName": "INSERT", "eventVersion": "1.1",
			"eventSource": "aws:dynamodb", "awsRegion": "us-east-1",
			"dynamodb": map[string]any{
				"ApproximateCreationDateTime": created.Unix(),
				"Keys":                        map[string]any{"id": map[string]any{"S": id}},
				"NewImage":                    map[string]any{"id": map[string]any{"S": id}, "type": map[string]any{"S": strings.TrimRight(id, "0123456789")}},
				"SequenceNumber":              fmt.Sprintf("%021d", f.nextSeq*100),
				"SizeBytes":                   20,
				"StreamViewType":              "NEW_IMAGE",
			},
		})
	}
	return out
}

func (f *fakeAWS) count(op string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[op]
}

func (f *fakeAWS) Call(ctx context.Context, target string, body []byte) ([]byte, error) {
	var in map[string]any
	if err := json.Unmarshal(body, &in); err != nil {
		return nil, err
	}
	str := func(k string) string { s, _ := in[k].(string); return s }
	num := func(k string) int { n, _ := in[k].(float64); return int(n) }
	f.mu.Lock()
	f.calls[target]++
	f.mu.Unlock()
	var out any
	var err error
	switch target {
	case "DynamoDBStreams_20120810.DescribeStream":
		shards := []any{map[string]any{"ShardId": testShard}}
		f.mu.Lock()
		if f.parent != nil {
			// Listed child first: the poller must still wait for the parent.
			shards = []any{map[string]any{"ShardId": testShard, "ParentShardId": parentShard}, map[string]any{"ShardId": parentShard}}
		}
		f.mu.Unlock()
		out = map[string]any{"StreamDescription": map[string]any{"StreamArn": testStreamARN, "Shards": shards}}
	case "DynamoDBStreams_20120810.GetShardIterator":
		out, err = f.shardIterator(str("ShardId"), str("ShardIteratorType"), str("SequenceNumber"))
	case "DynamoDBStreams_20120810.GetRecords":
		out, err = f.records(str("ShardIterator"), num("Limit"))
	case "AmazonSQS.GetQueueUrl":
		if f.queue(str("QueueName")) == nil {
			return nil, awsapi.Errorf("QueueDoesNotExist", "The specified queue does not exist.")
		}
		out = map[string]string{"QueueUrl": "http://127.0.0.1/000000000000/" + str("QueueName")}
	case "AmazonSQS.SendMessage":
		out, err = f.send(queueName(str("QueueUrl")), str("MessageBody"), nil)
	case "AmazonSQS.ReceiveMessage":
		out, err = f.receive(ctx, queueName(str("QueueUrl")), num("MaxNumberOfMessages"), num("WaitTimeSeconds"))
	case "AmazonSQS.DeleteMessageBatch":
		out, err = f.deleteBatch(queueName(str("QueueUrl")), in["Entries"].([]any))
	default:
		err = awsapi.Errorf("UnknownOperationException", "fake: %s", target)
	}
	if err != nil {
		return nil, err
	}
	return json.Marshal(out)
}

func (f *fakeAWS) shard(id string) ([]map[string]any, bool, error) {
	switch {
	case id == testShard:
		return f.stream, false, nil
	case id == parentShard && f.parent != nil:
		return f.parent, true, nil
	}
	return nil, false, awsapi.Errorf("ResourceNotFoundException", "fake: no shard %q", id)
}

func (f *fakeAWS) shardIterator(shard, typ, seq string) (any, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	recs, _, err := f.shard(shard)
	if err != nil {
		return nil, err
	}
	pos := 0
	switch typ {
	case "TRIM_HORIZON":
	case "LATEST":
		pos = len(recs)
	case "AFTER_SEQUENCE_NUMBER":
		pos = -1
		for i, r := range recs {
			if r["dynamodb"].(map[string]any)["SequenceNumber"] == seq {
				pos = i + 1
			}
		}
		if pos < 0 {
			return nil, awsapi.Errorf("TrimmedDataAccessException", "fake: %s not in shard", seq)
		}
	default:
		return nil, awsapi.Errorf("ValidationException", "fake: iterator type %q", typ)
	}
	return map[string]string{"ShardIterator": shard + "|" + strconv.Itoa(pos)}, nil
}

func (f *fakeAWS) records(iter string, limit int) (any, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	shard, p, _ := strings.Cut(iter, "|")
	pos, err := strconv.Atoi(p)
	if err != nil || limit < 1 || limit > 1000 {
		return nil, awsapi.Errorf("ValidationException", "fake: iterator %q limit %d", iter, limit)
	}
	recs, closed, err := f.shard(shard)
	if err != nil {
		return nil, err
	}
	end := min(len(recs), pos+limit)
	out := map[string]any{"Records": recs[pos:end]}
	if !closed || end < len(recs) {
		out["NextShardIterator"] = shard + "|" + strconv.Itoa(end)
	}
	return out, nil
}

func queueName(url string) string { return url[strings.LastIndex(url, "/")+1:] }

func (f *fakeAWS) queue(name string) *fakeQueue {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.queues[name]
}

func (f *fakeAWS) send(queue, body string, attrs map[string]any) (any, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	q := f.queues[queue]
	if q == nil {
		return nil, awsapi.Errorf("QueueDoesNotExist", "The specified queue does not exist.")
	}
	f.nextSeq++
	m := &fakeMessage{id: fmt.Sprintf("msg-%d", f.nextSeq), body: body, attrs: attrs, sent: time.Now()}
	q.msgs = append(q.msgs, m)
	return map[string]string{"MessageId": m.id}, nil
}

func (f *fakeAWS) receive(ctx context.Context, queue string, n, wait int) (any, error) {
	deadline := time.Now().Add(time.Duration(wait) * time.Second)
	for {
		f.mu.Lock()
		q := f.queues[queue]
		if q == nil {
			f.mu.Unlock()
			return nil, awsapi.Errorf("QueueDoesNotExist", "The specified queue does not exist.")
		}
		var out []any
		now := time.Now()
		for _, m := range q.msgs {
			if len(out) == n || now.Before(m.visibleAt) {
				continue
			}
			m.receives++
			m.visibleAt = now.Add(q.visibility)
			m.receipt = fmt.Sprintf("%s#%d", m.id, m.receives)
			attrs := map[string]any{}
			if m.attrs != nil {
				attrs = m.attrs
			}
			out = append(out, map[string]any{
				"MessageId": m.id, "ReceiptHandle": m.receipt, "Body": m.body, "MD5OfBody": "md5",
				"Attributes": map[string]string{
					"ApproximateReceiveCount":          strconv.Itoa(m.receives),
					"SentTimestamp":                    strconv.FormatInt(m.sent.UnixMilli(), 10),
					"SenderId":                         "000000000000",
					"ApproximateFirstReceiveTimestamp": strconv.FormatInt(now.UnixMilli(), 10),
				},
				"MessageAttributes": attrs,
			})
		}
		f.mu.Unlock()
		if len(out) > 0 || !time.Now().Before(deadline) {
			return map[string]any{"Messages": out}, nil
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(5 * time.Millisecond):
		}
	}
}

func (f *fakeAWS) deleteBatch(queue string, entries []any) (any, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	q := f.queues[queue]
	ok := []any{}
	for _, e := range entries {
		e := e.(map[string]any)
		for i, m := range q.msgs {
			if m.receipt == e["ReceiptHandle"] {
				q.msgs = append(q.msgs[:i], q.msgs[i+1:]...)
				break
			}
		}
		ok = append(ok, map[string]any{"Id": e["Id"]})
	}
	return map[string]any{"Successful": ok, "Failed": []any{}}, nil
}

// bodies returns the bodies left in a queue.
func (f *fakeAWS) bodies(queue string) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, m := range f.queues[queue].msgs {
		out = append(out, m.body)
	}
	return out
}

// recorder is a fake function: it records each payload it gets and
// answers with respond.
type recorder struct {
	mu       sync.Mutex
	payloads [][]byte
	respond  func(n int, payload []byte) stack.InvokeResult
}

func (r *recorder) Invoke(_ context.Context, _ string, payload []byte) (stack.InvokeResult, error) {
	r.mu.Lock()
	r.payloads = append(r.payloads, payload)
	n := len(r.payloads)
	r.mu.Unlock()
	if r.respond == nil {
		return stack.InvokeResult{Payload: []byte("null")}, nil
	}
	return r.respond(n, payload), nil
}

func (r *recorder) calls() [][]byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([][]byte{}, r.payloads...)
}
