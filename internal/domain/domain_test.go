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
		{"line", CheckLine("f", "Mug – blue ☕", 1, 50), true},
		{"line NUL", CheckLine("f", "a\x00b", 1, 50), false},
		{"line newline", CheckLine("f", "a\nb", 1, 50), false},
		{"line tab", CheckLine("f", "a\tb", 1, 50), false},
		{"line ANSI escape", CheckLine("f", "\x1b[31mred", 1, 50), false},
		{"line DEL", CheckLine("f", "a\x7f", 1, 50), false},
		{"line C1", CheckLine("f", "a\u0085b", 1, 50), false},
		{"line RLO", CheckLine("f", "abc\u202Egnp.exe", 1, 50), false},
		{"line isolate", CheckLine("f", "a\u2066b", 1, 50), false},
		{"multiline newline", CheckMultiline("f", "a\nb", 0, 50), true},
		{"multiline CR", CheckMultiline("f", "a\r\nb", 0, 50), false},
		{"multiline RLE", CheckMultiline("f", "a\u202Bb", 0, 50), false},
		{"image", CheckImageFile("f", "mug-2_blue.PNG", 100), true},
		{"image none", CheckImageFile("f", "", 100), true},
		{"image scheme", CheckImageFile("f", "javascript:alert(1)", 100), false},
		{"image traversal", CheckImageFile("f", "../../etc/passwd", 100), false},
		{"image dotdot", CheckImageFile("f", "a..png", 100), false},
		{"image dir", CheckImageFile("f", "img/mug.png", 100), false},
		{"image backslash", CheckImageFile("f", "img\\mug.png", 100), false},
		{"image hidden", CheckImageFile("f", ".png", 100), false},
		{"image svg", CheckImageFile("f", "mug.svg", 100), false},
		{"image no ext", CheckImageFile("f", "mug", 100), false},
		{"image url", CheckImageFile("f", "https://x.example/mug.png", 100), false},
		{"image too long", CheckImageFile("f", strings.Repeat("a", 100)+".png", 100), false},
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
