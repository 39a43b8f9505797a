// Package readmodeltest creates read-model tables on a real DynamoDB
// endpoint for tests: SHOPSTREAM_DYNAMODB_ENDPOINT when set (the local
// runtime), else a moto_server started for the test (skipped when absent).
package readmodeltest

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/shopstream/shopstream/internal/readmodel"
	"github.com/shopstream/shopstream/internal/testutil/awstest"
	"github.com/shopstream/shopstream/internal/testutil/motoserver"
)

// Client returns a DynamoDB client for a real endpoint.
func Client(t testing.TB) *dynamodb.Client {
	t.Helper()
	ep := os.Getenv("SHOPSTREAM_DYNAMODB_ENDPOINT")
	if ep == "" {
		ep = motoserver.Start(t)
	}
	return dynamodb.NewFromConfig(awstest.Config(ep))
}

var seq atomic.Int64

// CreateTable creates a uniquely named on-demand table from in.
func CreateTable(t testing.TB, c *dynamodb.Client, in *dynamodb.CreateTableInput) string {
	t.Helper()
	name := fmt.Sprintf("%s-%d-%d", strings.NewReplacer("/", "-", " ", "_").Replace(t.Name()), time.Now().UnixNano(), seq.Add(1))
	if len(name) > 255 {
		name = name[len(name)-255:]
	}
	in.TableName = aws.String(name)
	in.BillingMode = types.BillingModePayPerRequest
	if _, err := c.CreateTable(context.Background(), in); err != nil {
		t.Fatalf("create table: %v", err)
	}
	return name
}

func attr(name string) types.AttributeDefinition {
	return types.AttributeDefinition{AttributeName: aws.String(name), AttributeType: types.ScalarAttributeTypeS}
}

func key(name string, kt types.KeyType) types.KeySchemaElement {
	return types.KeySchemaElement{AttributeName: aws.String(name), KeyType: kt}
}

// Catalog returns a fresh catalog table shaped as the stack defines it.
func Catalog(t testing.TB, c *dynamodb.Client) readmodel.Catalog {
	name := CreateTable(t, c, &dynamodb.CreateTableInput{
		AttributeDefinitions: []types.AttributeDefinition{attr(readmodel.CatalogKey), attr(readmodel.CatalogCategory)},
		KeySchema:            []types.KeySchemaElement{key(readmodel.CatalogKey, types.KeyTypeHash)},
		GlobalSecondaryIndexes: []types.GlobalSecondaryIndex{{
			IndexName:  aws.String(readmodel.CatalogByCategory),
			KeySchema:  []types.KeySchemaElement{key(readmodel.CatalogCategory, types.KeyTypeHash), key(readmodel.CatalogKey, types.KeyTypeRange)},
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll},
		}},
	})
	return readmodel.Catalog{Client: c, Table: name}
}

// Orders returns a fresh orders table shaped as the stack defines it.
func Orders(t testing.TB, c *dynamodb.Client) readmodel.Orders {
	name := CreateTable(t, c, &dynamodb.CreateTableInput{
		AttributeDefinitions: []types.AttributeDefinition{attr(readmodel.OrdersKey), attr(readmodel.OrdersSortKey), attr(readmodel.OrdersOrderID)},
		KeySchema:            []types.KeySchemaElement{key(readmodel.OrdersKey, types.KeyTypeHash), key(readmodel.OrdersSortKey, types.KeyTypeRange)},
		GlobalSecondaryIndexes: []types.GlobalSecondaryIndex{{
			IndexName:  aws.String(readmodel.OrdersByOrderID),
			KeySchema:  []types.KeySchemaElement{key(readmodel.OrdersOrderID, types.KeyTypeHash)},
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll},
		}},
	})
	return readmodel.Orders{Client: c, Table: name}
}
