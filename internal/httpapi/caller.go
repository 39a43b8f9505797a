package httpapi

import (
	"context"
	"net/http"
	"slices"
	"strings"
)

// AdminGroup is the Cognito group whose members may act for any user.
const AdminGroup = "admin"

// Claims the Cognito user-pool authorizer passes to the function, from the
// verified ID token.
const (
	ClaimUserName = "cognito:username"
	ClaimGroups   = "cognito:groups"
)

// Caller is the signed-in user a request comes from, as API Gateway's
// Cognito authorizer verified it.
type Caller struct {
	UserName string
	Groups   []string
}

// IsAdmin reports whether the caller is in the admin group.
func (c Caller) IsAdmin() bool { return slices.Contains(c.Groups, AdminGroup) }

// Is reports whether the caller is the user named userName.
func (c Caller) Is(userName string) bool { return c.UserName != "" && c.UserName == userName }

// Actor is the caller as the metadata of the events it causes records it:
// "admin:bob" for an admin, else "user:ann".
func (c Caller) Actor() string {
	if c.IsAdmin() {
		return "admin:" + c.UserName
	}
	return "user:" + c.UserName
}

type callerKey struct{}

// WithCaller returns ctx carrying c, as Proxy does for a request with
// authorizer claims (tests use it to sign requests in).
func WithCaller(ctx context.Context, c Caller) context.Context {
	return context.WithValue(ctx, callerKey{}, c)
}

// CallerOf returns the request's caller, and false when the request
// carries no user (a public route, or an authorizer that is not there).
func CallerOf(r *http.Request) (Caller, bool) {
	c, ok := r.Context().Value(callerKey{}).(Caller)
	return c, ok && c.UserName != ""
}

// ErrUnauthenticated answers a protected route reached without a user: the
// API's authorizer should have refused the request, so this is a
// misconfiguration, and the route must not proceed as anyone.
var ErrUnauthenticated = &Error{Status: http.StatusUnauthorized, Code: "unauthenticated", Message: "sign in to use this route"}

// Forbidden returns the 403 a caller gets for another user's resource or an
// admin-only route; nothing is read or changed for it.
func Forbidden(format string, args ...any) *Error {
	return Errorf(http.StatusForbidden, "forbidden", "", format, args...)
}

// Authenticate returns the caller, or ErrUnauthenticated.
func Authenticate(r *http.Request) (Caller, error) {
	c, ok := CallerOf(r)
	if !ok {
		return Caller{}, ErrUnauthenticated
	}
	return c, nil
}

// AuthorizeUser returns the caller if it is userName or an admin; else
// ErrUnauthenticated or a 403.
func AuthorizeUser(r *http.Request, userName string) (Caller, error) {
	c, err := Authenticate(r)
	if err != nil {
		return Caller{}, err
	}
	if !c.Is(userName) && !c.IsAdmin() {
		return Caller{}, Forbidden("%s may not act for user %q", c.UserName, userName)
	}
	return c, nil
}

// AuthorizeAdmin returns the caller if it is an admin; else
// ErrUnauthenticated or a 403.
func AuthorizeAdmin(r *http.Request) (Caller, error) {
	c, err := Authenticate(r)
	if err != nil {
		return Caller{}, err
	}
	if !c.IsAdmin() {
		return Caller{}, Forbidden("only an %s may use this route", AdminGroup)
	}
	return c, nil
}

// AdminOnly serves h only to admins, answering others 401 or 403.
func AdminOnly(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if _, err := AuthorizeAdmin(r); err != nil {
			WriteError(w, r, err)
			return
		}
		h(w, r)
	}
}

// SignedIn serves h only to signed-in callers, answering others 401.
func SignedIn(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if _, err := Authenticate(r); err != nil {
			WriteError(w, r, err)
			return
		}
		h(w, r)
	}
}

// callerFromClaims reads the caller from API Gateway REST's
// requestContext.authorizer.claims: a map of the token's claims whose
// values are all strings. ok is false without a user name.
func callerFromClaims(authorizer map[string]any) (Caller, bool) {
	claims, _ := authorizer["claims"].(map[string]any)
	name, _ := claims[ClaimUserName].(string)
	if name == "" {
		return Caller{}, false
	}
	return Caller{UserName: name, Groups: ParseGroups(claims[ClaimGroups])}, true
}

// ParseGroups reads the cognito:groups claim as API Gateway REST passes it
// to a proxy integration. The token holds a JSON array, but the claims
// reach the function as strings, and AWS has rendered the list in more
// than one way: "admin,shopper", "[admin shopper]", or just "admin" for one
// group. A JSON array (as an HTTP API or a test might pass) is accepted
// too. Group names cannot contain white space, so splitting on commas and
// white space after dropping the brackets is unambiguous for them.
func ParseGroups(v any) []string {
	var parts []string
	switch x := v.(type) {
	case string:
		s := strings.TrimSpace(x)
		s = strings.TrimSuffix(strings.TrimPrefix(s, "["), "]")
		parts = strings.FieldsFunc(s, func(r rune) bool {
			return r == ',' || r == ' ' || r == '\t' || r == '\n' || r == '"'
		})
	case []any:
		for _, g := range x {
			if s, ok := g.(string); ok {
				parts = append(parts, s)
			}
		}
	case []string:
		parts = x
	}
	var out []string
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" && !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	return out
}
