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
	Quantity  int    `json:"quantity" required:"true"`
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
		{"whole in exponent form", `{"userName":"ann","items":[{"productId":"p1","quantity":0.2e1}]}`, 0, "", ""},
		{"whole with a fraction of zeros", `{"userName":"ann","items":[{"productId":"p1","quantity":2.000}]}`, 0, "", ""},
		{"empty body", ``, 400, "malformed_json", ""},
		{"malformed", `{"userName":`, 400, "malformed_json", ""},
		{"syntax error", `{"userName" "ann"}`, 400, "malformed_json", ""},
		{"wrong type top", `[1,2]`, 400, "malformed_json", ""},
		{"wrong type field", `{"userName":5}`, 400, "invalid_field", "userName"},
		{"wrong nested type", `{"items":[{"quantity":"two"}]}`, 400, "invalid_field", "items[0].quantity"},
		{"fractional int", `{"items":[{"quantity":2},{"quantity":1.5}]}`, 400, "invalid_field", "items[1].quantity"},
		{"not an array", `{"items":{}}`, 400, "invalid_field", "items"},
		{"missing required", `{"userName":"ann","items":[{"productId":"p1"}]}`, 400, "invalid_field", "items[0].quantity"},
		{"null required", `{"userName":"ann","items":[{"productId":"p1","quantity":null}]}`, 400, "invalid_field", "items[0].quantity"},
		{"null optional", `{"userName":null}`, 400, "invalid_field", "userName"},
		{"duplicate key", `{"userName":"ann","userName":"bob"}`, 400, "duplicate_field", "userName"},
		{"duplicate nested key", `{"items":[{"quantity":1,"quantity":2}]}`, 400, "duplicate_field", "items[0].quantity"},
		{"case-folded key", `{"UserName":"ann"}`, 400, "unknown_field", "UserName"},
		{"unknown nested", `{"items":[{"quantity":1,"qty":2}]}`, 400, "unknown_field", "items[0].qty"},
		{"huge int", `{"items":[{"quantity":1e400}]}`, 400, "invalid_field", "items[0].quantity"},
		{"huge exponent", `{"items":[{"quantity":1e999999999999}]}`, 400, "invalid_field", "items[0].quantity"},
		{"tiny", `{"items":[{"quantity":1e-999999999999}]}`, 400, "invalid_field", "items[0].quantity"},
		{"deep", strings.Repeat("[", 100) + strings.Repeat("]", 100), 400, "malformed_json", ""},
		{"not utf-8", "{\"userName\":\"\xff\"}", 400, "malformed_json", ""},
		{"null body", `null`, 400, "malformed_json", ""},
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
				if v.UserName != "ann" || len(v.Items) != 1 || v.Items[0].Quantity != 2 || v.Items[0].ProductID != "p1" {
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

func TestDecodeMessages(t *testing.T) {
	var v basketBody
	err := DecodeBytes([]byte(`{"items":"x"}`), &v)
	if err == nil || err.Error() != "items: must be an array" {
		t.Fatalf("err = %v", err)
	}
}

func TestWholeNumber(t *testing.T) {
	tests := []struct {
		in             string
		n              int64
		whole, inRange bool
	}{
		{"0", 0, true, true}, {"-0", 0, true, true}, {"1e3", 1000, true, true}, {"950.0", 950, true, true},
		{"1.5", 0, false, false}, {"12.50e1", 125, true, true}, {"1E+2", 100, true, true}, {"1500e-1", 150, true, true},
		{"1e-1", 0, false, false}, {"9223372036854775807", 1<<63 - 1, true, true}, {"9223372036854775808", 0, true, false},
		{"-9223372036854775808", -1 << 63, true, true}, {"1e19", 0, true, false}, {"1e999999999", 0, true, false},
		{"0e999999999", 0, true, true}, {"0.000", 0, true, true},
	}
	for _, tt := range tests {
		n, whole, inRange := WholeNumber(tt.in)
		if n != tt.n || whole != tt.whole || inRange != tt.inRange {
			t.Errorf("WholeNumber(%q) = %d %v %v, want %d %v %v", tt.in, n, whole, inRange, tt.n, tt.whole, tt.inRange)
		}
	}
}
