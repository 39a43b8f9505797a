package audit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/shopstream/shopstream/eventstore"
	"github.com/shopstream/shopstream/internal/publish"
	"github.com/shopstream/shopstream/internal/registry"
)

// StreamWindowMargin widens a stream failure record's window on both
// sides. The record's times are when DynamoDB Streams received the records
// (rounded down to the second), while an event's place in the log is the
// time its writer made its ID, a little earlier (retries, clock skew).
// Replaying a little more is harmless (every consumer is idempotent);
// missing an event is not.
const StreamWindowMargin = time.Minute

// StreamFailure is what replay reads of the record Lambda sends to a
// DynamoDB stream event source's on-failure destination: the batch it gave
// up on, named by shard, sequence numbers and arrival times (the records
// themselves are not in it).
type StreamFailure struct {
	Batch struct {
		ShardID       string    `json:"shardId"`
		StartSequence string    `json:"startSequenceNumber"`
		EndSequence   string    `json:"endSequenceNumber"`
		FirstArrival  time.Time `json:"approximateArrivalOfFirstRecord"`
		LastArrival   time.Time `json:"approximateArrivalOfLastRecord"`
		Size          int       `json:"batchSize"`
		StreamARN     string    `json:"streamArn"`
	} `json:"DDBStreamBatchInfo"`
}

// ParseStreamFailure decodes a stream failure record, or says why body is
// not one.
func ParseStreamFailure(body string) (StreamFailure, error) {
	var f StreamFailure
	if err := json.Unmarshal([]byte(body), &f); err != nil {
		return f, fmt.Errorf("not a stream failure record: %w", err)
	}
	b := f.Batch
	switch {
	case b.FirstArrival.IsZero() || b.LastArrival.IsZero():
		return f, errors.New("not a stream failure record: no DDBStreamBatchInfo.approximateArrivalOfFirstRecord/LastRecord")
	case b.LastArrival.Before(b.FirstArrival):
		return f, fmt.Errorf("stream failure record: last record %s arrived before the first %s",
			b.LastArrival.Format(time.RFC3339), b.FirstArrival.Format(time.RFC3339))
	}
	return f, nil
}

// Window returns the span of the log whose events the failed batch held:
// its arrival times, the second the last one was rounded down from, and
// StreamWindowMargin either side.
func (f StreamFailure) Window() (since, until time.Time) {
	return f.Batch.FirstArrival.Add(-StreamWindowMargin), f.Batch.LastArrival.Add(time.Second + StreamWindowMargin)
}

// Queue is the part of the SQS API ReplayFailures uses.
type Queue interface {
	ReceiveMessage(ctx context.Context, in *sqs.ReceiveMessageInput, opts ...func(*sqs.Options)) (*sqs.ReceiveMessageOutput, error)
	DeleteMessage(ctx context.Context, in *sqs.DeleteMessageInput, opts ...func(*sqs.Options)) (*sqs.DeleteMessageOutput, error)
}

// Failure queue polling: long polls, so an answer of no messages means the
// queue is drained; messages are hidden long enough to replay their window
// (they come back if replay dies half way).
const (
	failuresWaitSeconds       = 2
	failuresVisibilitySeconds = 300
)

// FailuresResult counts what ReplayFailures did.
type FailuresResult struct {
	Records  int // failure records replayed and deleted
	Events   int // events put on the bus for them
	Rejected int // messages kept because they are not stream failure records
}

// ReplayFailures drains the publisher's failure queue: for each stream
// failure record it replays the events recorded in the record's window
// (Window) to the bus, then deletes the message. A message that is not a
// stream failure record is left in the queue, reported, and counted in
// Rejected (ReplayFailures then returns an error naming them, after
// draining the rest). A replay that fails stops everything and keeps its
// message, so no failure record is deleted before its events are on the
// bus.
func ReplayFailures(ctx context.Context, store eventstore.Store, reg *registry.Registry, bus publish.Sender, busName string,
	queue Queue, queueURL string, progress io.Writer) (FailuresResult, error) {
	var res FailuresResult
	var rejected []string
	for {
		out, err := queue.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{
			QueueUrl:            aws.String(queueURL),
			MaxNumberOfMessages: 10,
			WaitTimeSeconds:     failuresWaitSeconds,
			VisibilityTimeout:   failuresVisibilitySeconds,
		})
		if err != nil {
			return res, fmt.Errorf("replay failures: receive from %s: %w", queueURL, err)
		}
		if len(out.Messages) == 0 {
			break
		}
		for _, m := range out.Messages {
			id := aws.ToString(m.MessageId)
			f, err := ParseStreamFailure(aws.ToString(m.Body))
			if err != nil {
				// Hidden for failuresVisibilitySeconds: not received again
				// in this run.
				fmt.Fprintf(progress, "message %s kept: %v\n", id, err)
				rejected = append(rejected, id)
				res.Rejected++
				continue
			}
			since, until := f.Window()
			fmt.Fprintf(progress, "message %s: %d records of %s arrived %s to %s; replaying %s to %s\n", id, f.Batch.Size,
				f.Batch.ShardID, f.Batch.FirstArrival.Format(time.RFC3339), f.Batch.LastArrival.Format(time.RFC3339),
				since.Format(time.RFC3339), until.Format(time.RFC3339))
			n, err := ReplayWindow(ctx, store, reg, bus, busName, since, until, progress)
			res.Events += n
			if err != nil {
				return res, fmt.Errorf("replay failures: message %s kept: %w", id, err)
			}
			if _, err := queue.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(queueURL), ReceiptHandle: m.ReceiptHandle}); err != nil {
				return res, fmt.Errorf("replay failures: message %s replayed but not deleted (replaying it again is harmless): %w", id, err)
			}
			res.Records++
		}
	}
	if len(rejected) > 0 {
		return res, fmt.Errorf("replay failures: %d messages of %s are not stream failure records and were kept: %s",
			len(rejected), queueURL, strings.Join(rejected, ", "))
	}
	return res, nil
}
