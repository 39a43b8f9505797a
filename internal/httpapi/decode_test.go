package httpapi

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

type item struct {
	ProductID string `json:"productId"`
	Quantity  int    `json:"quantity"`
}

type basketBody struct {
	UserName string `json:"userName"`
	Items    []item `json:"items"`
}

func TestDecode(t *testing.T) {
	tests := []struct {
		name       string
		body       string
		wantStatus int
		wantCode   string
		wantField  string
	}{
		{"valid", `{"userName":"ann","items":[{"productId":"p1","quantity":2}]}`, 0, "", ""},
		{"empty body", ``, 400, "malformed_json", ""},
		{"malformed", `{"userName":`, 400, "malformed_json", ""},
		{"syntax error", `{"userName" "ann"}`, 400, "malformed_json", ""},
		{"wrong type top", `[1,2]`, 400, "malformed_json", ""},
		{"wrong type field", `{"userName":5}`, 400, "invalid_field", "userName"},
		{"wrong nested type", `{"items":[{"quantity":"two"}]}`, 400, "invalid_field", "items.quantity"},
		{"fractional int", `{"items":[{"quantity":1.5}]}`, 400, "invalid_field", "items.quantity"},
		{"unknown field", `{"userName":"ann","price":1}`, 400, "unknown_field", "price"},
		{"trailing data", `{"userName":"ann"} {}`, 400, "malformed_json", ""},
		{"too large", `{"userName":"` + strings.Repeat("a", MaxBody) + `"}`, 413, "body_too_large", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodPost, "/basket", strings.NewReader(tt.body))
			var v basketBody
			err := Decode(httptest.NewRecorder(), r, &v)
			if tt.wantStatus == 0 {
				if err != nil {
					t.Fatalf("Decode: %v", err)
				}
				if v.UserName != "ann" || len(v.Items) != 1 || v.Items[0].Quantity != 2 {
					t.Fatalf("decoded %+v", v)
				}
				return
			}
			var he *Error
			if !errors.As(err, &he) {
				t.Fatalf("err = %v, want *Error", err)
			}
			if he.Status != tt.wantStatus || he.Code != tt.wantCode || he.Field != tt.wantField {
				t.Fatalf("got status=%d code=%q field=%q (%s), want %d %q %q", he.Status, he.Code, he.Field, he.Message, tt.wantStatus, tt.wantCode, tt.wantField)
			}
		})
	}
}
