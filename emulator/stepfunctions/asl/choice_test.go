package asl

import (
	"testing"
)

func TestChoiceOperators(t *testing.T) {
	const input = `{"s":"apple","n":20,"f":1.5,"b":true,"t":"2016-03-14T01:59:00Z","nul":null,"other":"banana","m":20,"later":"2020-01-01T00:00:00Z","file":"log-2024.txt","star":"a*b"}`
	tests := []struct {
		rule string
		want bool
	}{
		{`"Variable":"$.s","StringEquals":"apple"`, true},
		{`"Variable":"$.s","StringEquals":"Apple"`, false},
		{`"Variable":"$.n","StringEquals":"20"`, false}, // wrong type never matches
		{`"Variable":"$.s","StringEqualsPath":"$.other"`, false},
		{`"Variable":"$.s","StringLessThan":"banana"`, true},
		{`"Variable":"$.s","StringGreaterThan":"banana"`, false},
		{`"Variable":"$.s","StringLessThanEquals":"apple"`, true},
		{`"Variable":"$.s","StringGreaterThanEquals":"apple"`, true},
		{`"Variable":"$.s","StringLessThanPath":"$.other"`, true},
		{`"Variable":"$.file","StringMatches":"log-*.txt"`, true},
		{`"Variable":"$.file","StringMatches":"*.csv"`, false},
		{`"Variable":"$.star","StringMatches":"a\\*b"`, true},
		{`"Variable":"$.s","StringMatches":"a\\*b"`, false},
		{`"Variable":"$.n","NumericEquals":20`, true},
		{`"Variable":"$.n","NumericEquals":20.0`, true},
		{`"Variable":"$.n","NumericEqualsPath":"$.m"`, true},
		{`"Variable":"$.f","NumericLessThan":2`, true},
		{`"Variable":"$.f","NumericGreaterThan":2`, false},
		{`"Variable":"$.n","NumericLessThanEquals":20`, true},
		{`"Variable":"$.n","NumericGreaterThanEquals":21`, false},
		{`"Variable":"$.n","NumericGreaterThanPath":"$.f"`, true},
		{`"Variable":"$.s","NumericEquals":0`, false},
		{`"Variable":"$.b","BooleanEquals":true`, true},
		{`"Variable":"$.b","BooleanEqualsPath":"$.b"`, true},
		{`"Variable":"$.t","TimestampEquals":"2016-03-14T01:59:00Z"`, true},
		{`"Variable":"$.t","TimestampEquals":"2016-03-14T02:59:00+01:00"`, true},
		{`"Variable":"$.t","TimestampLessThan":"2016-03-14T02:00:00Z"`, true},
		{`"Variable":"$.t","TimestampGreaterThan":"2016-03-14T02:00:00Z"`, false},
		{`"Variable":"$.t","TimestampLessThanEquals":"2016-03-14T01:59:00Z"`, true},
		{`"Variable":"$.t","TimestampGreaterThanEquals":"2016-03-14T01:59:01Z"`, false},
		{`"Variable":"$.t","TimestampLessThanPath":"$.later"`, true},
		{`"Variable":"$.nul","IsNull":true`, true},
		{`"Variable":"$.s","IsNull":true`, false},
		{`"Variable":"$.s","IsPresent":true`, true},
		{`"Variable":"$.missing","IsPresent":true`, false},
		{`"Variable":"$.missing","IsPresent":false`, true},
		{`"Variable":"$.f","IsNumeric":true`, true},
		{`"Variable":"$.s","IsNumeric":false`, true},
		{`"Variable":"$.s","IsString":true`, true},
		{`"Variable":"$.b","IsBoolean":true`, true},
		{`"Variable":"$.t","IsTimestamp":true`, true},
		{`"Variable":"$.s","IsTimestamp":true`, false},
		{`"And":[{"Variable":"$.n","NumericGreaterThanEquals":20},{"Variable":"$.n","NumericLessThan":30}]`, true},
		{`"And":[{"Variable":"$.n","NumericGreaterThanEquals":20},{"Variable":"$.s","StringEquals":"pear"}]`, false},
		{`"Or":[{"Variable":"$.s","StringEquals":"pear"},{"Variable":"$.b","BooleanEquals":true}]`, true},
		{`"Not":{"Variable":"$.s","StringEquals":"apple"}`, false},
		{`"Not":{"Variable":"$.missing","IsPresent":true}`, true},
	}
	for _, tt := range tests {
		t.Run(tt.rule, func(t *testing.T) {
			def := `{"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{` + tt.rule + `,"Next":"Yes"}],"Default":"No"},"Yes":{"Type":"Pass","Result":true,"End":true},"No":{"Type":"Pass","Result":false,"End":true}}}`
			out, _, _, err := runDef(t, def, input, nil)
			if err != nil {
				t.Fatal(err)
			}
			if out != tt.want {
				t.Errorf("matched = %v, want %v", out, tt.want)
			}
		})
	}
}

// The States Language specification's Choice example.
func TestChoiceSpecExample(t *testing.T) {
	const def = `{"StartAt":"ChoiceStateX","States":{
	  "ChoiceStateX":{"Type":"Choice","Choices":[
	    {"Not":{"Variable":"$.type","StringEquals":"Private"},"Next":"Public"},
	    {"Variable":"$.value","NumericEquals":0,"Next":"ValueIsZero"},
	    {"And":[{"Variable":"$.value","NumericGreaterThanEquals":20},{"Variable":"$.value","NumericLessThan":30}],"Next":"ValueInTwenties"}
	  ],"Default":"DefaultState"},
	  "Public":{"Type":"Pass","Result":"Public","End":true},
	  "ValueIsZero":{"Type":"Pass","Result":"ValueIsZero","End":true},
	  "ValueInTwenties":{"Type":"Pass","Result":"ValueInTwenties","End":true},
	  "DefaultState":{"Type":"Fail","Error":"DefaultStateError","Cause":"No Matches!"}}}`
	tests := []struct{ input, want, wantErr string }{
		{`{"type":"Public","value":22}`, "Public", ""},
		{`{"type":"Private","value":0}`, "ValueIsZero", ""},
		{`{"type":"Private","value":22}`, "ValueInTwenties", ""},
		{`{"type":"Private","value":35}`, "", "DefaultStateError"},
	}
	for _, tt := range tests {
		out, _, _, err := runDef(t, def, tt.input, nil)
		if tt.wantErr != "" {
			if e, ok := asError(err); !ok || e.Name != tt.wantErr || e.Cause != "No Matches!" {
				t.Errorf("%s: err = %v, want %s", tt.input, err, tt.wantErr)
			}
			continue
		}
		if err != nil || out != tt.want {
			t.Errorf("%s: got %v, %v; want %s", tt.input, out, err, tt.want)
		}
	}
}

func TestChoiceErrors(t *testing.T) {
	noDefault := `{"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"Variable":"$.a","NumericEquals":1,"Next":"D"}]},"D":{"Type":"Succeed"}}}`
	if _, _, _, err := runDef(t, noDefault, `{"a":2}`, nil); !isErr(err, ErrNoChoiceMatched) {
		t.Errorf("no match: err = %v, want %s", err, ErrNoChoiceMatched)
	}
	if _, _, _, err := runDef(t, noDefault, `{}`, nil); !isErr(err, ErrRuntime) {
		t.Errorf("missing variable: err = %v, want %s", err, ErrRuntime)
	}
}

func isErr(err error, name string) bool {
	e, ok := asError(err)
	return ok && e.Name == name
}

func TestWildcardMatch(t *testing.T) {
	tests := []struct {
		pattern, s string
		want       bool
	}{
		{"*", "", true},
		{"*.log", "a.log", true},
		{"*.log", "a.log.gz", false},
		{"a*b*c", "aXXbYYc", true},
		{"a*b*c", "aXXcYYb", false},
		{`a\\b`, `a\b`, true},
		{`\*`, `*`, true},
		{`\*`, `x`, false},
	}
	for _, tt := range tests {
		if got := wildcardMatch(tt.pattern, tt.s); got != tt.want {
			t.Errorf("wildcardMatch(%q, %q) = %v, want %v", tt.pattern, tt.s, got, tt.want)
		}
	}
}
