package dynamodb_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	stypes "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"

	"github.com/shopstream/shopstream/emulator/state"
	"github.com/shopstream/shopstream/internal/testutil/awstest"
)

func withStream(view types.StreamViewType) func(*ddb.CreateTableInput) {
	return func(in *ddb.CreateTableInput) {
		in.StreamSpecification = &types.StreamSpecification{StreamEnabled: aws.Bool(true), StreamViewType: view}
	}
}

// writeAll performs one of every kind of write: put, update, delete,
// batch put, and a transaction.
func writeAll(t *testing.T, c *ddb.Client, table string) {
	t.Helper()
	ctx := context.Background()
	steps := []func() error{
		func() error {
			_, err := c.PutItem(ctx, &ddb.PutItemInput{TableName: aws.String(table), Item: item(t, `{"pk":{"S":"a"},"v":{"N":"1"}}`)})
			return err
		},
		func() error {
			_, err := c.UpdateItem(ctx, &ddb.UpdateItemInput{TableName: aws.String(table), Key: item(t, `{"pk":{"S":"a"}}`),
				UpdateExpression: aws.String("ADD v :one"), ExpressionAttributeValues: item(t, `{":one":{"N":"1"}}`)})
			return err
		},
		func() error {
			_, err := c.DeleteItem(ctx, &ddb.DeleteItemInput{TableName: aws.String(table), Key: item(t, `{"pk":{"S":"a"}}`)})
			return err
		},
		func() error {
			_, err := c.BatchWriteItem(ctx, &ddb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{table: {
				{PutRequest: &types.PutRequest{Item: item(t, `{"pk":{"S":"b"}}`)}},
			}}})
			return err
		},
		func() error {
			_, err := c.TransactWriteItems(ctx, &ddb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
				{Put: &types.Put{TableName: aws.String(table), Item: item(t, `{"pk":{"S":"c"}}`)}},
				{Update: &types.Update{TableName: aws.String(table), Key: item(t, `{"pk":{"S":"b"}}`), UpdateExpression: aws.String("SET w = :w"),
					ExpressionAttributeValues: item(t, `{":w":{"BOOL":true}}`)}},
			}})
			return err
		},
	}
	for i, s := range steps {
		if err := s(); err != nil {
			t.Fatalf("write %d: %v", i, err)
		}
	}
}

func TestStreams(t *testing.T) {
	for _, view := range []types.StreamViewType{types.StreamViewTypeNewAndOldImages, types.StreamViewTypeKeysOnly, types.StreamViewTypeNewImage, types.StreamViewTypeOldImage} {
		t.Run(string(view), func(t *testing.T) {
			e := start(t, nil)
			ctx := context.Background()
			createTable(t, e.Client, "events", "pk", types.ScalarAttributeTypeS, "", "", withStream(view))
			writeAll(t, e.Client, "events")

			sc := dynamodbstreams.NewFromConfig(awstest.Config(e.URL))
			ls, err := sc.ListStreams(ctx, &dynamodbstreams.ListStreamsInput{TableName: aws.String("events")})
			if err != nil || len(ls.Streams) != 1 {
				t.Fatalf("ListStreams: %v %v", ls, err)
			}
			arn := ls.Streams[0].StreamArn
			ds, err := sc.DescribeStream(ctx, &dynamodbstreams.DescribeStreamInput{StreamArn: arn})
			if err != nil {
				t.Fatal(err)
			}
			if ds.StreamDescription.StreamViewType != stypes.StreamViewType(view) || len(ds.StreamDescription.Shards) != 1 {
				t.Fatalf("DescribeStream = %+v", ds.StreamDescription)
			}
			it, err := sc.GetShardIterator(ctx, &dynamodbstreams.GetShardIteratorInput{StreamArn: arn,
				ShardId: ds.StreamDescription.Shards[0].ShardId, ShardIteratorType: stypes.ShardIteratorTypeTrimHorizon})
			if err != nil {
				t.Fatal(err)
			}
			// Read two records at a time to exercise NextShardIterator.
			var recs []stypes.Record
			iter := it.ShardIterator
			for i := 0; i < 10; i++ {
				out, err := sc.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: iter, Limit: aws.Int32(2)})
				if err != nil {
					t.Fatal(err)
				}
				recs = append(recs, out.Records...)
				iter = out.NextShardIterator
				if len(out.Records) == 0 {
					break
				}
			}
			var got []string
			var last uint64
			for _, r := range recs {
				seq, err := strconv.ParseUint(aws.ToString(r.Dynamodb.SequenceNumber), 10, 64)
				if err != nil || seq <= last {
					t.Errorf("sequence %q does not increase after %d", aws.ToString(r.Dynamodb.SequenceNumber), last)
				}
				last = seq
				if r.Dynamodb.ApproximateCreationDateTime == nil || !r.Dynamodb.ApproximateCreationDateTime.Equal(fixedClock()) {
					t.Errorf("ApproximateCreationDateTime = %v, want %v", r.Dynamodb.ApproximateCreationDateTime, fixedClock())
				}
				if aws.ToInt64(r.Dynamodb.SizeBytes) <= 0 {
					t.Errorf("SizeBytes = %d", aws.ToInt64(r.Dynamodb.SizeBytes))
				}
				got = append(got, fmt.Sprintf("%s %s new=%d old=%d", r.EventName, keyOf(r.Dynamodb.Keys), len(r.Dynamodb.NewImage), len(r.Dynamodb.OldImage)))
			}
			want := map[types.StreamViewType]string{
				types.StreamViewTypeNewAndOldImages: "INSERT a new=2 old=0|MODIFY a new=2 old=2|REMOVE a new=0 old=2|INSERT b new=1 old=0|INSERT c new=1 old=0|MODIFY b new=2 old=1",
				types.StreamViewTypeKeysOnly:        "INSERT a new=0 old=0|MODIFY a new=0 old=0|REMOVE a new=0 old=0|INSERT b new=0 old=0|INSERT c new=0 old=0|MODIFY b new=0 old=0",
				types.StreamViewTypeNewImage:        "INSERT a new=2 old=0|MODIFY a new=2 old=0|REMOVE a new=0 old=0|INSERT b new=1 old=0|INSERT c new=1 old=0|MODIFY b new=2 old=0",
				types.StreamViewTypeOldImage:        "INSERT a new=0 old=0|MODIFY a new=0 old=2|REMOVE a new=0 old=2|INSERT b new=0 old=0|INSERT c new=0 old=0|MODIFY b new=0 old=1",
			}[view]
			if g := strings.Join(got, "|"); g != want {
				t.Errorf("records:\n got %s\nwant %s", g, want)
			}

			// AT/AFTER_SEQUENCE_NUMBER and LATEST position as documented.
			second := recs[1].Dynamodb.SequenceNumber
			for _, tc := range []struct {
				typ   stypes.ShardIteratorType
				first string
			}{{stypes.ShardIteratorTypeAtSequenceNumber, "MODIFY"}, {stypes.ShardIteratorTypeAfterSequenceNumber, "REMOVE"}, {stypes.ShardIteratorTypeLatest, ""}} {
				in := &dynamodbstreams.GetShardIteratorInput{StreamArn: arn, ShardId: ds.StreamDescription.Shards[0].ShardId, ShardIteratorType: tc.typ}
				if tc.typ != stypes.ShardIteratorTypeLatest {
					in.SequenceNumber = second
				}
				it, err := sc.GetShardIterator(ctx, in)
				if err != nil {
					t.Fatal(err)
				}
				out, err := sc.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: it.ShardIterator, Limit: aws.Int32(1)})
				if err != nil {
					t.Fatal(err)
				}
				first := ""
				if len(out.Records) > 0 {
					first = string(out.Records[0].EventName)
				}
				if first != tc.first {
					t.Errorf("%s: first record %q, want %q", tc.typ, first, tc.first)
				}
			}
		})
	}
}

func keyOf(m map[string]stypes.AttributeValue) string {
	if v, ok := m["pk"].(*stypes.AttributeValueMemberS); ok {
		return v.Value
	}
	return "?"
}

// TestReadStreamNotifies checks the Go-level access the event source
// mapping uses: a consumer blocked on the channel wakes for a new record.
func TestReadStreamNotifies(t *testing.T) {
	e := start(t, nil)
	createTable(t, e.Client, "events", "pk", types.ScalarAttributeTypeS, "", "", withStream(types.StreamViewTypeNewImage))
	arn, err := e.Svc.StreamARN("events")
	if err != nil || arn == "" {
		t.Fatalf("StreamARN = %q, %v", arn, err)
	}
	recs, changed, err := e.Svc.ReadStream(arn, 0, 10)
	if err != nil || len(recs) != 0 {
		t.Fatalf("empty stream: %v, %v", recs, err)
	}
	go func() {
		_, _ = e.Client.PutItem(context.Background(), &ddb.PutItemInput{TableName: aws.String("events"), Item: item(t, `{"pk":{"S":"x"}}`)})
	}()
	select {
	case <-changed:
	case <-time.After(5 * time.Second):
		t.Fatal("no notification after a write")
	}
	recs, _, err = e.Svc.ReadStream(arn, 0, 10)
	if err != nil || len(recs) != 1 || recs[0].EventName != "INSERT" || recs[0].Dynamodb.NewImage["pk"].Str != "x" {
		t.Fatalf("after write: %+v, %v", recs, err)
	}
}

// TestPersistence stops a service and starts another on the same data
// directory: tables, items, indexes and stream records survive, and
// sequence numbers keep increasing.
func TestPersistence(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	db, err := state.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	e := start(t, db)
	newOrders(t, e.Client)
	createTable(t, e.Client, "events", "pk", types.ScalarAttributeTypeS, "", "", withStream(types.StreamViewTypeNewAndOldImages))
	writeAll(t, e.Client, "events")
	arn, _ := e.Svc.StreamARN("events")
	before, _, _ := e.Svc.ReadStream(arn, 0, 100)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	db2, err := state.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db2.Close() })
	e2 := start(t, db2)
	q, err := e2.Client.Query(ctx, &ddb.QueryInput{TableName: aws.String("orders"), IndexName: aws.String("byCoupon"),
		KeyConditionExpression: aws.String("coupon = :c"), ExpressionAttributeValues: item(t, `{":c":{"S":"SAVE"}}`), Select: types.SelectCount})
	if err != nil || q.Count != 7 {
		t.Fatalf("GSI after restart: count %d, %v; want 7", q.Count, err)
	}
	d, err := e2.Client.DescribeTable(ctx, &ddb.DescribeTableInput{TableName: aws.String("orders")})
	if err != nil || aws.ToInt64(d.Table.ItemCount) != 13 {
		t.Fatalf("DescribeTable after restart: %v, %v", d, err)
	}
	after, _, err := e2.Svc.ReadStream(arn, 0, 100)
	if err != nil || len(after) != len(before) {
		t.Fatalf("stream after restart: %d records (%v), want %d", len(after), err, len(before))
	}
	if _, err := e2.Client.PutItem(ctx, &ddb.PutItemInput{TableName: aws.String("events"), Item: item(t, `{"pk":{"S":"z"}}`)}); err != nil {
		t.Fatal(err)
	}
	recs, _, _ := e2.Svc.ReadStream(arn, before[len(before)-1].Seq(), 10)
	if len(recs) != 1 || recs[0].Seq() <= before[len(before)-1].Seq() {
		t.Fatalf("new record after restart: %+v", recs)
	}
}

// TestIdempotentTransactionsAndNoopWrites: a transaction retried with its
// ClientRequestToken succeeds without writing again, the token on another
// request is rejected, and writes that change nothing leave no record.
func TestIdempotentTransactionsAndNoopWrites(t *testing.T) {
	e := start(t, nil)
	ctx := context.Background()
	c := e.Client
	createTable(t, c, "events", "pk", types.ScalarAttributeTypeS, "", "", withStream(types.StreamViewTypeNewImage))
	tx := func(pk string) error {
		_, err := c.TransactWriteItems(ctx, &ddb.TransactWriteItemsInput{ClientRequestToken: aws.String("tok-1"), TransactItems: []types.TransactWriteItem{
			{Put: &types.Put{TableName: aws.String("events"), Item: item(t, fmt.Sprintf(`{"pk":{"S":%q},"a":{"S":"1"},"b":{"S":"2"}}`, pk)), ConditionExpression: aws.String("attribute_not_exists(pk)")}},
		}})
		return err
	}
	if err := tx("x"); err != nil {
		t.Fatal(err)
	}
	if err := tx("x"); err != nil {
		t.Errorf("replay with the same token: %v", err)
	}
	if code, _ := apiErr(tx("y")); code != "IdempotentParameterMismatchException" {
		t.Errorf("same token, other request: %q, want IdempotentParameterMismatchException", code)
	}
	if _, err := c.PutItem(ctx, &ddb.PutItemInput{TableName: aws.String("events"), Item: item(t, `{"pk":{"S":"x"},"b":{"S":"2"},"a":{"S":"1"}}`)}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteItem(ctx, &ddb.DeleteItemInput{TableName: aws.String("events"), Key: item(t, `{"pk":{"S":"absent"}}`)}); err != nil {
		t.Fatal(err)
	}
	arn, _ := e.Svc.StreamARN("events")
	recs, _, _ := e.Svc.ReadStream(arn, 0, 100)
	if len(recs) != 1 {
		t.Errorf("%d stream records, want 1 (the insert; replay, identical put and delete of a missing item write none)", len(recs))
	}
}

// TestStreamRetention: records older than 24 hours are dropped, and a
// position inside the dropped range is TrimmedDataAccessException.
func TestStreamRetention(t *testing.T) {
	now := fixedClock()
	clock := func() time.Time { return now }
	e := startClock(t, nil, clock)
	ctx := context.Background()
	createTable(t, e.Client, "events", "pk", types.ScalarAttributeTypeS, "", "", withStream(types.StreamViewTypeKeysOnly))
	put := func(pk string) {
		if _, err := e.Client.PutItem(ctx, &ddb.PutItemInput{TableName: aws.String("events"), Item: item(t, fmt.Sprintf(`{"pk":{"S":%q}}`, pk))}); err != nil {
			t.Fatal(err)
		}
	}
	put("old1")
	put("old2")
	now = now.Add(25 * time.Hour)
	put("new")
	sc := dynamodbstreams.NewFromConfig(awstest.Config(e.URL))
	ls, err := sc.ListStreams(ctx, &dynamodbstreams.ListStreamsInput{})
	if err != nil {
		t.Fatal(err)
	}
	arn := ls.Streams[0].StreamArn
	ds, err := sc.DescribeStream(ctx, &dynamodbstreams.DescribeStreamInput{StreamArn: arn})
	if err != nil {
		t.Fatal(err)
	}
	shard := ds.StreamDescription.Shards[0].ShardId
	it, err := sc.GetShardIterator(ctx, &dynamodbstreams.GetShardIteratorInput{StreamArn: arn, ShardId: shard, ShardIteratorType: stypes.ShardIteratorTypeTrimHorizon})
	if err != nil {
		t.Fatal(err)
	}
	out, err := sc.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: it.ShardIterator})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Records) != 1 || keyOf(out.Records[0].Dynamodb.Keys) != "new" {
		t.Fatalf("after retention: %d records", len(out.Records))
	}
	_, err = sc.GetShardIterator(ctx, &dynamodbstreams.GetShardIteratorInput{StreamArn: arn, ShardId: shard,
		ShardIteratorType: stypes.ShardIteratorTypeAfterSequenceNumber, SequenceNumber: aws.String("1")})
	var tde *stypes.TrimmedDataAccessException
	if !asErr(err, &tde) {
		t.Errorf("iterator inside the trimmed range: %v, want TrimmedDataAccessException", err)
	}
}

// TestStreamRecordIsLambdaShaped decodes a record with aws-lambda-go's
// events types, which is how the publisher Lambda reads them.
func TestStreamRecordIsLambdaShaped(t *testing.T) {
	e := start(t, nil)
	createTable(t, e.Client, "events", "pk", types.ScalarAttributeTypeS, "", "", withStream(types.StreamViewTypeNewAndOldImages))
	ctx := context.Background()
	for _, js := range []string{`{"pk":{"S":"a"},"n":{"N":"1"},"b":{"B":"AQI="},"l":{"L":[{"BOOL":true},{"NULL":true}]},"ss":{"SS":["x"]}}`, `{"pk":{"S":"a"},"n":{"N":"2"}}`} {
		if _, err := e.Client.PutItem(ctx, &ddb.PutItemInput{TableName: aws.String("events"), Item: item(t, js)}); err != nil {
			t.Fatal(err)
		}
	}
	arn, _ := e.Svc.StreamARN("events")
	recs, _, _ := e.Svc.ReadStream(arn, 0, 10)
	raw, err := json.Marshal(recs[1])
	if err != nil {
		t.Fatal(err)
	}
	var ev events.DynamoDBEventRecord
	if err := json.Unmarshal(raw, &ev); err != nil {
		t.Fatalf("decode %s: %v", raw, err)
	}
	c := ev.Change
	if ev.EventName != "MODIFY" || ev.EventSource != "aws:dynamodb" || c.Keys["pk"].String() != "a" || c.NewImage["n"].Number() != "2" ||
		string(c.OldImage["b"].Binary()) != "\x01\x02" || len(c.OldImage["l"].List()) != 2 || !c.OldImage["l"].List()[1].IsNull() ||
		c.SequenceNumber != recs[1].Dynamodb.SequenceNumber || !c.ApproximateCreationDateTime.Time.Equal(fixedClock()) || c.StreamViewType != "NEW_AND_OLD_IMAGES" {
		t.Errorf("lambda event record = %+v\nfrom %s", ev, raw)
	}
}
