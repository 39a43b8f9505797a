package dynamodb

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Attribute names of an event item. The key and index attributes are part of
// the table definition (see CreateTable and the CDK stack).
const (
	AttrStreamID      = "streamId"   // partition key (S)
	AttrVersion       = "version"    // sort key (N)
	AttrID            = "id"         // ULID (S); sort key of GlobalIndex
	AttrTimeBucket    = "timeBucket" // "2006-01" (S); partition key of GlobalIndex
	AttrType          = "type"
	AttrSchemaVersion = "schemaVersion"
	AttrData          = "data"
	AttrRecordedAt    = "recordedAt"
	AttrCorrelationID = "correlationId"
	AttrCausationID   = "causationId"
	AttrActor         = "actor"
)

// GlobalIndex is the global secondary index ReadAll queries: partition key
// AttrTimeBucket (S), sort key AttrID (S), projection ALL.
const GlobalIndex = "byTime"

// bucketLayout formats AttrTimeBucket: one bucket per UTC month.
const bucketLayout = "2006-01"

// CreateTable creates an event table named name, billed per request, with
// GlobalIndex and a NEW_IMAGE stream (the publisher Lambda reads it), and
// waits until it is active. It is for tests and local runs; deployed tables
// come from the CDK stack.
func CreateTable(ctx context.Context, client *ddb.Client, name string) error {
	s := func(name string) types.AttributeDefinition {
		return types.AttributeDefinition{AttributeName: aws.String(name), AttributeType: types.ScalarAttributeTypeS}
	}
	key := func(name string, kt types.KeyType) types.KeySchemaElement {
		return types.KeySchemaElement{AttributeName: aws.String(name), KeyType: kt}
	}
	_, err := client.CreateTable(ctx, &ddb.CreateTableInput{
		TableName:   aws.String(name),
		BillingMode: types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{
			s(AttrStreamID),
			{AttributeName: aws.String(AttrVersion), AttributeType: types.ScalarAttributeTypeN},
			s(AttrTimeBucket),
			s(AttrID),
		},
		KeySchema: []types.KeySchemaElement{key(AttrStreamID, types.KeyTypeHash), key(AttrVersion, types.KeyTypeRange)},
		GlobalSecondaryIndexes: []types.GlobalSecondaryIndex{{
			IndexName:  aws.String(GlobalIndex),
			KeySchema:  []types.KeySchemaElement{key(AttrTimeBucket, types.KeyTypeHash), key(AttrID, types.KeyTypeRange)},
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll},
		}},
		StreamSpecification: &types.StreamSpecification{
			StreamEnabled:  aws.Bool(true),
			StreamViewType: types.StreamViewTypeNewImage,
		},
	})
	if err != nil {
		return fmt.Errorf("eventstore/dynamodb: create table %s: %w", name, err)
	}
	waiter := ddb.NewTableExistsWaiter(client, func(o *ddb.TableExistsWaiterOptions) {
		o.MinDelay = 100 * time.Millisecond
		o.MaxDelay = 5 * time.Second
	})
	if err := waiter.Wait(ctx, &ddb.DescribeTableInput{TableName: aws.String(name)}, 5*time.Minute); err != nil {
		return fmt.Errorf("eventstore/dynamodb: wait for table %s: %w", name, err)
	}
	return nil
}
