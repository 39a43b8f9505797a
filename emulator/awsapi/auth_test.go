package awsapi

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// fakeAuthz issued one key, to role "fn"; it allows "svc:Read" only.
type fakeAuthz struct{ seen []string }

func (f *fakeAuthz) Identify(akid, token string) (Principal, bool, error) {
	if akid != "ASIAFN" {
		return Principal{}, false, nil
	}
	if token != "tok" {
		return Principal{}, false, errors.New("bad token")
	}
	return Principal{RoleARN: "arn:aws:iam::000000000000:role/fn", Session: "fn"}, true, nil
}

func (f *fakeAuthz) Authorize(_ context.Context, p Principal, action, resource string, conds Conditions) error {
	f.seen = append(f.seen, p.Session+" "+action+" "+resource+" "+strings.Join(conds["k"], ","))
	if action == "svc:Read" {
		return nil
	}
	return AccessDenied("User: " + p.RoleARN + " is not authorized to perform: " + action)
}

func TestAuthorize(t *testing.T) {
	authz := &fakeAuthz{}
	srv := New(nil)
	srv.SetAuthorizer(authz)
	srv.Register("Svc_1", "1.0", "com.example#", func(ctx context.Context, op string, _ []byte) (any, error) {
		if err := Authorize(ctx, "svc:"+op, "arn:aws:svc:us-east-1:000000000000:thing/x", Conditions{"k": {"v"}}); err != nil {
			return nil, err
		}
		return map[string]string{"ok": op}, nil
	})
	srv.Handle("POST /rest/{op}", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := Authorize(r.Context(), "svc:"+r.PathValue("op"), "*", nil); err != nil {
			w.WriteHeader(http.StatusForbidden)
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
	ts := httptest.NewServer(srv)
	defer ts.Close()

	sigv4 := func(akid string) string {
		return "AWS4-HMAC-SHA256 Credential=" + akid + "/20240101/us-east-1/svc/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc"
	}
	tests := []struct {
		name, path, target, auth, token string
		wantStatus                      int
		wantBody                        string
	}{
		{"issued key, allowed action", "/", "Svc_1.Read", sigv4("ASIAFN"), "tok", 200, `{"ok":"Read"}`},
		{"issued key, denied action", "/", "Svc_1.Write", sigv4("ASIAFN"), "tok", 400,
			`{"__type":"com.example#AccessDeniedException","message":"User: arn:aws:iam::000000000000:role/fn is not authorized to perform: svc:Write"}`},
		{"issued key, wrong token", "/", "Svc_1.Read", sigv4("ASIAFN"), "other", 400,
			`{"__type":"com.example#UnrecognizedClientException","message":"The security token included in the request is invalid."}`},
		{"admin key", "/", "Svc_1.Write", sigv4("test"), "", 200, `{"ok":"Write"}`},
		{"unsigned", "/", "Svc_1.Write", "", "", 200, `{"ok":"Write"}`},
		{"REST, issued key, denied", "/rest/Write", "", sigv4("ASIAFN"), "tok", 403, ``},
		{"REST, issued key, allowed", "/rest/Read", "", sigv4("ASIAFN"), "tok", 200, ``},
		{"presigned URL", "/rest/Write?X-Amz-Credential=ASIAFN%2F20240101%2Fus-east-1%2Fsvc%2Faws4_request&X-Amz-Security-Token=tok", "", "", "", 403, ``},
		{"REST, wrong token", "/rest/Read", "", sigv4("ASIAFN"), "x", 403,
			`{"__type":"UnrecognizedClientException","message":"The security token included in the request is invalid."}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest("POST", ts.URL+tt.path, strings.NewReader(`{}`))
			if tt.target != "" {
				req.Header.Set("X-Amz-Target", tt.target)
			}
			if tt.auth != "" {
				req.Header.Set("Authorization", tt.auth)
			}
			if tt.token != "" {
				req.Header.Set("X-Amz-Security-Token", tt.token)
			}
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			raw, _ := io.ReadAll(res.Body)
			if res.StatusCode != tt.wantStatus || string(raw) != tt.wantBody {
				t.Fatalf("got %d %s, want %d %s", res.StatusCode, raw, tt.wantStatus, tt.wantBody)
			}
		})
	}

	// In-process calls act as the administrator unless ctx says otherwise.
	ctx := context.Background()
	if _, err := srv.Call(ctx, "Svc_1.Write", nil); err != nil {
		t.Fatalf("admin Call: %v", err)
	}
	as := WithPrincipal(ctx, Principal{RoleARN: "arn:aws:iam::000000000000:role/sm", Session: "machine"})
	if _, err := srv.Call(as, "Svc_1.Write", nil); !IsAccessDenied(err) {
		t.Fatalf("Call as a role: %v, want AccessDenied", err)
	}
	if _, err := srv.Call(as, "Svc_1.Read", nil); err != nil {
		t.Fatalf("Call as a role, allowed: %v", err)
	}
	// Code reached without the server (stack.Invoker) authorizes through it.
	if err := srv.Authorize(as, "svc:Write", "*", nil); !IsAccessDenied(err) {
		t.Fatalf("Server.Authorize: %v", err)
	}
	if err := Authorize(as, "svc:Write", "*", nil); err != nil {
		t.Fatalf("no Authorizer bound: %v, want allowed", err)
	}
	if got := authz.seen[0]; got != "fn svc:Read arn:aws:svc:us-east-1:000000000000:thing/x v" {
		t.Errorf("first authorization %q", got)
	}

	// Without an Authorizer nothing is checked, issued-looking keys included.
	off := New(nil)
	off.Register("Svc_1", "1.0", "", func(ctx context.Context, op string, _ []byte) (any, error) {
		return nil, Authorize(ctx, "svc:"+op, "*", nil)
	})
	if _, err := off.Call(as, "Svc_1.Write", nil); err != nil {
		t.Fatalf("enforcement off: %v", err)
	}
}
