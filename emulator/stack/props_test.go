package stack_test

import (
	"encoding/json"
	"testing"

	"github.com/shopstream/shopstream/emulator/stack"
)

func TestProps(t *testing.T) {
	intProp := func(p map[string]any) (any, error) { return stack.IntProp(p, "P", 7) }
	boolProp := func(p map[string]any) (any, error) { return stack.BoolProp(p, "P", true) }
	tests := []struct {
		name    string
		read    func(map[string]any) (any, error)
		value   any // nil: the property is absent
		want    any
		wantErr bool
	}{
		{"int absent gives the default", intProp, nil, 7, false},
		{"int from JSON number", intProp, float64(30), 30, false},
		{"int from int", intProp, 5, 5, false},
		{"int from json.Number", intProp, json.Number("12"), 12, false},
		{"int from string", intProp, "128", 128, false},
		{"int fraction", intProp, 1.5, nil, true},
		{"int not a number", intProp, "ten", nil, true},
		{"int wrong type", intProp, []any{1}, nil, true},
		{"bool absent gives the default", boolProp, nil, true, false},
		{"bool from bool", boolProp, false, false, false},
		{"bool from string", boolProp, "false", false, false},
		{"bool not a bool", boolProp, "maybe", nil, true},
		{"bool wrong type", boolProp, float64(1), nil, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := map[string]any{}
			if tc.value != nil {
				p["P"] = tc.value
			}
			got, err := tc.read(p)
			if (err != nil) != tc.wantErr {
				t.Fatalf("read(%v) error = %v, want error %v", tc.value, err, tc.wantErr)
			}
			if err == nil && got != tc.want {
				t.Errorf("read(%v) = %v, want %v", tc.value, got, tc.want)
			}
		})
	}
}
