package httpapi

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/aws/aws-lambda-go/events"
)

func TestRouterAnswersJSON(t *testing.T) {
	rt := NewRouter()
	rt.Handle("GET /product", func(w http.ResponseWriter, r *http.Request) { WriteJSON(w, 200, map[string]string{}) }, "limit")
	rt.Handle("GET /product/{id}", func(w http.ResponseWriter, r *http.Request) {
		WriteJSON(w, 200, map[string]string{"id": r.PathValue("id")})
	})
	tests := []struct {
		method, target string
		status         int
		code, field    string
	}{
		{"GET", "/product", 200, "", ""},
		{"GET", "/product?limit=2", 200, "", ""},
		{"GET", "/product?limit=2&limit=3", 400, "invalid_parameter", "limit"},
		{"GET", "/product?sort=name", 400, "unknown_parameter", "sort"},
		{"GET", "/product/p1?x=1", 400, "unknown_parameter", "x"},
		{"GET", "/product/p1", 200, "", ""},
		{"GET", "/product/..", 404, "not_found", ""},
		{"GET", "/product/./p1", 404, "not_found", ""},
		{"GET", "/product/p1/", 404, "not_found", ""},
		{"GET", "//product", 404, "not_found", ""},
		{"GET", "/product/a%2Fb", 404, "not_found", ""},
		{"GET", "/product/%2e%2e", 404, "not_found", ""},
		{"GET", "/nope", 404, "not_found", ""},
		{"DELETE", "/product", 405, "method_not_allowed", ""},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.target, func(t *testing.T) {
			rec := httptest.NewRecorder()
			rt.ServeHTTP(rec, httptest.NewRequest(tt.method, tt.target, nil))
			if rec.Code != tt.status {
				t.Fatalf("status %d, want %d: %s", rec.Code, tt.status, rec.Body)
			}
			if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
				t.Fatalf("Content-Type %q: %s", ct, rec.Body)
			}
			if rec.Header().Get("Location") != "" {
				t.Fatalf("redirects: %v", rec.Header())
			}
			var body struct{ Error *Error }
			if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
				t.Fatalf("body %q: %v", rec.Body, err)
			}
			if tt.code != "" && (body.Error == nil || body.Error.Code != tt.code || body.Error.Field != tt.field) {
				t.Fatalf("error %+v, want %s %q", body.Error, tt.code, tt.field)
			}
		})
	}
}

func TestProxyRefusesSplitParameters(t *testing.T) {
	rt := NewRouter()
	rt.Handle("GET /order/{userName}/{orderId}", func(w http.ResponseWriter, r *http.Request) { WriteJSON(w, 200, map[string]string{}) })
	h := Proxy(rt)
	tests := []struct {
		name string
		in   events.APIGatewayProxyRequest
		want int
	}{
		{"plain", events.APIGatewayProxyRequest{HTTPMethod: "GET", Path: "/order/a/b", Resource: "/order/{userName}/{orderId}",
			PathParameters: map[string]string{"userName": "a", "orderId": "b"}}, 200},
		{"decoded slash in a parameter", events.APIGatewayProxyRequest{HTTPMethod: "GET", Path: "/order/a/b/c", Resource: "/order/{userName}/{orderId}",
			PathParameters: map[string]string{"userName": "a/b", "orderId": "c"}}, 404},
		{"encoded slash in the path", events.APIGatewayProxyRequest{HTTPMethod: "GET", Path: "/order/a%2Fb/c", Resource: "/order/{userName}/{orderId}",
			PathParameters: map[string]string{"userName": "a%2Fb", "orderId": "c"}}, 404},
		{"dot-dot", events.APIGatewayProxyRequest{HTTPMethod: "GET", Path: "/order/../b", Resource: "/order/{userName}/{orderId}",
			PathParameters: map[string]string{"userName": "..", "orderId": "b"}}, 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := h(context.Background(), tt.in)
			if err != nil || res.StatusCode != tt.want {
				t.Fatalf("%d %s %v, want %d", res.StatusCode, res.Body, err, tt.want)
			}
			if ct := res.MultiValueHeaders["Content-Type"]; len(ct) != 1 || ct[0] != "application/json" {
				t.Fatalf("Content-Type %v", ct)
			}
		})
	}
}
