// Package readmodeltest creates read-model tables on a real DynamoDB
// endpoint for tests: SHOPSTREAM_DYNAMODB_ENDPOINT when set, else the
// emulator's DynamoDB served in-process for the test (localdynamo).
package readmodeltest

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/shopstream/shopstream/internal/readmodel"
	"github.com/shopstream/shopstream/internal/testutil/localdynamo"
)

// Client returns a DynamoDB client for a real endpoint (localdynamo.Client).
func Client(t testing.TB) *dynamodb.Client {
	t.Helper()
	return localdynamo.Client(t)
}

var seq atomic.Int64

// CreateTable creates a uniquely named on-demand table from in.
func CreateTable(t testing.TB, c *dynamodb.Client, in *dynamodb.CreateTableInput) string {
	t.Helper()
	// DynamoDB allows [a-zA-Z0-9_.-]{3,255}; subtest names have spaces,
	// commas and more. The suffix keeps names unique on a shared endpoint.
	name := fmt.Sprintf("%s-%d-%d", tableSafe(t.Name()), time.Now().UnixNano(), seq.Add(1))
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

func tableSafe(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '.' || r == '-' {
			return r
		}
		return '_'
	}, s)
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
