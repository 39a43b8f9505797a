package apigateway_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/shopstream/shopstream/emulator/apigateway"
	"github.com/shopstream/shopstream/emulator/localtest"
	"github.com/shopstream/shopstream/emulator/stack"
)

func TestStageMetrics(t *testing.T) {
	m := &localtest.Metrics{}
	inv := &fakeInvoker{respond: func(_ context.Context, fn string) (stack.InvokeResult, error) {
		return res(`{"statusCode":404,"body":""}`), nil
	}}
	_, base := startAPI(t, inv, apigateway.Options{Metrics: m})
	for _, path := range []string{"/prod/product/1", "/prod/product/2", "/nostage/x"} {
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	stage := map[string]string{"ApiName": "shop", "Stage": "prod"}
	for name, want := range map[string]float64{"Count": 2, "4XXError": 2, "5XXError": 0} {
		if got := m.Sum("AWS/ApiGateway", name, stage); got != want {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}
	for _, name := range []string{"Latency", "IntegrationLatency"} {
		if pts := m.Points("AWS/ApiGateway", name, stage); len(pts) != 2 || pts[0].Unit != "Milliseconds" || pts[0].Value < 0 {
			t.Errorf("%s points: %+v", name, pts)
		}
	}
	if n := len(m.Points("AWS/ApiGateway", "Count", nil)); n != 2 {
		t.Errorf("%d Count points; a request that matched no stage counts under no API", n)
	}
}
