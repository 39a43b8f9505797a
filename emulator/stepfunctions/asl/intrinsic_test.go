package asl

import (
	"strings"
	"testing"
)

// The examples of the AWS "Intrinsic functions" page, with their
// documented results, plus the argument grammar's edge cases.
func TestIntrinsicFunctions(t *testing.T) {
	tests := []struct {
		name, input, expr, want string
	}{
		{"Array", `{"Id":123456}`, `States.Array($.Id)`, `[123456]`},
		{"Array of mixed literals", `{}`, `States.Array('a', 1, 2.5, true, null)`, `["a",1,2.5,true,null]`},
		{"ArrayPartition", `{"inputArray":[1,2,3,4,5,6,7]}`, `States.ArrayPartition($.inputArray,4)`, `[[1,2,3,4],[5,6,7]]`},
		{"ArrayContains", `{"inputArray":[1,2,3,4,5,6,7,8,9],"lookingFor":5}`, `States.ArrayContains($.inputArray, $.lookingFor)`, `true`},
		{"ArrayContains absent", `{"inputArray":[1,2,3]}`, `States.ArrayContains($.inputArray, 'x')`, `false`},
		{"ArrayRange", `{}`, `States.ArrayRange(1, 9, 2)`, `[1,3,5,7,9]`},
		{"ArrayRange descending", `{}`, `States.ArrayRange(5, 1, -2)`, `[5,3,1]`},
		{"ArrayGetItem", `{"inputArray":[1,2,3,4,5,6,7,8,9],"index":5}`, `States.ArrayGetItem($.inputArray, $.index)`, `6`},
		{"ArrayLength", `{"inputArray":[1,2,3,4,5,6,7,8,9]}`, `States.ArrayLength($.inputArray)`, `9`},
		{"ArrayUnique", `{"inputArray":[1,2,3,3,3,3,3,3,4]}`, `States.ArrayUnique($.inputArray)`, `[1,2,3,4]`},
		{"Base64Encode", `{"input":"Data to encode"}`, `States.Base64Encode($.input)`, `"RGF0YSB0byBlbmNvZGU="`},
		{"Base64Decode", `{"base64":"RGF0YSB0byBlbmNvZGU="}`, `States.Base64Decode($.base64)`, `"Data to encode"`},
		{"Hash SHA-1", `{"Data":"input data","Algorithm":"SHA-1"}`, `States.Hash($.Data, $.Algorithm)`, `"aaff4a450a104cd177d28d18d74485e8cae074b7"`},
		{"Hash MD5 of a literal", `{}`, `States.Hash('input data', 'MD5')`, `"812f45842bc6d66ee14572ce20db8e86"`},
		{"JsonMerge is shallow", `{"json1":{"a":{"a1":1,"a2":2},"b":2},"json2":{"a":{"a3":1,"a4":2},"c":3}}`, `States.JsonMerge($.json1, $.json2, false)`, `{"a":{"a3":1,"a4":2},"b":2,"c":3}`},
		{"StringToJson", `{"escapedJsonString":"{\"foo\": \"bar\"}"}`, `States.StringToJson($.escapedJsonString)`, `{"foo":"bar"}`},
		{"JsonToString", `{"unescapedJson":{"foo":"bar"}}`, `States.JsonToString($.unescapedJson)`, `"{\"foo\":\"bar\"}"`},
		{"MathAdd", `{"value1":111,"step":-1}`, `States.MathAdd($.value1, $.step)`, `110`},
		{"StringSplit", `{"inputString":"1,2,3,4,5","splitter":","}`, `States.StringSplit($.inputString, $.splitter)`, `["1","2","3","4","5"]`},
		{"StringSplit on several delimiters", `{"inputString":"This.is+a,test=string","splitter":".+,="}`, `States.StringSplit($.inputString, $.splitter)`, `["This","is","a","test","string"]`},
		{"Format", `{"name":"Arnav"}`, `States.Format('Hello, my name is {}.', $.name)`, `"Hello, my name is Arnav."`},
		{"Format with the template from a path", `{"name":"Arnav","template":"Hello, my name is {}."}`, `States.Format($.template, $.name)`, `"Hello, my name is Arnav."`},
		{"Format renders non-strings as JSON", `{"n":3,"o":{"a":[1]}}`, `States.Format('{} and {}', $.n, $.o)`, `"3 and {\"a\":[1]}"`},
		{"Format with escaped braces and quote", `{"v":"x"}`, `States.Format('\{\} it\'s {}', $.v)`, `"{} it's x"`},
		{"escaped backslash", `{}`, `States.Format('a\\b')`, `"a\\b"`},
		{"UUID is injected", `{}`, `States.UUID()`, `"00000000-0000-4000-8000-000000000000"`},
		{"MathRandom uses the injected source", `{}`, `States.MathRandom(1, 999)`, `500`},
		{"context object argument", `{}`, `States.Format('{}/{}', $$.Execution.Name, $$.State.Name)`, `"exec-1/P"`},
		{"nested calls", `{"ImageRecipe":{"Arn":"arn:aws:imagebuilder:us-east-1:123456789012:image-recipe/my-recipe/1.0.1"}}`,
			`States.Format('{}.{}', States.ArrayGetItem(States.StringSplit(States.ArrayGetItem(States.StringSplit($.ImageRecipe.Arn, '/'), 2), '.'), 0), States.ArrayGetItem(States.StringSplit(States.ArrayGetItem(States.StringSplit($.ImageRecipe.Arn, '/'), 2), '.'), 1))`,
			`"1.0"`},
		{"path with brackets as argument", `{"a b":[10,20]}`, `States.ArrayGetItem($['a b'], 1)`, `20`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			def := `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true,"Parameters":{"r.$":` + mustJSON(tt.expr) + `}}}}`
			out, _, _, err := runDef(t, def, tt.input, nil)
			if err != nil {
				t.Fatal(err)
			}
			assertJSON(t, out.(map[string]any)["r"], tt.want)
		})
	}
}

func TestIntrinsicErrors(t *testing.T) {
	parseErrors := []struct{ expr, want string }{
		{`States.Nope(1)`, `unknown function`},
		{`States.ArrayLength(1, 2)`, `takes 1 arguments`},
		{`States.Format('unterminated`, `unterminated string`},
		{`States.Array(1`, `missing ')'`},
		{`States.Array(what)`, `invalid argument`},
		{`States.Format('open \escape')`, `invalid escape`},
	}
	for _, tt := range parseErrors {
		_, err := Parse([]byte(`{"StartAt":"P","States":{"P":{"Type":"Pass","End":true,"Parameters":{"r.$":` + mustJSON(tt.expr) + `}}}}`))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err = %v, want it to contain %q", tt.expr, err, tt.want)
		}
	}
	runErrors := []struct{ name, expr, input string }{
		{"Format arity", `States.Format('{} {}', $.a)`, `{"a":1}`},
		{"partition size", `States.ArrayPartition($.a, 0)`, `{"a":[1]}`},
		{"range too long", `States.ArrayRange(1, 2000, 1)`, `{}`},
		{"bad base64", `States.Base64Decode('%%%')`, `{}`},
		{"hash algorithm", `States.Hash('x', 'SHA-3')`, `{}`},
		{"StringToJson of invalid JSON", `States.StringToJson('{')`, `{}`},
		{"missing path", `States.ArrayLength($.nope)`, `{}`},
	}
	for _, tt := range runErrors {
		t.Run(tt.name, func(t *testing.T) {
			_, _, _, err := runDef(t, `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true,"Parameters":{"r.$":`+mustJSON(tt.expr)+`}}}}`, tt.input, nil)
			if e, ok := asError(err); !ok || e.Name != ErrIntrinsicFailure {
				t.Fatalf("err = %v, want %s", err, ErrIntrinsicFailure)
			}
		})
	}
}
