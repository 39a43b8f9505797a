package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shopstream/shopstream/emulator/gopackage"
	"github.com/shopstream/shopstream/internal/config"
)

// BenchmarkCheckoutToOrder measures, on a local runtime with retry waits
// unscaled (--time-scale 1), how long a checkout takes from the POST to the
// order being visible in the orders read model, and the sustained rate.
// Run it with a fixed count of checkouts:
//
//	go test -run '^$' -bench CheckoutToOrder -benchtime 200x ./tests/e2e
func BenchmarkCheckoutToOrder(b *testing.B) {
	if testing.Short() {
		b.Skip("needs a running stack")
	}
	h, err := startRuntime(runtimeOptions{timeScale: "1", bare: true})
	if err != nil {
		b.Fatal(err)
	}
	defer h.stop()
	c := h.client(b)
	// Twenty products: checkouts contend on product streams now and then
	// (as in a shop), not all on one.
	products := make([]string, 20)
	for i := range products {
		products[i] = c.createProduct(fmt.Sprintf("Product %d", i), 1000+i, b.N)
	}
	users := make([]string, b.N)
	for i := range users {
		users[i] = fmt.Sprintf("bench-%d-%d", time.Now().UnixNano(), i)
		c.setBasket(users[i], map[string]int{products[i%len(products)]: 1})
	}
	wcuBefore, _ := h.consumedWriteUnits()
	// Eight clients at a time: enough to keep both cores busy without
	// measuring only queueing.
	const clients = 8
	lat := make([]time.Duration, b.N)
	var wg sync.WaitGroup
	next := make(chan int)
	b.ResetTimer()
	start := time.Now()
	for range clients {
		wg.Go(func() {
			for i := range next {
				t0 := time.Now()
				// The client is shared by goroutines: Errorf (not Fatal)
				// is the only failure they may report.
				code, out := c.do("POST", "/basket/checkout", checkoutRequest(users[i], cardApproved))
				if code != 202 {
					b.Errorf("checkout: %d %v", code, out)
					continue
				}
				id := out["checkoutId"].(string)
				st := c.waitCheckout(id)
				if st["status"] != "SUCCEEDED" {
					b.Errorf("checkout %s: %v", id, st)
					continue
				}
				for deadline := time.Now().Add(checkoutWithin); len(c.orders(users[i])) == 0; {
					if time.Now().After(deadline) {
						b.Errorf("checkout %s: no order within %s", id, checkoutWithin)
						break
					}
					time.Sleep(10 * time.Millisecond)
				}
				lat[i] = time.Since(t0)
			}
		})
	}
	for i := range b.N {
		next <- i
	}
	close(next)
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	if b.Failed() {
		return
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	b.ReportMetric(float64(lat[len(lat)/2].Milliseconds()), "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Milliseconds()), "p99-ms")
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "checkouts/s")
	if wcu, err := h.consumedWriteUnits(); err == nil {
		b.ReportMetric((wcu-wcuBefore)/float64(b.N), "WCU/order")
	} else {
		b.Logf("write units: %v", err)
	}
	b.ReportMetric(0, "ns/op")
}

// TestReportLambdaSizes prints the size of each function's bundled binary
// (linux/arm64, as deployed), found through the template's asset keys.
func TestReportLambdaSizes(t *testing.T) {
	if testing.Short() {
		t.Skip("needs the synthesized assembly")
	}
	if _, err := build(); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(moduleRoot(), "cdk.out")
	templates, err := filepath.Glob(filepath.Join(out, "*.template.json"))
	if err != nil || len(templates) != 1 {
		t.Fatalf("want one template in cdk.out, got %v (%v)", templates, err)
	}
	raw, err := os.ReadFile(templates[0])
	if err != nil {
		t.Fatal(err)
	}
	var tpl struct {
		Resources map[string]struct {
			Type       string
			Metadata   map[string]any
			Properties struct{ Code struct{ S3Key string } }
		}
	}
	if err := json.Unmarshal(raw, &tpl); err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, r := range tpl.Resources {
		if r.Type != "AWS::Lambda::Function" {
			continue
		}
		hash := strings.TrimSuffix(r.Properties.Code.S3Key, ".zip")
		fi, err := os.Stat(filepath.Join(out, "asset."+hash, "bootstrap"))
		if err != nil || fi.Size() == 0 {
			t.Fatalf("%v: no bundled bootstrap for asset %s (%v)", gopackage.Of(r.Metadata), hash, err)
		}
		lines = append(lines, fmt.Sprintf("%-30v %5.1f MB", gopackage.Of(r.Metadata), float64(fi.Size())/1e6))
	}
	if want := len(config.Functions()); len(lines) != want {
		t.Fatalf("%d functions in the template, want %d", len(lines), want)
	}
	sort.Strings(lines)
	t.Logf("bundled Lambda binaries (linux/arm64):\n%s", strings.Join(lines, "\n"))
}
