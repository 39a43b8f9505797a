package httpapi

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"testing"

	"github.com/aws/aws-lambda-go/events"
)

func TestProxyRoutesAndMapsResponse(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /product/{id}", func(w http.ResponseWriter, r *http.Request) {
		WriteJSON(w, http.StatusOK, map[string]string{
			"id":        r.PathValue("id"),
			"category":  r.URL.Query().Get("category"),
			"key":       r.Header.Get("Idempotency-Key"),
			"requestId": RequestID(r.Context()),
			"host":      r.Host,
		})
	})
	mux.HandleFunc("POST /echo", func(w http.ResponseWriter, r *http.Request) {
		var v map[string]any
		if err := Decode(w, r, &v); err != nil {
			WriteError(w, r, err)
			return
		}
		WriteJSON(w, http.StatusCreated, v)
	})
	mux.HandleFunc("GET /boom", func(w http.ResponseWriter, r *http.Request) {
		WriteError(w, r, errors.New("dynamodb: connection refused at 10.0.0.1"))
	})
	h := Proxy(mux)

	tests := []struct {
		name       string
		req        events.APIGatewayProxyRequest
		wantStatus int
		wantBody   map[string]any
	}{
		{
			name: "path, query, header, request id",
			req: events.APIGatewayProxyRequest{
				HTTPMethod: "GET", Path: "/product/42",
				QueryStringParameters: map[string]string{"category": "books"},
				Headers:               map[string]string{"Idempotency-Key": "k1", "Host": "api.example.com"},
				RequestContext:        events.APIGatewayProxyRequestContext{RequestID: "req-1"},
			},
			wantStatus: 200,
			wantBody:   map[string]any{"id": "42", "category": "books", "key": "k1", "requestId": "req-1", "host": "api.example.com"},
		},
		{
			name: "base64 body",
			req: events.APIGatewayProxyRequest{
				HTTPMethod: "POST", Path: "/echo", IsBase64Encoded: true,
				Body: base64.StdEncoding.EncodeToString([]byte(`{"a":"b"}`)),
			},
			wantStatus: 201,
			wantBody:   map[string]any{"a": "b"},
		},
		{
			name:       "unknown errors do not leak",
			req:        events.APIGatewayProxyRequest{HTTPMethod: "GET", Path: "/boom"},
			wantStatus: 500,
			wantBody:   map[string]any{"error": map[string]any{"code": "internal", "message": "Internal error."}},
		},
		{
			name:       "bad base64",
			req:        events.APIGatewayProxyRequest{HTTPMethod: "POST", Path: "/echo", IsBase64Encoded: true, Body: "%%%"},
			wantStatus: 400,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := h(context.Background(), tt.req)
			if err != nil {
				t.Fatal(err)
			}
			if res.StatusCode != tt.wantStatus {
				t.Fatalf("status = %d, want %d (body %s)", res.StatusCode, tt.wantStatus, res.Body)
			}
			if ct := res.MultiValueHeaders["Content-Type"]; len(ct) != 1 || ct[0] != "application/json" {
				t.Fatalf("content type = %v", ct)
			}
			if tt.wantBody == nil {
				return
			}
			var got map[string]any
			if err := json.Unmarshal([]byte(res.Body), &got); err != nil {
				t.Fatalf("body %q: %v", res.Body, err)
			}
			gotJSON, _ := json.Marshal(got)
			wantJSON, _ := json.Marshal(tt.wantBody)
			if string(gotJSON) != string(wantJSON) {
				t.Fatalf("body = %s, want %s", gotJSON, wantJSON)
			}
		})
	}
}
