package expr

import (
	"encoding/json"
	"testing"

	"github.com/shopstream/shopstream/emulator/dynamodb/attr"
)

func mustItem(t *testing.T, s string) attr.Item {
	t.Helper()
	if s == "" {
		return nil
	}
	var it attr.Item
	if err := json.Unmarshal([]byte(s), &it); err != nil {
		t.Fatalf("bad fixture %s: %v", s, err)
	}
	if err := attr.ValidateItem(it); err != nil {
		t.Fatalf("bad fixture %s: %v", s, err)
	}
	return it
}

const doc = `{"id":{"S":"p1"},"n":{"N":"10"},"s":{"S":"hello"},"b":{"B":"AQID"},"ok":{"BOOL":true},"nul":{"NULL":true},
"tags":{"SS":["a","b"]},"nums":{"NS":["1","2"]},"l":{"L":[{"N":"1"},{"M":{"c":{"S":"deep"}}},{"S":"x"}]},
"m":{"M":{"a":{"N":"1"},"b":{"L":[{"S":"q"}]}}},"emptyl":{"L":[]},"dot.name":{"S":"v"}}`

func TestEvalCondition(t *testing.T) {
	values := `{":ten":{"N":"10"},":nine":{"N":"9.0"},":hello":{"S":"hello"},":he":{"S":"he"},":a":{"S":"a"},":one":{"N":"1"},
":S":{"S":"S"},":SS":{"S":"SS"},":L":{"S":"L"},":deep":{"S":"deep"},":x":{"S":"x"},":five":{"N":"5"},":t":{"BOOL":true},":b1":{"B":"AQ=="}}`
	tests := []struct {
		expr  string
		names map[string]string
		want  bool
	}{
		{"n = :ten", nil, true},
		{"n <> :ten", nil, false},
		{"n > :nine", nil, true},
		{"n >= :ten AND n <= :ten", nil, true},
		{"n < :nine", nil, false},
		{"s = :ten", nil, false},    // type mismatch is unequal
		{"s > :ten", nil, false},    // and unordered
		{"gone = :ten", nil, false}, // missing attribute
		{"gone <> :ten", nil, true}, // missing is unequal
		{"n BETWEEN :nine AND :ten", nil, true},
		{"n BETWEEN :one AND :five", nil, false},
		{"s IN (:a, :hello)", nil, true},
		{"s IN (:a)", nil, false},
		{"attribute_exists(id)", nil, true},
		{"attribute_not_exists(id)", nil, false},
		{"attribute_not_exists(nope)", nil, true},
		{"attribute_exists(m.a)", nil, true},
		{"attribute_exists(m.zz)", nil, false},
		{"attribute_exists(l[1].c)", nil, true},
		{"attribute_exists(l[9])", nil, false},
		{"l[1].c = :deep", nil, true},
		{"l[2] = :x", nil, true},
		{"attribute_type(s, :S)", nil, true},
		{"attribute_type(tags, :SS)", nil, true},
		{"attribute_type(s, :L)", nil, false},
		{"begins_with(s, :he)", nil, true},
		{"begins_with(n, :he)", nil, false},
		{"begins_with(b, :b1)", nil, true},
		{"contains(s, :he)", nil, true},
		{"contains(tags, :a)", nil, true},
		{"contains(nums, :one)", nil, true},
		{"contains(l, :x)", nil, true},
		{"contains(l, :a)", nil, false},
		{"size(s) = :five", nil, true},
		{"size(tags) < :five", nil, true},
		{"size(emptyl) < :one", nil, true},
		{"size(n) = :one", nil, false}, // numbers have no size
		{"NOT n = :ten", nil, false},
		{"NOT (n = :ten OR s = :a)", nil, false},
		{"n = :one OR s = :hello AND ok = :t", nil, true}, // AND binds tighter
		{"(n = :one OR s = :hello) AND ok = :t", nil, true},
		{"n = :one OR s = :a AND ok = :t", nil, false},
		{"#d = :x", map[string]string{"#d": "dot.name"}, false},
		{"#d <> :x", map[string]string{"#d": "dot.name"}, true},
		{"#m.#a = :one", map[string]string{"#m": "m", "#a": "a"}, true},
		{":ten = n", nil, true},
	}
	item := mustItem(t, doc)
	for _, tt := range tests {
		env := NewEnv(tt.names, mustItem(t, values))
		c, err := ParseCondition(tt.expr, "ConditionExpression", env)
		if err != nil {
			t.Errorf("%s: parse: %v", tt.expr, err)
			continue
		}
		if got := Eval(c, item); got != tt.want {
			t.Errorf("%s = %v, want %v", tt.expr, got, tt.want)
		}
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		kind, expr string
		names      map[string]string
		values     string
		want       string
	}{
		{"ConditionExpression", "a = = :v", nil, `{":v":{"S":"x"}}`, `Invalid ConditionExpression: Syntax error; token: "=", near: "= = :v"`},
		{"ConditionExpression", "a = ", nil, ``, `Invalid ConditionExpression: Syntax error; token: "<EOF>", near: "="`},
		{"ConditionExpression", "a = :v", nil, ``, `Invalid ConditionExpression: An expression attribute value used in expression is not defined; attribute value: :v`},
		{"ConditionExpression", "#a = :v", nil, `{":v":{"S":"x"}}`, `Invalid ConditionExpression: An expression attribute name used in the document path is not defined; attribute name: #a`},
		{"ConditionExpression", "status = :v", nil, `{":v":{"S":"x"}}`, `Invalid ConditionExpression: Attribute name is a reserved keyword; reserved keyword: status`},
		{"ConditionExpression", "foo(a)", nil, ``, `Invalid ConditionExpression: Invalid function name; function: foo`},
		{"ConditionExpression", "attribute_exists(:v)", nil, `{":v":{"S":"x"}}`, `Invalid ConditionExpression: Operator or function requires a document path; operator or function: attribute_exists`},
		{"ConditionExpression", "attribute_type(a, :v)", nil, `{":v":{"S":"XX"}}`, `Invalid ConditionExpression: Invalid attribute type name found; type: XX, valid types: {B,NULL,SS,BOOL,L,BS,N,NS,S,M}`},
		{"ConditionExpression", "a", nil, ``, `Invalid ConditionExpression: Syntax error; token: "<EOF>", near: "a"`},
		{"ConditionExpression", "a = :v $", nil, `{":v":{"S":"x"}}`, `Invalid ConditionExpression: Syntax error; token: "$", near: ":v $"`},
		{"ConditionExpression", "", nil, ``, `Invalid ConditionExpression: The expression can not be empty;`},
		{"ConditionExpression", "size(a)", nil, ``, `Invalid ConditionExpression: Syntax error; token: "<EOF>", near: ")"`},
		{"ConditionExpression", "a = list_append(a, a)", nil, ``, `Invalid ConditionExpression: The function is not allowed in a condition expression; function: list_append`},
		{"UpdateExpression", "SET a = :v SET b = :v", nil, `{":v":{"S":"x"}}`, `Invalid UpdateExpression: The "SET" section can only be used once in an update expression;`},
		{"UpdateExpression", "SET a = :v, a.b = :v", nil, `{":v":{"S":"x"}}`, `Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a], path two: [a, b]`},
		{"UpdateExpression", "ADD a :v", nil, `{":v":{"S":"x"}}`, `Invalid UpdateExpression: Incorrect operand type for operator or function; operator: ADD, operand type: STRING`},
		{"UpdateExpression", "SET a = size(b)", nil, ``, `Invalid UpdateExpression: The function is not allowed in an update expression; function: size`},
		{"UpdateExpression", "SET a = a - :v", nil, `{":v":{"S":"x"}}`, `Invalid UpdateExpression: Incorrect operand type for operator or function; operator or function: -, operand type: S`},
		{"UpdateExpression", "REMOVE", nil, ``, `Invalid UpdateExpression: Syntax error; token: "<EOF>", near: "REMOVE"`},
		{"UpdateExpression", "SET a = if_not_exists(:v, :v)", nil, `{":v":{"S":"x"}}`, `Invalid UpdateExpression: Operator or function requires a document path; operator or function: if_not_exists`},
		{"ProjectionExpression", "a, a.b", nil, ``, `Invalid ProjectionExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a], path two: [a, b]`},
		{"ProjectionExpression", "a[x]", nil, ``, `Invalid ProjectionExpression: Syntax error; token: "x", near: "[x]"`},
	}
	for _, tt := range tests {
		var values attr.Item
		if tt.values != "" {
			values = mustItem(t, tt.values)
		}
		env := NewEnv(tt.names, values)
		var err error
		switch tt.kind {
		case "UpdateExpression":
			_, err = ParseUpdate(tt.expr, env)
		case "ProjectionExpression":
			_, err = ParseProjection(tt.expr, env)
		default:
			_, err = ParseCondition(tt.expr, tt.kind, env)
		}
		if err == nil || err.Error() != tt.want {
			t.Errorf("%s %q:\n got %v\nwant %s", tt.kind, tt.expr, err, tt.want)
		}
	}
}

func TestUnused(t *testing.T) {
	env := NewEnv(map[string]string{"#a": "a", "#b": "b"}, mustItem(t, `{":x":{"S":"1"},":y":{"S":"2"}}`))
	if _, err := ParseCondition("#a = :x", "ConditionExpression", env); err != nil {
		t.Fatal(err)
	}
	err := env.CheckUnused()
	if want := "Value provided in ExpressionAttributeValues unused in expressions: keys: {:y}"; err == nil || err.Error() != want {
		t.Errorf("got %v, want %s", err, want)
	}
	env.usedValues[":y"] = true
	if want := "Value provided in ExpressionAttributeNames unused in expressions: keys: {#b}"; env.CheckUnused() == nil || env.CheckUnused().Error() != want {
		t.Errorf("got %v, want %s", env.CheckUnused(), want)
	}
}

func TestApply(t *testing.T) {
	values := `{":one":{"N":"1"},":two":{"N":"2.5"},":s":{"S":"v"},":l":{"L":[{"S":"z"}]},":ss":{"SS":["b","c"]},":ns":{"NS":["3"]},":del":{"SS":["a","b"]},":el":{"L":[]}}`
	base := `{"id":{"S":"k"},"n":{"N":"10"},"tags":{"SS":["a","b"]},"l":{"L":[{"S":"x"},{"S":"y"}]},"m":{"M":{"a":{"N":"1"}}}}`
	tests := []struct {
		update string
		item   string // "" means base
		want   string
		err    error
	}{
		{"SET n = n + :one", "", `{"n":{"N":"11"}}`, nil},
		{"SET n = n - :two", "", `{"n":{"N":"7.5"}}`, nil},
		{"SET x = :s", "", `{"x":{"S":"v"}}`, nil},
		{"SET m.b = :s", "", `{"m":{"M":{"a":{"N":"1"},"b":{"S":"v"}}}}`, nil},
		{"SET m.a = m.a + :one", "", `{"m":{"M":{"a":{"N":"2"}}}}`, nil},
		{"SET l[0] = :s", "", `{"l":{"L":[{"S":"v"},{"S":"y"}]}}`, nil},
		{"SET l[7] = :s", "", `{"l":{"L":[{"S":"x"},{"S":"y"},{"S":"v"}]}}`, nil},
		{"SET l = list_append(l, :l)", "", `{"l":{"L":[{"S":"x"},{"S":"y"},{"S":"z"}]}}`, nil},
		{"SET l = list_append(:l, l)", "", `{"l":{"L":[{"S":"z"},{"S":"x"},{"S":"y"}]}}`, nil},
		{"SET e = :el", "", `{"e":{"L":[]}}`, nil},
		{"SET c = if_not_exists(c, :one)", "", `{"c":{"N":"1"}}`, nil},
		{"SET n = if_not_exists(n, :one)", "", `{"n":{"N":"10"}}`, nil},
		{"REMOVE n, m.a", "", `{"n":null,"m":{"M":{}}}`, nil},
		{"REMOVE l[0], l[1]", "", `{"l":{"L":[]}}`, nil},
		{"REMOVE nothere", "", `{}`, nil},
		{"ADD n :one", "", `{"n":{"N":"11"}}`, nil},
		{"ADD newn :one", "", `{"newn":{"N":"1"}}`, nil},
		{"ADD tags :ss", "", `{"tags":{"SS":["a","b","c"]}}`, nil},
		{"ADD newset :ns", "", `{"newset":{"NS":["3"]}}`, nil},
		{"DELETE tags :ss", "", `{"tags":{"SS":["a"]}}`, nil},
		{"DELETE tags :del", "", `{"tags":null}`, nil},
		{"SET a = :s REMOVE n ADD c :one DELETE tags :ss", "", `{"a":{"S":"v"},"n":null,"c":{"N":"1"},"tags":{"SS":["a"]}}`, nil},
		{"SET n = nothere + :one", "", ``, ErrMissingOperand},
		{"SET n = tags + :one", "", ``, &Error{Msg: "Invalid UpdateExpression: Incorrect operand type for operator or function; operator or function: +, operand type: SS"}},
		{"SET x.y = :s", "", ``, ErrInvalidPath},
		{"SET l = list_append(n, :l)", "", ``, &Error{Msg: "Invalid UpdateExpression: Incorrect operand type for operator or function; operator or function: list_append, operand type: N"}},
		{"ADD tags :ns", "", ``, ErrOperandType},
		{"ADD tags :one", "", ``, ErrOperandType},
	}
	for _, tt := range tests {
		env := NewEnv(nil, mustItem(t, values))
		u, err := ParseUpdate(tt.update, env)
		if err != nil {
			t.Errorf("%s: parse: %v", tt.update, err)
			continue
		}
		src := mustItem(t, base)
		before := string(attr.MarshalItem(src))
		got, err := Apply(u, src)
		if after := string(attr.MarshalItem(src)); after != before {
			t.Errorf("%s: Apply modified its input:\n%s\n%s", tt.update, before, after)
		}
		if tt.err != nil {
			if err == nil || err.Error() != tt.err.Error() {
				t.Errorf("%s: error = %v, want %v", tt.update, err, tt.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tt.update, err)
			continue
		}
		// want lists changed attributes; null means removed.
		var changes map[string]json.RawMessage
		_ = json.Unmarshal([]byte(tt.want), &changes)
		want := mustItem(t, base)
		for k, raw := range changes {
			if string(raw) == "null" {
				delete(want, k)
				continue
			}
			var v attr.Value
			if err := json.Unmarshal(raw, &v); err != nil {
				t.Fatal(err)
			}
			want[k] = v
		}
		if !attr.Equal(attr.Value{T: attr.M, M: got}, attr.Value{T: attr.M, M: want}) {
			t.Errorf("%s:\n got %s\nwant %s", tt.update, attr.MarshalItem(got), attr.MarshalItem(want))
		}
	}
}

func TestProject(t *testing.T) {
	tests := []struct{ proj, want string }{
		{"id, n", `{"id":{"S":"p1"},"n":{"N":"10"}}`},
		{"m.a", `{"m":{"M":{"a":{"N":"1"}}}}`},
		{"l[2], l[0]", `{"l":{"L":[{"N":"1"},{"S":"x"}]}}`},
		{"l[1].c, m.b[0]", `{"l":{"L":[{"M":{"c":{"S":"deep"}}}]},"m":{"M":{"b":{"L":[{"S":"q"}]}}}}`},
		{"nope, m.nope", `{}`},
	}
	item := mustItem(t, doc)
	for _, tt := range tests {
		paths, err := ParseProjection(tt.proj, NewEnv(nil, nil))
		if err != nil {
			t.Fatalf("%s: %v", tt.proj, err)
		}
		if got := string(attr.MarshalItem(Project(item, paths))); got != tt.want {
			t.Errorf("Project(%s) = %s, want %s", tt.proj, got, tt.want)
		}
	}
}
