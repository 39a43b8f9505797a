package esm

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/shopstream/shopstream/emulator/awsapi"
)

const streamsAPI = "DynamoDBStreams_20120810."

// streamRecord is one record as the function receives it.
type streamRecord struct {
	raw     json.RawMessage // the Streams record plus eventSourceARN
	seq     string
	created time.Time
}

// startStream starts the shard supervisor for a DynamoDB stream mapping.
func (s *Service) startStream(m *mapping) error {
	// The first start of a LATEST mapping reads from the stream's tip; a
	// later start without a checkpoint reads from the horizon, skipping
	// records older than that first start, so nothing written while the
	// runtime was down is skipped.
	startedKey := m.uuid + "/started"
	first := false
	started, ok := s.checkpoints.get(startedKey)
	if !ok {
		started = s.cfg.Now().UTC().Format(time.RFC3339Nano)
		if err := s.checkpoints.set(startedKey, started); err != nil {
			return err
		}
		first = true
	}
	startedAt, err := time.Parse(time.RFC3339Nano, started)
	if err != nil {
		return fmt.Errorf("esm: mapping %s: bad start time %q in state: %w", m.logicalID, started, err)
	}
	s.wg.Add(1)
	go s.superviseStream(m, first, startedAt)
	return nil
}

type shardInfo struct {
	ShardId       string
	ParentShardId string
}

// superviseStream runs one worker per shard, a child shard only after its
// parent is finished, so records of a key stay in order.
func (s *Service) superviseStream(m *mapping, firstRun bool, startedAt time.Time) {
	defer s.wg.Done()
	running, done := map[string]bool{}, map[string]bool{}
	finished := make(chan string)
	var lastErr string
	// Lambda lists the streams with the role first.
	if err := s.call(m.as(s.ctx), streamsAPI+"ListStreams", map[string]any{}, nil); s.disable(m, err) {
		return
	}
	for !m.disabled.Load() {
		shards, err := s.describeShards(m, m.sourceARN)
		if err != nil {
			if s.ctx.Err() != nil || s.disable(m, err) {
				return
			}
			if err.Error() != lastErr {
				s.cfg.Log.Warn("esm: describe stream failed; retrying", "mapping", m.logicalID, "err", err)
				lastErr = err.Error()
			}
		} else {
			lastErr = ""
			known := map[string]bool{}
			for _, sh := range shards {
				known[sh.ShardId] = true
			}
			for _, sh := range shards {
				parentDone := sh.ParentShardId == "" || done[sh.ParentShardId] || !known[sh.ParentShardId]
				if running[sh.ShardId] || done[sh.ShardId] || !parentDone {
					continue
				}
				running[sh.ShardId] = true
				w := &shardWorker{s: s, m: m, shard: sh.ShardId, latest: firstRun && m.startingPosition == "LATEST", startedAt: startedAt}
				s.wg.Add(1)
				go func() {
					defer s.wg.Done()
					if w.run() {
						select {
						case finished <- w.shard:
						case <-s.ctx.Done():
						}
					}
				}()
			}
		}
		wait := 10 * time.Second
		if err != nil {
			wait = s.cfg.RetryDelay
		}
		select {
		case id := <-finished:
			running[id], done[id] = false, true
		case <-time.After(wait):
		case <-s.ctx.Done():
			return
		}
	}
}

func (s *Service) describeShards(m *mapping, streamARN string) ([]shardInfo, error) {
	var all []shardInfo
	start := ""
	for {
		in := map[string]any{"StreamArn": streamARN}
		if start != "" {
			in["ExclusiveStartShardId"] = start
		}
		var out struct {
			StreamDescription struct {
				Shards               []shardInfo
				LastEvaluatedShardId string
			}
		}
		if err := s.call(m.as(s.ctx), streamsAPI+"DescribeStream", in, &out); err != nil {
			return nil, err
		}
		all = append(all, out.StreamDescription.Shards...)
		start = out.StreamDescription.LastEvaluatedShardId
		if start == "" {
			return all, nil
		}
	}
}

// shardWorker delivers one shard's records in order.
type shardWorker struct {
	s         *Service
	m         *mapping
	shard     string
	latest    bool      // take the first iterator at LATEST
	startedAt time.Time // with StartingPosition LATEST, skip records before
	lastErr   string
}

func (w *shardWorker) key() string { return w.m.uuid + "/" + w.shard }

// logOnce logs a poller problem once until a different one happens, so a
// missing table does not flood the terminal.
func (w *shardWorker) logOnce(msg string, err error) {
	if err.Error() == w.lastErr {
		return
	}
	w.lastErr = err.Error()
	w.s.cfg.Log.Warn(msg, "mapping", w.m.logicalID, "shard", w.shard, "err", err)
}

// run polls and delivers until the shard is closed and drained (true) or
// the service stops (false).
func (w *shardWorker) run() bool {
	s, m := w.s, w.m
	var (
		iter    string
		pending []streamRecord
		firstAt time.Time // when the batching window opened
		ended   bool      // the shard is closed and fully read
		// tail is the last record dropped after every pending one; it is
		// checkpointed once they are handled, so a restart does not
		// re-read a filtered-out tail.
		tail string
	)
	for s.ctx.Err() == nil && !m.disabled.Load() {
		if len(pending) < m.batchSize && !ended {
			if iter == "" {
				it, err := w.iterator()
				if s.disable(m, err) {
					return false
				}
				if err != nil {
					w.logOnce("esm: get shard iterator failed; retrying", err)
					s.sleep(s.cfg.RetryDelay)
					continue
				}
				iter, pending, firstAt, tail = it, nil, time.Time{}, ""
			}
			recs, skipped, next, err := w.getRecords(iter, min(m.batchSize-len(pending), 1000))
			if s.disable(m, err) {
				return false
			}
			if err != nil {
				var ae *awsapi.Error
				if errors.As(err, &ae) && (ae.Type == "ExpiredIteratorException" || ae.Type == "TrimmedDataAccessException") {
					iter = ""
					continue
				}
				w.logOnce("esm: get records failed; retrying", err)
				s.sleep(s.cfg.RetryDelay)
				continue
			}
			w.lastErr = ""
			iter = next
			ended = next == ""
			pending = append(pending, recs...)
			if len(recs) > 0 || skipped != "" {
				tail = skipped
			}
			if len(pending) == 0 && tail != "" {
				if !w.checkpoint(tail) {
					return false
				}
				tail = ""
			}
			if len(pending) == 0 {
				if ended {
					return true
				}
				s.sleep(s.cfg.PollInterval)
				continue
			}
			if m.window > 0 && len(pending) < m.batchSize && !ended {
				now := s.cfg.Now()
				if firstAt.IsZero() {
					firstAt = now
				}
				if left := m.window - now.Sub(firstAt); left > 0 {
					if len(recs) == 0 {
						s.sleep(min(s.cfg.PollInterval, left))
					}
					continue
				}
			}
		}
		if len(pending) == 0 { // only reachable once the shard has ended
			return true
		}
		n := min(m.batchSize, len(pending))
		batch := pending[:n:n]
		pending = pending[n:]
		if len(pending) == 0 {
			// Records left over were gathered in this window already;
			// only an empty queue opens a new one.
			firstAt = time.Time{}
		}
		if !w.deliver(batch) {
			return false
		}
		if len(pending) == 0 && tail != "" {
			if !w.checkpoint(tail) {
				return false
			}
			tail = ""
		}
		if ended && len(pending) == 0 {
			return true
		}
	}
	return false
}

// iterator starts after the checkpoint, or at the starting position.
func (w *shardWorker) iterator() (string, error) {
	in := map[string]string{"StreamArn": w.m.sourceARN, "ShardId": w.shard}
	seq, ok := w.s.checkpoints.get(w.key())
	switch {
	case ok:
		in["ShardIteratorType"], in["SequenceNumber"] = "AFTER_SEQUENCE_NUMBER", seq
	case w.latest:
		in["ShardIteratorType"] = "LATEST"
	default:
		in["ShardIteratorType"] = "TRIM_HORIZON"
	}
	var out struct{ ShardIterator string }
	err := w.s.call(w.m.as(w.s.ctx), streamsAPI+"GetShardIterator", in, &out)
	var ae *awsapi.Error
	if ok && errors.As(err, &ae) && ae.Type == "TrimmedDataAccessException" {
		// The checkpoint is older than the stream's retention: what is
		// left starts at the horizon.
		in["ShardIteratorType"] = "TRIM_HORIZON"
		delete(in, "SequenceNumber")
		err = w.s.call(w.m.as(w.s.ctx), streamsAPI+"GetShardIterator", in, &out)
	}
	if err != nil {
		return "", err
	}
	// Only the first iterator of a first run starts at the tip; a later
	// one (expired iterator) must not skip what arrived in between.
	w.latest = false
	return out.ShardIterator, nil
}

// getRecords reads up to limit records. Records the filters reject, or
// that predate a LATEST mapping, are dropped; skipped is the sequence
// number of the last one dropped after the last record kept.
func (w *shardWorker) getRecords(iter string, limit int) (recs []streamRecord, skipped, next string, err error) {
	var out struct {
		Records           []json.RawMessage
		NextShardIterator string
	}
	if err := w.s.call(w.m.as(w.s.ctx), streamsAPI+"GetRecords", map[string]any{"ShardIterator": iter, "Limit": max(limit, 1)}, &out); err != nil {
		return nil, "", "", err
	}
	recs = make([]streamRecord, 0, len(out.Records))
	for _, raw := range out.Records {
		r, err := w.toRecord(raw)
		if err != nil {
			return nil, "", "", err
		}
		old := w.m.startingPosition == "LATEST" && r.created.Before(w.startedAt.Truncate(time.Second))
		if old || !w.m.matches(r.raw) {
			skipped = r.seq
			continue
		}
		recs, skipped = append(recs, r), ""
	}
	return recs, skipped, out.NextShardIterator, nil
}

// toRecord adds eventSourceARN to a Streams record, which is otherwise
// already the shape of aws-lambda-go's events.DynamoDBEventRecord.
func (w *shardWorker) toRecord(raw json.RawMessage) (streamRecord, error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil {
		return streamRecord{}, fmt.Errorf("esm: stream record: %w", err)
	}
	var d struct {
		SequenceNumber              string
		ApproximateCreationDateTime float64
	}
	if err := json.Unmarshal(fields["dynamodb"], &d); err != nil || d.SequenceNumber == "" {
		return streamRecord{}, fmt.Errorf("esm: stream record without dynamodb.SequenceNumber: %s", raw)
	}
	arn, _ := json.Marshal(w.m.sourceARN)
	fields["eventSourceARN"] = arn
	out, err := json.Marshal(fields)
	if err != nil {
		return streamRecord{}, err
	}
	sec, frac := math.Modf(d.ApproximateCreationDateTime)
	return streamRecord{raw: out, seq: d.SequenceNumber, created: time.Unix(int64(sec), int64(frac*1e9)).UTC()}, nil
}

// unit is a batch being retried; attempts counts its failed invocations.
type unit struct {
	recs     []streamRecord
	attempts int
}

// deliver invokes the function with batch until every record is handled:
// delivered, or given up on after the retries (sent to the on-failure
// destination). It returns false if the service stopped first.
func (w *shardWorker) deliver(batch []streamRecord) bool {
	s, m := w.s, w.m
	work := []unit{{recs: batch}}
	for len(work) > 0 {
		if s.ctx.Err() != nil {
			return false
		}
		u := &work[0]
		if m.maxRecordAge > 0 {
			old := 0
			for old < len(u.recs) && s.cfg.Now().Sub(u.recs[old].created) > m.maxRecordAge {
				old++
			}
			if old > 0 {
				if !w.giveUp(u.recs[:old], "RecordAgeExceeded", u.attempts, "") {
					return false
				}
				u.recs = u.recs[old:]
				if len(u.recs) == 0 {
					work = work[1:]
					continue
				}
			}
		}
		s.recordIteratorAge(m, u.recs)
		res, err := s.cfg.Invoker.Invoke(s.ctx, m.function, eventPayload(u.recs))
		if err != nil {
			// The invocation did not happen (unknown function, service
			// stopping): not a function failure, so not counted.
			if s.ctx.Err() != nil {
				return false
			}
			w.logOnce("esm: invoke failed; retrying", err)
			s.sleep(s.cfg.RetryDelay)
			continue
		}
		w.lastErr = ""
		o := evaluate(res, m.reportFailures, func(id string) bool { return indexOf(u.recs, id) >= 0 })
		switch {
		case !o.allFailed && len(o.failed) == 0:
			if !w.checkpoint(u.recs[len(u.recs)-1].seq) {
				return false
			}
			work = work[1:]
			continue
		case !o.allFailed:
			// Retry from the lowest failed record: the ones before it
			// succeeded.
			first := len(u.recs)
			for _, id := range o.failed {
				first = min(first, indexOf(u.recs, id))
			}
			if first > 0 {
				if !w.checkpoint(u.recs[first-1].seq) {
					return false
				}
				u.recs, u.attempts = u.recs[first:], 0
				continue
			}
		case m.bisect && len(u.recs) > 1:
			// Splitting is not a retry: the halves keep the count, and a
			// single failing record then uses up the retries alone.
			half := len(u.recs) / 2
			rest := append([]unit{{u.recs[:half], u.attempts}, {u.recs[half:], u.attempts}}, work[1:]...)
			work = rest
			continue
		}
		u.attempts++
		s.cfg.Log.Warn("esm: batch failed", "mapping", m.logicalID, "function", m.function, "records", len(u.recs), "attempt", u.attempts, "response", truncate(res.Payload))
		if m.maxRetries >= 0 && u.attempts > m.maxRetries {
			if !w.giveUp(u.recs, "RetryAttemptsExhausted", u.attempts, res.FunctionError) {
				return false
			}
			work = work[1:]
			continue
		}
		if !s.sleep(s.cfg.RetryDelay) {
			return false
		}
	}
	return true
}

func indexOf(recs []streamRecord, seq string) int {
	for i, r := range recs {
		if r.seq == seq {
			return i
		}
	}
	return -1
}

func eventPayload(recs []streamRecord) []byte {
	var b bytes.Buffer
	b.WriteString(`{"Records":[`)
	for i, r := range recs {
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(r.raw)
	}
	b.WriteString("]}")
	return b.Bytes()
}

func (w *shardWorker) checkpoint(seq string) bool {
	for {
		err := w.s.checkpoints.set(w.key(), seq)
		if err == nil {
			return true
		}
		w.logOnce("esm: checkpoint failed; retrying", err)
		if !w.s.sleep(w.s.cfg.RetryDelay) {
			return false
		}
	}
}

// giveUp records a batch Lambda will not retry: it goes to the on-failure
// destination (if any) and the checkpoint moves past it. Sending is
// retried until it succeeds, so no record is dropped unrecorded.
func (w *shardWorker) giveUp(recs []streamRecord, condition string, invokes int, functionError string) bool {
	s, m := w.s, w.m
	s.cfg.Log.Error("esm: giving up on records", "mapping", m.logicalID, "function", m.function, "condition", condition,
		"first", recs[0].seq, "last", recs[len(recs)-1].seq, "destination", m.onFailure)
	if m.onFailure != "" {
		body, _ := json.Marshal(w.failureRecord(recs, condition, invokes, functionError))
		for {
			err := s.sendMessage(m, m.onFailure, string(body))
			if err == nil {
				break
			}
			if s.disable(m, err) {
				return false
			}
			w.logOnce("esm: send to on-failure destination failed; retrying", err)
			if !s.sleep(s.cfg.RetryDelay) {
				return false
			}
		}
	}
	return w.checkpoint(recs[len(recs)-1].seq)
}

// failureRecord is the invocation record Lambda sends to an on-failure
// destination for a stream batch.
func (w *shardWorker) failureRecord(recs []streamRecord, condition string, invokes int, functionError string) map[string]any {
	const arrival = "2006-01-02T15:04:05Z"
	response := map[string]any{"statusCode": 200, "executedVersion": "$LATEST"}
	if functionError != "" {
		response["functionError"] = functionError
	}
	return map[string]any{
		"requestContext": map[string]any{
			"requestId":              awsapi.RequestID(),
			"functionArn":            w.m.functionARN,
			"condition":              condition,
			"approximateInvokeCount": invokes,
		},
		"responseContext": response,
		"version":         "1.0",
		"timestamp":       w.s.cfg.Now().UTC().Format("2006-01-02T15:04:05.000Z"),
		"DDBStreamBatchInfo": map[string]any{
			"shardId":                         w.shard,
			"startSequenceNumber":             recs[0].seq,
			"endSequenceNumber":               recs[len(recs)-1].seq,
			"approximateArrivalOfFirstRecord": recs[0].created.Format(arrival),
			"approximateArrivalOfLastRecord":  recs[len(recs)-1].created.Format(arrival),
			"batchSize":                       len(recs),
			"streamArn":                       w.m.sourceARN,
		},
	}
}

// sendMessage sends to an on-failure destination with the function's role.
func (s *Service) sendMessage(m *mapping, queueARN, body string) error {
	url, err := s.queueURL(s.ctx, queueARN)
	if err != nil {
		return err
	}
	return s.call(m.as(s.ctx), "AmazonSQS.SendMessage", map[string]string{"QueueUrl": url, "MessageBody": body}, nil)
}

func truncate(b []byte) string {
	if len(b) > 300 {
		return string(b[:300]) + "…"
	}
	return string(b)
}
