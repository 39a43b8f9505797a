package logs

import (
	"strings"
	"testing"
)

func TestJSONFilterPatterns(t *testing.T) {
	events := []string{
		`{"level":"ERROR","msg":"order not placed","n":3,"ok":false,"user":{"name":"ann","tags":["a","b"]}}`,
		`{"level":"WARN","security":"forged_event","n":7.5,"ok":true,"gone":null}`,
		`{"level":"INFO","status":"500","n":10}`,
		`not json {"level":"ERROR"}`,
		`["level","ERROR"]`,
	}
	tests := []struct {
		pattern string
		want    string // indexes of the matching events
	}{
		{`{ $.level = "ERROR" }`, "0"},
		{`{ ($.level = "ERROR") || ($.level = "WARN") }`, "01"},
		{`{$.level="ERROR"||$.level="WARN"}`, "01"},
		{`{ $.level != "ERROR" }`, "12"},
		{`{ $.level = ERR* }`, "0"},
		{`{ $.msg = "*not placed" }`, "0"},
		{`{ $.security = "forged_event" && $.ok IS TRUE }`, "1"},
		{`{ $.ok IS FALSE }`, "0"},
		{`{ $.gone IS NULL }`, "1"},
		{`{ $.security NOT EXISTS }`, "02"},
		{`{ $.n > 5 }`, "12"},
		{`{ $.n <= 7.5 && $.n >= 3 }`, "01"},
		{`{ $.n = 10 }`, "2"},
		{`{ $.n != 3 }`, "12"},
		{`{ $.status = "500" }`, "2"},
		{`{ $.status = 500 }`, ""}, // a number matches numbers only
		{`{ $.user.name = "ann" }`, "0"},
		{`{ $.user.tags[1] = "b" }`, "0"},
		{`{ ($.level = "INFO" || $.level = "WARN") && $.n > 8 }`, "2"},
	}
	for _, tt := range tests {
		match, err := compileFilter(tt.pattern)
		if err != nil {
			t.Errorf("%s: %v", tt.pattern, err)
			continue
		}
		var got strings.Builder
		for i, ev := range events {
			if match(ev) {
				got.WriteByte(byte('0' + i))
			}
		}
		if got.String() != tt.want {
			t.Errorf("%s matched events %q, want %q", tt.pattern, got.String(), tt.want)
		}
	}
	for _, bad := range []string{`{ $.level = "ERROR" `, `{ level = "x" }`, `{ $.level = }`, `{ $.n > "x" }`, `{ ($.a = 1 }`, `{ $.a IS MAYBE }`, `{ $.a NOT THERE }`, `{ $.a = "x }`, `{ $.a = 1 $.b = 2 }`} {
		if _, err := compileFilter(bad); err == nil || !strings.Contains(err.Error(), "Invalid filter pattern") {
			t.Errorf("%s: %v, want an invalid pattern error", bad, err)
		}
	}
}
