package sqs_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awssqs "github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/aws/smithy-go"

	"github.com/shopstream/shopstream/emulator/localtest"
	"github.com/shopstream/shopstream/emulator/sqs"
	"github.com/shopstream/shopstream/emulator/state"
	"github.com/shopstream/shopstream/internal/testutil/awstest"
	"github.com/shopstream/shopstream/internal/testutil/motoserver"
)

var ctx = context.Background()

func TestSendReceiveDeleteWithAttributes(t *testing.T) {
	e := newEnv(t, nil, nil)
	url := e.createQueue(t, "orders", nil)
	if want := e.url + "/000000000000/orders"; url != want {
		t.Errorf("QueueUrl = %q, want %q", url, want)
	}
	attrs := map[string]types.MessageAttributeValue{
		"kind":  {DataType: aws.String("String"), StringValue: aws.String("OrderPlaced")},
		"total": {DataType: aws.String("Number"), StringValue: aws.String("129.5")},
		"blob":  {DataType: aws.String("Binary"), BinaryValue: []byte{0, 1, 2, 255}},
		"x.tag": {DataType: aws.String("String.custom"), StringValue: aws.String("ünïcode")},
	}
	// The SDK verifies MD5OfMessageBody on send and MD5OfBody on receive.
	sent, err := e.client.SendMessage(ctx, &awssqs.SendMessageInput{QueueUrl: aws.String(url), MessageBody: aws.String(`{"orderId":"o-1"}`), MessageAttributes: attrs})
	if err != nil {
		t.Fatal(err)
	}
	if sent.MD5OfMessageAttributes == nil || len(*sent.MD5OfMessageAttributes) != 32 {
		t.Errorf("MD5OfMessageAttributes = %v, want a hex digest", sent.MD5OfMessageAttributes)
	}
	msgs := e.receive(t, url)
	if len(msgs) != 1 {
		t.Fatalf("received %d messages, want 1", len(msgs))
	}
	m := msgs[0]
	if *m.MessageId != *sent.MessageId || *m.Body != `{"orderId":"o-1"}` {
		t.Errorf("got %s %q", *m.MessageId, *m.Body)
	}
	if *m.MD5OfMessageAttributes != *sent.MD5OfMessageAttributes {
		t.Errorf("receive MD5OfMessageAttributes %s, send %s", *m.MD5OfMessageAttributes, *sent.MD5OfMessageAttributes)
	}
	if got := m.MessageAttributes["blob"].BinaryValue; !slices.Equal(got, []byte{0, 1, 2, 255}) {
		t.Errorf("binary attribute = %v", got)
	}
	if got := *m.MessageAttributes["x.tag"].StringValue; got != "ünïcode" {
		t.Errorf("string attribute = %q", got)
	}
	for _, k := range []string{"SenderId", "SentTimestamp", "ApproximateFirstReceiveTimestamp"} {
		if m.Attributes[k] == "" {
			t.Errorf("system attribute %s missing: %v", k, m.Attributes)
		}
	}
	if m.Attributes["ApproximateReceiveCount"] != "1" {
		t.Errorf("ApproximateReceiveCount = %q, want 1", m.Attributes["ApproximateReceiveCount"])
	}
	if _, err := e.client.DeleteMessage(ctx, &awssqs.DeleteMessageInput{QueueUrl: aws.String(url), ReceiptHandle: m.ReceiptHandle}); err != nil {
		t.Fatal(err)
	}
	if got := e.attribute(t, url, "ApproximateNumberOfMessagesNotVisible"); got != "0" {
		t.Errorf("in flight after delete = %s, want 0", got)
	}
}

func TestMessageAttributeNamesFilter(t *testing.T) {
	e := newEnv(t, nil, nil)
	url := e.createQueue(t, "filter", nil)
	_, err := e.client.SendMessage(ctx, &awssqs.SendMessageInput{QueueUrl: aws.String(url), MessageBody: aws.String("b"), MessageAttributes: map[string]types.MessageAttributeValue{
		"order.id": {DataType: aws.String("String"), StringValue: aws.String("1")},
		"order.by": {DataType: aws.String("String"), StringValue: aws.String("ann")},
		"trace":    {DataType: aws.String("String"), StringValue: aws.String("t")},
	}})
	if err != nil {
		t.Fatal(err)
	}
	out, err := e.client.ReceiveMessage(ctx, &awssqs.ReceiveMessageInput{QueueUrl: aws.String(url), MessageAttributeNames: []string{"order.*"}})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for k := range out.Messages[0].MessageAttributes {
		names = append(names, k)
	}
	slices.Sort(names)
	if want := []string{"order.by", "order.id"}; !slices.Equal(names, want) {
		t.Errorf("attributes %v, want %v", names, want)
	}
}

// TestMD5OfMessageAttributesAgreesWithMoto checks the attribute digest
// against moto_server's, an independent implementation of the algorithm.
func TestMD5OfMessageAttributesAgreesWithMoto(t *testing.T) {
	if testing.Short() {
		t.Skip("starts moto_server; skipped under -short")
	}
	moto := awssqs.NewFromConfig(motoserver.Config(motoserver.Start(t)))
	e := newEnv(t, nil, nil)
	cases := []map[string]types.MessageAttributeValue{
		{"a": {DataType: aws.String("String"), StringValue: aws.String("x")}},
		{"n": {DataType: aws.String("Number"), StringValue: aws.String("42")}, "s": {DataType: aws.String("String"), StringValue: aws.String("héllo")}},
		{"b": {DataType: aws.String("Binary"), BinaryValue: []byte("\x00\xffbinary")}, "c": {DataType: aws.String("String.json"), StringValue: aws.String(`{"k":1}`)}},
	}
	for i, attrs := range cases {
		var digests []string
		for _, c := range []*awssqs.Client{e.client, moto} {
			q, err := c.CreateQueue(ctx, &awssqs.CreateQueueInput{QueueName: aws.String(fmt.Sprintf("md5-%d", i))})
			if err != nil {
				t.Fatal(err)
			}
			out, err := c.SendMessage(ctx, &awssqs.SendMessageInput{QueueUrl: q.QueueUrl, MessageBody: aws.String("body"), MessageAttributes: attrs})
			if err != nil {
				t.Fatal(err)
			}
			digests = append(digests, aws.ToString(out.MD5OfMessageAttributes))
		}
		if digests[0] != digests[1] {
			t.Errorf("case %d: MD5OfMessageAttributes local %s, moto %s", i, digests[0], digests[1])
		}
	}
}

func TestLongPollWakesOnSend(t *testing.T) {
	// The service reads its clock under the queue lock when a receive
	// looks for messages, before it decides to wait; a send after that
	// first reading cannot slip in before the receive is waiting (it
	// needs the same lock). So the test sends once the receive has read
	// the clock, instead of sleeping and hoping it has started.
	var armed atomic.Bool
	looked := make(chan struct{}, 1)
	now := func() time.Time {
		if armed.Load() {
			select {
			case looked <- struct{}{}:
			default:
			}
		}
		return time.Now()
	}
	srv, baseURL := localtest.Serve(t)
	svc, err := sqs.New(localtest.OpenDB(t, ""), sqs.Options{BaseURL: baseURL, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	svc.Register(srv)
	e := &env{svc: svc, client: awssqs.NewFromConfig(awstest.Config(baseURL))}
	url := e.createQueue(t, "wake", nil)
	type result struct {
		msgs    []types.Message
		elapsed time.Duration
		err     error
	}
	done := make(chan result, 1)
	armed.Store(true) // from here only the receive reads the clock
	go func() {
		start := time.Now()
		out, err := e.client.ReceiveMessage(ctx, &awssqs.ReceiveMessageInput{QueueUrl: aws.String(url), WaitTimeSeconds: 20})
		r := result{elapsed: time.Since(start), err: err}
		if out != nil {
			r.msgs = out.Messages
		}
		done <- r
	}()
	select {
	case <-looked:
	case r := <-done:
		t.Fatalf("receive on an empty queue returned before any send: %+v", r)
	case <-time.After(10 * time.Second):
		t.Fatal("the receive never looked at the queue")
	}
	select {
	case r := <-done:
		t.Fatalf("long poll on an empty queue returned at once: %+v", r)
	default:
	}
	id := e.send(t, url, "hello")
	r := <-done
	if r.err != nil {
		t.Fatal(r.err)
	}
	if len(r.msgs) != 1 || *r.msgs[0].MessageId != id {
		t.Fatalf("long poll got %v, want [%s]", ids(r.msgs), id)
	}
	// Functional, not a speed target: the poll ended with the send, long
	// before its 20 s wait.
	if r.elapsed >= 20*time.Second {
		t.Errorf("long poll returned after %v: it waited out the timeout instead of waking", r.elapsed)
	}
}

func TestLongPollTimesOutEmpty(t *testing.T) {
	e := newEnv(t, nil, nil)
	url := e.createQueue(t, "quiet", nil)
	out, err := e.client.ReceiveMessage(ctx, &awssqs.ReceiveMessageInput{QueueUrl: aws.String(url), WaitTimeSeconds: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Messages) != 0 {
		t.Errorf("got %d messages from an empty queue", len(out.Messages))
	}
}

func TestVisibilityTimeoutAndStaleReceipts(t *testing.T) {
	c := newClock()
	e := newEnv(t, nil, c)
	url := e.createQueue(t, "vis", map[string]string{"VisibilityTimeout": "30"})
	id := e.send(t, url, "m")

	first := e.receive(t, url)
	if len(first) != 1 {
		t.Fatalf("first receive: %d messages", len(first))
	}
	if got := e.receive(t, url); len(got) != 0 {
		t.Fatalf("message visible during its visibility timeout: %v", ids(got))
	}
	c.Advance(29 * time.Second)
	if got := e.receive(t, url); len(got) != 0 {
		t.Fatalf("message visible 1 s before its timeout ended")
	}
	c.Advance(time.Second)
	second := e.receive(t, url)
	if len(second) != 1 || *second[0].MessageId != id {
		t.Fatalf("second receive = %v, want [%s]", ids(second), id)
	}
	if got := second[0].Attributes["ApproximateReceiveCount"]; got != "2" {
		t.Errorf("ApproximateReceiveCount = %s, want 2", got)
	}
	if *second[0].ReceiptHandle == *first[0].ReceiptHandle {
		t.Error("re-receive kept the receipt handle")
	}
	// The first handle is stale: ChangeMessageVisibility rejects it, and
	// DeleteMessage succeeds without deleting (AWS's documented behaviour).
	_, err := e.client.ChangeMessageVisibility(ctx, &awssqs.ChangeMessageVisibilityInput{QueueUrl: aws.String(url), ReceiptHandle: first[0].ReceiptHandle, VisibilityTimeout: 0})
	if err == nil {
		t.Error("ChangeMessageVisibility with a stale handle succeeded")
	}
	if _, err := e.client.DeleteMessage(ctx, &awssqs.DeleteMessageInput{QueueUrl: aws.String(url), ReceiptHandle: first[0].ReceiptHandle}); err != nil {
		t.Fatalf("DeleteMessage with stale handle: %v", err)
	}
	if got := e.attribute(t, url, "ApproximateNumberOfMessagesNotVisible"); got != "1" {
		t.Fatalf("stale delete removed the message (in flight = %s)", got)
	}
	// The current handle can make it visible at once.
	if _, err := e.client.ChangeMessageVisibility(ctx, &awssqs.ChangeMessageVisibilityInput{QueueUrl: aws.String(url), ReceiptHandle: second[0].ReceiptHandle, VisibilityTimeout: 0}); err != nil {
		t.Fatal(err)
	}
	third := e.receive(t, url)
	if len(third) != 1 {
		t.Fatal("message not visible after ChangeMessageVisibility 0")
	}
	if _, err := e.client.DeleteMessage(ctx, &awssqs.DeleteMessageInput{QueueUrl: aws.String(url), ReceiptHandle: third[0].ReceiptHandle}); err != nil {
		t.Fatal(err)
	}
	c.Advance(time.Hour)
	if got := e.receive(t, url); len(got) != 0 {
		t.Errorf("deleted message came back: %v", ids(got))
	}
}

func TestReceiveVisibilityOverride(t *testing.T) {
	c := newClock()
	e := newEnv(t, nil, c)
	url := e.createQueue(t, "override", nil) // default 30 s
	e.send(t, url, "m")
	if _, err := e.client.ReceiveMessage(ctx, &awssqs.ReceiveMessageInput{QueueUrl: aws.String(url), VisibilityTimeout: 5}); err != nil {
		t.Fatal(err)
	}
	c.Advance(5 * time.Second)
	if got := e.receive(t, url); len(got) != 1 {
		t.Errorf("message hidden after the 5 s override ended")
	}
}

func TestRedriveToDeadLetterQueue(t *testing.T) {
	c := newClock()
	e := newEnv(t, nil, c)
	dlqURL := e.createQueue(t, "orders-dlq", nil)
	dlqARN := e.attribute(t, dlqURL, "QueueArn")
	url := e.createQueue(t, "orders", map[string]string{
		"VisibilityTimeout": "10",
		"RedrivePolicy":     fmt.Sprintf(`{"deadLetterTargetArn":%q,"maxReceiveCount":"2"}`, dlqARN),
	})
	id := e.send(t, url, "poison")
	for i := 1; i <= 2; i++ {
		got := e.receive(t, url)
		if len(got) != 1 || got[0].Attributes["ApproximateReceiveCount"] != fmt.Sprint(i) {
			t.Fatalf("receive %d: %v", i, got)
		}
		c.Advance(10 * time.Second)
	}
	// The third receive would exceed maxReceiveCount: the message moves.
	if got := e.receive(t, url); len(got) != 0 {
		t.Fatalf("third receive returned %v; want the message moved to the DLQ", ids(got))
	}
	dead := e.receive(t, dlqURL)
	if len(dead) != 1 || *dead[0].MessageId != id || *dead[0].Body != "poison" {
		t.Fatalf("DLQ holds %v, want [%s]", ids(dead), id)
	}
	if got := dead[0].Attributes["DeadLetterQueueSourceArn"]; got != e.attribute(t, url, "QueueArn") {
		t.Errorf("DeadLetterQueueSourceArn = %q", got)
	}
	sources, err := e.client.ListDeadLetterSourceQueues(ctx, &awssqs.ListDeadLetterSourceQueuesInput{QueueUrl: aws.String(dlqURL)})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(sources.QueueUrls, []string{url}) {
		t.Errorf("ListDeadLetterSourceQueues = %v", sources.QueueUrls)
	}
}

func TestDelaySeconds(t *testing.T) {
	c := newClock()
	e := newEnv(t, nil, c)
	url := e.createQueue(t, "delayed", map[string]string{"DelaySeconds": "5"})
	e.send(t, url, "queue default delay")
	if _, err := e.client.SendMessage(ctx, &awssqs.SendMessageInput{QueueUrl: aws.String(url), MessageBody: aws.String("own delay"), DelaySeconds: 60}); err != nil {
		t.Fatal(err)
	}
	if got := e.attribute(t, url, "ApproximateNumberOfMessagesDelayed"); got != "2" {
		t.Errorf("delayed = %s, want 2", got)
	}
	if got := e.receive(t, url); len(got) != 0 {
		t.Fatalf("delayed message received early")
	}
	c.Advance(5 * time.Second)
	got := e.receive(t, url)
	if len(got) != 1 || *got[0].Body != "queue default delay" {
		t.Fatalf("after 5 s got %v", got)
	}
	if _, err := e.client.DeleteMessage(ctx, &awssqs.DeleteMessageInput{QueueUrl: aws.String(url), ReceiptHandle: got[0].ReceiptHandle}); err != nil {
		t.Fatal(err)
	}
	c.Advance(55 * time.Second)
	if got := e.receive(t, url); len(got) != 1 || *got[0].Body != "own delay" {
		t.Fatalf("after 60 s got %v", got)
	}
}

func TestRetentionExpiry(t *testing.T) {
	c := newClock()
	e := newEnv(t, nil, c)
	url := e.createQueue(t, "short", map[string]string{"MessageRetentionPeriod": "60"})
	e.send(t, url, "old")
	c.Advance(59 * time.Second)
	e.send(t, url, "new")
	c.Advance(time.Second)
	got := e.receive(t, url)
	if len(got) != 1 || *got[0].Body != "new" {
		t.Fatalf("after retention got %v, want only the newer message", got)
	}
}

func TestPersistenceAcrossReopen(t *testing.T) {
	dir := t.TempDir()
	c := newClock()
	db, err := state.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, db, c)
	url := e.createQueue(t, "durable", map[string]string{"VisibilityTimeout": "30"})
	first := e.send(t, url, "in flight")
	second := e.send(t, url, "waiting")
	if got := e.receive(t, url); len(got) != 2 {
		t.Fatalf("receive %d", len(got))
	}
	// Put one back so it is visible, leave the other in flight.
	e.send(t, url, "third")
	db.Close()

	db2, err := state.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db2.Close() })
	e2 := newEnv(t, db2, c)
	url2 := e2.svc.QueueURL("durable")
	if got := e2.attribute(t, url2, "VisibilityTimeout"); got != "30" {
		t.Errorf("VisibilityTimeout after reopen = %s", got)
	}
	// Consumers of the old process are gone: the two messages that were
	// in flight are visible at once, in send order, with their receive
	// counts kept; the old receipt handles no longer change anything.
	got := e2.receive(t, url2)
	if len(got) != 3 || !slices.Equal(ids(got)[:2], []string{first, second}) || *got[2].Body != "third" {
		t.Fatalf("after reopen got %v, want [%s %s third] in send order", ids(got), first, second)
	}
	if got[0].Attributes["ApproximateReceiveCount"] != "2" || got[2].Attributes["ApproximateReceiveCount"] != "1" {
		t.Errorf("receive counts not kept: %s %s", got[0].Attributes["ApproximateReceiveCount"], got[2].Attributes["ApproximateReceiveCount"])
	}
	// Messages received after the restart follow the visibility timeout.
	if again := e2.receive(t, url2); len(again) != 0 {
		t.Fatalf("in-flight messages visible again before their timeout: %v", ids(again))
	}
	c.Advance(30 * time.Second)
	if again := e2.receive(t, url2); len(again) != 3 {
		t.Fatalf("after the visibility timeout: %d messages, want 3", len(again))
	}
}

func TestBatchOperations(t *testing.T) {
	e := newEnv(t, nil, nil)
	url := e.createQueue(t, "batch", nil)
	var entries []types.SendMessageBatchRequestEntry
	for i := range 3 {
		entries = append(entries, types.SendMessageBatchRequestEntry{Id: aws.String(fmt.Sprint("e", i)), MessageBody: aws.String(fmt.Sprint("body ", i))})
	}
	entries = append(entries, types.SendMessageBatchRequestEntry{Id: aws.String("bad"), MessageBody: aws.String("x"), DelaySeconds: 901})
	out, err := e.client.SendMessageBatch(ctx, &awssqs.SendMessageBatchInput{QueueUrl: aws.String(url), Entries: entries})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Successful) != 3 || len(out.Failed) != 1 || *out.Failed[0].Id != "bad" || *out.Failed[0].Code != "InvalidParameterValue" {
		t.Fatalf("batch result: %d ok, failed %+v", len(out.Successful), out.Failed)
	}
	msgs := e.receive(t, url)
	if len(msgs) != 3 {
		t.Fatalf("received %d", len(msgs))
	}
	var del []types.DeleteMessageBatchRequestEntry
	for i, m := range msgs {
		del = append(del, types.DeleteMessageBatchRequestEntry{Id: aws.String(fmt.Sprint("d", i)), ReceiptHandle: m.ReceiptHandle})
	}
	del = append(del, types.DeleteMessageBatchRequestEntry{Id: aws.String("garbage"), ReceiptHandle: aws.String("not-a-handle!")})
	dout, err := e.client.DeleteMessageBatch(ctx, &awssqs.DeleteMessageBatchInput{QueueUrl: aws.String(url), Entries: del})
	if err != nil {
		t.Fatal(err)
	}
	if len(dout.Successful) != 3 || len(dout.Failed) != 1 || *dout.Failed[0].Code != "ReceiptHandleIsInvalid" {
		t.Errorf("delete batch: %d ok, failed %+v", len(dout.Successful), dout.Failed)
	}
}

func TestQueueManagement(t *testing.T) {
	e := newEnv(t, nil, nil)
	for _, n := range []string{"shop-a", "shop-b", "other"} {
		e.createQueue(t, n, nil)
	}
	// Creating an existing queue with the same attributes returns its URL.
	if got := e.createQueue(t, "shop-a", nil); got != e.svc.QueueURL("shop-a") {
		t.Errorf("re-create URL %s", got)
	}
	list, err := e.client.ListQueues(ctx, &awssqs.ListQueuesInput{QueueNamePrefix: aws.String("shop-")})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{e.svc.QueueURL("shop-a"), e.svc.QueueURL("shop-b")}; !slices.Equal(list.QueueUrls, want) {
		t.Errorf("ListQueues = %v, want %v", list.QueueUrls, want)
	}
	page, err := e.client.ListQueues(ctx, &awssqs.ListQueuesInput{MaxResults: aws.Int32(2)})
	if err != nil {
		t.Fatal(err)
	}
	rest, err := e.client.ListQueues(ctx, &awssqs.ListQueuesInput{MaxResults: aws.Int32(2), NextToken: page.NextToken})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.QueueUrls) != 2 || len(rest.QueueUrls) != 1 || rest.NextToken != nil {
		t.Errorf("paging: %v then %v (%v)", page.QueueUrls, rest.QueueUrls, rest.NextToken)
	}
	got, err := e.client.GetQueueUrl(ctx, &awssqs.GetQueueUrlInput{QueueName: aws.String("other")})
	if err != nil || *got.QueueUrl != e.svc.QueueURL("other") {
		t.Fatalf("GetQueueUrl = %v, %v", got, err)
	}
	url := *got.QueueUrl
	if _, err := e.client.SetQueueAttributes(ctx, &awssqs.SetQueueAttributesInput{QueueUrl: got.QueueUrl, Attributes: map[string]string{"VisibilityTimeout": "45", "KmsMasterKeyId": "alias/aws/sqs"}}); err != nil {
		t.Fatal(err)
	}
	if v := e.attribute(t, url, "VisibilityTimeout"); v != "45" {
		t.Errorf("VisibilityTimeout = %s", v)
	}
	e.send(t, url, "1")
	e.send(t, url, "2")
	if _, err := e.client.PurgeQueue(ctx, &awssqs.PurgeQueueInput{QueueUrl: got.QueueUrl}); err != nil {
		t.Fatal(err)
	}
	if n := e.attribute(t, url, "ApproximateNumberOfMessages"); n != "0" {
		t.Errorf("after purge %s messages", n)
	}
	if _, err := e.client.DeleteQueue(ctx, &awssqs.DeleteQueueInput{QueueUrl: got.QueueUrl}); err != nil {
		t.Fatal(err)
	}
	_, err = e.client.GetQueueUrl(ctx, &awssqs.GetQueueUrlInput{QueueName: aws.String("other")})
	var qdne *types.QueueDoesNotExist
	if !errors.As(err, &qdne) {
		t.Errorf("GetQueueUrl of deleted queue: %v, want QueueDoesNotExist", err)
	}
}

// TestBadInput: every rejected request names its problem with the error
// code AWS uses and changes nothing.
func TestBadInput(t *testing.T) {
	e := newEnv(t, nil, nil)
	url := e.createQueue(t, "strict", map[string]string{"VisibilityTimeout": "30"})
	missing := e.svc.QueueURL("missing")
	tooBig := strings.Repeat("x", 262145)
	tenPlusOne := make([]types.SendMessageBatchRequestEntry, 11)
	for i := range tenPlusOne {
		tenPlusOne[i] = types.SendMessageBatchRequestEntry{Id: aws.String(fmt.Sprint(i)), MessageBody: aws.String("x")}
	}
	tests := []struct {
		name     string
		call     func() error
		code     string
		contains string
	}{
		{"send to missing queue", func() error {
			_, err := e.client.SendMessage(ctx, &awssqs.SendMessageInput{QueueUrl: &missing, MessageBody: aws.String("x")})
			return err
		}, "AWS.SimpleQueueService.NonExistentQueue", "does not exist"},
		{"body over 256 KiB", func() error {
			_, err := e.client.SendMessage(ctx, &awssqs.SendMessageInput{QueueUrl: &url, MessageBody: &tooBig})
			return err
		}, "InvalidParameterValue", "262144"},
		{"invalid characters", func() error {
			_, err := e.client.SendMessage(ctx, &awssqs.SendMessageInput{QueueUrl: &url, MessageBody: aws.String("a\x01b")})
			return err
		}, "InvalidMessageContents", "Invalid characters"},
		{"number attribute not a number", func() error {
			_, err := e.client.SendMessage(ctx, &awssqs.SendMessageInput{QueueUrl: &url, MessageBody: aws.String("x"), MessageAttributes: map[string]types.MessageAttributeValue{"n": {DataType: aws.String("Number"), StringValue: aws.String("abc")}}})
			return err
		}, "InvalidParameterValue", "'n'"},
		{"delay above 900", func() error {
			_, err := e.client.SendMessage(ctx, &awssqs.SendMessageInput{QueueUrl: &url, MessageBody: aws.String("x"), DelaySeconds: 901})
			return err
		}, "InvalidParameterValue", "DelaySeconds"},
		{"receive more than 10", func() error {
			_, err := e.client.ReceiveMessage(ctx, &awssqs.ReceiveMessageInput{QueueUrl: &url, MaxNumberOfMessages: 11})
			return err
		}, "InvalidParameterValue", "MaxNumberOfMessages"},
		{"wait above 20", func() error {
			_, err := e.client.ReceiveMessage(ctx, &awssqs.ReceiveMessageInput{QueueUrl: &url, WaitTimeSeconds: 21})
			return err
		}, "InvalidParameterValue", "WaitTimeSeconds"},
		{"batch of 11", func() error {
			_, err := e.client.SendMessageBatch(ctx, &awssqs.SendMessageBatchInput{QueueUrl: &url, Entries: tenPlusOne})
			return err
		}, "AWS.SimpleQueueService.TooManyEntriesInBatchRequest", "11"},
		{"batch ids repeat", func() error {
			_, err := e.client.SendMessageBatch(ctx, &awssqs.SendMessageBatchInput{QueueUrl: &url, Entries: []types.SendMessageBatchRequestEntry{
				{Id: aws.String("a"), MessageBody: aws.String("x")}, {Id: aws.String("a"), MessageBody: aws.String("y")}}})
			return err
		}, "AWS.SimpleQueueService.BatchEntryIdsNotDistinct", "a"},
		{"empty delete batch", func() error {
			_, err := e.client.DeleteMessageBatch(ctx, &awssqs.DeleteMessageBatchInput{QueueUrl: &url, Entries: []types.DeleteMessageBatchRequestEntry{}})
			return err
		}, "AWS.SimpleQueueService.EmptyBatchRequest", "at least one entry"},
		{"visibility batch id invalid", func() error {
			_, err := e.client.ChangeMessageVisibilityBatch(ctx, &awssqs.ChangeMessageVisibilityBatchInput{QueueUrl: &url, Entries: []types.ChangeMessageVisibilityBatchRequestEntry{
				{Id: aws.String("no spaces"), ReceiptHandle: aws.String("h"), VisibilityTimeout: 1}}})
			return err
		}, "AWS.SimpleQueueService.InvalidBatchEntryId", "batch entry id"},
		{"tag missing queue", func() error {
			_, err := e.client.TagQueue(ctx, &awssqs.TagQueueInput{QueueUrl: &missing, Tags: map[string]string{"k": "v"}})
			return err
		}, "AWS.SimpleQueueService.NonExistentQueue", "does not exist"},
		{"garbage receipt handle", func() error {
			_, err := e.client.DeleteMessage(ctx, &awssqs.DeleteMessageInput{QueueUrl: &url, ReceiptHandle: aws.String("!!")})
			return err
		}, "ReceiptHandleIsInvalid", "!!"},
		{"queue exists with other attributes", func() error {
			_, err := e.client.CreateQueue(ctx, &awssqs.CreateQueueInput{QueueName: aws.String("strict"), Attributes: map[string]string{"VisibilityTimeout": "31"}})
			return err
		}, "QueueNameExists", "VisibilityTimeout"},
		{"unknown attribute", func() error {
			_, err := e.client.SetQueueAttributes(ctx, &awssqs.SetQueueAttributesInput{QueueUrl: &url, Attributes: map[string]string{"Colour": "red"}})
			return err
		}, "InvalidAttributeName", "Colour"},
		{"visibility out of range", func() error {
			_, err := e.client.SetQueueAttributes(ctx, &awssqs.SetQueueAttributesInput{QueueUrl: &url, Attributes: map[string]string{"VisibilityTimeout": "43201"}})
			return err
		}, "InvalidAttributeValue", "VisibilityTimeout"},
		{"redrive to missing queue", func() error {
			_, err := e.client.SetQueueAttributes(ctx, &awssqs.SetQueueAttributesInput{QueueUrl: &url, Attributes: map[string]string{"RedrivePolicy": `{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:nope","maxReceiveCount":3}`}})
			return err
		}, "InvalidAttributeValue", "Dead letter target does not exist"},
		{"bad queue name", func() error {
			_, err := e.client.CreateQueue(ctx, &awssqs.CreateQueueInput{QueueName: aws.String("has space")})
			return err
		}, "InvalidParameterValue", "QueueName"},
		{"fifo queue", func() error {
			_, err := e.client.CreateQueue(ctx, &awssqs.CreateQueueInput{QueueName: aws.String("q.fifo")})
			return err
		}, "InvalidParameterValue", "FIFO"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			var api smithy.APIError
			if !errors.As(err, &api) {
				t.Fatalf("error %v, want an API error %s", err, tt.code)
			}
			if api.ErrorCode() != tt.code || !strings.Contains(api.ErrorMessage(), tt.contains) {
				t.Errorf("got %s: %s; want %s containing %q", api.ErrorCode(), api.ErrorMessage(), tt.code, tt.contains)
			}
		})
	}
	// Nothing above changed the queue.
	if got := e.attribute(t, url, "ApproximateNumberOfMessages"); got != "0" {
		t.Errorf("rejected sends left %s messages", got)
	}
	if got := e.attribute(t, url, "VisibilityTimeout"); got != "30" {
		t.Errorf("rejected updates changed VisibilityTimeout to %s", got)
	}
	if got := e.attribute(t, url, "RedrivePolicy"); got != "" {
		t.Errorf("rejected redrive policy stored: %s", got)
	}
}

func TestQueueTags(t *testing.T) {
	e := newEnv(t, nil, nil)
	url := e.createQueue(t, "tagged", nil)
	tags := func() map[string]string {
		t.Helper()
		out, err := e.client.ListQueueTags(ctx, &awssqs.ListQueueTagsInput{QueueUrl: &url})
		if err != nil {
			t.Fatal(err)
		}
		return out.Tags
	}
	if _, err := e.client.TagQueue(ctx, &awssqs.TagQueueInput{QueueUrl: &url, Tags: map[string]string{"team": "orders", "env": "dev"}}); err != nil {
		t.Fatal(err)
	}
	if got := tags(); !reflect.DeepEqual(got, map[string]string{"team": "orders", "env": "dev"}) {
		t.Errorf("after TagQueue: %v", got)
	}
	if _, err := e.client.UntagQueue(ctx, &awssqs.UntagQueueInput{QueueUrl: &url, TagKeys: []string{"env", "absent"}}); err != nil {
		t.Fatal(err)
	}
	if got := tags(); !reflect.DeepEqual(got, map[string]string{"team": "orders"}) {
		t.Errorf("after UntagQueue: %v", got)
	}
}

func TestGoLevelSend(t *testing.T) {
	e := newEnv(t, nil, nil)
	url := e.createQueue(t, "direct", nil)
	id, err := e.svc.Send(ctx, "arn:aws:sqs:us-east-1:000000000000:direct", `{"k":1}`, map[string]sqs.Attribute{"t": {DataType: "String", StringValue: aws.String("v")}})
	if err != nil {
		t.Fatal(err)
	}
	got := e.receive(t, url)
	if len(got) != 1 || *got[0].MessageId != id || *got[0].MessageAttributes["t"].StringValue != "v" {
		t.Fatalf("received %v", got)
	}
	if _, err := e.svc.Send(ctx, "arn:aws:sqs:us-east-1:000000000000:nope", "x", nil); err == nil {
		t.Error("Send to a missing queue succeeded")
	}
}
