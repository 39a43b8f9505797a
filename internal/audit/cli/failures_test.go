package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/shopstream/shopstream/emulator/awsapi"
	emuddb "github.com/shopstream/shopstream/emulator/dynamodb"
	emueb "github.com/shopstream/shopstream/emulator/eventbridge"
	emusqs "github.com/shopstream/shopstream/emulator/sqs"
	"github.com/shopstream/shopstream/emulator/state"
	"github.com/shopstream/shopstream/eventstore"
	ddbstore "github.com/shopstream/shopstream/eventstore/dynamodb"
	"github.com/shopstream/shopstream/internal/audit"
	"github.com/shopstream/shopstream/internal/command"
	"github.com/shopstream/shopstream/internal/publish"
	"github.com/shopstream/shopstream/internal/registry"
	"github.com/shopstream/shopstream/internal/testutil/awstest"
	"github.com/shopstream/shopstream/internal/testutil/shoptest"
)

// failuresStack is the local runtime's DynamoDB, SQS and EventBridge on
// one loopback endpoint, as stack.env names it: an event store, a bus with
// an archive (to read back what was put on it) and a publish failures queue.
type failuresStack struct {
	endpoint string
	events   *ddbstore.Store
	runner   command.Runner
	clock    time.Time // the event factory's clock: what the next event's ID says
	bus      *emueb.Service
	sqs      *sqs.Client
	queueURL string
}

const (
	failuresTable = "Events"
	failuresBus   = "shop"
)

func startFailuresStack(t *testing.T) *failuresStack {
	t.Helper()
	ctx := context.Background()
	db, err := state.Open("")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	srv := awsapi.New(nil)
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	ddbSvc, err := emuddb.New(db, nil)
	if err != nil {
		t.Fatal(err)
	}
	ddbSvc.Register(srv)
	sqsSvc, err := emusqs.New(db, emusqs.Options{BaseURL: ts.URL})
	if err != nil {
		t.Fatal(err)
	}
	sqsSvc.Register(srv)
	bus, err := emueb.New(emueb.Config{DB: db, Caller: srv})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { bus.Close(context.Background()) })
	bus.Register(srv)

	cfg := awstest.Config(ts.URL)
	ddb := dynamodb.NewFromConfig(cfg)
	if err := ddbstore.CreateTable(ctx, ddb, failuresTable); err != nil {
		t.Fatal(err)
	}
	eb := eventbridge.NewFromConfig(cfg)
	created, err := eb.CreateEventBus(ctx, &eventbridge.CreateEventBusInput{Name: aws.String(failuresBus)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := eb.CreateArchive(ctx, &eventbridge.CreateArchiveInput{ArchiveName: aws.String(failuresBus + "-all"), EventSourceArn: created.EventBusArn}); err != nil {
		t.Fatal(err)
	}
	s := &failuresStack{endpoint: ts.URL, bus: bus, sqs: sqs.NewFromConfig(cfg)}
	q, err := s.sqs.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("PublishFailures")})
	if err != nil {
		t.Fatal(err)
	}
	s.queueURL = aws.ToString(q.QueueUrl)
	s.events = ddbstore.New(ddb, failuresTable)
	s.runner = command.Runner{Store: s.events, Registry: registry.Default(),
		Factory: eventstore.NewFactory(func() time.Time { return s.clock }, nil)}
	return s
}

// createProductAt stores a product's events with IDs (log positions) made at.
func (s *failuresStack) createProductAt(t *testing.T, id string, at time.Time) []eventstore.Event {
	t.Helper()
	s.clock = at
	shoptest.CreateProduct(t, s.runner, id, "Product "+id, 500, "EUR", 3)
	return shoptest.Events(t, s.events, "product-"+id)
}

// send puts body on the failures queue and returns its message id.
func (s *failuresStack) send(t *testing.T, body string) string {
	t.Helper()
	out, err := s.sqs.SendMessage(context.Background(), &sqs.SendMessageInput{QueueUrl: aws.String(s.queueURL), MessageBody: aws.String(body)})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(out.MessageId)
}

// streamFailure is Lambda's on-failure record for a DynamoDB stream batch
// whose records arrived from first to last, in AWS's shape.
func streamFailure(first, last time.Time, size int) string {
	const arrival = "2006-01-02T15:04:05Z"
	b, _ := json.Marshal(map[string]any{
		"requestContext":  map[string]any{"requestId": "r-1", "functionArn": "arn:aws:lambda:eu-central-1:000000000000:function:publisher", "condition": "RetryAttemptsExhausted", "approximateInvokeCount": 11},
		"responseContext": map[string]any{"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"},
		"version":         "1.0",
		"timestamp":       last.Add(time.Minute).UTC().Format("2006-01-02T15:04:05.000Z"),
		"DDBStreamBatchInfo": map[string]any{
			"shardId": "shardId-00000001", "startSequenceNumber": "100", "endSequenceNumber": "200",
			"approximateArrivalOfFirstRecord": first.UTC().Format(arrival),
			"approximateArrivalOfLastRecord":  last.UTC().Format(arrival),
			"batchSize":                       size,
			"streamArn":                       "arn:aws:dynamodb:eu-central-1:000000000000:table/Events/stream/2026-12-01T00:00:00.000",
		},
	})
	return string(b)
}

// archivedIDs returns the IDs of the stored events put on the bus.
func (s *failuresStack) archivedIDs(t *testing.T) []string {
	t.Helper()
	raw, err := s.bus.ArchivedEvents(failuresBus + "-all")
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, r := range raw {
		var env struct {
			Detail eventstore.Event `json:"detail"`
		}
		if err := json.Unmarshal(r, &env); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, env.Detail.ID)
	}
	return ids
}

// queueCounts returns the queue's visible and in-flight message counts.
func (s *failuresStack) queueCounts(t *testing.T) (visible, inFlight string) {
	t.Helper()
	out, err := s.sqs.GetQueueAttributes(context.Background(), &sqs.GetQueueAttributesInput{
		QueueUrl: aws.String(s.queueURL),
		AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameApproximateNumberOfMessages,
			sqstypes.QueueAttributeNameApproximateNumberOfMessagesNotVisible},
	})
	if err != nil {
		t.Fatal(err)
	}
	return out.Attributes["ApproximateNumberOfMessages"], out.Attributes["ApproximateNumberOfMessagesNotVisible"]
}

func ids(events []eventstore.Event) []string {
	var out []string
	for _, e := range events {
		out = append(out, e.ID)
	}
	return out
}

// replay -failures, from stack.env alone, replays exactly the events of
// each failed batch's window (events far outside it stay unpublished),
// deletes the record, and keeps (and names) a message that is not a stream
// failure record.
func TestReplayFailuresDrainsTheQueue(t *testing.T) {
	s := startFailuresStack(t)
	t0 := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	s.createProductAt(t, "before", t0)
	failed := s.createProductAt(t, "failed", t0.Add(10*time.Minute).Add(300*time.Millisecond))
	s.createProductAt(t, "after", t0.Add(20*time.Minute))
	// DynamoDB Streams round arrival times down to the second: the record
	// says 10:10:00 for an event made at 10:10:00.300.
	record := s.send(t, streamFailure(t0.Add(10*time.Minute), t0.Add(10*time.Minute), len(failed)))
	junk := s.send(t, `{"hello":"not a failure record"}`)

	env := filepath.Join(t.TempDir(), "stack.env")
	content := fmt.Sprintf("AWS_ENDPOINT_URL=%s\nAWS_REGION=eu-central-1\nAWS_DEFAULT_REGION=eu-central-1\nAWS_ACCESS_KEY_ID=local\nAWS_SECRET_ACCESS_KEY=local\n"+
		"EVENTS_TABLE=%s\nEVENT_BUS_NAME=%s\nPUBLISH_FAILURES_URL=%s\n", s.endpoint, failuresTable, failuresBus, s.queueURL)
	if err := os.WriteFile(env, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"AWS_ENDPOINT_URL", "AWS_PROFILE", "EVENTS_TABLE", "EVENT_BUS_NAME", PublishFailuresURL} {
		t.Setenv(k, "")
		os.Unsetenv(k)
	}
	var out, errOut bytes.Buffer
	err := Run(context.Background(), []string{"-env-file", env, "replay", "-failures"}, &out, &errOut)
	if err == nil || !strings.Contains(err.Error(), junk) || strings.Contains(err.Error(), record) {
		t.Fatalf("replay -failures = %v, want an error naming only the kept message %s\n%s", err, junk, errOut.String())
	}
	if want := fmt.Sprintf("1 failure records replayed (%d events to %s), 1 kept", len(failed), failuresBus); !strings.Contains(out.String(), want) {
		t.Errorf("stdout %q, want %q", out.String(), want)
	}
	if got := s.archivedIDs(t); !slices.Equal(got, ids(failed)) {
		t.Errorf("put on the bus %v, want the failed batch's events %v", got, ids(failed))
	}
	// The record is gone; the junk is kept (hidden while this run holds it).
	if visible, inFlight := s.queueCounts(t); visible != "0" || inFlight != "1" {
		t.Errorf("queue: %s visible, %s in flight; want 0 and 1 (the kept message)", visible, inFlight)
	}
}

// A window that cannot be replayed keeps its record, so the failure is
// never lost.
func TestReplayFailuresKeepsARecordItCouldNotReplay(t *testing.T) {
	ctx := context.Background()
	s := startFailuresStack(t)
	t0 := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	events := s.createProductAt(t, "mug", t0)
	s.send(t, streamFailure(t0, t0, len(events)))

	var progress bytes.Buffer
	noBus := publish.Sender{Bus: eventbridge.NewFromConfig(awstest.Config(s.endpoint)), Attempts: 1}
	res, err := audit.ReplayFailures(ctx, s.events, registry.Default(), noBus, "missing", s.sqs, s.queueURL, &progress)
	if err == nil || res.Records != 0 {
		t.Fatalf("replay to a missing bus = %+v, %v; want an error and no record deleted", res, err)
	}
	if visible, inFlight := s.queueCounts(t); visible != "0" || inFlight != "1" {
		t.Fatalf("queue: %s visible, %s in flight; want the record kept (in flight until its visibility timeout)", visible, inFlight)
	}
	if len(s.archivedIDs(t)) != 0 {
		t.Fatal("events reached the bus")
	}
}

// Without the queue's URL, replay -failures says which variable to set.
func TestReplayFailuresNeedsTheQueue(t *testing.T) {
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("EVENTS_TABLE", "Events")
	t.Setenv("EVENT_BUS_NAME", "shop")
	t.Setenv(PublishFailuresURL, "")
	var out, errOut bytes.Buffer
	err := Run(context.Background(), []string{"replay", "-failures"}, &out, &errOut)
	if err == nil || !strings.Contains(err.Error(), PublishFailuresURL) {
		t.Fatalf("replay -failures without %s = %v", PublishFailuresURL, err)
	}
}

func TestParseStreamFailure(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	f, err := audit.ParseStreamFailure(streamFailure(t0, t0.Add(2*time.Second), 4))
	if err != nil {
		t.Fatal(err)
	}
	since, until := f.Window()
	if !since.Equal(t0.Add(-audit.StreamWindowMargin)) || !until.Equal(t0.Add(3*time.Second+audit.StreamWindowMargin)) {
		t.Errorf("window %s to %s", since, until)
	}
	for body, want := range map[string]string{
		`nonsense`:                               "not a stream failure record",
		`{"DDBStreamBatchInfo":{}}`:              "approximateArrivalOfFirstRecord",
		streamFailure(t0, t0.Add(-time.Hour), 1): "arrived before the first",
	} {
		if _, err := audit.ParseStreamFailure(body); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseStreamFailure(%.40q) = %v, want an error containing %q", body, err, want)
		}
	}
}
