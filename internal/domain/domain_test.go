package domain

import (
	"errors"
	"strings"
	"testing"
)

func TestChecks(t *testing.T) {
	cases := []struct {
		name string
		err  error
		ok   bool
	}{
		{"text at max", CheckText("f", strings.Repeat("ж", 5), 1, 5), true},
		{"text over max", CheckText("f", strings.Repeat("ж", 6), 1, 5), false},
		{"optional text empty", CheckText("f", "", 0, 5), true},
		{"required text empty", CheckText("f", "", 1, 5), false},
		{"required text blank", CheckText("f", " \n", 1, 5), false},
		{"text invalid UTF-8", CheckText("f", "a\xc3", 0, 5), false},
		{"id", CheckID("f", "ada.lovelace@example-1_x"), true},
		{"id at max", CheckID("f", strings.Repeat("a", MaxIDLength)), true},
		{"id too long", CheckID("f", strings.Repeat("a", MaxIDLength+1)), false},
		{"id empty", CheckID("f", ""), false},
		{"id with slash", CheckID("f", "a/b"), false},
		{"id with space", CheckID("f", "a b"), false},
		{"quantity min", CheckQuantity("f", 1), true},
		{"quantity max", CheckQuantity("f", MaxQuantity), true},
		{"quantity zero", CheckQuantity("f", 0), false},
		{"quantity over", CheckQuantity("f", MaxQuantity+1), false},
		{"price min", CheckPrice("f", 1), true},
		{"price max", CheckPrice("f", MaxPrice-1), true},
		{"price zero", CheckPrice("f", 0), false},
		{"price at limit", CheckPrice("f", MaxPrice), false},
		{"currency", CheckCurrency("f", "JPY"), true},
		{"currency lower", CheckCurrency("f", "jpy"), false},
		{"currency unknown", CheckCurrency("f", "ABC"), false},
	}
	for _, tc := range cases {
		var ve *ValidationError
		switch {
		case tc.ok && tc.err != nil:
			t.Errorf("%s: %v", tc.name, tc.err)
		case !tc.ok && (!errors.As(tc.err, &ve) || ve.Field != "f" || ve.Reason == ""):
			t.Errorf("%s: err = %v, want a ValidationError on f with a reason", tc.name, tc.err)
		}
	}
}

func TestRuleErrorKinds(t *testing.T) {
	for code, kind := range kinds {
		err := Rule(code, "product %s", "p1")
		var re *RuleError
		if !errors.As(err, &re) || re.Code.Kind() != kind || re.Error() != string(code)+": product p1" {
			t.Errorf("Rule(%s) = %v", code, err)
		}
	}
	if Code("made_up").Kind() != Rejected {
		t.Error("unknown codes should be Rejected")
	}
}

func TestDecodeStrict(t *testing.T) {
	var v struct {
		A int `json:"a"`
	}
	for in, ok := range map[string]bool{`{"a":1}`: true, `{"a":1,"b":2}`: false, `{"a":1}{}`: false, `{"a":"1"}`: false, ``: false} {
		if err := DecodeStrict([]byte(in), &v); (err == nil) != ok {
			t.Errorf("DecodeStrict(%q) = %v", in, err)
		}
	}
}

func TestOrderIDFor(t *testing.T) {
	a, again, b := OrderIDFor("c1"), OrderIDFor("c1"), OrderIDFor("c2")
	if a != again || a == b || CheckID("orderId", OrderIDFor("01J9ZK8Q3Y6V2C7D5E4F3G2H1J")) != nil {
		t.Error("OrderIDFor must be a deterministic, injective map onto valid ids")
	}
}
