package attr

import (
	"encoding/json"
	"errors"
	"testing"
)

func TestCanonicalNumber(t *testing.T) {
	tests := []struct {
		in, want string
		err      error
	}{
		{"1", "1", nil},
		{"1.50", "1.5", nil},
		{"007", "7", nil},
		{"-0", "0", nil},
		{"0.000", "0", nil},
		{"1e2", "100", nil},
		{"1.5E-3", "0.0015", nil},
		{"+12.30", "12.3", nil},
		{".5", "0.5", nil},
		{"-123.456e1", "-1234.56", nil},
		{"12345678901234567890123456789012345678", "12345678901234567890123456789012345678", nil},
		{"123456789012345678901234567890123456789", "", ErrTooPrecise},
		{"1e126", "", ErrNumOverflow},
		{"9.9e125", "990000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000", nil},
		{"1e-131", "", ErrNumUnderflow},
		{"abc", "", ErrNotANumber},
		{"1.2.3", "", ErrNotANumber},
		{"1e", "", ErrNotANumber},
		{"", "", ErrNotANumber},
		{"NaN", "", ErrNotANumber},
	}
	for _, tt := range tests {
		got, err := CanonicalNumber(tt.in)
		if tt.err != nil {
			if !errors.Is(err, tt.err) && err.Error() != tt.err.Error() {
				t.Errorf("CanonicalNumber(%q) error = %v, want %v", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("CanonicalNumber(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

func TestCompareAndAddNumbers(t *testing.T) {
	cmp := []struct {
		a, b string
		want int
	}{
		{"1", "2", -1}, {"10", "9", 1}, {"-1", "1", -1}, {"-10", "-9", -1}, {"0", "-0.1", 1},
		{"1.5", "1.50", 0}, {"100", "1e2", 0}, {"0.001", "0.01", -1},
		{"12345678901234567890123456789012345678", "12345678901234567890123456789012345677", 1},
	}
	for _, tt := range cmp {
		if got := CompareNumbers(tt.a, tt.b); got != tt.want {
			t.Errorf("CompareNumbers(%s, %s) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
	add := []struct {
		a, b   string
		negate bool
		want   string
	}{
		{"1", "2", false, "3"}, {"0.1", "0.2", false, "0.3"}, {"1", "1", true, "0"},
		{"-5", "2.5", false, "-2.5"}, {"1e20", "1", false, "100000000000000000001"},
		{"99999999999999999999999999999999999999", "1", true, "99999999999999999999999999999999999998"},
	}
	for _, tt := range add {
		got, err := AddNumbers(tt.a, tt.b, tt.negate)
		if err != nil || got != tt.want {
			t.Errorf("AddNumbers(%s, %s, %v) = %s, %v; want %s", tt.a, tt.b, tt.negate, got, err, tt.want)
		}
	}
	if _, err := AddNumbers("99999999999999999999999999999999999999", "0.1", false); !errors.Is(err, ErrTooPrecise) {
		t.Errorf("38-digit overflow into 39 digits: err = %v, want ErrTooPrecise", err)
	}
}

func TestJSONRoundTripAndValidate(t *testing.T) {
	in := `{"b":{"B":"AAE="},"bool":{"BOOL":false},"bs":{"BS":["AQ=="]},"l":{"L":[]},"m":{"M":{}},"n":{"N":"1.50"},"ns":{"NS":["1","2.0"]},"null":{"NULL":true},"s":{"S":"é\""},"ss":{"SS":["a","b"]}}`
	var item Item
	if err := json.Unmarshal([]byte(in), &item); err != nil {
		t.Fatal(err)
	}
	if err := ValidateItem(item); err != nil {
		t.Fatal(err)
	}
	want := `{"b":{"B":"AAE="},"bool":{"BOOL":false},"bs":{"BS":["AQ=="]},"l":{"L":[]},"m":{"M":{}},"n":{"N":"1.5"},"ns":{"NS":["1","2"]},"null":{"NULL":true},"s":{"S":"é\""},"ss":{"SS":["a","b"]}}`
	if got := string(MarshalItem(item)); got != want {
		t.Errorf("round trip:\n got %s\nwant %s", got, want)
	}

	bad := []struct{ in, want string }{
		{`{"S":"a","N":"1"}`, "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes"},
		{`{}`, "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes"},
		{`{"SS":[]}`, "One or more parameter values were invalid: An string set  may not be empty"},
		{`{"SS":["a","a"]}`, "One or more parameter values were invalid: Input collection [a, a] contains duplicates."},
		{`{"NS":["1","1.0"]}`, "One or more parameter values were invalid: Input collection [1, 1] contains duplicates."},
		{`{"N":"x"}`, "A value provided cannot be converted into a number"},
		{`{"NULL":false}`, "One or more parameter values were invalid: Null attribute value types must have the value of true"},
	}
	for _, tt := range bad {
		var v Value
		err := json.Unmarshal([]byte(tt.in), &v)
		if err == nil {
			err = v.Validate()
		}
		if err == nil || err.Error() != tt.want {
			t.Errorf("%s: error = %v, want %q", tt.in, err, tt.want)
		}
	}
}

func TestSize(t *testing.T) {
	tests := []struct {
		in   string
		want int
	}{
		{`{"S":"abc"}`, 3},
		{`{"N":"12345"}`, 4},
		{`{"N":"1"}`, 2},
		{`{"BOOL":true}`, 1},
		{`{"L":[{"S":"ab"},{"NULL":true}]}`, 3 + 1 + 2 + 1 + 1},
		{`{"M":{"k":{"S":"v"}}}`, 3 + 1 + 1 + 1},
		{`{"SS":["a","bc"]}`, 3},
	}
	for _, tt := range tests {
		var v Value
		if err := json.Unmarshal([]byte(tt.in), &v); err != nil {
			t.Fatal(err)
		}
		if got := v.Size(); got != tt.want {
			t.Errorf("Size(%s) = %d, want %d", tt.in, got, tt.want)
		}
	}
}

func TestEqualAndCompare(t *testing.T) {
	mk := func(s string) Value {
		var v Value
		if err := json.Unmarshal([]byte(s), &v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	eq := []struct {
		a, b string
		want bool
	}{
		{`{"N":"1"}`, `{"N":"1.0"}`, true},
		{`{"SS":["a","b"]}`, `{"SS":["b","a"]}`, true},
		{`{"S":"1"}`, `{"N":"1"}`, false},
		{`{"L":[{"S":"a"}]}`, `{"L":[{"S":"a"}]}`, true},
		{`{"M":{"a":{"N":"1"}}}`, `{"M":{"a":{"N":"2"}}}`, false},
	}
	for _, tt := range eq {
		if got := Equal(mk(tt.a), mk(tt.b)); got != tt.want {
			t.Errorf("Equal(%s, %s) = %v", tt.a, tt.b, got)
		}
	}
	if c, ok := Compare(mk(`{"S":"B"}`), mk(`{"S":"a"}`)); !ok || c >= 0 {
		t.Errorf("strings compare byte-wise: got %d %v", c, ok)
	}
	if _, ok := Compare(mk(`{"S":"1"}`), mk(`{"N":"1"}`)); ok {
		t.Error("mixed types must be unordered")
	}
}
