package stepfunctions

import (
	"encoding/base64"
	"strconv"

	"github.com/shopstream/shopstream/emulator/awsapi"
)

const (
	defaultPageSize = 100
	maxPageSize     = 1000
)

type pageRange struct{ start, end int }

// paginate picks the slice of n items a request's maxResults and
// nextToken select, and the token for the next page ("" when none).
// Tokens are opaque offsets.
func paginate(n, maxResults int, token string) (pageRange, string, error) {
	if maxResults < 0 || maxResults > maxPageSize {
		return pageRange{}, "", validation("1 validation error detected: Value '%d' at 'maxResults' failed to satisfy constraint: Member must have value between 0 and %d", maxResults, maxPageSize)
	}
	if maxResults == 0 {
		maxResults = defaultPageSize
	}
	start := 0
	if token != "" {
		raw, err := base64.RawURLEncoding.DecodeString(token)
		if err == nil {
			start, err = strconv.Atoi(string(raw))
		}
		if err != nil || start < 0 || start > n {
			return pageRange{}, "", awsapi.Errorf("InvalidToken", "Invalid Token: '%s'", token)
		}
	}
	end := min(start+maxResults, n)
	next := ""
	if end < n {
		next = base64.RawURLEncoding.EncodeToString([]byte(strconv.Itoa(end)))
	}
	return pageRange{start, end}, next, nil
}

// pageOutput is a List* response: the page's items under key, and
// nextToken when there are more.
func pageOutput(key string, items any, next string) map[string]any {
	out := map[string]any{key: items}
	if next != "" {
		out["nextToken"] = next
	}
	return out
}
