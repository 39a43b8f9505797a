package apigateway_test

import (
	"io"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/shopstream/shopstream/emulator/apigateway"
)

// BenchmarkProxyRequest measures API Gateway's own overhead over HTTP:
// routing, building the event and mapping the response, with a function
// that answers at once.
func BenchmarkProxyRequest(b *testing.B) {
	_, base := startAPI(b, &fakeInvoker{}, apigateway.Options{})
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
	url := base + "/prod/product/p-1?x=1"
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		resp, err := client.Post(url, "application/json", strings.NewReader(`{"name":"x"}`))
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		lat = append(lat, time.Since(start))
	}
	b.StopTimer()
	reportPercentiles(b, lat)
}

func reportPercentiles(b *testing.B, lat []time.Duration) {
	if len(lat) == 0 {
		return
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	b.ReportMetric(float64(lat[len(lat)*50/100].Microseconds()), "p50-µs")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
}
