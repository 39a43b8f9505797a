package dynamodb_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/shopstream/shopstream/emulator/awsapi"
	"github.com/shopstream/shopstream/emulator/dynamodb"
	"github.com/shopstream/shopstream/emulator/dynamodb/attr"
	"github.com/shopstream/shopstream/emulator/state"
	"github.com/shopstream/shopstream/internal/testutil/awstest"
)

// fixedClock is the tests' injected clock.
var fixedClock = func() time.Time { return time.Date(2026, 11, 26, 5, 0, 0, 0, time.UTC) }

// endpoint is a running emulator: the service behind a real HTTP server.
type endpoint struct {
	URL    string
	Svc    *dynamodb.Service
	API    *awsapi.Server // for in-process calls (Server.Call) that skip HTTP
	Client *ddb.Client
}

// start serves a fresh service over db (a new ephemeral store when nil).
func start(tb testing.TB, db *state.DB) *endpoint {
	tb.Helper()
	return startClock(tb, db, fixedClock)
}

// startClock is start with a given clock.
func startClock(tb testing.TB, db *state.DB, clock func() time.Time) *endpoint {
	tb.Helper()
	if db == nil {
		var err error
		if db, err = state.Open(""); err != nil {
			tb.Fatal(err)
		}
		tb.Cleanup(func() { db.Close() })
	}
	svc, err := dynamodb.New(db, clock)
	if err != nil {
		tb.Fatal(err)
	}
	srv := awsapi.New(nil)
	svc.Register(srv)
	hs := httptest.NewServer(srv)
	tb.Cleanup(hs.Close)
	return &endpoint{URL: hs.URL, Svc: svc, API: srv, Client: ddb.NewFromConfig(awstest.Config(hs.URL))}
}

// item parses DynamoDB JSON ({"id":{"S":"1"}}) into SDK attribute values.
func item(tb testing.TB, js string) map[string]types.AttributeValue {
	tb.Helper()
	if js == "" {
		return nil
	}
	var it attr.Item
	if err := json.Unmarshal([]byte(js), &it); err != nil {
		tb.Fatalf("bad test item %s: %v", js, err)
	}
	return toSDK(it)
}

func toSDK(it attr.Item) map[string]types.AttributeValue {
	if it == nil {
		return nil
	}
	out := make(map[string]types.AttributeValue, len(it))
	for k, v := range it {
		out[k] = valueToSDK(v)
	}
	return out
}

func valueToSDK(v attr.Value) types.AttributeValue {
	switch v.T {
	case attr.S:
		return &types.AttributeValueMemberS{Value: v.Str}
	case attr.N:
		return &types.AttributeValueMemberN{Value: v.Str}
	case attr.B:
		return &types.AttributeValueMemberB{Value: []byte(v.Str)}
	case attr.BOOL:
		return &types.AttributeValueMemberBOOL{Value: v.Bool}
	case attr.NULL:
		return &types.AttributeValueMemberNULL{Value: true}
	case attr.L:
		l := make([]types.AttributeValue, len(v.L))
		for i, e := range v.L {
			l[i] = valueToSDK(e)
		}
		return &types.AttributeValueMemberL{Value: l}
	case attr.M:
		return &types.AttributeValueMemberM{Value: toSDK(v.M)}
	case attr.SS:
		return &types.AttributeValueMemberSS{Value: v.Set}
	case attr.NS:
		return &types.AttributeValueMemberNS{Value: v.Set}
	default:
		bs := make([][]byte, len(v.Set))
		for i, e := range v.Set {
			bs[i] = []byte(e)
		}
		return &types.AttributeValueMemberBS{Value: bs}
	}
}

func fromSDK(m map[string]types.AttributeValue) attr.Item {
	if m == nil {
		return nil
	}
	out := attr.Item{}
	for k, v := range m {
		out[k] = valueFromSDK(v)
	}
	return out
}

func valueFromSDK(v types.AttributeValue) attr.Value {
	switch v := v.(type) {
	case *types.AttributeValueMemberS:
		return attr.Str(v.Value)
	case *types.AttributeValueMemberN:
		return attr.Num(v.Value)
	case *types.AttributeValueMemberB:
		return attr.Bin(v.Value)
	case *types.AttributeValueMemberBOOL:
		return attr.Boolean(v.Value)
	case *types.AttributeValueMemberNULL:
		return attr.Value{T: attr.NULL}
	case *types.AttributeValueMemberL:
		l := make([]attr.Value, len(v.Value))
		for i, e := range v.Value {
			l[i] = valueFromSDK(e)
		}
		return attr.Value{T: attr.L, L: l}
	case *types.AttributeValueMemberM:
		return attr.Value{T: attr.M, M: fromSDK(v.Value)}
	case *types.AttributeValueMemberSS:
		return attr.Value{T: attr.SS, Set: v.Value}
	case *types.AttributeValueMemberNS:
		return attr.Value{T: attr.NS, Set: v.Value}
	case *types.AttributeValueMemberBS:
		s := make([]string, len(v.Value))
		for i, e := range v.Value {
			s[i] = string(e)
		}
		return attr.Value{T: attr.BS, Set: s}
	}
	return attr.Value{}
}

// show renders an SDK item as DynamoDB JSON for failure messages and
// comparisons.
func show(m map[string]types.AttributeValue) string {
	if m == nil {
		return "<nil>"
	}
	return string(attr.MarshalItem(fromSDK(m)))
}

// sameItem compares two SDK items as DynamoDB values (sets unordered,
// numbers numerically).
func sameItem(a, b map[string]types.AttributeValue) bool {
	if (a == nil) != (b == nil) {
		return false
	}
	return attr.Equal(attr.Value{T: attr.M, M: fromSDK(a)}, attr.Value{T: attr.M, M: fromSDK(b)})
}

// createTable makes a PAY_PER_REQUEST table; rng and its type may be
// empty, and mod may adjust the request (indexes, streams) before it is
// sent.
func createTable(tb testing.TB, c *ddb.Client, name, hash string, hashT types.ScalarAttributeType, rng string, rngT types.ScalarAttributeType, mod ...func(*ddb.CreateTableInput)) {
	tb.Helper()
	in := &ddb.CreateTableInput{
		TableName:            aws.String(name),
		BillingMode:          types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String(hash), AttributeType: hashT}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String(hash), KeyType: types.KeyTypeHash}},
	}
	if rng != "" {
		in.AttributeDefinitions = append(in.AttributeDefinitions, types.AttributeDefinition{AttributeName: aws.String(rng), AttributeType: rngT})
		in.KeySchema = append(in.KeySchema, types.KeySchemaElement{AttributeName: aws.String(rng), KeyType: types.KeyTypeRange})
	}
	for _, m := range mod {
		m(in)
	}
	if _, err := c.CreateTable(context.Background(), in); err != nil {
		tb.Fatalf("CreateTable %s: %v", name, err)
	}
}

// asErr is errors.As, kept short for table-driven steps.
func asErr[T error](err error, target *T) bool { return errors.As(err, target) }
