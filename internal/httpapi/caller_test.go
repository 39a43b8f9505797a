package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/aws/aws-lambda-go/events"
)

func TestParseGroups(t *testing.T) {
	tests := []struct {
		name string
		in   any
		want []string
	}{
		{"comma-separated", "admin,shopper", []string{"admin", "shopper"}},
		{"comma and space", "admin, shopper", []string{"admin", "shopper"}},
		{"bracketed, space-separated", "[admin shopper]", []string{"admin", "shopper"}},
		{"bracketed, comma-separated", "[admin,shopper]", []string{"admin", "shopper"}},
		{"bracketed, one", "[admin]", []string{"admin"}},
		{"single value", "admin", []string{"admin"}},
		{"JSON array text", `["admin","shopper"]`, []string{"admin", "shopper"}},
		{"JSON array", []any{"shopper", "admin"}, []string{"shopper", "admin"}},
		{"repeated", "admin,admin", []string{"admin"}},
		{"empty", "", nil},
		{"empty brackets", "[]", nil},
		{"absent", nil, nil},
		{"not a group list", 42.0, nil},
		// A group whose name only contains "admin" is another group.
		{"look-alike", "[administrators admin-2]", []string{"administrators", "admin-2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ParseGroups(tt.in); !slices.Equal(got, tt.want) {
				t.Errorf("ParseGroups(%#v) = %q, want %q", tt.in, got, tt.want)
			}
			c := Caller{UserName: "x", Groups: ParseGroups(tt.in)}
			if c.IsAdmin() != slices.Contains(tt.want, AdminGroup) {
				t.Errorf("IsAdmin = %v", c.IsAdmin())
			}
		})
	}
}

func TestCallerActor(t *testing.T) {
	if a := (Caller{UserName: "ann"}).Actor(); a != "user:ann" {
		t.Errorf("shopper actor %q", a)
	}
	if a := (Caller{UserName: "bob", Groups: []string{"shopper", AdminGroup}}).Actor(); a != "admin:bob" {
		t.Errorf("admin actor %q", a)
	}
}

// The proxy event of a route behind the Cognito authorizer carries the
// token's claims, all strings, in requestContext.authorizer.claims.
func TestProxyCarriesTheCaller(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /me", func(w http.ResponseWriter, r *http.Request) {
		c, ok := CallerOf(r)
		WriteJSON(w, http.StatusOK, map[string]any{"signedIn": ok, "userName": c.UserName, "admin": c.IsAdmin()})
	})
	h := Proxy(mux)
	claims := func(kv ...string) map[string]any {
		m := map[string]any{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return map[string]any{"claims": m}
	}
	tests := []struct {
		name       string
		authorizer map[string]any
		want       string
	}{
		{"no authorizer", nil, `{"admin":false,"signedIn":false,"userName":""}`},
		{"claims without a user name", claims("sub", "1234"), `{"admin":false,"signedIn":false,"userName":""}`},
		{"shopper", claims("sub", "1", ClaimUserName, "ann", "email", "ann@example.com"), `{"admin":false,"signedIn":true,"userName":"ann"}`},
		{"admin among groups", claims(ClaimUserName, "bob", ClaimGroups, "[shopper admin]"), `{"admin":true,"signedIn":true,"userName":"bob"}`},
		{"admin, comma form", claims(ClaimUserName, "bob", ClaimGroups, "admin,shopper"), `{"admin":true,"signedIn":true,"userName":"bob"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := h(context.Background(), events.APIGatewayProxyRequest{HTTPMethod: "GET", Path: "/me",
				RequestContext: events.APIGatewayProxyRequestContext{Authorizer: tt.authorizer}})
			if err != nil {
				t.Fatal(err)
			}
			var got map[string]any
			_ = json.Unmarshal([]byte(res.Body), &got)
			b, _ := json.Marshal(got)
			if string(b) != tt.want {
				t.Errorf("body %s, want %s", b, tt.want)
			}
		})
	}
}

// testdata/authorized-request.json is a proxy event of a route behind a
// Cognito authorizer, decoded as Lambda decodes it.
func TestProxyEventFixture(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "authorized-request.json"))
	if err != nil {
		t.Fatal(err)
	}
	var in events.APIGatewayProxyRequest
	if err := json.Unmarshal(b, &in); err != nil {
		t.Fatal(err)
	}
	r, err := toRequest(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	c, ok := CallerOf(r)
	if !ok || c.UserName != "ann" || !slices.Equal(c.Groups, []string{"shopper"}) || c.IsAdmin() {
		t.Fatalf("caller %+v %v", c, ok)
	}
}

func TestAuthorize(t *testing.T) {
	ann := Caller{UserName: "ann", Groups: []string{"shopper"}}
	bob := Caller{UserName: "bob", Groups: []string{AdminGroup}}
	req := func(c *Caller) *http.Request {
		r := httptest.NewRequest("GET", "/", nil)
		if c != nil {
			r = r.WithContext(WithCaller(r.Context(), *c))
		}
		return r
	}
	status := func(err error) int {
		if err == nil {
			return 0
		}
		var he *Error
		if !errors.As(err, &he) {
			return -1
		}
		return he.Status
	}
	tests := []struct {
		name    string
		caller  *Caller
		user    int // AuthorizeUser(r, "ann")
		admin   int // AuthorizeAdmin
		signed  int // Authenticate
		wantErr string
	}{
		{"anonymous", nil, 401, 401, 401, "unauthenticated"},
		{"owner", &ann, 0, 403, 0, "forbidden"},
		{"other shopper", &Caller{UserName: "cid"}, 403, 403, 0, "forbidden"},
		{"admin", &bob, 0, 0, 0, ""},
		{"empty user name", &Caller{UserName: "", Groups: []string{AdminGroup}}, 401, 401, 401, "unauthenticated"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, uerr := AuthorizeUser(req(tt.caller), "ann")
			_, aerr := AuthorizeAdmin(req(tt.caller))
			_, serr := Authenticate(req(tt.caller))
			if status(uerr) != tt.user || status(aerr) != tt.admin || status(serr) != tt.signed {
				t.Fatalf("user %v, admin %v, signed in %v", uerr, aerr, serr)
			}
			for _, err := range []error{uerr, aerr} {
				if err != nil && AsError(err).Code != tt.wantErr {
					t.Errorf("code %q, want %q", AsError(err).Code, tt.wantErr)
				}
			}
		})
	}
}

func TestAdminOnlyAndSignedIn(t *testing.T) {
	ok := func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) }
	for _, tt := range []struct {
		name         string
		caller       *Caller
		admin, plain int
	}{
		{"anonymous", nil, 401, 401},
		{"shopper", &Caller{UserName: "ann"}, 403, 204},
		{"admin", &Caller{UserName: "bob", Groups: []string{AdminGroup}}, 204, 204},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		if tt.caller != nil {
			r = r.WithContext(WithCaller(r.Context(), *tt.caller))
		}
		w := httptest.NewRecorder()
		AdminOnly(ok)(w, r)
		p := httptest.NewRecorder()
		SignedIn(ok)(p, r)
		if w.Code != tt.admin || p.Code != tt.plain {
			t.Errorf("%s: AdminOnly %d, SignedIn %d; want %d, %d", tt.name, w.Code, p.Code, tt.admin, tt.plain)
		}
	}
}
