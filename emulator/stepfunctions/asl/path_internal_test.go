package asl

import "testing"

func TestBracketNames(t *testing.T) {
	tests := []struct{ in, want string }{
		{"$", "$"},
		{"$.a.b", "$.a.b"},
		{"$.delivery-partner", "$['delivery-partner']"},
		{"$.a.x-y[0].z", "$.a['x-y'][0].z"},
		{"$..x-y", "$..['x-y']"},
		{"$.a-b[?(@.x > 1)]", "$['a-b'][?(@.x > 1)]"},
		{"$.*", "$.*"},
		{"$['a.b'].c", "$['a.b'].c"},
	}
	for _, tt := range tests {
		if got := bracketNames(tt.in); got != tt.want {
			t.Errorf("bracketNames(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if _, err := ParsePath(tt.in); err != nil {
			t.Errorf("ParsePath(%q): %v", tt.in, err)
		}
	}
}
