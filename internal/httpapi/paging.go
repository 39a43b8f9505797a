package httpapi

import (
	"net/http"
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

// WritePage writes one page of a listing as {"items": [...], "nextCursor":
// "..."}, with items an empty array (never null) when the page is empty.
func WritePage[T any](w http.ResponseWriter, items []T, next string) {
	if items == nil {
		items = []T{}
	}
	WriteJSON(w, http.StatusOK, map[string]any{"items": items, "nextCursor": next})
}
