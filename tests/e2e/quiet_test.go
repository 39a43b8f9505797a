package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	ddbstore "github.com/shopstream/shopstream/eventstore/dynamodb"
	"github.com/shopstream/shopstream/internal/testutil/awstest"
)

// quietWithin bounds waitQuiet. It is generous: a message a crashed
// function held comes back only after its (scaled) visibility timeout.
const quietWithin = 90 * time.Second

// The tap is the harness's own rule and queue on the stack's bus: every
// shopstream event and every probe the harness sends is copied to it, so
// the harness sees what reached the bus without touching the stack's own
// consumers.
const (
	tapName     = "e2e-quiet-tap"
	probeSource = "e2e.quiet"
)

// waitQuiet waits, up to quietWithin, until the local stack has nothing
// left to do, so that an assertion that something did NOT happen (a second
// order, an order for a failed checkout) is made when it could have
// happened. Quiet is observed, never assumed after a sleep; one pass
// checks, in causal order:
//
//  1. no Step Functions execution is RUNNING (workflows append events);
//  2. the publisher has caught up: every event appended to the event
//     store's stream has reached the bus (seen on the tap);
//  3. the bus has drained: a probe event put on the bus now has been
//     delivered to the tap, so every delivery accepted before it (to the
//     order queue, to the catalog projection) has been started;
//  4. every queue is empty with nothing in flight or delayed, so the
//     functions that consume them have finished and acknowledged. A
//     dead-letter queue is included: nothing consumes it, and nothing
//     these tests do should put a message there;
//
// and then 1 and 2 again: consumers may append (ordering appends
// OrderPlaced), and a pass only counts if it saw no new event. Quiet is
// "nothing more will happen unless someone acts", which is what the
// assertions after it need.
//
// It needs the local runtime's AWS endpoint; against a deployed stack the
// calling test is skipped with a message (not wired: no credentials).
func (h *stackHandle) waitQuiet(t testing.TB) {
	t.Helper()
	if h.quiet == nil {
		t.Skip("waitQuiet: not wired against a deployed stack (needs AWS credentials); the assertions after it need it")
	}
	deadline := time.Now().Add(quietWithin)
	for {
		why, err := h.quiet.settled(deadline)
		if err != nil {
			t.Fatalf("waitQuiet: %v", err)
		}
		if why == "" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("stack not quiet within %s: %s", quietWithin, why)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// quietState is what waitQuiet knows about one stack. A runtime restarted
// on the same data directory gets the state of the one before it, since
// the tap queue and the stream survive the restart and the events the old
// handle saw on the tap are gone from it.
type quietState struct {
	mu     sync.Mutex
	awsURL string
	sqs    *sqs.Client
	sfn    *sfn.Client
	eb     *eventbridge.Client
	bus    string
	tapURL string

	stream string // ARN of the event store's stream
	shard  string
	iter   string // where the next read of the stream starts

	// appended holds the events read from the stream that have not been
	// seen on the bus yet; published the ids seen on the bus before the
	// stream read got to them. An id is in at most one of them.
	appended  map[string]bool
	published map[string]bool

	probes     int          // probes sent
	probesSeen map[int]bool // probes that came out of the tap
}

var (
	quietMu     sync.Mutex
	quietStates = map[string]*quietState{} // by data directory
)

// observeQuiet installs the tap on a freshly started local stack, before
// any test sends it anything, and returns the state waitQuiet uses.
func observeQuiet(h *stackHandle, dataDir string) (*quietState, error) {
	quietMu.Lock()
	defer quietMu.Unlock()
	q := quietStates[dataDir]
	if q == nil || dataDir == "" {
		q = &quietState{appended: map[string]bool{}, published: map[string]bool{}, probesSeen: map[int]bool{}}
	}
	cfg := awstest.Config(h.AWSURL)
	q.awsURL, q.sqs, q.sfn, q.eb = h.AWSURL, sqs.NewFromConfig(cfg), sfn.NewFromConfig(cfg), eventbridge.NewFromConfig(cfg)
	q.bus = h.Outputs["EventBusName"]
	table := h.Outputs["EventsTable"]
	if q.bus == "" || table == "" {
		return nil, fmt.Errorf("quiet probe: the stack has no EventBusName or EventsTable output (outputs %v)", h.Outputs)
	}
	ctx := context.Background()
	tapARN := "arn:aws:sqs:" + awstest.Region + ":000000000000:" + tapName
	ruleARN := "arn:aws:events:" + awstest.Region + ":000000000000:rule/" + q.bus + "/" + tapName
	policy := fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"events.amazonaws.com"},"Action":"sqs:SendMessage","Resource":%q,"Condition":{"ArnEquals":{"aws:SourceArn":%q}}}]}`, tapARN, ruleARN)
	queue, err := q.sqs.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(tapName), Attributes: map[string]string{"Policy": policy}})
	if err != nil {
		return nil, fmt.Errorf("quiet probe: create tap queue: %w", err)
	}
	q.tapURL = aws.ToString(queue.QueueUrl)
	pattern := fmt.Sprintf(`{"source":[{"prefix":"shopstream."},%q]}`, probeSource)
	rule, err := q.eb.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String(tapName), EventBusName: aws.String(q.bus), EventPattern: aws.String(pattern), State: ebtypes.RuleStateEnabled})
	if err != nil {
		return nil, fmt.Errorf("quiet probe: tap rule: %w", err)
	}
	if got := aws.ToString(rule.RuleArn); got != ruleARN {
		return nil, fmt.Errorf("quiet probe: tap rule is %s, the queue policy allows %s", got, ruleARN)
	}
	tgt, err := q.eb.PutTargets(ctx, &eventbridge.PutTargetsInput{Rule: aws.String(tapName), EventBusName: aws.String(q.bus), Targets: []ebtypes.Target{{Id: aws.String("tap"), Arn: aws.String(tapARN)}}})
	if err != nil || tgt.FailedEntryCount != 0 {
		return nil, fmt.Errorf("quiet probe: tap target: %v %+v", err, tgt)
	}

	var td struct {
		Table struct{ LatestStreamArn string }
	}
	if err := q.call("DynamoDB_20120810.DescribeTable", map[string]string{"TableName": table}, &td); err != nil {
		return nil, fmt.Errorf("quiet probe: %w", err)
	}
	var sd struct {
		StreamDescription struct{ Shards []struct{ ShardId string } }
	}
	if err := q.call("DynamoDBStreams_20120810.DescribeStream", map[string]string{"StreamArn": td.Table.LatestStreamArn}, &sd); err != nil {
		return nil, fmt.Errorf("quiet probe: %w", err)
	}
	if n := len(sd.StreamDescription.Shards); n != 1 {
		return nil, fmt.Errorf("quiet probe: the events stream has %d shards; the probe reads the local runtime's single shard", n)
	}
	q.stream, q.shard = td.Table.LatestStreamArn, sd.StreamDescription.Shards[0].ShardId
	// The stream is read from its horizon: a new stack's is empty, and in
	// a data directory the tap, installed at the first start before any
	// traffic, has kept every event published since. A restarted runtime's
	// state goes on where the last one stopped reading: what it read is
	// matched already.
	if q.iter == "" {
		var it struct{ ShardIterator string }
		if err := q.call("DynamoDBStreams_20120810.GetShardIterator", map[string]string{"StreamArn": q.stream, "ShardId": q.shard, "ShardIteratorType": "TRIM_HORIZON"}, &it); err != nil {
			return nil, fmt.Errorf("quiet probe: %w", err)
		}
		q.iter = it.ShardIterator
	}
	if dataDir != "" {
		quietStates[dataDir] = q
	}
	return q, nil
}

// settled makes one pass of waitQuiet's checks and says why the stack is
// not quiet ("" when it is). Only a failure to ask is an error.
func (q *quietState) settled(deadline time.Time) (string, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if why, err := q.running(); why != "" || err != nil {
		return why, err
	}
	if _, err := q.readStream(); err != nil {
		return "", err
	}
	if err := q.drainTap(); err != nil {
		return "", err
	}
	if n := len(q.appended); n > 0 {
		return fmt.Sprintf("%d appended events not on the bus yet", n), nil
	}
	if why, err := q.probe(deadline); why != "" || err != nil {
		return why, err
	}
	if why, err := q.queuesIdle(); why != "" || err != nil {
		return why, err
	}
	n, err := q.readStream()
	if err != nil {
		return "", err
	}
	if n > 0 {
		return fmt.Sprintf("%d events appended during the check", n), nil
	}
	return q.running()
}

// running names a RUNNING execution of any state machine.
func (q *quietState) running() (string, error) {
	ctx := context.Background()
	machines := sfn.NewListStateMachinesPaginator(q.sfn, &sfn.ListStateMachinesInput{})
	for machines.HasMorePages() {
		page, err := machines.NextPage(ctx)
		if err != nil {
			return "", fmt.Errorf("ListStateMachines: %w", err)
		}
		for _, m := range page.StateMachines {
			out, err := q.sfn.ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: m.StateMachineArn, StatusFilter: sfntypes.ExecutionStatusRunning, MaxResults: 1})
			if err != nil {
				return "", fmt.Errorf("ListExecutions: %w", err)
			}
			if len(out.Executions) > 0 {
				return fmt.Sprintf("execution %s is RUNNING", aws.ToString(out.Executions[0].Name)), nil
			}
		}
	}
	return "", nil
}

// readStream reads the event store's stream up to its tip and notes every
// appended event not seen on the bus yet. It returns how many records it
// read.
func (q *quietState) readStream() (int, error) {
	read := 0
	for {
		var out struct {
			Records           []events.DynamoDBEventRecord
			NextShardIterator string
		}
		if err := q.call("DynamoDBStreams_20120810.GetRecords", map[string]any{"ShardIterator": q.iter, "Limit": 1000}, &out); err != nil {
			return read, fmt.Errorf("quiet probe: %w", err)
		}
		for _, r := range out.Records {
			if r.EventName != string(events.DynamoDBOperationTypeInsert) {
				continue
			}
			// Decoded as the publisher decodes it: a record it cannot
			// decode fails there and lands in its failure queue, which
			// step 4 sees.
			e, ok, err := ddbstore.DecodeStreamImage(r.Change.NewImage)
			if err != nil || !ok {
				continue
			}
			if q.published[e.ID] {
				delete(q.published, e.ID)
			} else {
				q.appended[e.ID] = true
			}
		}
		read += len(out.Records)
		if out.NextShardIterator != "" {
			q.iter = out.NextShardIterator
		}
		if len(out.Records) == 0 || out.NextShardIterator == "" {
			return read, nil
		}
	}
}

// drainTap receives and deletes everything on the tap, noting the events
// and probes it carried.
func (q *quietState) drainTap() error {
	ctx := context.Background()
	for {
		out, err := q.sqs.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(q.tapURL), MaxNumberOfMessages: 10})
		if err != nil {
			return fmt.Errorf("quiet probe: receive from the tap: %w", err)
		}
		if len(out.Messages) == 0 {
			return nil
		}
		var done []sqstypes.DeleteMessageBatchRequestEntry
		for i, m := range out.Messages {
			var env struct {
				Source string
				Detail struct {
					ID    string `json:"id"`
					Probe int    `json:"probe"`
				}
			}
			if err := json.Unmarshal([]byte(aws.ToString(m.Body)), &env); err != nil {
				return fmt.Errorf("quiet probe: tap message %s: %w", aws.ToString(m.Body), err)
			}
			switch {
			case env.Source == probeSource:
				q.probesSeen[env.Detail.Probe] = true
			case q.appended[env.Detail.ID]:
				delete(q.appended, env.Detail.ID)
			default:
				q.published[env.Detail.ID] = true
			}
			done = append(done, sqstypes.DeleteMessageBatchRequestEntry{Id: aws.String(fmt.Sprint(i)), ReceiptHandle: m.ReceiptHandle})
		}
		del, err := q.sqs.DeleteMessageBatch(ctx, &sqs.DeleteMessageBatchInput{QueueUrl: aws.String(q.tapURL), Entries: done})
		if err != nil || len(del.Failed) > 0 {
			return fmt.Errorf("quiet probe: delete from the tap: %v %+v", err, del)
		}
	}
}

// probe puts a probe event on the bus and waits for it on the tap. The bus
// starts due deliveries in the order it accepted them, so once the probe is
// through, every delivery accepted before it has been started; one still
// failing (waiting for a retry) shows as not quiet only through its
// effects, which is why step 4 looks at every queue including the
// dead-letter ones.
func (q *quietState) probe(deadline time.Time) (string, error) {
	q.probes++
	n := q.probes
	out, err := q.eb.PutEvents(context.Background(), &eventbridge.PutEventsInput{Entries: []ebtypes.PutEventsRequestEntry{{
		EventBusName: aws.String(q.bus), Source: aws.String(probeSource), DetailType: aws.String("QuietProbe"), Detail: aws.String(fmt.Sprintf(`{"probe":%d}`, n)),
	}}})
	if err != nil || out.FailedEntryCount != 0 {
		return "", fmt.Errorf("quiet probe: PutEvents: %v %+v", err, out)
	}
	for !q.probesSeen[n] {
		if time.Now().After(deadline) {
			return fmt.Sprintf("probe %d not delivered by the bus", n), nil
		}
		time.Sleep(20 * time.Millisecond)
		if err := q.drainTap(); err != nil {
			return "", err
		}
	}
	return "", nil
}

// queuesIdle names a queue (other than the tap) holding a message: waiting,
// in flight or delayed.
func (q *quietState) queuesIdle() (string, error) {
	ctx := context.Background()
	list, err := q.sqs.ListQueues(ctx, &sqs.ListQueuesInput{})
	if err != nil {
		return "", fmt.Errorf("ListQueues: %w", err)
	}
	for _, url := range list.QueueUrls {
		if url == q.tapURL {
			continue
		}
		out, err := q.sqs.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: aws.String(url), AttributeNames: []sqstypes.QueueAttributeName{
			sqstypes.QueueAttributeNameApproximateNumberOfMessages, sqstypes.QueueAttributeNameApproximateNumberOfMessagesNotVisible, sqstypes.QueueAttributeNameApproximateNumberOfMessagesDelayed,
		}})
		if err != nil {
			return "", fmt.Errorf("GetQueueAttributes %s: %w", url, err)
		}
		a := out.Attributes
		visible, inFlight, delayed := a["ApproximateNumberOfMessages"], a["ApproximateNumberOfMessagesNotVisible"], a["ApproximateNumberOfMessagesDelayed"]
		if visible != "0" || inFlight != "0" || delayed != "0" {
			return fmt.Sprintf("queue %s holds %s waiting, %s in flight, %s delayed", url, visible, inFlight, delayed), nil
		}
	}
	return "", nil
}

// call sends one AWS JSON request to the endpoint. The stream is read this
// way, not through the SDK's dynamodbstreams client, because the records
// then decode straight into the Lambda event shape the publisher gets.
func (q *quietState) call(target string, in, out any) error {
	body, err := json.Marshal(in)
	if err != nil {
		return err
	}
	req, err := http.NewRequest("POST", q.awsURL, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	req.Header.Set("X-Amz-Target", target)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("%s: %w", target, err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		return fmt.Errorf("%s: %w", target, err)
	}
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: %d %s", target, res.StatusCode, strings.TrimSpace(string(raw)))
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return fmt.Errorf("%s: decode reply: %w", target, err)
	}
	return nil
}
