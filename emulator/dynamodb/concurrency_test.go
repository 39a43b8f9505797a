package dynamodb_test

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// TestConcurrentConditionalWrites races optimistic writers (read the
// version, write with a condition on it), half through UpdateItem and half
// through two-item transactions: every successful write must be counted
// exactly once, and the stream must hold one record per write.
func TestConcurrentConditionalWrites(t *testing.T) {
	e := start(t, nil)
	ctx := context.Background()
	c := e.Client
	createTable(t, c, "counters", "pk", types.ScalarAttributeTypeS, "", "", withStream(types.StreamViewTypeNewAndOldImages))
	if _, err := c.PutItem(ctx, &ddb.PutItemInput{TableName: aws.String("counters"), Item: item(t, `{"pk":{"S":"c"},"v":{"N":"0"}}`)}); err != nil {
		t.Fatal(err)
	}
	const workers, tries = 8, 15
	var wins, txWins atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < tries; i++ {
				got, err := c.GetItem(ctx, &ddb.GetItemInput{TableName: aws.String("counters"), Key: item(t, `{"pk":{"S":"c"}}`), ConsistentRead: aws.Bool(true)})
				if err != nil {
					t.Error(err)
					return
				}
				v := got.Item["v"].(*types.AttributeValueMemberN).Value
				vals := map[string]types.AttributeValue{":old": &types.AttributeValueMemberN{Value: v}, ":one": &types.AttributeValueMemberN{Value: "1"}}
				if w%2 == 0 {
					_, err = c.UpdateItem(ctx, &ddb.UpdateItemInput{TableName: aws.String("counters"), Key: item(t, `{"pk":{"S":"c"}}`),
						UpdateExpression: aws.String("SET v = v + :one"), ConditionExpression: aws.String("v = :old"), ExpressionAttributeValues: vals})
				} else {
					_, err = c.TransactWriteItems(ctx, &ddb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
						{Update: &types.Update{TableName: aws.String("counters"), Key: item(t, `{"pk":{"S":"c"}}`),
							UpdateExpression: aws.String("SET v = v + :one"), ConditionExpression: aws.String("v = :old"), ExpressionAttributeValues: vals}},
						{Put: &types.Put{TableName: aws.String("counters"), Item: map[string]types.AttributeValue{
							"pk": &types.AttributeValueMemberS{Value: "log-" + v}, "by": &types.AttributeValueMemberN{Value: strconv.Itoa(w)}},
							ConditionExpression: aws.String("attribute_not_exists(pk)")}},
					}})
				}
				var ccf *types.ConditionalCheckFailedException
				var tce *types.TransactionCanceledException
				switch {
				case err == nil:
					wins.Add(1)
					if w%2 == 1 {
						txWins.Add(1)
					}
				case errors.As(err, &ccf), errors.As(err, &tce):
				default:
					t.Error(err)
					return
				}
			}
		}(w)
	}
	wg.Wait()
	got, err := c.GetItem(ctx, &ddb.GetItemInput{TableName: aws.String("counters"), Key: item(t, `{"pk":{"S":"c"}}`)})
	if err != nil {
		t.Fatal(err)
	}
	if v := got.Item["v"].(*types.AttributeValueMemberN).Value; v != strconv.FormatInt(wins.Load(), 10) {
		t.Errorf("counter = %s after %d successful conditional writes", v, wins.Load())
	}
	arn, _ := e.Svc.StreamARN("counters")
	recs, _, _ := e.Svc.ReadStream(arn, 0, 1000)
	// 1 initial insert + one MODIFY per win + one INSERT per transaction win.
	if want := 1 + wins.Load() + txWins.Load(); int64(len(recs)) != want {
		t.Errorf("%d stream records, want %d", len(recs), want)
	}
	if wins.Load() == 0 {
		t.Error("no writer ever succeeded")
	}
}
