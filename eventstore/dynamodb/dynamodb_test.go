package dynamodb_test

import (
	"context"
	"fmt"
	"os"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/shopstream/shopstream/eventstore"
	"github.com/shopstream/shopstream/eventstore/dynamodb"
	"github.com/shopstream/shopstream/eventstore/eventstoretest"
	"github.com/shopstream/shopstream/internal/testutil/awstest"
	"github.com/shopstream/shopstream/internal/testutil/motoserver"
)

// EndpointEnv names a DynamoDB endpoint (such as the shopstream local
// runtime's) that the contract suite runs against in addition to moto.
const EndpointEnv = "SHOPSTREAM_DYNAMODB_ENDPOINT"

func TestContract(t *testing.T) {
	t.Run("moto", func(t *testing.T) {
		client := ddb.NewFromConfig(motoserver.Config(motoserver.Start(t)))
		eventstoretest.Run(t, func(t *testing.T) eventstore.Store { return newStore(t, client) })
	})
	t.Run("endpoint", func(t *testing.T) {
		endpoint := os.Getenv(EndpointEnv)
		if endpoint == "" {
			t.Skipf("%s is not set; set it to a DynamoDB endpoint URL to run the suite against it", EndpointEnv)
		}
		client := ddb.NewFromConfig(awstest.Config(endpoint))
		eventstoretest.Run(t, func(t *testing.T) eventstore.Store { return newStore(t, client) })
	})
}

// BenchmarkStore measures the adapter against the endpoint EndpointEnv
// names, or else against moto. Moto's figures are mostly moto's own Python
// (it copies the whole table for every item of a transaction); they are not
// DynamoDB's latencies.
func BenchmarkStore(b *testing.B) {
	endpoint := os.Getenv(EndpointEnv)
	if endpoint == "" {
		endpoint = motoserver.Start(b)
	}
	client := ddb.NewFromConfig(awstest.Config(endpoint))
	eventstoretest.Bench(b, func(b *testing.B) eventstore.Store { return newStore(b, client) })
}

var tables atomic.Int64

// newStore creates a fresh table on client and returns a store on it; the
// table is deleted when the test ends.
func newStore(tb testing.TB, client *ddb.Client, opts ...dynamodb.Option) *dynamodb.Store {
	tb.Helper()
	name := fmt.Sprintf("events-%d-%d", os.Getpid(), tables.Add(1))
	ctx := context.Background()
	if err := dynamodb.CreateTable(ctx, client, name); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if _, err := client.DeleteTable(ctx, &ddb.DeleteTableInput{TableName: aws.String(name)}); err != nil {
			tb.Errorf("delete table %s: %v", name, err)
		}
	})
	return dynamodb.New(client, name, opts...)
}
