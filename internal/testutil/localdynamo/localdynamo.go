// Package localdynamo gives tests a real DynamoDB endpoint with no process
// to install: the emulator's DynamoDB (emulator/dynamodb), served over HTTP
// on a loopback httptest server inside the test binary, reached with the
// real AWS SDK client. It is the default backend of every test that needs
// DynamoDB; SHOPSTREAM_DYNAMODB_ENDPOINT points the same tests at another
// endpoint (a running shopstream-local, DynamoDB Local, moto).
package localdynamo

import (
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/shopstream/shopstream/emulator/awsapi"
	emuddb "github.com/shopstream/shopstream/emulator/dynamodb"
	"github.com/shopstream/shopstream/emulator/state"
	"github.com/shopstream/shopstream/internal/testutil/awstest"
)

// EndpointEnv names a DynamoDB endpoint that Client uses instead of an
// in-process one.
const EndpointEnv = "SHOPSTREAM_DYNAMODB_ENDPOINT"

// Start serves a fresh, empty DynamoDB (and DynamoDB Streams) for the test
// and returns its URL. Everything is removed when the test ends.
func Start(tb testing.TB) string {
	tb.Helper()
	db, err := state.Open("")
	if err != nil {
		tb.Fatalf("localdynamo: %v", err)
	}
	tb.Cleanup(func() { db.Close() })
	svc, err := emuddb.New(db, time.Now)
	if err != nil {
		tb.Fatalf("localdynamo: %v", err)
	}
	srv := awsapi.New(nil)
	svc.Register(srv)
	hs := httptest.NewServer(srv)
	tb.Cleanup(hs.Close)
	return hs.URL
}

// Endpoint returns SHOPSTREAM_DYNAMODB_ENDPOINT when it is set, else the
// URL of a fresh in-process DynamoDB (Start).
func Endpoint(tb testing.TB) string {
	tb.Helper()
	if ep := os.Getenv(EndpointEnv); ep != "" {
		return ep
	}
	return Start(tb)
}

// Client returns an SDK client for Endpoint, with dummy credentials.
func Client(tb testing.TB) *dynamodb.Client {
	tb.Helper()
	return dynamodb.NewFromConfig(awstest.Config(Endpoint(tb)))
}
