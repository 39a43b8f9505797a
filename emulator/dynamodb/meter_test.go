package dynamodb_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/shopstream/shopstream/emulator/dynamodb"
)

// The running totals count every operation as AWS bills it, whether or
// not the request asked for ReturnConsumedCapacity.
func TestConsumedTotals(t *testing.T) {
	ctx := context.Background()
	e := start(t, nil)
	createTable(t, e.Client, "tbl", "pk", types.ScalarAttributeTypeS, "", "")
	big := strings.Repeat("x", 1500) // a 2 KB item: 2 write units
	steps := []struct {
		name       string
		call       func() error
		read, wrte float64
	}{
		{"small put", func() error {
			_, err := e.Client.PutItem(ctx, &ddb.PutItemInput{TableName: aws.String("tbl"), Item: item(t, `{"pk":{"S":"a"}}`)})
			return err
		}, 0, 1},
		{"2 KB put", func() error {
			_, err := e.Client.PutItem(ctx, &ddb.PutItemInput{TableName: aws.String("tbl"), Item: item(t, `{"pk":{"S":"b"},"v":{"S":"`+big+`"}}`)})
			return err
		}, 0, 3},
		{"transaction of two small items doubles", func() error {
			_, err := e.Client.TransactWriteItems(ctx, &ddb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
				{Put: &types.Put{TableName: aws.String("tbl"), Item: item(t, `{"pk":{"S":"c"}}`)}},
				{Put: &types.Put{TableName: aws.String("tbl"), Item: item(t, `{"pk":{"S":"d"}}`)}},
			}})
			return err
		}, 0, 7},
		{"a failed conditional write still consumes the stored item's units", func() error {
			_, err := e.Client.PutItem(ctx, &ddb.PutItemInput{TableName: aws.String("tbl"), Item: item(t, `{"pk":{"S":"b"}}`),
				ConditionExpression: aws.String("attribute_not_exists(pk)")})
			var ccf *types.ConditionalCheckFailedException
			if !errors.As(err, &ccf) {
				return fmt.Errorf("want ConditionalCheckFailedException, got %v", err)
			}
			return nil
		}, 0, 9},
		{"eventually consistent get is half a unit", func() error {
			_, err := e.Client.GetItem(ctx, &ddb.GetItemInput{TableName: aws.String("tbl"), Key: item(t, `{"pk":{"S":"a"}}`)})
			return err
		}, 0.5, 9},
	}
	for _, s := range steps {
		if err := s.call(); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		total, byTable := e.Svc.Consumed()
		if total.ReadUnits != s.read || total.WriteUnits != s.wrte || byTable["tbl"] != total {
			t.Fatalf("after %s: %+v (%+v), want read %v write %v", s.name, total, byTable, s.read, s.wrte)
		}
	}

	res, err := http.Get(e.URL + dynamodb.CapacityPath)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var got struct {
		WriteUnits float64                   `json:"writeUnits"`
		Tables     map[string]dynamodb.Units `json:"tables"`
	}
	if err := json.NewDecoder(res.Body).Decode(&got); err != nil || got.WriteUnits != 9 || got.Tables["tbl"].ReadUnits != 0.5 {
		t.Fatalf("capacity endpoint: %+v %v", got, err)
	}
}
