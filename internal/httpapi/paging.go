package httpapi

import (
	"net/url"
	"strconv"

	"github.com/shopstream/shopstream/internal/domain"
)

// Limit reads the ?limit= query parameter: def when absent, else a whole
// number from 1 to max, or a validation error naming "limit".
func Limit(q url.Values, def, max int) (int, error) {
	s := q.Get("limit")
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > max {
		return 0, domain.Invalid("limit", "must be a whole number from 1 to %d", max)
	}
	return n, nil
}

// BadCursor is the validation error for a ?cursor= this API did not issue.
func BadCursor() error { return domain.Invalid("cursor", "is not a cursor this API returned") }
