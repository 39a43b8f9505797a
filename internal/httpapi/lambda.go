package httpapi

import (
	"bytes"
	"context"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"
)

// Proxy adapts h to the API Gateway REST (v1) Lambda proxy integration. The
// request path is the resource path without the stage ("/product/42"), so
// routes are written as they appear in the API ("GET /product/{id}"). The
// request's context carries the API Gateway request id (RequestID) and,
// when the Cognito authorizer passed claims, the caller (CallerOf).
func Proxy(h http.Handler) func(context.Context, events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
	return func(ctx context.Context, in events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
		r, err := toRequest(ctx, in)
		if err != nil {
			rec := httptest.NewRecorder()
			WriteError(rec, r, Errorf(http.StatusBadRequest, "invalid_request", "", "%v", err))
			return toResponse(rec), nil
		}
		rec := httptest.NewRecorder()
		if splitParam(in) {
			WriteError(rec, r, Errorf(http.StatusNotFound, "not_found", "", "no resource at this path"))
			return toResponse(rec), nil
		}
		h.ServeHTTP(rec, r)
		return toResponse(rec), nil
	}
}

// splitParam reports whether API Gateway bound a path parameter to more
// than one path segment ("/order/a%2Fb" decoded to "a/b"), or the path
// still carries an encoded slash: either way one segment would pass for
// two, so the request names no resource.
func splitParam(in events.APIGatewayProxyRequest) bool {
	if strings.Contains(strings.ToLower(in.Path), "%2f") {
		return true
	}
	if strings.Contains(in.Resource, "+}") {
		return false // a greedy {proxy+} parameter spans segments by design
	}
	for _, v := range in.PathParameters {
		if strings.Contains(v, "/") || strings.Contains(strings.ToLower(v), "%2f") {
			return true
		}
	}
	return false
}

func toRequest(ctx context.Context, in events.APIGatewayProxyRequest) (*http.Request, error) {
	body := []byte(in.Body)
	if in.IsBase64Encoded {
		dec, err := base64.StdEncoding.DecodeString(in.Body)
		if err != nil {
			return httptest.NewRequest(http.MethodGet, "/", nil), err
		}
		body = dec
	}
	q := url.Values{}
	for k, vs := range in.MultiValueQueryStringParameters {
		q[k] = append(q[k], vs...)
	}
	for k, v := range in.QueryStringParameters {
		if _, ok := q[k]; !ok {
			q.Set(k, v)
		}
	}
	u := &url.URL{Path: in.Path, RawQuery: q.Encode()}
	r, err := http.NewRequestWithContext(ctx, in.HTTPMethod, u.String(), bytes.NewReader(body))
	if err != nil {
		return httptest.NewRequest(http.MethodGet, "/", nil), err
	}
	for k, vs := range in.MultiValueHeaders {
		for _, v := range vs {
			r.Header.Add(k, v)
		}
	}
	for k, v := range in.Headers {
		if r.Header.Get(k) == "" {
			r.Header.Set(k, v)
		}
	}
	// API Gateway passes Host as a header; net/http keeps it in r.Host.
	if host := r.Header.Get("Host"); host != "" {
		r.Host = host
	}
	r.RemoteAddr = in.RequestContext.Identity.SourceIP
	rctx := withRequestID(r.Context(), in.RequestContext.RequestID)
	if c, ok := callerFromClaims(in.RequestContext.Authorizer); ok {
		rctx = WithCaller(rctx, c)
	}
	return r.WithContext(rctx), nil
}

func toResponse(rec *httptest.ResponseRecorder) events.APIGatewayProxyResponse {
	res := events.APIGatewayProxyResponse{StatusCode: rec.Code, MultiValueHeaders: map[string][]string{}}
	for k, vs := range rec.Header() {
		res.MultiValueHeaders[k] = vs
	}
	b := rec.Body.Bytes()
	ct := rec.Header().Get("Content-Type")
	if utf8.Valid(b) && (ct == "" || strings.Contains(ct, "json") || strings.HasPrefix(ct, "text/")) {
		res.Body = string(b)
	} else {
		res.Body = base64.StdEncoding.EncodeToString(b)
		res.IsBase64Encoded = true
	}
	return res
}

type requestIDKey struct{}

func withRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey{}, id)
}

// RequestID returns the API Gateway request id of the current request, for
// logs and as a correlation id for the events a command writes.
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}
