package dynamodb_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	streams "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	"github.com/aws/smithy-go"

	"github.com/shopstream/shopstream/emulator/awsapi"
	"github.com/shopstream/shopstream/emulator/localtest"
	"github.com/shopstream/shopstream/internal/testutil/awstest"
)

// TestAuthorization signs requests with credentials issued for roles and
// checks each operation's action, resource and dynamodb:LeadingKeys.
func TestAuthorization(t *testing.T) {
	e := start(t, nil)
	ctx := context.Background()
	createTable(t, e.Client, "Events", "pk", types.ScalarAttributeTypeS, "sk", types.ScalarAttributeTypeN, func(in *ddb.CreateTableInput) {
		in.AttributeDefinitions = append(in.AttributeDefinitions, types.AttributeDefinition{AttributeName: aws.String("type"), AttributeType: types.ScalarAttributeTypeS})
		in.GlobalSecondaryIndexes = []types.GlobalSecondaryIndex{{
			IndexName:  aws.String("byType"),
			KeySchema:  []types.KeySchemaElement{{AttributeName: aws.String("type"), KeyType: types.KeyTypeHash}},
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll},
		}}
		in.StreamSpecification = &types.StreamSpecification{StreamEnabled: aws.Bool(true), StreamViewType: types.StreamViewTypeNewImage}
	})
	createTable(t, e.Client, "Orders", "id", types.ScalarAttributeTypeS, "", "")

	table := "arn:aws:dynamodb:us-east-1:000000000000:table/Events"
	iam := localtest.EnforceIAM(t, e.API)
	// What CDK's grantReadWriteData emits, narrowed to two partitions the
	// way the stack narrows its writers.
	writer := iam.Role("writer", `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":["dynamodb:PutItem","dynamodb:GetItem","dynamodb:Query","dynamodb:ConditionCheckItem","dynamodb:BatchWriteItem","dynamodb:BatchGetItem"],
		 "Resource":["`+table+`","`+table+`/index/*"],
		 "Condition":{"ForAllValues:StringLike":{"dynamodb:LeadingKeys":["product#*","ProductCreated"]}}},
		{"Effect":"Allow","Action":["dynamodb:DescribeStream","dynamodb:GetShardIterator","dynamodb:GetRecords"],"Resource":"`+table+`/stream/*"},
		{"Effect":"Allow","Action":"dynamodb:ListStreams","Resource":"*"}]}`)
	reader := iam.Role("reader", localtest.Allow([]string{"dynamodb:GetItem", "dynamodb:Scan"}, table))
	as := func(creds aws.CredentialsProvider) *ddb.Client {
		cfg := awstest.Config(e.URL)
		cfg.Credentials = creds
		return ddb.NewFromConfig(cfg)
	}
	w, r := as(writer), as(reader)
	put := func(pk string) *ddb.PutItemInput {
		return &ddb.PutItemInput{TableName: aws.String("Events"), Item: item(t, `{"pk":{"S":"`+pk+`"},"sk":{"N":"1"},"type":{"S":"ProductCreated"}}`)}
	}
	key := func(pk string) map[string]types.AttributeValue {
		return item(t, `{"pk":{"S":"`+pk+`"},"sk":{"N":"1"}}`)
	}
	denied := func(role, action, resource string) string {
		return "User: arn:aws:sts::000000000000:assumed-role/" + role + "/" + role + " is not authorized to perform: " + action +
			" on resource: " + resource + " because no identity-based policy allows the " + action + " action"
	}
	tests := []struct {
		name string
		call func() error
		want string // "" allowed, else the AccessDeniedException message
	}{
		{"PutItem in a granted partition", func() error { _, err := w.PutItem(ctx, put("product#1")); return err }, ""},
		{"PutItem outside the granted partitions", func() error { _, err := w.PutItem(ctx, put("basket#1")); return err },
			denied("writer", "dynamodb:PutItem", table)},
		{"GetItem granted", func() error {
			_, err := w.GetItem(ctx, &ddb.GetItemInput{TableName: aws.String("Events"), Key: key("product#1")})
			return err
		}, ""},
		{"GetItem on a table not granted", func() error {
			_, err := w.GetItem(ctx, &ddb.GetItemInput{TableName: aws.String("Orders"), Key: item(t, `{"id":{"S":"1"}}`)})
			return err
		}, denied("writer", "dynamodb:GetItem", "arn:aws:dynamodb:us-east-1:000000000000:table/Orders")},
		{"UpdateItem not granted", func() error {
			_, err := w.UpdateItem(ctx, &ddb.UpdateItemInput{TableName: aws.String("Events"), Key: key("product#1"),
				UpdateExpression: aws.String("SET x = :x"), ExpressionAttributeValues: item(t, `{":x":{"S":"1"}}`)})
			return err
		}, denied("writer", "dynamodb:UpdateItem", table)},
		{"Query on the table with the partition in a placeholder", func() error {
			_, err := w.Query(ctx, &ddb.QueryInput{TableName: aws.String("Events"), KeyConditionExpression: aws.String("#p = :p AND sk > :s"),
				ExpressionAttributeNames: map[string]string{"#p": "pk"}, ExpressionAttributeValues: item(t, `{":p":{"S":"product#1"},":s":{"N":"0"}}`)})
			return err
		}, ""},
		{"Query on another partition", func() error {
			_, err := w.Query(ctx, &ddb.QueryInput{TableName: aws.String("Events"), KeyConditionExpression: aws.String("pk = :p"),
				ExpressionAttributeValues: item(t, `{":p":{"S":"order#1"}}`)})
			return err
		}, denied("writer", "dynamodb:Query", table)},
		{"Query on an index: the index's partition key leads", func() error {
			_, err := w.Query(ctx, &ddb.QueryInput{TableName: aws.String("Events"), IndexName: aws.String("byType"),
				KeyConditionExpression: aws.String("#t = :t"), ExpressionAttributeNames: map[string]string{"#t": "type"},
				ExpressionAttributeValues: item(t, `{":t":{"S":"ProductCreated"}}`)})
			return err
		}, ""},
		{"Scan on an index is the index's resource", func() error {
			_, err := r.Scan(ctx, &ddb.ScanInput{TableName: aws.String("Events"), IndexName: aws.String("byType")})
			return err
		}, denied("reader", "dynamodb:Scan", table+"/index/byType")},
		{"Scan on the table", func() error { _, err := r.Scan(ctx, &ddb.ScanInput{TableName: aws.String("Events")}); return err }, ""},
		{"BatchWriteItem: every key in granted partitions", func() error {
			_, err := w.BatchWriteItem(ctx, &ddb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{"Events": {
				{PutRequest: &types.PutRequest{Item: put("product#2").Item}}, {DeleteRequest: &types.DeleteRequest{Key: key("product#3")}}}}})
			return err
		}, ""},
		{"BatchWriteItem: one key outside", func() error {
			_, err := w.BatchWriteItem(ctx, &ddb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{"Events": {
				{PutRequest: &types.PutRequest{Item: put("product#2").Item}}, {DeleteRequest: &types.DeleteRequest{Key: key("order#3")}}}}})
			return err
		}, denied("writer", "dynamodb:BatchWriteItem", table)},
		{"BatchGetItem: each table needs the grant", func() error {
			_, err := w.BatchGetItem(ctx, &ddb.BatchGetItemInput{RequestItems: map[string]types.KeysAndAttributes{
				"Events": {Keys: []map[string]types.AttributeValue{key("product#1")}},
				"Orders": {Keys: []map[string]types.AttributeValue{item(t, `{"id":{"S":"1"}}`)}}}})
			return err
		}, denied("writer", "dynamodb:BatchGetItem", "arn:aws:dynamodb:us-east-1:000000000000:table/Orders")},
		{"TransactWriteItems: each item's own action", func() error {
			_, err := w.TransactWriteItems(ctx, &ddb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
				{ConditionCheck: &types.ConditionCheck{TableName: aws.String("Events"), Key: key("product#1"), ConditionExpression: aws.String("attribute_exists(pk)")}},
				{Put: &types.Put{TableName: aws.String("Events"), Item: put("product#4").Item}}}})
			return err
		}, ""},
		{"TransactWriteItems: an action not granted", func() error {
			_, err := w.TransactWriteItems(ctx, &ddb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
				{Put: &types.Put{TableName: aws.String("Events"), Item: put("product#5").Item}},
				{Delete: &types.Delete{TableName: aws.String("Events"), Key: key("product#1")}}}})
			return err
		}, denied("writer", "dynamodb:DeleteItem", table)},
		{"TransactWriteItems: a partition not granted", func() error {
			_, err := w.TransactWriteItems(ctx, &ddb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
				{Put: &types.Put{TableName: aws.String("Events"), Item: put("basket#5").Item}}}})
			return err
		}, denied("writer", "dynamodb:PutItem", table)},
		{"ListTables needs Resource *", func() error { _, err := r.ListTables(ctx, &ddb.ListTablesInput{}); return err },
			denied("reader", "dynamodb:ListTables", "*")},
		{"DescribeTable", func() error {
			_, err := w.DescribeTable(ctx, &ddb.DescribeTableInput{TableName: aws.String("Events")})
			return err
		},
			denied("writer", "dynamodb:DescribeTable", table)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			if tt.want == "" {
				if err != nil {
					t.Fatalf("denied: %v", err)
				}
				return
			}
			var api smithy.APIError
			if !errors.As(err, &api) || api.ErrorCode() != "AccessDeniedException" || api.ErrorMessage() != tt.want {
				t.Fatalf("got %v\nwant AccessDeniedException: %s", err, tt.want)
			}
		})
	}

	// Streams: the stream ARN is the resource, ListStreams needs "*".
	desc, err := e.Client.DescribeTable(ctx, &ddb.DescribeTableInput{TableName: aws.String("Events")})
	if err != nil {
		t.Fatal(err)
	}
	streamARN := aws.ToString(desc.Table.LatestStreamArn)
	if !strings.HasPrefix(streamARN, table+"/stream/") {
		t.Fatalf("stream ARN %q is not under the table's", streamARN)
	}
	sc := func(creds aws.CredentialsProvider) *streams.Client {
		return streams.New(streams.Options{Region: awsapi.Region, BaseEndpoint: aws.String(e.URL), Credentials: creds})
	}
	if _, err := sc(writer).ListStreams(ctx, &streams.ListStreamsInput{}); err != nil {
		t.Fatalf("ListStreams: %v", err)
	}
	ds, err := sc(writer).DescribeStream(ctx, &streams.DescribeStreamInput{StreamArn: aws.String(streamARN)})
	if err != nil {
		t.Fatalf("DescribeStream: %v", err)
	}
	it, err := sc(writer).GetShardIterator(ctx, &streams.GetShardIteratorInput{StreamArn: aws.String(streamARN),
		ShardId: ds.StreamDescription.Shards[0].ShardId, ShardIteratorType: "TRIM_HORIZON"})
	if err != nil {
		t.Fatalf("GetShardIterator: %v", err)
	}
	if _, err := sc(writer).GetRecords(ctx, &streams.GetRecordsInput{ShardIterator: it.ShardIterator}); err != nil {
		t.Fatalf("GetRecords: %v", err)
	}
	var api smithy.APIError
	if _, err := sc(reader).GetRecords(ctx, &streams.GetRecordsInput{ShardIterator: it.ShardIterator}); !errors.As(err, &api) ||
		api.ErrorMessage() != denied("reader", "dynamodb:GetRecords", streamARN) {
		t.Fatalf("GetRecords without a grant: %v", err)
	}

	// In-process calls act as their context's principal.
	body := []byte(`{"TableName":"Orders","Key":{"id":{"S":"1"}}}`)
	if _, err := e.API.Call(awsapi.WithPrincipal(ctx, awsapi.Principal{RoleARN: localtest.RoleARN("writer"), Session: "machine"}), "DynamoDB_20120810.GetItem", body); !awsapi.IsAccessDenied(err) {
		t.Fatalf("in-process as a role without the grant: %v", err)
	}
	if _, err := e.API.Call(ctx, "DynamoDB_20120810.GetItem", body); err != nil {
		t.Fatalf("in-process as the administrator: %v", err)
	}
}
