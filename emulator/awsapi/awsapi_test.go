package awsapi

import (
	"context"
	"encoding/json"
	"errors"
	"hash/crc32"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
)

func TestServerDispatchAndErrors(t *testing.T) {
	srv := New(nil)
	srv.Register("Echo_1", "1.1", "com.example#", func(_ context.Context, op string, body []byte) (any, error) {
		switch op {
		case "Echo":
			return json.RawMessage(body), nil
		case "Nil":
			return nil, nil
		case "Fail":
			return nil, &Error{Type: "ThingNotFound", Message: "no thing", Status: 404,
				Extra: map[string]any{"Reasons": []string{"a"}}, Header: map[string]string{"x-amzn-query-error": "Legacy;Sender"}}
		default:
			return nil, errors.New("boom")
		}
	})
	ts := httptest.NewServer(srv)
	defer ts.Close()

	tests := []struct {
		target, body string
		wantStatus   int
		wantBody     string
		wantHeader   [2]string
	}{
		{"Echo_1.Echo", `{"a":1}`, 200, `{"a":1}`, [2]string{"Content-Type", "application/x-amz-json-1.1"}},
		{"Echo_1.Nil", ``, 200, `{}`, [2]string{}},
		{"Echo_1.Fail", `{}`, 404, `{"Reasons":["a"],"__type":"com.example#ThingNotFound","message":"no thing"}`, [2]string{"X-Amzn-Query-Error", "Legacy;Sender"}},
		{"Echo_1.Other", `{}`, 500, `{"__type":"com.example#InternalFailure","message":"boom"}`, [2]string{}},
		{"Nope.Op", `{}`, 400, `{"__type":"UnknownOperationException","message":"unknown target \"Nope.Op\""}`, [2]string{}},
	}
	for _, tt := range tests {
		t.Run(tt.target, func(t *testing.T) {
			req, _ := http.NewRequest("POST", ts.URL+"/", strings.NewReader(tt.body))
			req.Header.Set("X-Amz-Target", tt.target)
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			raw, _ := io.ReadAll(res.Body)
			if res.StatusCode != tt.wantStatus || string(raw) != tt.wantBody {
				t.Fatalf("got %d %s, want %d %s", res.StatusCode, raw, tt.wantStatus, tt.wantBody)
			}
			if got, want := res.Header.Get("X-Amz-Crc32"), strconv.FormatUint(uint64(crc32.ChecksumIEEE(raw)), 10); got != want {
				t.Fatalf("X-Amz-Crc32 = %q, want %q", got, want)
			}
			if k := tt.wantHeader[0]; k != "" && res.Header.Get(k) != tt.wantHeader[1] {
				t.Fatalf("header %s = %q, want %q", k, res.Header.Get(k), tt.wantHeader[1])
			}
		})
	}

	out, err := srv.Call(context.Background(), "Echo_1.Echo", []byte(`{"b":2}`))
	if err != nil || string(out) != `{"b":2}` {
		t.Fatalf("Call: %s %v", out, err)
	}
	var ae *Error
	if _, err := srv.Call(context.Background(), "Echo_1.Fail", nil); !errors.As(err, &ae) || ae.Type != "ThingNotFound" {
		t.Fatalf("Call error: %v", err)
	}
}
