package dynamodb_test

import (
	"context"
	"fmt"
	"os"
	"sort"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/shopstream/shopstream/internal/testutil/awstest"
	"github.com/shopstream/shopstream/internal/testutil/motoserver"
)

// benchItems is the partition size Query pages through.
const benchItems = 200

func benchSetup(b *testing.B, c *ddb.Client, table string) {
	b.Helper()
	ctx := context.Background()
	createTable(b, c, table, "pk", types.ScalarAttributeTypeS, "sk", types.ScalarAttributeTypeN)
	for i := 0; i < benchItems; i++ {
		if _, err := c.PutItem(ctx, &ddb.PutItemInput{TableName: aws.String(table), Item: benchItem("p", i)}); err != nil {
			b.Fatal(err)
		}
	}
}

// benchItem is an order-like item of about 200 bytes.
func benchItem(pk string, i int) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		"pk":     &types.AttributeValueMemberS{Value: pk},
		"sk":     &types.AttributeValueMemberN{Value: strconv.Itoa(i)},
		"type":   &types.AttributeValueMemberS{Value: "OrderPlaced"},
		"total":  &types.AttributeValueMemberN{Value: "129.95"},
		"status": &types.AttributeValueMemberS{Value: "PLACED"},
		"lines": &types.AttributeValueMemberL{Value: []types.AttributeValue{
			&types.AttributeValueMemberM{Value: map[string]types.AttributeValue{"sku": &types.AttributeValueMemberS{Value: "SKU-0001"}, "qty": &types.AttributeValueMemberN{Value: "2"}}},
			&types.AttributeValueMemberM{Value: map[string]types.AttributeValue{"sku": &types.AttributeValueMemberS{Value: "SKU-0002"}, "qty": &types.AttributeValueMemberN{Value: "1"}}},
		}},
		"note": &types.AttributeValueMemberS{Value: "leave at the door, ring twice, thank you very much"},
	}
}

// throughput remembers each target's ops/s per operation so the moto run
// can report the ratio.
var throughput sync.Map // "op" -> float64 (local ops/s)

// measure runs op b.N times, timing each call, and reports p50/p99 in µs
// and ops/s.
func measure(b *testing.B, op func(i int) error) float64 {
	b.Helper()
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		if err := op(i); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(t0))
	}
	elapsed := time.Since(start)
	b.StopTimer()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	pct := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))].Nanoseconds()) / 1e3 }
	ops := float64(b.N) / elapsed.Seconds()
	b.ReportMetric(pct(0.50), "p50-µs")
	b.ReportMetric(pct(0.99), "p99-µs")
	b.ReportMetric(ops, "ops/s")
	return ops
}

func benchOps(b *testing.B, c *ddb.Client, table, target string) {
	ctx := context.Background()
	ops := []struct {
		name string
		op   func(i int) error
	}{
		{"GetItem", func(i int) error {
			out, err := c.GetItem(ctx, &ddb.GetItemInput{TableName: aws.String(table), Key: map[string]types.AttributeValue{
				"pk": &types.AttributeValueMemberS{Value: "p"}, "sk": &types.AttributeValueMemberN{Value: strconv.Itoa(i % benchItems)}}})
			if err == nil && out.Item == nil {
				err = fmt.Errorf("item %d missing", i%benchItems)
			}
			return err
		}},
		{"PutItem", func(i int) error {
			_, err := c.PutItem(ctx, &ddb.PutItemInput{TableName: aws.String(table), Item: benchItem("w", i)})
			return err
		}},
		{"Query50", func(i int) error {
			out, err := c.Query(ctx, &ddb.QueryInput{TableName: aws.String(table), KeyConditionExpression: aws.String("pk = :p AND sk >= :s"),
				ExpressionAttributeValues: map[string]types.AttributeValue{":p": &types.AttributeValueMemberS{Value: "p"}, ":s": &types.AttributeValueMemberN{Value: strconv.Itoa(i % 100)}},
				Limit:                     aws.Int32(50)})
			if err == nil && len(out.Items) != 50 {
				err = fmt.Errorf("page of %d items, want 50", len(out.Items))
			}
			return err
		}},
	}
	for _, o := range ops {
		b.Run(o.name, func(b *testing.B) {
			ops := measure(b, o.op)
			if target != "moto" {
				throughput.Store(target+"/"+o.name, ops)
				return
			}
			for _, t := range []string{"local", "runtime"} {
				if ours, ok := throughput.Load(t + "/" + o.name); ok {
					b.ReportMetric(ours.(float64)/ops, t+"/moto")
				}
			}
		})
	}
}

// BenchmarkDynamoDB measures GetItem, PutItem and a 50-item Query through
// aws-sdk-go-v2 against the emulator and then moto_server in the same run;
// the moto results carry a "local/moto" throughput ratio.
func BenchmarkDynamoDB(b *testing.B) {
	b.Run("local", func(b *testing.B) {
		e := start(b, nil)
		benchSetup(b, e.Client, "bench")
		benchOps(b, e.Client, "bench", "local")
	})
	// The emulator as users run it: shopstream-local in its own process,
	// so the server's garbage collector does not pause this client.
	if ep := os.Getenv("SHOPSTREAM_DYNAMODB_ENDPOINT"); ep != "" {
		b.Run("runtime", func(b *testing.B) {
			c := ddb.NewFromConfig(awstest.Config(ep))
			table := fmt.Sprintf("bench-%d", time.Now().UnixNano())
			benchSetup(b, c, table)
			benchOps(b, c, table, "runtime")
		})
	}
	b.Run("moto", func(b *testing.B) {
		c := ddb.NewFromConfig(motoserver.Config(motoserver.Start(b)))
		benchSetup(b, c, "bench")
		benchOps(b, c, "bench", "moto")
	})
}

// BenchmarkServerSide times the emulator alone (in-process awsapi.Call,
// no HTTP, no SDK): the part of each request's latency that is ours.
func BenchmarkServerSide(b *testing.B) {
	e := start(b, nil)
	benchSetup(b, e.Client, "bench")
	ctx := context.Background()
	calls := []struct{ name, target, body string }{
		{"GetItem", "DynamoDB_20120810.GetItem", `{"TableName":"bench","Key":{"pk":{"S":"p"},"sk":{"N":"%d"}}}`},
		{"PutItem", "DynamoDB_20120810.PutItem", `{"TableName":"bench","Item":{"pk":{"S":"w"},"sk":{"N":"%d"},"type":{"S":"OrderPlaced"},"total":{"N":"129.95"},"note":{"S":"leave at the door, ring twice"}}}`},
		{"Query50", "DynamoDB_20120810.Query", `{"TableName":"bench","KeyConditionExpression":"pk = :p AND sk >= :s","ExpressionAttributeValues":{":p":{"S":"p"},":s":{"N":"%d"}},"Limit":50}`},
	}
	for _, c := range calls {
		b.Run(c.name, func(b *testing.B) {
			measure(b, func(i int) error {
				_, err := e.API.Call(ctx, c.target, []byte(fmt.Sprintf(c.body, i%100)))
				return err
			})
		})
	}
}
