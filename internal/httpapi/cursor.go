package httpapi

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"strings"
)

// ErrBadCursor answers a paging cursor this API did not issue for the
// route and query it came with: 400 bad_cursor, naming the field.
var ErrBadCursor = &Error{Status: http.StatusBadRequest, Code: "bad_cursor", Field: "cursor",
	Message: "cursor: is not a cursor this listing returned (cursors are only valid for the route and query they came from)"}

// MinCursorKeyLen is the shortest key Cursors accepts.
const MinCursorKeyLen = 32

// macLen is how many bytes of the HMAC-SHA256 a cursor carries: 128 bits
// is plenty against forgery online, and keeps URLs short.
const macLen = 16

// Cursors seals the paging positions a listing hands out ("nextCursor")
// and opens the ones clients send back. A sealed cursor is the position,
// base64url, then "." and an HMAC-SHA256 over the listing's scope and the
// position, keyed by a per-deployment secret. The scope names the route
// and every query value that selects the rows (the category, the user, a
// date prefix), so a cursor is accepted only by the listing that issued
// it: one from another route, another query or another deployment, an
// edited one or garbage is ErrBadCursor, never handed to the store.
//
// The position itself (a DynamoDB key, an event-store position) is not
// encrypted: clients may decode it, but cannot change it.
type Cursors struct {
	// Key is the MAC key, at least MinCursorKeyLen bytes; a shorter one
	// makes every Seal and Open fail closed with an error (a 500), so a
	// misconfigured deployment cannot hand out unsigned cursors.
	Key []byte
}

// errCursorKey is a configuration error: it becomes a 500.
var errCursorKey = errors.New("httpapi: cursor key missing or shorter than 32 bytes")

// Scope returns the scope of a listing: the route pattern and the query
// values that select its rows, as name=value pairs in the order given.
// Empty values are part of the scope ("category=" lists every category).
func Scope(route string, selectors ...string) string {
	return route + "\x00" + strings.Join(selectors, "\x00")
}

func (c Cursors) mac(scope, position string) ([]byte, error) {
	if len(c.Key) < MinCursorKeyLen {
		return nil, errCursorKey
	}
	h := hmac.New(sha256.New, c.Key)
	h.Write([]byte("shopstream-cursor-v1\x00"))
	h.Write([]byte(scope))
	h.Write([]byte{0})
	h.Write([]byte(position))
	return h.Sum(nil)[:macLen], nil
}

// Seal returns the cursor a client gets for position in scope ("" for
// "", the end of the listing).
func (c Cursors) Seal(scope, position string) (string, error) {
	if position == "" {
		return "", nil
	}
	sum, err := c.mac(scope, position)
	if err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString([]byte(position)) + "." + base64.RawURLEncoding.EncodeToString(sum), nil
}

// Open returns the position in cursor, which must have been sealed for
// scope: "" for no cursor, ErrBadCursor for any other cursor.
func (c Cursors) Open(scope, cursor string) (string, error) {
	if cursor == "" {
		return "", nil
	}
	if len(c.Key) < MinCursorKeyLen {
		return "", errCursorKey
	}
	enc, tag, ok := strings.Cut(cursor, ".")
	if !ok || len(cursor) > 4096 {
		return "", ErrBadCursor
	}
	position, err := base64.RawURLEncoding.DecodeString(enc)
	if err != nil || len(position) == 0 {
		return "", ErrBadCursor
	}
	got, err := base64.RawURLEncoding.DecodeString(tag)
	if err != nil {
		return "", ErrBadCursor
	}
	want, err := c.mac(scope, string(position))
	if err != nil {
		return "", err
	}
	if !hmac.Equal(got, want) {
		return "", ErrBadCursor
	}
	return string(position), nil
}

// OpenQuery is Open on the request's ?cursor= value. A cursor value that
// does not decode ("cursor=%%%", which url.Values silently drops) is
// ErrBadCursor rather than a missing cursor, so a garbled cursor never
// silently restarts the listing.
func (c Cursors) OpenQuery(r *http.Request, scope string) (string, error) {
	for _, pair := range strings.Split(r.URL.RawQuery, "&") {
		k, v, _ := strings.Cut(pair, "=")
		if k != "cursor" {
			continue
		}
		if _, err := url.QueryUnescape(v); err != nil {
			return "", ErrBadCursor
		}
	}
	return c.Open(scope, r.URL.Query().Get("cursor"))
}

// WriteSealedPage is WritePage with next sealed for scope by c.
func WriteSealedPage[T any](w http.ResponseWriter, r *http.Request, c Cursors, scope string, items []T, next string) {
	sealed, err := c.Seal(scope, next)
	if err != nil {
		WriteError(w, r, err)
		return
	}
	WritePage(w, items, sealed)
}
