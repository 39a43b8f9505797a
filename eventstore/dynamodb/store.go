package dynamodb

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/shopstream/shopstream/eventstore"
)

// Client is the part of the DynamoDB API the store uses; *dynamodb.Client
// implements it.
type Client interface {
	GetItem(context.Context, *ddb.GetItemInput, ...func(*ddb.Options)) (*ddb.GetItemOutput, error)
	PutItem(context.Context, *ddb.PutItemInput, ...func(*ddb.Options)) (*ddb.PutItemOutput, error)
	TransactWriteItems(context.Context, *ddb.TransactWriteItemsInput, ...func(*ddb.Options)) (*ddb.TransactWriteItemsOutput, error)
	Query(context.Context, *ddb.QueryInput, ...func(*ddb.Options)) (*ddb.QueryOutput, error)
}

// MaxClockSkew is how far ahead of the store's clock an event id may be.
// ReadAll walks months up to now plus this much.
const MaxClockSkew = 24 * time.Hour

// defaultEpoch is where ReadAll("") starts unless WithEpoch says otherwise.
var defaultEpoch = time.Date(2020, time.January, 1, 0, 0, 0, 0, time.UTC)

// maxAnyAttempts bounds the read-and-append loop of an Append with
// eventstore.Any (see the package documentation).
const maxAnyAttempts = 32

// Store is an eventstore.Store on one DynamoDB table laid out as the package
// documentation describes. It is safe for concurrent use.
type Store struct {
	client Client
	table  string
	clock  eventstore.Clock
	epoch  time.Time
}

var _ eventstore.Store = (*Store)(nil)

// Option configures a Store.
type Option func(*Store)

// WithClock sets the clock that bounds event id times (default time.Now).
func WithClock(c eventstore.Clock) Option { return func(s *Store) { s.clock = c } }

// WithEpoch sets the earliest time an event id may carry, which is also
// where ReadAll("") starts (default 1 January 2020 UTC). Set it to when the
// system first wrote events to save the empty months before it.
func WithEpoch(t time.Time) Option { return func(s *Store) { s.epoch = t.UTC() } }

// New returns a Store on table, which must have the layout CreateTable
// makes.
func New(client Client, table string, opts ...Option) *Store {
	s := &Store{client: client, table: table, clock: time.Now, epoch: defaultEpoch}
	for _, o := range opts {
		o(s)
	}
	return s
}

// Append implements eventstore.Store.
func (s *Store) Append(ctx context.Context, stream string, expectedVersion int64, events ...eventstore.Event) ([]eventstore.Event, error) {
	const op = "append"
	if err := eventstore.ValidateAppend(op, stream, expectedVersion, events); err != nil {
		return nil, err
	}
	if len(events) == 0 {
		return nil, nil
	}
	if err := s.checkIDTimes(op, stream, events); err != nil {
		return nil, err
	}
	if expectedVersion != eventstore.Any {
		if expectedVersion > 0 {
			if err := s.checkExists(ctx, stream, expectedVersion); err != nil {
				return nil, err
			}
		}
		return s.write(ctx, stream, expectedVersion, events)
	}
	for attempt := 1; ; attempt++ {
		current, err := s.lastVersion(ctx, stream)
		if err != nil {
			return nil, err
		}
		stored, err := s.write(ctx, stream, current, events)
		if err == nil || !errors.Is(err, eventstore.ErrConcurrency) || attempt == maxAnyAttempts {
			return stored, err
		}
	}
}

// checkIDTimes keeps every event reachable by ReadAll's month walk.
func (s *Store) checkIDTimes(op, stream string, events []eventstore.Event) error {
	latest := s.clock().Add(MaxClockSkew)
	for i, e := range events {
		t := idTime(e.ID)
		var why string
		switch {
		case t.Before(s.epoch):
			why = fmt.Sprintf("id time %s is before the store's epoch %s", t.Format(time.RFC3339), s.epoch.Format(time.RFC3339))
		case t.After(latest):
			why = fmt.Sprintf("id time %s is more than %v ahead of the store's clock", t.Format(time.RFC3339), MaxClockSkew)
		}
		if why != "" {
			return &eventstore.Error{Op: op, Stream: stream, Err: fmt.Errorf("%w: event %d: %s", eventstore.ErrInvalidEvent, i, why)}
		}
	}
	return nil
}

// checkExists returns ErrConcurrency unless version v of stream exists.
func (s *Store) checkExists(ctx context.Context, stream string, v int64) error {
	out, err := s.client.GetItem(ctx, &ddb.GetItemInput{
		TableName:                aws.String(s.table),
		Key:                      key(stream, v),
		ConsistentRead:           aws.Bool(true),
		ProjectionExpression:     aws.String("#v"),
		ExpressionAttributeNames: map[string]string{"#v": AttrVersion},
	})
	if err != nil {
		return wrap("append", stream, err)
	}
	if len(out.Item) == 0 {
		return &eventstore.Error{Op: "append", Stream: stream, Err: fmt.Errorf("%w: stream is behind expected version %d", eventstore.ErrConcurrency, v)}
	}
	return nil
}

// lastVersion returns the version of the last event of stream, 0 if none.
func (s *Store) lastVersion(ctx context.Context, stream string) (int64, error) {
	out, err := s.client.Query(ctx, &ddb.QueryInput{
		TableName:                 aws.String(s.table),
		KeyConditionExpression:    aws.String("#s = :s"),
		ExpressionAttributeNames:  map[string]string{"#s": AttrStreamID, "#v": AttrVersion},
		ExpressionAttributeValues: map[string]types.AttributeValue{":s": &types.AttributeValueMemberS{Value: stream}},
		ProjectionExpression:      aws.String("#v"),
		ScanIndexForward:          aws.Bool(false),
		Limit:                     aws.Int32(1),
		ConsistentRead:            aws.Bool(true),
	})
	if err != nil {
		return 0, wrap("append", stream, err)
	}
	if len(out.Items) == 0 {
		return 0, nil
	}
	d := decoder{item: out.Items[0]}
	v := d.num(AttrVersion)
	if d.err != nil {
		return 0, &eventstore.Error{Op: "append", Stream: stream, Err: d.err}
	}
	return v, nil
}

// write puts events at versions after+1, after+2, … on the condition that
// none of those items exists yet.
func (s *Store) write(ctx context.Context, stream string, after int64, events []eventstore.Event) ([]eventstore.Event, error) {
	const op = "append"
	stored := make([]eventstore.Event, len(events))
	for i, e := range events {
		e.StreamID = stream
		e.Version = after + int64(i) + 1
		e.Metadata.RecordedAt = e.Metadata.RecordedAt.UTC()
		stored[i] = e
	}
	cond := aws.String("attribute_not_exists(#v)")
	names := map[string]string{"#v": AttrVersion}

	var err error
	if len(stored) == 1 {
		_, err = s.client.PutItem(ctx, &ddb.PutItemInput{
			TableName:                aws.String(s.table),
			Item:                     encode(stored[0]),
			ConditionExpression:      cond,
			ExpressionAttributeNames: names,
			// Lets ownWrite recognise an SDK retry of a put that was
			// written but whose response was lost.
			ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
		})
	} else {
		items := make([]types.TransactWriteItem, len(stored))
		for i, e := range stored {
			items[i] = types.TransactWriteItem{Put: &types.Put{
				TableName:                aws.String(s.table),
				Item:                     encode(e),
				ConditionExpression:      cond,
				ExpressionAttributeNames: names,
			}}
		}
		// The transaction is all or nothing, so the first item tells
		// whether a failed retry met our own earlier write.
		items[0].Put.ReturnValuesOnConditionCheckFailure = types.ReturnValuesOnConditionCheckFailureAllOld
		_, err = s.client.TransactWriteItems(ctx, &ddb.TransactWriteItemsInput{
			TransactItems: items,
			// DynamoDB answers a repeat of the token with the first
			// outcome; emulators may not, which ownWrite covers.
			ClientRequestToken: aws.String(requestToken(stored[0])),
		})
	}
	if ownWrite(err, stored[0].ID) {
		err = nil
	}
	if isConflict(err) {
		return nil, &eventstore.Error{Op: op, Stream: stream, Err: fmt.Errorf("%w: stream is past version %d: %w", eventstore.ErrConcurrency, after, err)}
	}
	if err != nil {
		return nil, wrap(op, stream, err)
	}
	return stored, nil
}

// ownWrite reports whether err is a failed condition on the first item of
// a write, caused by an item holding the event id we were writing there:
// the write had already succeeded and this is the SDK's retry of it.
func ownWrite(err error, id string) bool {
	var item map[string]types.AttributeValue
	var ccf *types.ConditionalCheckFailedException
	var tce *types.TransactionCanceledException
	switch {
	case errors.As(err, &ccf):
		item = ccf.Item
	case errors.As(err, &tce) && len(tce.CancellationReasons) > 0:
		item = tce.CancellationReasons[0].Item
	}
	got, ok := item[AttrID].(*types.AttributeValueMemberS)
	return ok && got.Value == id
}

// requestToken identifies one transaction attempt: the first event's id and
// the version it goes to (a retry of Any at another version is a new
// request). At most 26+1+19 characters; DynamoDB allows 36, so long
// versions are cut, which only weakens the retry protection.
func requestToken(first eventstore.Event) string {
	t := first.ID + "-" + strconv.FormatInt(first.Version, 10)
	return t[:min(len(t), 36)]
}

// Load implements eventstore.Store.
func (s *Store) Load(ctx context.Context, stream string, fromVersion int64) ([]eventstore.Event, error) {
	const op = "load"
	pages := ddb.NewQueryPaginator(s.client, s.rangeQuery(stream, max(fromVersion, 1)))
	var events []eventstore.Event
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, wrap(op, stream, err)
		}
		for _, item := range page.Items {
			e, err := decode(item)
			if err != nil {
				return nil, &eventstore.Error{Op: op, Stream: stream, Err: err}
			}
			events = append(events, e)
		}
	}
	return events, nil
}

// LoadRange implements eventstore.Store with one strongly consistent Query
// of the stream's version range. It asks for limit+1 items, so that the
// extra one (read, never returned) answers "more" exactly; the extra item
// adds at most one read unit. A Query answers at most 1 MB, so a range of
// large events may take several calls; each asks only for what is missing.
func (s *Store) LoadRange(ctx context.Context, stream string, fromVersion int64, limit int) ([]eventstore.Event, bool, error) {
	const op = "loadRange"
	if err := eventstore.ValidateRange(op, stream, fromVersion, limit); err != nil {
		return nil, false, err
	}
	in := s.rangeQuery(stream, max(fromVersion, 1))
	events := make([]eventstore.Event, 0, min(limit, 64))
	more := false
	for {
		in.Limit = aws.Int32(int32(limit + 1 - len(events)))
		out, err := s.client.Query(ctx, in)
		if err != nil {
			return nil, false, wrap(op, stream, err)
		}
		for _, item := range out.Items {
			if len(events) == limit {
				more = true
				break
			}
			e, err := decode(item)
			if err != nil {
				return nil, false, &eventstore.Error{Op: op, Stream: stream, Err: err}
			}
			events = append(events, e)
		}
		if more || len(out.LastEvaluatedKey) == 0 {
			break
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
	if len(events) == 0 {
		events = nil
	}
	return events, more, nil
}

// rangeQuery is the strongly consistent query of stream's events from
// version from on, in version order.
func (s *Store) rangeQuery(stream string, from int64) *ddb.QueryInput {
	return &ddb.QueryInput{
		TableName:                aws.String(s.table),
		KeyConditionExpression:   aws.String("#s = :s AND #v >= :from"),
		ExpressionAttributeNames: map[string]string{"#s": AttrStreamID, "#v": AttrVersion},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":s":    &types.AttributeValueMemberS{Value: stream},
			":from": number(from),
		},
		ConsistentRead: aws.Bool(true),
	}
}

// ReadAll implements eventstore.Store by walking GlobalIndex one month
// bucket at a time (see the package documentation).
func (s *Store) ReadAll(ctx context.Context, position string, limit int) (eventstore.Page, error) {
	const op = "readAll"
	if err := eventstore.ValidatePosition(op, position); err != nil {
		return eventstore.Page{}, err
	}
	limit = eventstore.ReadLimit(limit)

	from := s.epoch
	if position != "" {
		from = later(from, idTime(position))
	}
	to := monthOf(s.clock().Add(MaxClockSkew))
	var events []eventstore.Event
	for month := monthOf(from); !month.After(to); month = month.AddDate(0, 1, 0) {
		in := s.bucketQuery(bucketOf(month), position)
		for {
			in.Limit = aws.Int32(int32(limit - len(events)))
			out, err := s.client.Query(ctx, in)
			if err != nil {
				return eventstore.Page{}, wrap(op, "", err)
			}
			for _, item := range out.Items {
				e, err := decode(item)
				if err != nil {
					return eventstore.Page{}, &eventstore.Error{Op: op, Err: err}
				}
				events = append(events, e)
			}
			if len(events) == limit {
				return eventstore.Page{Events: events, Next: events[len(events)-1].ID}, nil
			}
			if len(out.LastEvaluatedKey) == 0 {
				break
			}
			in.ExclusiveStartKey = out.LastEvaluatedKey
		}
	}
	return eventstore.Page{Events: events}, nil
}

// bucketQuery returns the index query for the events of one bucket whose id
// sorts after position ("" for all of them).
func (s *Store) bucketQuery(bucket, position string) *ddb.QueryInput {
	in := &ddb.QueryInput{
		TableName:                 aws.String(s.table),
		IndexName:                 aws.String(GlobalIndex),
		KeyConditionExpression:    aws.String("#b = :b"),
		ExpressionAttributeNames:  map[string]string{"#b": AttrTimeBucket},
		ExpressionAttributeValues: map[string]types.AttributeValue{":b": &types.AttributeValueMemberS{Value: bucket}},
	}
	if position != "" {
		*in.KeyConditionExpression += " AND #id > :pos"
		in.ExpressionAttributeNames["#id"] = AttrID
		in.ExpressionAttributeValues[":pos"] = &types.AttributeValueMemberS{Value: position}
	}
	return in
}

func monthOf(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
