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
	"github.com/shopstream/shopstream/internal/testutil/localdynamo"
	"github.com/shopstream/shopstream/internal/testutil/motoserver"
)

// TestContract runs the adapter contract, concurrency cases included,
// against the emulator's DynamoDB served in-process, or against the
// endpoint SHOPSTREAM_DYNAMODB_ENDPOINT names (a running shopstream-local,
// DynamoDB Local).
func TestContract(t *testing.T) {
	client := ddb.NewFromConfig(awstest.Config(localdynamo.Endpoint(t)))
	eventstoretest.Run(t, func(t *testing.T) eventstore.Store { return newStore(t, client) })
}

// TestContractMoto cross-checks the single-writer cases against moto_server,
// a second, independent DynamoDB implementation, when it is installed.
// moto's conditional writes are not atomic under concurrent requests, so
// the concurrency cases do not run there.
func TestContractMoto(t *testing.T) {
	if testing.Short() {
		t.Skip("starts moto_server: skipped under -short")
	}
	client := ddb.NewFromConfig(motoserver.Config(motoserver.Start(t)))
	eventstoretest.RunSerial(t, func(t *testing.T) eventstore.Store { return newStore(t, client) })
}

// BenchmarkStore measures the adapter against the emulator in-process, or
// the endpoint SHOPSTREAM_DYNAMODB_ENDPOINT names (see localdynamo).
func BenchmarkStore(b *testing.B) {
	client := ddb.NewFromConfig(awstest.Config(localdynamo.Endpoint(b)))
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
