package stack

import (
	"encoding/json"
	"fmt"
	"strconv"
)

// IntProp reads the whole-number property key of p, or def when it is
// absent. Resolved templates may carry numbers as JSON numbers or as
// strings ("30"), so both are accepted; a fraction or another type is an
// error naming the key.
func IntProp(p map[string]any, key string, def int) (int, error) {
	switch v := p[key].(type) {
	case nil:
		return def, nil
	case float64:
		if v != float64(int(v)) {
			return 0, fmt.Errorf("%s: %v is not a whole number", key, v)
		}
		return int(v), nil
	case int:
		return v, nil
	case json.Number:
		n, err := v.Int64()
		return int(n), err
	case string:
		return strconv.Atoi(v)
	default:
		return 0, fmt.Errorf("%s: unexpected %T", key, v)
	}
}

// BoolProp reads the boolean property key of p, or def when it is absent;
// templates may carry "true"/"false" as strings.
func BoolProp(p map[string]any, key string, def bool) (bool, error) {
	switch v := p[key].(type) {
	case nil:
		return def, nil
	case bool:
		return v, nil
	case string:
		b, err := strconv.ParseBool(v)
		if err != nil {
			return false, fmt.Errorf("%q is not true or false", v)
		}
		return b, nil
	default:
		return false, fmt.Errorf("%v is not true or false", v)
	}
}
