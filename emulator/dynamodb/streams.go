package dynamodb

import (
	"encoding/base64"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/shopstream/shopstream/emulator/awsapi"
	"github.com/shopstream/shopstream/emulator/dynamodb/attr"
)

// Retention is how long stream records are kept, as in AWS.
const Retention = 24 * time.Hour

// maxGetRecords is GetRecords' largest Limit.
const maxGetRecords = 1000

// StreamRecord is one DynamoDB Streams record, in the API's JSON shape
// (which is also what a Lambda event source mapping delivers).
type StreamRecord struct {
	EventID      string           `json:"eventID"`
	EventName    string           `json:"eventName"` // INSERT, MODIFY, REMOVE
	EventVersion string           `json:"eventVersion"`
	EventSource  string           `json:"eventSource"`
	AwsRegion    string           `json:"awsRegion"`
	Dynamodb     StreamRecordData `json:"dynamodb"`
	seq          uint64
}

// StreamRecordData is a record's "dynamodb" member.
type StreamRecordData struct {
	ApproximateCreationDateTime int64     `json:"ApproximateCreationDateTime"`
	Keys                        attr.Item `json:"Keys"`
	NewImage                    attr.Item `json:"NewImage,omitempty"`
	OldImage                    attr.Item `json:"OldImage,omitempty"`
	SequenceNumber              string    `json:"SequenceNumber"`
	SizeBytes                   int       `json:"SizeBytes"`
	StreamViewType              string    `json:"StreamViewType"`
}

// Seq returns the record's sequence number as an integer.
func (r StreamRecord) Seq() uint64 {
	if r.seq == 0 {
		r.seq, _ = strconv.ParseUint(r.Dynamodb.SequenceNumber, 10, 64)
	}
	return r.seq
}

// stream is a table's single-shard stream.
type stream struct {
	arn, label, shardID, viewType string
	records                       []StreamRecord // ascending by sequence number
	notify                        chan struct{}  // closed and replaced on append
	createdAt                     float64
	key                           keySchema
	// trimmed is the newest sequence number dropped by retention;
	// positions at or before it are TrimmedDataAccessException.
	trimmed uint64
}

// trimmedKey holds stream.trimmed in the stream's bucket (record keys are
// 8-byte sequence numbers, so it cannot collide).
var trimmedKey = []byte("trimmed")

func newStream(t *table) *stream {
	return &stream{
		arn:       tableARN(t.def.TableName) + "/stream/" + t.def.StreamLabel,
		label:     t.def.StreamLabel,
		shardID:   "shardId-00000000000000000001-" + t.def.TableID[:8],
		viewType:  t.def.Stream.StreamViewType,
		notify:    make(chan struct{}),
		createdAt: t.def.CreatedAt,
		key:       t.key,
	}
}

// seqString renders sequence numbers fixed-width so they also sort as
// strings, as AWS's do.
func seqString(n uint64) string { return fmt.Sprintf("%021d", n) }

func (st *stream) record(seq uint64, now time.Time, old, new attr.Item) StreamRecord {
	name, img := "MODIFY", new
	switch {
	case old == nil:
		name = "INSERT"
	case new == nil:
		name, img = "REMOVE", old
	}
	d := StreamRecordData{
		ApproximateCreationDateTime: now.Unix(),
		SequenceNumber:              seqString(seq),
		StreamViewType:              st.viewType,
	}
	d.Keys, _ = st.key.primaryKey(img)
	if st.viewType == "NEW_IMAGE" || st.viewType == "NEW_AND_OLD_IMAGES" {
		d.NewImage = new
	}
	if st.viewType == "OLD_IMAGE" || st.viewType == "NEW_AND_OLD_IMAGES" {
		d.OldImage = old
	}
	d.SizeBytes = attr.ItemSize(d.Keys) + attr.ItemSize(d.NewImage) + attr.ItemSize(d.OldImage)
	return StreamRecord{
		EventID:      fmt.Sprintf("%032x", seq),
		EventName:    name,
		EventVersion: "1.1",
		EventSource:  "aws:dynamodb",
		AwsRegion:    awsapi.Region,
		Dynamodb:     d,
		seq:          seq,
	}
}

func (st *stream) append(r StreamRecord) {
	st.records = append(st.records, r)
	close(st.notify)
	st.notify = make(chan struct{})
}

// trim drops records older than Retention from memory and from b.
func (st *stream) trim(b *bolt.Bucket, now time.Time) error {
	cut := now.Add(-Retention).Unix()
	n := 0
	for n < len(st.records) && st.records[n].Dynamodb.ApproximateCreationDateTime < cut {
		if err := b.Delete(seqKey(st.records[n].Seq())); err != nil {
			return err
		}
		n++
	}
	if n > 0 {
		st.trimmed = st.records[n-1].Seq()
		st.records = append([]StreamRecord(nil), st.records[n:]...)
		return b.Put(trimmedKey, seqKey(st.trimmed))
	}
	return nil
}

// after returns up to limit records with sequence number > seq.
func (st *stream) after(seq uint64, limit int) []StreamRecord {
	i := sort.Search(len(st.records), func(i int) bool { return st.records[i].Seq() > seq })
	j := min(len(st.records), i+limit)
	return append([]StreamRecord(nil), st.records[i:j]...)
}

func (st *stream) last() uint64 {
	if len(st.records) == 0 {
		return 0
	}
	return st.records[len(st.records)-1].Seq()
}

// streamByARN finds a stream; callers hold s.mu.
func (s *Service) streamByARN(arn string) (*table, error) {
	for _, t := range s.tables {
		if t.stream != nil && t.stream.arn == arn {
			return t, nil
		}
	}
	return nil, awsapi.Errorf("ResourceNotFoundException", "Requested resource not found: Stream: %s not found", arn)
}

// Go-level access for the runtime's event source mapping.

// StreamARN returns the table's latest stream ARN ("" when disabled).
func (s *Service) StreamARN(table string) (string, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	t, err := s.table(table)
	if err != nil {
		return "", err
	}
	if t.stream == nil {
		return "", nil
	}
	return t.stream.arn, nil
}

// ReadStream returns up to limit records with sequence numbers greater
// than after (0 reads from the oldest retained record), and a channel that
// is closed when a newer record is appended (or the table is deleted), so
// a consumer can wait without polling. An unknown stream is a
// ResourceNotFoundException.
func (s *Service) ReadStream(streamARN string, after uint64, limit int) (recs []StreamRecord, changed <-chan struct{}, err error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	t, err := s.streamByARN(streamARN)
	if err != nil {
		return nil, nil, err
	}
	if limit <= 0 {
		limit = maxGetRecords
	}
	return t.stream.after(after, limit), t.stream.notify, nil
}

// LatestSequence returns the stream's newest sequence number (0 if empty),
// the position a LATEST starting position begins after.
func (s *Service) LatestSequence(streamARN string) (uint64, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	t, err := s.streamByARN(streamARN)
	if err != nil {
		return 0, err
	}
	return t.stream.last(), nil
}

// The DynamoDB Streams API.

type streamSummary struct {
	StreamArn   string
	StreamLabel string
	TableName   string
}

func (s *Service) listStreams(body []byte) (any, error) {
	var in struct {
		TableName               string
		Limit                   int
		ExclusiveStartStreamArn string
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []streamSummary
	for _, t := range s.tables {
		if t.stream != nil && (in.TableName == "" || in.TableName == t.def.TableName) {
			out = append(out, streamSummary{t.stream.arn, t.stream.label, t.def.TableName})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].StreamArn < out[j].StreamArn })
	if in.ExclusiveStartStreamArn != "" {
		i := sort.Search(len(out), func(i int) bool { return out[i].StreamArn > in.ExclusiveStartStreamArn })
		out = out[i:]
	}
	resp := map[string]any{"Streams": append([]streamSummary{}, out...)}
	if in.Limit > 0 && len(out) > in.Limit {
		resp["Streams"] = out[:in.Limit]
		resp["LastEvaluatedStreamArn"] = out[in.Limit-1].StreamArn
	}
	return resp, nil
}

func (s *Service) describeStream(body []byte) (any, error) {
	var in struct{ StreamArn string }
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	t, err := s.streamByARN(in.StreamArn)
	if err != nil {
		return nil, err
	}
	st := t.stream
	first := uint64(1)
	if len(st.records) > 0 {
		first = st.records[0].Seq()
	}
	return map[string]any{"StreamDescription": map[string]any{
		"StreamArn":               st.arn,
		"StreamLabel":             st.label,
		"StreamStatus":            "ENABLED",
		"StreamViewType":          st.viewType,
		"CreationRequestDateTime": st.createdAt,
		"TableName":               t.def.TableName,
		"KeySchema":               t.def.KeySchema,
		"Shards": []any{map[string]any{
			"ShardId":             st.shardID,
			"SequenceNumberRange": map[string]any{"StartingSequenceNumber": seqString(first)},
		}},
	}}, nil
}

// A shard iterator is opaque to clients: stream ARN, shard and the
// sequence number after which reading resumes.
func encodeIterator(arn, shard string, after uint64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(arn + "|" + shard + "|" + strconv.FormatUint(after, 10)))
}

func decodeIterator(it string) (arn, shard string, after uint64, err error) {
	raw, err := base64.RawURLEncoding.DecodeString(it)
	parts := strings.Split(string(raw), "|")
	if err != nil || len(parts) != 3 {
		return "", "", 0, validation("Invalid ShardIterator")
	}
	after, err = strconv.ParseUint(parts[2], 10, 64)
	if err != nil {
		return "", "", 0, validation("Invalid ShardIterator")
	}
	return parts[0], parts[1], after, nil
}

func (s *Service) getShardIterator(body []byte) (any, error) {
	var in struct {
		StreamArn, ShardId, ShardIteratorType, SequenceNumber string
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	t, err := s.streamByARN(in.StreamArn)
	if err != nil {
		return nil, err
	}
	if in.ShardId != t.stream.shardID {
		return nil, awsapi.Errorf("ResourceNotFoundException", "Requested resource not found: Shard does not exist")
	}
	var after uint64
	switch in.ShardIteratorType {
	case "TRIM_HORIZON":
	case "LATEST":
		after = t.stream.last()
	case "AT_SEQUENCE_NUMBER", "AFTER_SEQUENCE_NUMBER":
		n, err := strconv.ParseUint(in.SequenceNumber, 10, 64)
		if err != nil || in.SequenceNumber == "" {
			return nil, validation("Invalid SequenceNumber: %q", in.SequenceNumber)
		}
		after = n
		if in.ShardIteratorType == "AT_SEQUENCE_NUMBER" {
			after = n - 1
		}
		if after < t.stream.trimmed {
			return nil, trimmedError(in.SequenceNumber)
		}
	default:
		return nil, validation("1 validation error detected: Value '%s' at 'shardIteratorType' failed to satisfy constraint: Member must satisfy enum value set: [AFTER_SEQUENCE_NUMBER, TRIM_HORIZON, LATEST, AT_SEQUENCE_NUMBER]", in.ShardIteratorType)
	}
	return map[string]string{"ShardIterator": encodeIterator(t.stream.arn, in.ShardId, after)}, nil
}

func (s *Service) getRecords(body []byte) (any, error) {
	var in struct {
		ShardIterator string
		Limit         int
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	arn, shard, after, err := decodeIterator(in.ShardIterator)
	if err != nil {
		return nil, err
	}
	if in.Limit < 0 || in.Limit > maxGetRecords {
		return nil, validation("1 validation error detected: Value '%d' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 1000", in.Limit)
	}
	if err := s.checkTrimmed(arn, after); err != nil {
		return nil, err
	}
	recs, _, err := s.ReadStream(arn, after, in.Limit)
	if err != nil {
		return nil, err
	}
	next := after
	if len(recs) > 0 {
		next = recs[len(recs)-1].Seq()
	}
	return map[string]any{"Records": recs, "NextShardIterator": encodeIterator(arn, shard, next)}, nil
}

func trimmedError(seq string) error {
	return awsapi.Errorf("TrimmedDataAccessException", "The operation attempted to read past the oldest stream record in a shard (sequence number %s is beyond the trim horizon)", seq)
}

// checkTrimmed rejects an iterator whose position retention has passed.
func (s *Service) checkTrimmed(arn string, after uint64) error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	t, err := s.streamByARN(arn)
	if err != nil {
		return err
	}
	if after != 0 && after < t.stream.trimmed {
		return trimmedError(seqString(after))
	}
	return nil
}
