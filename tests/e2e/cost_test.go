package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"

	"github.com/shopstream/shopstream/emulator/telemetry"
	"github.com/shopstream/shopstream/internal/cost"
)

// BenchmarkCostPerOrder measures what an order costs on AWS: it runs
// SHOPSTREAM_COST_ORDERS orders (default 500) through a local stack with
// unscaled retry waits, reads the runtime's own meters of every billable
// unit, and prints the price per 1M orders by service (internal/cost),
// writing it as JSON to SHOPSTREAM_COST_JSON when set. Run it once:
//
//	make bench-cost ORDERS=500
//	go test -run '^$' -bench CostPerOrder -benchtime 1x -timeout 30m ./tests/e2e
//
// An order is what a shopper's app does for one: set the basket, check
// out, then read the checkout's outcome and the orders once each. Catalog
// set-up happens before the meters are first read, so it is not counted.
// The meters are read twice through the CloudWatch API (and DynamoDB's
// capacity endpoint) and the difference is the run's. A Step Functions
// Express variant adds its own meters to costMeters and fills
// Meters.ExpressRequests and ExpressGBSeconds (see cost.ExpressGBSeconds).
func BenchmarkCostPerOrder(b *testing.B) {
	if testing.Short() {
		b.Skip("needs a running stack")
	}
	orders := benchCount(b, "SHOPSTREAM_COST_ORDERS", 500)
	h, err := startRuntime(runtimeOptions{timeScale: "1", bare: true})
	if err != nil {
		b.Fatal(err)
	}
	defer h.stop()
	c := h.client(b)
	cw := cloudwatchClient(h.AWSURL)
	since := time.Now().Add(-time.Minute)

	products := stockedProducts(c, "Cost", orders)
	before := h.settledMeters(b, cw, since)
	start := time.Now()
	users := make([]string, orders)
	ids := make([]string, orders)
	// Eight clients at a time, as BenchmarkCheckoutToOrder.
	const clients = 8
	parallel(clients, orders, func(i int) {
		users[i] = fmt.Sprintf("cost-%d-%d", start.UnixNano(), i)
		c.setBasket(users[i], map[string]int{products[i%len(products)]: 1})
		code, out := c.do("POST", "/basket/checkout", checkoutRequest(users[i], cardApproved))
		if code != 202 {
			b.Errorf("checkout: %d %v", code, out)
			return
		}
		ids[i] = out["checkoutId"].(string)
	})
	if b.Failed() {
		return
	}
	// Wait on the workflows through CloudWatch, not the API: polling
	// would put requests of the bench's own on the bill.
	eventuallyMeter(b, 5*time.Minute, fmt.Sprintf("%d executions closed", orders), func() bool {
		return h.meter(b, cw, since, "AWS/States", "ExecutionsSucceeded")+h.meter(b, cw, since, "AWS/States", "ExecutionsFailed")-
			before.closed >= float64(orders)
	})
	h.settledMeters(b, cw, since)
	parallel(clients, orders, func(i int) {
		if _, st := c.do("GET", "/checkout/"+ids[i], nil); st["status"] != "SUCCEEDED" {
			b.Errorf("checkout %s: %v", ids[i], st)
		}
		if _, out := c.do("GET", "/order/"+users[i], nil); out == nil || len(out["items"].([]any)) != 1 {
			b.Errorf("orders of %s once the stack was quiet: %v", users[i], out)
		}
	})
	after := h.settledMeters(b, cw, since)
	elapsed := time.Since(start)
	if b.Failed() {
		return
	}
	m := after.minus(before)
	m.Orders = orders
	m.Alarms = h.alarmCount(b, cw)
	m.SQSMappings = sqsMappings(b)
	r, err := cost.Compute(m, cost.USEast1)
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("%d orders in %s; SQS empty receives %.0f (%.2f per order: ESM long polling, which grows with the run's length, not with orders)\n%s",
		orders, elapsed.Round(time.Second), after.emptyReceives-before.emptyReceives, (after.emptyReceives-before.emptyReceives)/float64(orders), r.Text())
	if path := os.Getenv("SHOPSTREAM_COST_JSON"); path != "" {
		raw, _ := json.MarshalIndent(r, "", "  ")
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(path, append(raw, '\n'), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(r.PerMillion, "USD/1M-orders")
	b.ReportMetric(m.StateTransitions/float64(orders), "transitions/order")
	b.ReportMetric(0, "ns/op")
}

// parallel runs f(0) … f(n-1) on k goroutines.
func parallel(k, n int, f func(i int)) {
	next := make(chan int)
	var wg sync.WaitGroup
	for range k {
		wg.Go(func() {
			for i := range next {
				f(i)
			}
		})
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
}

// costMeters are the running totals of the billable units, each read
// from the runtime's own meters.
type costMeters struct {
	cost.Meters
	emptyReceives float64 // part of SQSRequests, reported apart
	closed        float64 // executions closed, to wait on
}

func (a costMeters) minus(b costMeters) cost.Meters {
	x, y := a.Meters, b.Meters
	return cost.Meters{
		APIRequests: x.APIRequests - y.APIRequests, LambdaRequests: x.LambdaRequests - y.LambdaRequests,
		LambdaGBSeconds: x.LambdaGBSeconds - y.LambdaGBSeconds, ReadUnits: x.ReadUnits - y.ReadUnits,
		WriteUnits: x.WriteUnits - y.WriteUnits, Events: x.Events - y.Events, SQSRequests: x.SQSRequests - y.SQSRequests,
		StateTransitions: x.StateTransitions - y.StateTransitions, LogBytes: x.LogBytes - y.LogBytes,
	}
}

// readMeters reads every meter's total since since.
func (h *stackHandle) readMeters(b *testing.B, cw *cloudwatch.Client, since time.Time) costMeters {
	b.Helper()
	units, err := h.consumedUnits()
	if err != nil {
		b.Fatal(err)
	}
	m := func(ns, name string) float64 { return h.meter(b, cw, since, ns, name) }
	return costMeters{
		Meters: cost.Meters{
			APIRequests:      m("AWS/ApiGateway", "Count"),
			LambdaRequests:   m("AWS/Lambda", "Invocations"),
			LambdaGBSeconds:  m(telemetry.MetersNamespace, "GBSeconds"),
			ReadUnits:        units.ReadUnits,
			WriteUnits:       units.WriteUnits,
			Events:           m(telemetry.MetersNamespace, "BilledEvents"),
			SQSRequests:      m(telemetry.MetersNamespace, "Requests"),
			StateTransitions: m(telemetry.MetersNamespace, "StateTransitions"),
			LogBytes:         m("AWS/Logs", "IncomingBytes"),
		},
		emptyReceives: m("AWS/SQS", "NumberOfEmptyReceives"),
		closed:        m("AWS/States", "ExecutionsSucceeded") + m("AWS/States", "ExecutionsFailed"),
	}
}

// settledMeters waits until the stack is quiet, which the meters show:
// every one but SQS's (the event source mappings keep polling) unchanged
// across three readings half a second apart; it returns the last reading.
func (h *stackHandle) settledMeters(b *testing.B, cw *cloudwatch.Client, since time.Time) costMeters {
	b.Helper()
	last := h.readMeters(b, cw, since)
	same := 0
	eventuallyMeter(b, 2*time.Minute, "the stack goes quiet", func() bool {
		cur := h.readMeters(b, cw, since)
		a, z := cur.Meters, last.Meters
		a.SQSRequests, z.SQSRequests = 0, 0
		if a == z {
			same++
		} else {
			same = 0
		}
		last = cur
		return same >= 3
	})
	return last
}

// eventuallyMeter polls f every half second until it holds or within
// passes.
func eventuallyMeter(b *testing.B, within time.Duration, what string, f func() bool) {
	b.Helper()
	deadline := time.Now().Add(within)
	for !f() {
		if time.Now().After(deadline) {
			b.Fatalf("%s: not within %s", what, within)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// meter sums metric name of namespace ns, over every combination of
// dimensions, from since to now: the Sum of each one-minute period.
func (h *stackHandle) meter(b *testing.B, cw *cloudwatch.Client, since time.Time, ns, name string) float64 {
	b.Helper()
	ctx := context.Background()
	total := 0.0
	pages := cloudwatch.NewListMetricsPaginator(cw, &cloudwatch.ListMetricsInput{Namespace: aws.String(ns), MetricName: aws.String(name)})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			b.Fatalf("ListMetrics %s %s: %v", ns, name, err)
		}
		for _, metric := range page.Metrics {
			out, err := cw.GetMetricStatistics(ctx, &cloudwatch.GetMetricStatisticsInput{
				Namespace: metric.Namespace, MetricName: metric.MetricName, Dimensions: metric.Dimensions,
				StartTime: aws.Time(since), EndTime: aws.Time(time.Now().Add(time.Minute)), Period: aws.Int32(60),
				Statistics: []cwtypes.Statistic{cwtypes.StatisticSum},
			})
			if err != nil {
				b.Fatalf("GetMetricStatistics %s %s: %v", ns, name, err)
			}
			for _, p := range out.Datapoints {
				total += aws.ToFloat64(p.Sum)
			}
		}
	}
	return total
}

// alarmCount is the number of alarms the stack defines: a monthly line.
func (h *stackHandle) alarmCount(b *testing.B, cw *cloudwatch.Client) int {
	b.Helper()
	n := 0
	pages := cloudwatch.NewDescribeAlarmsPaginator(cw, &cloudwatch.DescribeAlarmsInput{})
	for pages.HasMorePages() {
		page, err := pages.NextPage(context.Background())
		if err != nil {
			b.Fatalf("DescribeAlarms: %v", err)
		}
		n += len(page.MetricAlarms) + len(page.CompositeAlarms)
	}
	return n
}

// sqsMappings counts the template's event source mappings that read an
// SQS queue: each one polls its queue all month (cost.IdlePollsPerMonth).
func sqsMappings(b *testing.B) int {
	b.Helper()
	templates, err := filepath.Glob(filepath.Join(moduleRoot(), "cdk.out", "*.template.json"))
	if err != nil || len(templates) != 1 {
		b.Fatalf("want one template in cdk.out, got %v (%v)", templates, err)
	}
	raw, err := os.ReadFile(templates[0])
	if err != nil {
		b.Fatal(err)
	}
	var tpl struct {
		Resources map[string]struct {
			Type       string
			Properties struct {
				EventSourceArn any // a string, or {"Fn::GetAtt": [queue, "Arn"]}
			}
		}
	}
	if err := json.Unmarshal(raw, &tpl); err != nil {
		b.Fatal(err)
	}
	n := 0
	for _, r := range tpl.Resources {
		if r.Type != "AWS::Lambda::EventSourceMapping" {
			continue
		}
		ref, _ := r.Properties.EventSourceArn.(map[string]any)
		getAtt, _ := ref["Fn::GetAtt"].([]any)
		if s, ok := r.Properties.EventSourceArn.(string); ok && strings.Contains(s, ":sqs:") {
			n++
		} else if len(getAtt) == 2 && tpl.Resources[fmt.Sprint(getAtt[0])].Type == "AWS::SQS::Queue" {
			n++
		}
	}
	return n
}
