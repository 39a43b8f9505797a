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
	"github.com/aws/smithy-go"
)

// apiErr splits an SDK error into its AWS error code and message.
func apiErr(err error) (code, msg string) {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode(), ae.ErrorMessage()
	}
	if err != nil {
		return "?", err.Error()
	}
	return "", ""
}

func TestErrors(t *testing.T) {
	e := start(t, nil)
	ctx := context.Background()
	c := e.Client
	createTable(t, c, "items", "pk", types.ScalarAttributeTypeS, "sk", types.ScalarAttributeTypeN)
	if _, err := c.PutItem(ctx, &ddb.PutItemInput{TableName: aws.String("items"), Item: item(t, `{"pk":{"S":"a"},"sk":{"N":"1"},"v":{"N":"5"}}`)}); err != nil {
		t.Fatal(err)
	}
	big := strings.Repeat("x", 400*1024)
	tests := []struct {
		name string
		call func() error
		code string
		msg  string // exact message, or prefix when it ends in "…"
	}{
		{"unknown table", func() error {
			_, err := c.GetItem(ctx, &ddb.GetItemInput{TableName: aws.String("nope"), Key: item(t, `{"pk":{"S":"a"}}`)})
			return err
		}, "ResourceNotFoundException", "Requested resource not found"},
		{"describe unknown table", func() error {
			_, err := c.DescribeTable(ctx, &ddb.DescribeTableInput{TableName: aws.String("nope")})
			return err
		}, "ResourceNotFoundException", "Requested resource not found: Table: nope not found"},
		{"table exists", func() error {
			_, err := c.CreateTable(ctx, &ddb.CreateTableInput{TableName: aws.String("items"), BillingMode: types.BillingModePayPerRequest,
				AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS}},
				KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash}}})
			return err
		}, "ResourceInUseException", "Table already exists: items"},
		{"unused attribute definition", func() error {
			_, err := c.CreateTable(ctx, &ddb.CreateTableInput{TableName: aws.String("tbl2"), BillingMode: types.BillingModePayPerRequest,
				AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS},
					{AttributeName: aws.String("extra"), AttributeType: types.ScalarAttributeTypeS}},
				KeySchema: []types.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash}}})
			return err
		}, "ValidationException", "One or more parameter values were invalid: Number of attributes in KeySchema does not exactly match number of attributes defined in AttributeDefinitions"},
		{"undefined key attribute", func() error {
			_, err := c.CreateTable(ctx, &ddb.CreateTableInput{TableName: aws.String("tbl2"), BillingMode: types.BillingModePayPerRequest,
				AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS}},
				KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("id"), KeyType: types.KeyTypeHash}}})
			return err
		}, "ValidationException", "One or more parameter values were invalid: Some index key attributes are not defined in AttributeDefinitions. Keys: [id], AttributeDefinitions: [pk]"},
		{"provisioned without throughput", func() error {
			_, err := c.CreateTable(ctx, &ddb.CreateTableInput{TableName: aws.String("tbl2"),
				AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS}},
				KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash}}})
			return err
		}, "ValidationException", "One or more parameter values were invalid: ReadCapacityUnits and WriteCapacityUnits must both be specified when BillingMode is PROVISIONED"},
		{"missing key attribute", func() error {
			_, err := c.PutItem(ctx, &ddb.PutItemInput{TableName: aws.String("items"), Item: item(t, `{"pk":{"S":"a"}}`)})
			return err
		}, "ValidationException", "One or more parameter values were invalid: Missing the key sk in the item"},
		{"wrong key type", func() error {
			_, err := c.PutItem(ctx, &ddb.PutItemInput{TableName: aws.String("items"), Item: item(t, `{"pk":{"N":"1"},"sk":{"N":"1"}}`)})
			return err
		}, "ValidationException", "One or more parameter values were invalid: Type mismatch for key pk expected: S actual: N"},
		{"empty string key", func() error {
			_, err := c.PutItem(ctx, &ddb.PutItemInput{TableName: aws.String("items"), Item: item(t, `{"pk":{"S":""},"sk":{"N":"1"}}`)})
			return err
		}, "ValidationException", "One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty string value. Key: pk"},
		{"key does not match schema", func() error {
			_, err := c.GetItem(ctx, &ddb.GetItemInput{TableName: aws.String("items"), Key: item(t, `{"pk":{"S":"a"}}`)})
			return err
		}, "ValidationException", "The provided key element does not match the schema"},
		{"unused value", func() error {
			_, err := c.PutItem(ctx, &ddb.PutItemInput{TableName: aws.String("items"), Item: item(t, `{"pk":{"S":"a"},"sk":{"N":"2"}}`),
				ConditionExpression: aws.String("attribute_not_exists(pk)"), ExpressionAttributeValues: item(t, `{":x":{"S":"1"}}`)})
			return err
		}, "ValidationException", "Value provided in ExpressionAttributeValues unused in expressions: keys: {:x}"},
		{"undefined value", func() error {
			_, err := c.UpdateItem(ctx, &ddb.UpdateItemInput{TableName: aws.String("items"), Key: item(t, `{"pk":{"S":"a"},"sk":{"N":"1"}}`),
				UpdateExpression: aws.String("SET v = :nope")})
			return err
		}, "ValidationException", "Invalid UpdateExpression: An expression attribute value used in expression is not defined; attribute value: :nope"},
		{"syntax error", func() error {
			_, err := c.UpdateItem(ctx, &ddb.UpdateItemInput{TableName: aws.String("items"), Key: item(t, `{"pk":{"S":"a"},"sk":{"N":"1"}}`),
				UpdateExpression: aws.String("SET v = = :v"), ExpressionAttributeValues: item(t, `{":v":{"N":"1"}}`)})
			return err
		}, "ValidationException", `Invalid UpdateExpression: Syntax error; token: "=", near: "= = :v"`},
		{"reserved word", func() error {
			_, err := c.UpdateItem(ctx, &ddb.UpdateItemInput{TableName: aws.String("items"), Key: item(t, `{"pk":{"S":"a"},"sk":{"N":"1"}}`),
				UpdateExpression: aws.String("SET status = :v"), ExpressionAttributeValues: item(t, `{":v":{"N":"1"}}`)})
			return err
		}, "ValidationException", "Invalid UpdateExpression: Attribute name is a reserved keyword; reserved keyword: status"},
		{"update key attribute", func() error {
			_, err := c.UpdateItem(ctx, &ddb.UpdateItemInput{TableName: aws.String("items"), Key: item(t, `{"pk":{"S":"a"},"sk":{"N":"1"}}`),
				UpdateExpression: aws.String("SET pk = :v"), ExpressionAttributeValues: item(t, `{":v":{"S":"b"}}`)})
			return err
		}, "ValidationException", "One or more parameter values were invalid: Cannot update attribute pk. This attribute is part of the key"},
		{"arithmetic on a string", func() error {
			_, err := c.UpdateItem(ctx, &ddb.UpdateItemInput{TableName: aws.String("items"), Key: item(t, `{"pk":{"S":"a"},"sk":{"N":"1"}}`),
				UpdateExpression: aws.String("SET v = v + :v"), ExpressionAttributeValues: item(t, `{":v":{"S":"b"}}`)})
			return err
		}, "ValidationException", "Invalid UpdateExpression: Incorrect operand type for operator or function; operator or function: +, operand type: S"},
		{"item too large", func() error {
			_, err := c.PutItem(ctx, &ddb.PutItemInput{TableName: aws.String("items"), Item: map[string]types.AttributeValue{
				"pk": &types.AttributeValueMemberS{Value: "a"}, "sk": &types.AttributeValueMemberN{Value: "9"}, "big": &types.AttributeValueMemberS{Value: big}}})
			return err
		}, "ValidationException", "Item size has exceeded the maximum allowed size"},
		{"partition key too large", func() error {
			_, err := c.PutItem(ctx, &ddb.PutItemInput{TableName: aws.String("items"), Item: map[string]types.AttributeValue{
				"pk": &types.AttributeValueMemberS{Value: strings.Repeat("k", 2049)}, "sk": &types.AttributeValueMemberN{Value: "1"}}})
			return err
		}, "ValidationException", "One or more parameter values were invalid: Size of hashkey has exceeded the maximum size limit of 2048 bytes"},
		{"bad number", func() error {
			_, err := c.PutItem(ctx, &ddb.PutItemInput{TableName: aws.String("items"), Item: item(t, `{"pk":{"S":"a"},"sk":{"N":"1"},"x":{"N":"1x"}}`)})
			return err
		}, "ValidationException", "A value provided cannot be converted into a number"},
		{"empty set", func() error {
			_, err := c.PutItem(ctx, &ddb.PutItemInput{TableName: aws.String("items"), Item: map[string]types.AttributeValue{
				"pk": &types.AttributeValueMemberS{Value: "a"}, "sk": &types.AttributeValueMemberN{Value: "9"}, "s": &types.AttributeValueMemberSS{Value: []string{}}}})
			return err
		}, "ValidationException", "One or more parameter values were invalid: An string set  may not be empty"},
		{"condition failed", func() error {
			_, err := c.PutItem(ctx, &ddb.PutItemInput{TableName: aws.String("items"), Item: item(t, `{"pk":{"S":"a"},"sk":{"N":"1"}}`),
				ConditionExpression: aws.String("attribute_not_exists(pk)")})
			return err
		}, "ConditionalCheckFailedException", "The conditional request failed"},
		{"query without partition key", func() error {
			_, err := c.Query(ctx, &ddb.QueryInput{TableName: aws.String("items"), KeyConditionExpression: aws.String("sk = :s"),
				ExpressionAttributeValues: item(t, `{":s":{"N":"1"}}`)})
			return err
		}, "ValidationException", "Query condition missed key schema element: pk"},
		{"query with OR", func() error {
			_, err := c.Query(ctx, &ddb.QueryInput{TableName: aws.String("items"), KeyConditionExpression: aws.String("pk = :p OR sk = :s"),
				ExpressionAttributeValues: item(t, `{":p":{"S":"a"},":s":{"N":"1"}}`)})
			return err
		}, "ValidationException", "Invalid operator used in KeyConditionExpression: OR"},
		{"query key type", func() error {
			_, err := c.Query(ctx, &ddb.QueryInput{TableName: aws.String("items"), KeyConditionExpression: aws.String("pk = :p"),
				ExpressionAttributeValues: item(t, `{":p":{"N":"1"}}`)})
			return err
		}, "ValidationException", "One or more parameter values were invalid: Condition parameter type does not match schema type"},
		{"unknown index", func() error {
			_, err := c.Query(ctx, &ddb.QueryInput{TableName: aws.String("items"), IndexName: aws.String("nope"), KeyConditionExpression: aws.String("pk = :p"),
				ExpressionAttributeValues: item(t, `{":p":{"S":"a"}}`)})
			return err
		}, "ValidationException", "The table does not have the specified index: nope"},
		{"filter on key attribute", func() error {
			_, err := c.Query(ctx, &ddb.QueryInput{TableName: aws.String("items"), KeyConditionExpression: aws.String("pk = :p"),
				FilterExpression: aws.String("sk > :s"), ExpressionAttributeValues: item(t, `{":p":{"S":"a"},":s":{"N":"1"}}`)})
			return err
		}, "ValidationException", "Filter Expression can only contain non-primary key attributes: Primary key attribute: sk"},
		{"bad placeholder name", func() error {
			_, err := c.GetItem(ctx, &ddb.GetItemInput{TableName: aws.String("items"), Key: item(t, `{"pk":{"S":"a"},"sk":{"N":"1"}}`),
				ProjectionExpression: aws.String("v"), ExpressionAttributeNames: map[string]string{"n": "v"}})
			return err
		}, "ValidationException", `ExpressionAttributeNames contains invalid key: Syntax error; key: "n"`},
		{"values without expressions", func() error {
			_, err := c.PutItem(ctx, &ddb.PutItemInput{TableName: aws.String("items"), Item: item(t, `{"pk":{"S":"a"},"sk":{"N":"3"}}`),
				ExpressionAttributeValues: item(t, `{":x":{"S":"1"}}`)})
			return err
		}, "ValidationException", "ExpressionAttributeValues can only be specified when using expressions"},
		{"batch write duplicates", func() error {
			put := types.WriteRequest{PutRequest: &types.PutRequest{Item: item(t, `{"pk":{"S":"d"},"sk":{"N":"1"}}`)}}
			_, err := c.BatchWriteItem(ctx, &ddb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{"items": {put, put}}})
			return err
		}, "ValidationException", "Provided list of item keys contains duplicates"},
		{"batch write too many", func() error {
			var reqs []types.WriteRequest
			for i := 0; i < 26; i++ {
				reqs = append(reqs, types.WriteRequest{PutRequest: &types.PutRequest{Item: item(t, fmt.Sprintf(`{"pk":{"S":"d"},"sk":{"N":"%d"}}`, i))}})
			}
			_, err := c.BatchWriteItem(ctx, &ddb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{"items": reqs}})
			return err
		}, "ValidationException", "Too many items requested for the BatchWriteItem call"},
		{"transaction same item twice", func() error {
			k := item(t, `{"pk":{"S":"a"},"sk":{"N":"1"}}`)
			_, err := c.TransactWriteItems(ctx, &ddb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
				{Delete: &types.Delete{TableName: aws.String("items"), Key: k}},
				{ConditionCheck: &types.ConditionCheck{TableName: aws.String("items"), Key: k, ConditionExpression: aws.String("attribute_exists(pk)")}},
			}})
			return err
		}, "ValidationException", "Transaction request cannot include multiple operations on one item"},
		{"invalid ReturnValues on put", func() error {
			_, err := c.PutItem(ctx, &ddb.PutItemInput{TableName: aws.String("items"), Item: item(t, `{"pk":{"S":"a"},"sk":{"N":"1"}}`), ReturnValues: types.ReturnValueAllNew})
			return err
		}, "ValidationException", "ReturnValues can only be ALL_OLD or NONE"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, msg := apiErr(tt.call())
			if code != tt.code || msg != tt.msg {
				t.Errorf("got %s: %s\nwant %s: %s", code, msg, tt.code, tt.msg)
			}
		})
	}
	// None of the failed writes changed anything.
	out, err := c.Scan(ctx, &ddb.ScanInput{TableName: aws.String("items")})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Items) != 1 || show(out.Items[0]) != `{"pk":{"S":"a"},"sk":{"N":"1"},"v":{"N":"5"}}` {
		t.Errorf("after failed writes the table holds %d items, first %v", len(out.Items), out.Items)
	}
}

func TestConditionFailureReturnsOldItem(t *testing.T) {
	e := start(t, nil)
	ctx := context.Background()
	c := e.Client
	createTable(t, c, "items", "pk", types.ScalarAttributeTypeS, "", "")
	old := item(t, `{"pk":{"S":"a"},"v":{"N":"1"}}`)
	if _, err := c.PutItem(ctx, &ddb.PutItemInput{TableName: aws.String("items"), Item: old}); err != nil {
		t.Fatal(err)
	}
	_, err := c.PutItem(ctx, &ddb.PutItemInput{TableName: aws.String("items"), Item: item(t, `{"pk":{"S":"a"}}`),
		ConditionExpression: aws.String("attribute_not_exists(pk)"), ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld})
	var ccf *types.ConditionalCheckFailedException
	if !errors.As(err, &ccf) {
		t.Fatalf("err = %v, want ConditionalCheckFailedException", err)
	}
	if !sameItem(ccf.Item, old) {
		t.Errorf("Item = %s, want %s", show(ccf.Item), show(old))
	}

	_, err = c.TransactWriteItems(ctx, &ddb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Put: &types.Put{TableName: aws.String("items"), Item: item(t, `{"pk":{"S":"a"}}`), ConditionExpression: aws.String("attribute_not_exists(pk)"),
			ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld}},
		{Put: &types.Put{TableName: aws.String("items"), Item: item(t, `{"pk":{"S":"b"}}`)}},
	}})
	var tce *types.TransactionCanceledException
	if !errors.As(err, &tce) {
		t.Fatalf("err = %v, want TransactionCanceledException", err)
	}
	if want := "Transaction cancelled, please refer cancellation reasons for specific reasons [ConditionalCheckFailed, None]"; tce.ErrorMessage() != want {
		t.Errorf("message = %q, want %q", tce.ErrorMessage(), want)
	}
	if len(tce.CancellationReasons) != 2 || aws.ToString(tce.CancellationReasons[0].Code) != "ConditionalCheckFailed" ||
		aws.ToString(tce.CancellationReasons[1].Code) != "None" || !sameItem(tce.CancellationReasons[0].Item, old) {
		t.Errorf("CancellationReasons = %+v", tce.CancellationReasons)
	}
	// The cancelled transaction wrote nothing.
	got, err := c.GetItem(ctx, &ddb.GetItemInput{TableName: aws.String("items"), Key: item(t, `{"pk":{"S":"b"}}`)})
	if err != nil || got.Item != nil {
		t.Errorf("item b after cancelled transaction: %v, %v", show(got.Item), err)
	}
}

// TestRawProtocol covers what an SDK never sends: malformed bodies and
// unknown operations still get AWS-shaped errors.
func TestRawProtocol(t *testing.T) {
	e := start(t, nil)
	tests := []struct {
		target, body string
		status       int
		typ          string
	}{
		{"DynamoDB_20120810.GetItem", `{"TableName":`, 400, "com.amazonaws.dynamodb.v20120810#SerializationException"},
		{"DynamoDB_20120810.GetItem", `{"TableName":"x","Key":{"id":{"Q":"1"}}}`, 400, "com.amazonaws.dynamodb.v20120810#ValidationException"},
		{"DynamoDB_20120810.Frobnicate", `{}`, 400, "com.amazonaws.dynamodb.v20120810#UnknownOperationException"},
		{"DynamoDBStreams_20120810.GetRecords", `{"ShardIterator":"bogus"}`, 400, "com.amazonaws.dynamodb.v20120810#ValidationException"},
		{"DynamoDB_20120810.ListTables", ``, 200, ""},
	}
	for _, tt := range tests {
		req, _ := http.NewRequest(http.MethodPost, e.URL+"/", strings.NewReader(tt.body))
		req.Header.Set("X-Amz-Target", tt.target)
		req.Header.Set("Content-Type", "application/x-amz-json-1.0")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var body struct {
			Type    string `json:"__type"`
			Message string `json:"message"`
		}
		_ = json.NewDecoder(resp.Body).Decode(&body)
		resp.Body.Close()
		if resp.StatusCode != tt.status || body.Type != tt.typ {
			t.Errorf("%s %s: %d %s (%s), want %d %s", tt.target, tt.body, resp.StatusCode, body.Type, body.Message, tt.status, tt.typ)
		}
	}
}
