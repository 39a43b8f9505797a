package awsapi

import (
	"context"
	"errors"
	"net/http"
	"strings"
)

// Principal is who a request acts as, for authorization. The zero value
// is the runtime's administrator: credentials the runtime did not issue
// (the CLI, tests, a shell with stack.env's keys) and the runtime's own
// bookkeeping calls, which are always allowed.
type Principal struct {
	// RoleARN and Session name a session of an IAM role: the credentials
	// the runtime issued to a function (session = function name), or a
	// resource acting with its role (a state machine's RoleArn, an
	// EventBridge target's RoleArn).
	RoleARN, Session string
	// Function names a function (ARN) whose execution role acts, for
	// calls Lambda makes for it (event source mapping polling); the
	// Authorizer resolves the role.
	Function string
	// Service is a service principal ("events.amazonaws.com",
	// "apigateway.amazonaws.com") acting for SourceARN (a rule, an API
	// method), which resource-based policies must allow.
	Service, SourceARN string
}

// IsZero reports whether p is the administrator.
func (p Principal) IsZero() bool { return p == Principal{} }

// String names the principal for logs.
func (p Principal) String() string {
	switch {
	case p.RoleARN != "":
		return p.RoleARN + " (session " + p.Session + ")"
	case p.Function != "":
		return "execution role of " + p.Function
	case p.Service != "":
		return p.Service + " for " + p.SourceARN
	}
	return "admin"
}

// Conditions are the request-specific condition keys of one authorization
// (dynamodb:LeadingKeys, events:source, ...) and their values.
type Conditions map[string][]string

// Authorizer decides requests; package iam implements it. Services do not
// call it directly but through Authorize, which finds it and the request's
// principal in the context.
type Authorizer interface {
	// Identify maps the access key of a signed request to the principal
	// it was issued for. issued is false for keys the runtime did not
	// issue (the caller is the administrator); err is for an issued key
	// sent with the wrong session token.
	Identify(accessKeyID, sessionToken string) (p Principal, issued bool, err error)
	// Authorize returns nil to allow p to perform action on resource, or
	// an *Error of type AccessDeniedException (see AccessDenied).
	Authorize(ctx context.Context, p Principal, action, resource string, conds Conditions) error
}

type authKey struct{}

// authState travels in a request's context.
type authState struct {
	authz     Authorizer
	principal Principal
}

func stateOf(ctx context.Context) authState {
	st, _ := ctx.Value(authKey{}).(authState)
	return st
}

// WithPrincipal returns ctx acting as p: services acting for a resource
// (a state machine's tasks, a mapping's polling, a rule's targets) call
// others with it.
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	st := stateOf(ctx)
	st.principal = p
	return context.WithValue(ctx, authKey{}, st)
}

// PrincipalFrom returns the principal a request acts as (zero: admin).
func PrincipalFrom(ctx context.Context) Principal { return stateOf(ctx).principal }

// Authorize checks that the request in ctx may perform action
// ("dynamodb:PutItem") on resource (an ARN, or "*" for actions on no
// resource) with the given condition keys. It allows the administrator,
// and everything when no Authorizer is installed (enforcement off). A
// service calls it once per action and resource a request touches, before
// acting; a denial is an *Error of type AccessDeniedException to return
// as is (or to reshape for the service's protocol, see IsAccessDenied).
func Authorize(ctx context.Context, action, resource string, conds Conditions) error {
	st := stateOf(ctx)
	if st.authz == nil || st.principal.IsZero() {
		return nil
	}
	return st.authz.Authorize(ctx, st.principal, action, resource, conds)
}

// SetAuthorizer installs the Authorizer (nil: every request is allowed).
// Call it before serving.
func (s *Server) SetAuthorizer(a Authorizer) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.authz = a
}

func (s *Server) authorizer() Authorizer {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.authz
}

// Authorize is the package-level Authorize with the server's Authorizer,
// for code reached without going through the server (a Lambda invocation
// through stack.Invoker).
func (s *Server) Authorize(ctx context.Context, action, resource string, conds Conditions) error {
	return Authorize(s.bind(ctx), action, resource, conds)
}

// bind attaches the server's Authorizer to ctx, keeping its principal.
func (s *Server) bind(ctx context.Context) context.Context {
	a := s.authorizer()
	st := stateOf(ctx)
	if a == nil || st.authz == a {
		return ctx
	}
	st.authz = a
	return context.WithValue(ctx, authKey{}, st)
}

// identify binds the Authorizer and the caller of a signed request to its
// context. A key the runtime issued, sent with another session token, is
// rejected as AWS rejects a bad token (the request is returned unchanged
// with the error).
func (s *Server) identify(r *http.Request) (*http.Request, *Error) {
	a := s.authorizer()
	if a == nil {
		return r, nil
	}
	st := authState{authz: a}
	if akid, token := credentials(r); akid != "" {
		p, issued, err := a.Identify(akid, token)
		if err != nil {
			return r, &Error{Type: "UnrecognizedClientException", Message: "The security token included in the request is invalid.", Status: http.StatusBadRequest}
		}
		if issued {
			st.principal = p
		}
	}
	return r.WithContext(context.WithValue(r.Context(), authKey{}, st)), nil
}

// credentials reads the access key id and session token of a SigV4
// request, from the Authorization header
// ("AWS4-HMAC-SHA256 Credential=AKID/date/region/service/aws4_request, ...")
// or from a presigned URL's query. The signature is not verified: the
// runtime serves loopback callers only, and credentials it did not issue
// are the administrator's anyway.
func credentials(r *http.Request) (akid, token string) {
	if h := r.Header.Get("Authorization"); h != "" {
		if _, rest, ok := strings.Cut(h, "Credential="); ok {
			akid, _, _ = strings.Cut(rest, "/")
			akid = strings.TrimSpace(akid)
		}
		return akid, r.Header.Get("X-Amz-Security-Token")
	}
	q := r.URL.Query()
	if c := q.Get("X-Amz-Credential"); c != "" {
		akid, _, _ = strings.Cut(c, "/")
		return akid, q.Get("X-Amz-Security-Token")
	}
	return "", ""
}

// AccessDenied is the error of a denied request, as AWS's JSON services
// send it (HTTP 400, AccessDeniedException); services whose protocol
// differs reshape it (SQS, Lambda: 403).
func AccessDenied(message string) *Error {
	return &Error{Type: "AccessDeniedException", Message: message, Status: http.StatusBadRequest}
}

// IsAccessDenied reports whether err is a denial by the Authorizer.
func IsAccessDenied(err error) bool {
	var ae *Error
	return errors.As(err, &ae) && ae.Type == "AccessDeniedException"
}
