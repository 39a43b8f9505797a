package esm

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/shopstream/shopstream/emulator/localtest"
	"github.com/shopstream/shopstream/emulator/stack"
	"github.com/shopstream/shopstream/emulator/state"
)

const testQueueARN = "arn:aws:sqs:us-east-1:000000000000:"

func newService(t *testing.T, caller Caller, inv stack.Invoker, db *state.DB) *Service {
	t.Helper()
	s, err := New(Config{Caller: caller, Invoker: inv, DB: db, PollInterval: 5 * time.Millisecond, RetryDelay: 5 * time.Millisecond, SQSWaitSeconds: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { closeService(t, s) })
	return s
}

func closeService(t *testing.T, s *Service) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.Close(ctx); err != nil {
		t.Error(err)
	}
}

func create(t *testing.T, s *Service, logicalID string, props map[string]any) {
	t.Helper()
	if _, err := s.Create(context.Background(), stack.Resource{LogicalID: logicalID, Type: TypeEventSourceMapping, Properties: props}); err != nil {
		t.Fatal(err)
	}
}

func streamProps(extra map[string]any) map[string]any {
	p := map[string]any{"FunctionName": "publisher", "EventSourceArn": testStreamARN, "StartingPosition": "TRIM_HORIZON"}
	for k, v := range extra {
		p[k] = v
	}
	return p
}

// waitFor polls cond until it holds or the test times out.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// waitCaughtUp waits until the mapping's worker on the fake's open shard
// has checkpointed seq (the last record of the shard) and then read the
// stream again: it is done with every record and idle, so nothing it was
// going to deliver is still to come. Tests call it before asserting that
// nothing more was invoked.
func waitCaughtUp(t *testing.T, s *Service, f *fakeAWS, logicalID, seq string) {
	t.Helper()
	key := uuidFrom(logicalID) + "/" + testShard
	waitFor(t, "checkpoint "+seq, func() bool { got, _ := s.checkpoints.get(key); return got == seq })
	// The worker reads only between batches: a read that starts after the
	// checkpoint is at the tip means the last batch is behind it.
	reads := f.count(streamsAPI + "GetRecords")
	waitFor(t, "a read after the last checkpoint", func() bool { return f.count(streamsAPI+"GetRecords") > reads })
}

// seqOf is the fake's sequence number of the n-th record it made.
func seqOf(n int) string { return fmt.Sprintf("%021d", n*100) }

// streamIDs decodes a payload as aws-lambda-go's DynamoDBEvent and returns
// the item ids in order.
func streamIDs(t *testing.T, payload []byte) []string {
	t.Helper()
	var ev events.DynamoDBEvent
	if err := json.Unmarshal(payload, &ev); err != nil {
		t.Fatalf("payload is not a DynamoDBEvent: %v\n%s", err, payload)
	}
	var ids []string
	for _, r := range ev.Records {
		if r.EventSourceArn != testStreamARN || r.EventSource != "aws:dynamodb" || r.EventVersion != "1.1" || r.Change.SequenceNumber == "" {
			t.Errorf("record fields: %+v", r)
		}
		ids = append(ids, r.Change.NewImage["id"].String())
	}
	return ids
}

func allIDs(t *testing.T, payloads [][]byte) []string {
	var ids []string
	for _, p := range payloads {
		ids = append(ids, streamIDs(t, p)...)
	}
	return ids
}

func items(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s%d", prefix, i+1)
	}
	return out
}

// failIf answers with a function error for batches containing id.
func failIf(id string) func(int, []byte) stack.InvokeResult {
	return func(_ int, payload []byte) stack.InvokeResult {
		if strings.Contains(string(payload), `"S":"`+id+`"`) {
			return stack.InvokeResult{FunctionError: "Unhandled", Payload: []byte(`{"errorType":"PoisonError","errorMessage":"cannot handle ` + id + `"}`)}
		}
		return stack.InvokeResult{Payload: []byte("null")}
	}
}

func TestStreamBatchSize(t *testing.T) {
	f := newFakeAWS()
	f.putItems(items("a", 25)...)
	inv := &recorder{}
	s := newService(t, f, inv, nil)
	create(t, s, "Publisher", streamProps(map[string]any{"BatchSize": 10.0}))
	waitFor(t, "25 records", func() bool { return len(allIDs(t, inv.calls())) == 25 })
	var sizes []int
	for _, p := range inv.calls() {
		sizes = append(sizes, len(streamIDs(t, p)))
	}
	if !reflect.DeepEqual(sizes, []int{10, 10, 5}) {
		t.Errorf("batch sizes %v, want [10 10 5]", sizes)
	}
	if got := allIDs(t, inv.calls()); !reflect.DeepEqual(got, items("a", 25)) {
		t.Errorf("records out of order: %v", got)
	}
}

func TestStreamBatchingWindow(t *testing.T) {
	f := newFakeAWS()
	inv := &recorder{}
	// The window runs on the service's clock, which only the test moves:
	// a slow machine cannot close it early, and the test need not sleep
	// through it.
	c := localtest.NewClock(time.Now())
	s, err := New(Config{Caller: f, Invoker: inv, PollInterval: 5 * time.Millisecond, RetryDelay: 5 * time.Millisecond, Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { closeService(t, s) })
	create(t, s, "Publisher", streamProps(map[string]any{"MaximumBatchingWindowInSeconds": 1.0}))
	// gathered waits until the worker has read everything put so far: a
	// read that starts after the put has the records, and the worker
	// decides whether to invoke before it reads again.
	gathered := func(what string) {
		t.Helper()
		reads := f.count(streamsAPI + "GetRecords")
		waitFor(t, what, func() bool { return f.count(streamsAPI+"GetRecords") >= reads+2 })
	}
	f.putItems("w1", "w2", "w3")
	gathered("w1-w3 read")
	if n := len(inv.calls()); n != 0 {
		t.Fatalf("%d invocations inside the batching window, want 0", n)
	}
	c.Advance(900 * time.Millisecond)
	f.putItems("w4", "w5")
	gathered("w4-w5 read")
	if n := len(inv.calls()); n != 0 {
		t.Fatalf("%d invocations 0.9 s into a 1 s batching window, want 0", n)
	}
	c.Advance(100 * time.Millisecond)
	waitFor(t, "a batch", func() bool { return len(inv.calls()) > 0 })
	if got := streamIDs(t, inv.calls()[0]); !reflect.DeepEqual(got, []string{"w1", "w2", "w3", "w4", "w5"}) {
		t.Errorf("first batch %v, want all five records gathered in the window", got)
	}
}

func TestStreamReportBatchItemFailures(t *testing.T) {
	tests := []struct {
		name     string
		response string // the first invocation's answer; %s is record 3's sequence number
		want     [][]string
	}{
		{"retry from the failed record", `{"batchItemFailures":[{"itemIdentifier":"%s"}]}`,
			[][]string{{"r1", "r2", "r3", "r4", "r5"}, {"r3", "r4", "r5"}}},
		{"empty list is success", `{"batchItemFailures":[]}`,
			[][]string{{"r1", "r2", "r3", "r4", "r5"}}},
		{"unknown identifier fails the batch", `{"batchItemFailures":[{"itemIdentifier":"nope"}]}`,
			[][]string{{"r1", "r2", "r3", "r4", "r5"}, {"r1", "r2", "r3", "r4", "r5"}}},
		{"misspelt key fails the batch", `{"batchItemFailures":[{"itemId":"%s"}]}`,
			[][]string{{"r1", "r2", "r3", "r4", "r5"}, {"r1", "r2", "r3", "r4", "r5"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeAWS()
			f.putItems(items("r", 5)...)
			inv := &recorder{respond: func(n int, payload []byte) stack.InvokeResult {
				if n > 1 {
					return stack.InvokeResult{Payload: []byte(`{"batchItemFailures":null}`)}
				}
				var ev events.DynamoDBEvent
				_ = json.Unmarshal(payload, &ev)
				resp := tt.response
				if strings.Contains(resp, "%s") {
					resp = fmt.Sprintf(resp, ev.Records[2].Change.SequenceNumber)
				}
				return stack.InvokeResult{Payload: []byte(resp)}
			}}
			s := newService(t, f, inv, nil)
			create(t, s, "Publisher", streamProps(map[string]any{"FunctionResponseTypes": []any{"ReportBatchItemFailures"}}))
			waitFor(t, "the batches", func() bool { return len(inv.calls()) >= len(tt.want) })
			waitCaughtUp(t, s, f, "Publisher", seqOf(5))
			var got [][]string
			for _, p := range inv.calls() {
				got = append(got, streamIDs(t, p))
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("batches %v, want %v", got, tt.want)
			}
		})
	}
}

// destination returns the on-failure records sent to the queue.
func destination(t *testing.T, f *fakeAWS, queue string) []map[string]any {
	var out []map[string]any
	for _, b := range f.bodies(queue) {
		var m map[string]any
		if err := json.Unmarshal([]byte(b), &m); err != nil {
			t.Fatal(err)
		}
		out = append(out, m)
	}
	return out
}

func TestStreamBisectIsolatesThePoisonRecord(t *testing.T) {
	f := newFakeAWS("dlq")
	f.putItems(items("b", 8)...)
	inv := &recorder{respond: failIf("b5")}
	s := newService(t, f, inv, nil)
	create(t, s, "Publisher", streamProps(map[string]any{
		"BisectBatchOnFunctionError": true, "MaximumRetryAttempts": 1.0,
		"DestinationConfig": map[string]any{"OnFailure": map[string]any{"Destination": testQueueARN + "dlq"}},
	}))
	waitFor(t, "the failure record", func() bool { return len(f.bodies("dlq")) == 1 })
	waitFor(t, "b8", func() bool { return slices.Contains(allIDs(t, inv.calls()), "b8") })

	rec := destination(t, f, "dlq")[0]
	info := rec["DDBStreamBatchInfo"].(map[string]any)
	seq5 := fmt.Sprintf("%021d", 500)
	if info["batchSize"] != 1.0 || info["startSequenceNumber"] != seq5 || info["endSequenceNumber"] != seq5 || info["streamArn"] != testStreamARN || info["shardId"] != testShard {
		t.Errorf("DDBStreamBatchInfo = %v, want only b5 (%s)", info, seq5)
	}
	ctx := rec["requestContext"].(map[string]any)
	if ctx["condition"] != "RetryAttemptsExhausted" || ctx["approximateInvokeCount"] != 2.0 || ctx["functionArn"] != "arn:aws:lambda:us-east-1:000000000000:function:publisher" {
		t.Errorf("requestContext = %v", ctx)
	}
	if rec["responseContext"].(map[string]any)["functionError"] != "Unhandled" || rec["version"] != "1.0" {
		t.Errorf("record = %v", rec)
	}
	// Every other record was delivered in a successful batch.
	var ok []string
	for _, p := range inv.calls() {
		if !strings.Contains(string(p), `"S":"b5"`) {
			ok = append(ok, streamIDs(t, p)...)
		}
	}
	slices.Sort(ok)
	if want := []string{"b1", "b2", "b3", "b4", "b6", "b7", "b8"}; !reflect.DeepEqual(ok, want) {
		t.Errorf("delivered %v, want %v", ok, want)
	}
}

func TestStreamRetriesExhausted(t *testing.T) {
	f := newFakeAWS("dlq")
	f.putItems("x1", "x2", "x3")
	inv := &recorder{respond: failIf("x2")}
	s := newService(t, f, inv, nil)
	create(t, s, "Publisher", streamProps(map[string]any{
		"MaximumRetryAttempts": 2.0,
		"DestinationConfig":    map[string]any{"OnFailure": map[string]any{"Destination": testQueueARN + "dlq"}},
	}))
	waitFor(t, "the failure record", func() bool { return len(f.bodies("dlq")) == 1 })
	f.putItems("x4")
	waitFor(t, "x4 after the failed batch", func() bool { return slices.Contains(allIDs(t, inv.calls()), "x4") })
	if n := len(inv.calls()); n != 4 {
		t.Errorf("%d invocations, want 3 (one try, two retries) and one for x4", n)
	}
	info := destination(t, f, "dlq")[0]["DDBStreamBatchInfo"].(map[string]any)
	if info["batchSize"] != 3.0 {
		t.Errorf("batch info %v, want the whole batch of 3", info)
	}
}

func TestStreamExpiredRecordsGoToTheDestination(t *testing.T) {
	f := newFakeAWS("dlq")
	f.putItems("e1", "e2")
	inv := &recorder{}
	s, err := New(Config{Caller: f, Invoker: inv, PollInterval: 5 * time.Millisecond, RetryDelay: 5 * time.Millisecond,
		Now: func() time.Time { return time.Now().Add(2 * time.Minute) }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { closeService(t, s) })
	create(t, s, "Publisher", streamProps(map[string]any{
		"MaximumRecordAgeInSeconds": 60.0,
		"DestinationConfig":         map[string]any{"OnFailure": map[string]any{"Destination": testQueueARN + "dlq"}},
	}))
	waitFor(t, "the failure record", func() bool { return len(f.bodies("dlq")) == 1 })
	rec := destination(t, f, "dlq")[0]
	if c := rec["requestContext"].(map[string]any); c["condition"] != "RecordAgeExceeded" || c["approximateInvokeCount"] != 0.0 {
		t.Errorf("requestContext %v", c)
	}
	if n := rec["DDBStreamBatchInfo"].(map[string]any)["batchSize"]; n != 2.0 {
		t.Errorf("batchSize %v, want 2", n)
	}
	if n := len(inv.calls()); n != 0 {
		t.Errorf("%d invocations with expired records, want 0", n)
	}
}

func TestStreamResumesFromCheckpoint(t *testing.T) {
	db := localtest.OpenDB(t, t.TempDir())
	f := newFakeAWS()
	f.putItems(items("c", 5)...)

	first := &recorder{}
	s1 := newService(t, f, first, db)
	create(t, s1, "Publisher", streamProps(nil))
	waitFor(t, "the first five", func() bool { return len(allIDs(t, first.calls())) == 5 })
	closeService(t, s1)

	f.putItems("c6", "c7")
	second := &recorder{}
	s2 := newService(t, f, second, db)
	create(t, s2, "Publisher", streamProps(nil))
	waitCaughtUp(t, s2, f, "Publisher", seqOf(7))
	if got := allIDs(t, second.calls()); !reflect.DeepEqual(got, []string{"c6", "c7"}) {
		t.Errorf("after restart got %v, want only [c6 c7]", got)
	}
}

func TestStreamLatestSkipsOldRecordsButNotDowntime(t *testing.T) {
	db := localtest.OpenDB(t, t.TempDir())
	f := newFakeAWS()
	f.putItemsAt(time.Now().Add(-time.Hour), "old1", "old2")
	props := streamProps(map[string]any{"StartingPosition": "LATEST"})

	first := &recorder{}
	s1 := newService(t, f, first, db)
	create(t, s1, "Publisher", props)
	waitFor(t, "the first poll", func() bool { return f.count("DynamoDBStreams_20120810.GetRecords") > 0 })
	closeService(t, s1)
	if n := len(first.calls()); n != 0 {
		t.Fatalf("LATEST delivered %d old batches", n)
	}
	f.putItems("down1") // written while the runtime was stopped

	second := &recorder{}
	s2 := newService(t, f, second, db)
	create(t, s2, "Publisher", props)
	waitCaughtUp(t, s2, f, "Publisher", seqOf(3))
	if got := allIDs(t, second.calls()); !reflect.DeepEqual(got, []string{"down1"}) {
		t.Errorf("got %v, want only the record written during the downtime", got)
	}
}

func TestStreamReadsTheParentShardFirst(t *testing.T) {
	f := newFakeAWS()
	f.putItems("p1", "p2", "p3")
	f.closeParent()
	f.putItems("c1", "c2")
	inv := &recorder{}
	s := newService(t, f, inv, nil)
	create(t, s, "Publisher", streamProps(map[string]any{"BatchSize": 2.0}))
	waitFor(t, "both shards", func() bool { return len(allIDs(t, inv.calls())) == 5 })
	if got := allIDs(t, inv.calls()); !reflect.DeepEqual(got, []string{"p1", "p2", "p3", "c1", "c2"}) {
		t.Errorf("got %v, want the parent's records before the child's", got)
	}
}

func TestStreamFilterCriteria(t *testing.T) {
	f := newFakeAWS()
	f.putItems("keep1", "drop1", "keep2", "drop2")
	inv := &recorder{}
	s := newService(t, f, inv, nil)
	create(t, s, "Publisher", streamProps(map[string]any{"FilterCriteria": map[string]any{"Filters": []any{
		map[string]any{"Pattern": `{"dynamodb":{"NewImage":{"type":{"S":["keep"]}}}}`},
	}}}))
	// The checkpoint moves past the filtered-out tail (drop2, record 4).
	waitCaughtUp(t, s, f, "Publisher", seqOf(4))
	if got := allIDs(t, inv.calls()); !reflect.DeepEqual(got, []string{"keep1", "keep2"}) {
		t.Errorf("got %v", got)
	}
}

func TestCreateRejectsBadMappings(t *testing.T) {
	s := newService(t, newFakeAWS(), &recorder{}, nil)
	tests := []struct {
		name  string
		props map[string]any
		field string
	}{
		{"no function", map[string]any{"EventSourceArn": testStreamARN, "StartingPosition": "LATEST"}, "FunctionName"},
		{"kinesis source", streamProps(map[string]any{"EventSourceArn": "arn:aws:kinesis:us-east-1:000000000000:stream/s"}), "EventSourceArn"},
		{"table instead of stream", streamProps(map[string]any{"EventSourceArn": "arn:aws:dynamodb:us-east-1:000000000000:table/t"}), "EventSourceArn"},
		{"no starting position", map[string]any{"FunctionName": "f", "EventSourceArn": testStreamARN}, "StartingPosition"},
		{"batch size zero", streamProps(map[string]any{"BatchSize": 0.0}), "BatchSize"},
		{"batch size too big", streamProps(map[string]any{"BatchSize": 10001.0}), "BatchSize"},
		{"window too long", streamProps(map[string]any{"MaximumBatchingWindowInSeconds": 301.0}), "MaximumBatchingWindowInSeconds"},
		{"retries below -1", streamProps(map[string]any{"MaximumRetryAttempts": -2.0}), "MaximumRetryAttempts"},
		{"record age too short", streamProps(map[string]any{"MaximumRecordAgeInSeconds": 30.0}), "MaximumRecordAgeInSeconds"},
		{"sns destination", streamProps(map[string]any{"DestinationConfig": map[string]any{"OnFailure": map[string]any{"Destination": "arn:aws:sns:us-east-1:000000000000:t"}}}), "DestinationConfig"},
		{"unknown response type", streamProps(map[string]any{"FunctionResponseTypes": []any{"Everything"}}), "FunctionResponseTypes"},
		{"enabled not a boolean", streamProps(map[string]any{"Enabled": "maybe"}), "Enabled"},
		{"bad filter", streamProps(map[string]any{"FilterCriteria": map[string]any{"Filters": []any{map[string]any{"Pattern": `{"a":1}`}}}}), "FilterCriteria"},
		{"sqs batch over 10 without window", map[string]any{"FunctionName": "f", "EventSourceArn": testQueueARN + "q", "BatchSize": 50.0}, "BatchSize"},
		{"sqs with starting position", map[string]any{"FunctionName": "f", "EventSourceArn": testQueueARN + "q", "StartingPosition": "LATEST"}, "StartingPosition"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.Create(context.Background(), stack.Resource{LogicalID: "Bad", Type: TypeEventSourceMapping, Properties: tt.props})
			if err == nil || !strings.Contains(err.Error(), tt.field) || !strings.Contains(err.Error(), "Bad") {
				t.Fatalf("err = %v, want one naming Bad and %s", err, tt.field)
			}
			if len(s.mappings) != 0 {
				t.Error("a rejected mapping was registered")
			}
		})
	}
}

func TestEvaluate(t *testing.T) {
	inBatch := func(id string) bool { return id == "m1" || id == "m2" }
	tests := []struct {
		name    string
		res     stack.InvokeResult
		report  bool
		want    outcome
		comment string
	}{
		{"function error", stack.InvokeResult{FunctionError: "Unhandled", Payload: []byte(`{"errorType":"X"}`)}, true, outcome{allFailed: true}, ""},
		{"function error without reporting", stack.InvokeResult{FunctionError: "Unhandled"}, false, outcome{allFailed: true}, ""},
		{"failures ignored without ReportBatchItemFailures", stack.InvokeResult{Payload: []byte(`{"batchItemFailures":[{"itemIdentifier":"m1"}]}`)}, false, outcome{}, ""},
		{"empty response", stack.InvokeResult{}, true, outcome{}, ""},
		{"null response", stack.InvokeResult{Payload: []byte(`null`)}, true, outcome{}, ""},
		{"empty object", stack.InvokeResult{Payload: []byte(`{}`)}, true, outcome{}, ""},
		{"null list", stack.InvokeResult{Payload: []byte(`{"batchItemFailures":null}`)}, true, outcome{}, ""},
		{"empty list", stack.InvokeResult{Payload: []byte(`{"batchItemFailures":[]}`)}, true, outcome{}, ""},
		{"one failure", stack.InvokeResult{Payload: []byte(`{"batchItemFailures":[{"itemIdentifier":"m2"}]}`)}, true, outcome{failed: []string{"m2"}}, ""},
		{"two failures", stack.InvokeResult{Payload: []byte(`{"batchItemFailures":[{"itemIdentifier":"m1"},{"itemIdentifier":"m2"}]}`)}, true, outcome{failed: []string{"m1", "m2"}}, ""},
		{"not JSON", stack.InvokeResult{Payload: []byte(`ok`)}, true, outcome{allFailed: true}, ""},
		{"a string", stack.InvokeResult{Payload: []byte(`"ok"`)}, true, outcome{allFailed: true}, ""},
		{"list not a list", stack.InvokeResult{Payload: []byte(`{"batchItemFailures":"m1"}`)}, true, outcome{allFailed: true}, ""},
		{"empty identifier", stack.InvokeResult{Payload: []byte(`{"batchItemFailures":[{"itemIdentifier":""}]}`)}, true, outcome{allFailed: true}, ""},
		{"null identifier", stack.InvokeResult{Payload: []byte(`{"batchItemFailures":[{"itemIdentifier":null}]}`)}, true, outcome{allFailed: true}, ""},
		{"wrong key", stack.InvokeResult{Payload: []byte(`{"batchItemFailures":[{"ItemIdentifier":"m1"}]}`)}, true, outcome{allFailed: true}, ""},
		{"unknown identifier", stack.InvokeResult{Payload: []byte(`{"batchItemFailures":[{"itemIdentifier":"m9"}]}`)}, true, outcome{allFailed: true}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := evaluate(tt.res, tt.report, inBatch); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func sqsProps(queue string, extra map[string]any) map[string]any {
	p := map[string]any{"FunctionName": "ordering", "EventSourceArn": testQueueARN + queue}
	for k, v := range extra {
		p[k] = v
	}
	return p
}

func decodeSQS(t *testing.T, payload []byte) events.SQSEvent {
	t.Helper()
	var ev events.SQSEvent
	if err := json.Unmarshal(payload, &ev); err != nil {
		t.Fatalf("payload is not an SQSEvent: %v\n%s", err, payload)
	}
	return ev
}

func TestSQSPartialBatchFailure(t *testing.T) {
	f := newFakeAWS("orders")
	for _, b := range []string{"one", "two", "three"} {
		if _, err := f.send("orders", b, nil); err != nil {
			t.Fatal(err)
		}
	}
	inv := &recorder{respond: func(n int, payload []byte) stack.InvokeResult {
		ev := decodeSQS(t, payload)
		var failures []map[string]string
		for _, r := range ev.Records {
			if r.Body == "two" && n == 1 {
				failures = append(failures, map[string]string{"itemIdentifier": r.MessageId})
			}
		}
		b, _ := json.Marshal(map[string]any{"batchItemFailures": failures})
		return stack.InvokeResult{Payload: b}
	}}
	s := newService(t, f, inv, nil)
	create(t, s, "Ordering", sqsProps("orders", map[string]any{"FunctionResponseTypes": []any{"ReportBatchItemFailures"}}))
	waitFor(t, "the queue to drain", func() bool { return len(f.bodies("orders")) == 0 })

	calls := inv.calls()
	first := decodeSQS(t, calls[0])
	if len(first.Records) != 3 {
		t.Fatalf("first batch has %d records, want 3", len(first.Records))
	}
	r := first.Records[0]
	if r.EventSource != "aws:sqs" || r.EventSourceARN != testQueueARN+"orders" || r.AWSRegion != "us-east-1" || r.ReceiptHandle == "" || r.Md5OfBody != "md5" ||
		r.Attributes["ApproximateReceiveCount"] != "1" || r.Attributes["SentTimestamp"] == "" || r.MessageAttributes == nil {
		t.Errorf("record = %+v", r)
	}
	last := decodeSQS(t, calls[len(calls)-1])
	if len(calls) != 2 || len(last.Records) != 1 || last.Records[0].Body != "two" || last.Records[0].Attributes["ApproximateReceiveCount"] != "2" {
		t.Errorf("after the partial failure got %d calls, last %+v; want only \"two\" again, received twice", len(calls), last.Records)
	}
}

func TestSQSFunctionErrorKeepsEveryMessage(t *testing.T) {
	f := newFakeAWS("orders")
	_, _ = f.send("orders", "a", nil)
	_, _ = f.send("orders", "b", nil)
	inv := &recorder{respond: func(n int, _ []byte) stack.InvokeResult {
		if n == 1 {
			return stack.InvokeResult{FunctionError: "Unhandled", Payload: []byte(`{"errorType":"Boom"}`)}
		}
		return stack.InvokeResult{Payload: []byte(`{}`)}
	}}
	s := newService(t, f, inv, nil)
	create(t, s, "Ordering", sqsProps("orders", map[string]any{"FunctionResponseTypes": []any{"ReportBatchItemFailures"}}))
	waitFor(t, "the queue to drain", func() bool { return len(f.bodies("orders")) == 0 })
	var bodies []string
	for _, p := range inv.calls()[1:] {
		for _, r := range decodeSQS(t, p).Records {
			bodies = append(bodies, r.Body)
		}
	}
	slices.Sort(bodies)
	if !reflect.DeepEqual(bodies, []string{"a", "b"}) {
		t.Errorf("redelivered %v, want both messages after the failed batch", bodies)
	}
}

func TestSQSMessageAttributesAndFilter(t *testing.T) {
	f := newFakeAWS("orders")
	attrs := map[string]any{
		"kind": map[string]any{"DataType": "String", "StringValue": "OrderPlaced"},
		"blob": map[string]any{"DataType": "Binary", "BinaryValue": "AQI="},
	}
	_, _ = f.send("orders", `{"type":"OrderPlaced","id":1}`, attrs)
	_, _ = f.send("orders", `{"type":"Other","id":2}`, nil)
	inv := &recorder{}
	s := newService(t, f, inv, nil)
	create(t, s, "Ordering", sqsProps("orders", map[string]any{"FilterCriteria": map[string]any{"Filters": []any{
		map[string]any{"Pattern": `{"body":{"type":["OrderPlaced"]}}`},
	}}}))
	waitFor(t, "the queue to drain", func() bool { return len(f.bodies("orders")) == 0 })
	calls := inv.calls()
	if len(calls) != 1 {
		t.Fatalf("%d invocations, want 1 (the other message is filtered out and deleted)", len(calls))
	}
	r := decodeSQS(t, calls[0]).Records[0]
	if !strings.Contains(r.Body, "OrderPlaced") {
		t.Errorf("body %s", r.Body)
	}
	kind, blob := r.MessageAttributes["kind"], r.MessageAttributes["blob"]
	if kind.DataType != "String" || kind.StringValue == nil || *kind.StringValue != "OrderPlaced" || kind.StringListValues == nil {
		t.Errorf("string attribute %+v", kind)
	}
	if blob.DataType != "Binary" || string(blob.BinaryValue) != "\x01\x02" {
		t.Errorf("binary attribute %+v", blob)
	}
}
