package dynamodb_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/shopstream/shopstream/emulator/stack"
	"github.com/shopstream/shopstream/emulator/state"
)

// cfnEvents is an event-store table as CDK synthesizes it (no TableName,
// strings for throughput numbers are tolerated).
const cfnEvents = `{
  "KeySchema": [{"AttributeName": "streamId", "KeyType": "HASH"}, {"AttributeName": "version", "KeyType": "RANGE"}],
  "AttributeDefinitions": [{"AttributeName": "streamId", "AttributeType": "S"}, {"AttributeName": "version", "AttributeType": "N"},
    {"AttributeName": "timeBucket", "AttributeType": "S"}, {"AttributeName": "id", "AttributeType": "S"}],
  "GlobalSecondaryIndexes": [{"IndexName": "byTime", "KeySchema": [{"AttributeName": "timeBucket", "KeyType": "HASH"}, {"AttributeName": "id", "KeyType": "RANGE"}],
    "Projection": {"ProjectionType": "ALL"}, "ProvisionedThroughput": {"ReadCapacityUnits": "5", "WriteCapacityUnits": 5}}],
  "ProvisionedThroughput": {"ReadCapacityUnits": 5, "WriteCapacityUnits": "5"},
  "StreamSpecification": {"StreamViewType": "NEW_IMAGE"},
  "BillingMode": "PAY_PER_REQUEST"
}`

func TestProvisioner(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	var props map[string]any
	if err := json.Unmarshal([]byte(cfnEvents), &props); err != nil {
		t.Fatal(err)
	}
	provision := func(db *state.DB, typ, logical string, props map[string]any) (stack.Created, *endpoint) {
		t.Helper()
		e := start(t, db)
		var p stack.Provisioner = e.Svc.Provisioner("ShopStream")
		created, err := p.Create(ctx, stack.Resource{LogicalID: logical, Type: typ, Properties: props})
		if err != nil {
			t.Fatal(err)
		}
		return created, e
	}
	db, err := state.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	created, e := provision(db, "AWS::DynamoDB::Table", "EventsTable", props)
	if !strings.HasPrefix(created.Ref, "ShopStream-EventsTable-") {
		t.Errorf("generated name %q, want ShopStream-EventsTable-<suffix>", created.Ref)
	}
	d, err := e.Client.DescribeTable(ctx, &ddb.DescribeTableInput{TableName: aws.String(created.Ref)})
	if err != nil {
		t.Fatal(err)
	}
	if created.Attrs["Arn"] != aws.ToString(d.Table.TableArn) || created.Attrs["StreamArn"] != aws.ToString(d.Table.LatestStreamArn) || created.Attrs["StreamArn"] == nil {
		t.Errorf("attrs %v, table arn %s stream %s", created.Attrs, aws.ToString(d.Table.TableArn), aws.ToString(d.Table.LatestStreamArn))
	}
	if len(d.Table.GlobalSecondaryIndexes) != 1 || d.Table.StreamSpecification == nil || !aws.ToBool(d.Table.StreamSpecification.StreamEnabled) {
		t.Errorf("table from template: %+v", d.Table)
	}
	if _, err := e.Client.PutItem(ctx, &ddb.PutItemInput{TableName: aws.String(created.Ref),
		Item: item(t, `{"streamId":{"S":"s"},"version":{"N":"1"},"timeBucket":{"S":"2026-11"},"id":{"S":"01"}}`)}); err != nil {
		t.Fatal(err)
	}
	db.Close()

	// A restart provisions the same resource again: same name, data kept.
	db2, err := state.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer db2.Close()
	again, e2 := provision(db2, "AWS::DynamoDB::Table", "EventsTable", props)
	if again.Ref != created.Ref || again.Attrs["StreamArn"] != created.Attrs["StreamArn"] {
		t.Errorf("restart gave %+v, first run %+v", again, created)
	}
	s, err := e2.Client.Scan(ctx, &ddb.ScanInput{TableName: aws.String(again.Ref)})
	if err != nil || s.Count != 1 {
		t.Errorf("items after restart: %v, %v", s, err)
	}

	// GlobalTable with an explicit name; bad properties name the resource.
	props["TableName"] = "catalog"
	props["Replicas"] = []any{map[string]any{"Region": "us-east-1"}}
	g, _ := provision(nil, "AWS::DynamoDB::GlobalTable", "Catalog", props)
	if g.Ref != "catalog" || g.Attrs["Arn"] != "arn:aws:dynamodb:us-east-1:000000000000:table/catalog" {
		t.Errorf("global table: %+v", g)
	}
	bad := map[string]any{"KeySchema": []any{map[string]any{"AttributeName": "id", "KeyType": "HASH"}}}
	e3 := start(t, nil)
	_, err = e3.Svc.Provisioner("S").Create(ctx, stack.Resource{LogicalID: "Broken", Type: "AWS::DynamoDB::Table", Properties: bad})
	if err == nil || !strings.Contains(err.Error(), "Broken") || !strings.Contains(err.Error(), "not defined in AttributeDefinitions") {
		t.Errorf("bad template error = %v", err)
	}
}
