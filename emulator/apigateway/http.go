package apigateway

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// ServeHTTP answers /<stage>/<path> (and, to pick one of several APIs,
// /restapis/<id>/<stage>/_user_request_/<path>) as API Gateway would.
func (s *Service) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	requestID := s.opts.RequestID()
	w.Header().Set("X-Amzn-Requestid", requestID)
	mt := &metered{}
	status, target := s.serve(w, r, requestID, mt)
	s.record(mt, status, start)
	s.opts.Log.Info(fmt.Sprintf("api %s %s -> %d %s%s", r.Method, r.URL.RequestURI(), status, target, time.Since(start).Round(10*time.Microsecond)))
}

// serve handles one request and returns its status and, for the log line,
// the integration it reached ("fn=name ").
func (s *Service) serve(w http.ResponseWriter, r *http.Request, requestID string, mt *metered) (int, string) {
	rt, ok := s.match(r.Method, r.URL.EscapedPath())
	if !ok {
		return writeError(w, http.StatusForbidden, "MissingAuthenticationTokenException", "Missing Authentication Token"), ""
	}
	mt.api, mt.stage = rt.api.name, rt.stage.name
	if r.ContentLength > MaxBody {
		return writeError(w, http.StatusRequestEntityTooLarge, "RequestTooLargeException", "Request Too Long"), ""
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxBody+1))
	if err != nil {
		return writeError(w, http.StatusBadRequest, "BadRequestException", "could not read the request body"), ""
	}
	if len(body) > MaxBody {
		return writeError(w, http.StatusRequestEntityTooLarge, "RequestTooLargeException", "Request Too Long"), ""
	}
	var claims map[string]string
	if a := rt.method.auth; a != nil {
		var refused string
		if claims, refused = s.authorize(r, a); refused != "" {
			return writeError(w, http.StatusUnauthorized, "UnauthorizedException", refused), "auth=" + a.authorizer.name + " "
		}
	}
	if m := rt.method.mock; m != nil {
		return writeMock(w, r, m), "mock "
	}
	return s.proxy(w, r, rt, body, claims, requestID, mt), "fn=" + rt.method.functionName + " "
}

// proxy runs a Lambda proxy integration and maps its answer, or API
// Gateway's error for a failed, timed-out or malformed one.
func (s *Service) proxy(w http.ResponseWriter, r *http.Request, rt route, body []byte, claims map[string]string, requestID string, mt *metered) int {
	fn := rt.method.functionName
	ev := s.buildEvent(r, rt, body, requestID, s.opts.Now())
	if claims != nil {
		ev.RequestContext.Authorizer = &authorizerContext{Claims: claims}
	}
	payload, err := json.Marshal(ev)
	if err != nil {
		return writeError(w, http.StatusInternalServerError, "InternalServerErrorException", "Internal server error")
	}
	ctx, cancel := context.WithTimeout(r.Context(), s.opts.Timeout)
	defer cancel()
	invoked := time.Now()
	res, err := s.invoker.Invoke(ctx, rt.method.function, payload)
	mt.integration = time.Since(invoked)
	switch {
	case errors.Is(err, context.DeadlineExceeded) || ctx.Err() == context.DeadlineExceeded:
		return writeError(w, http.StatusGatewayTimeout, "IntegrationTimeoutException", "Endpoint request timed out")
	case err != nil:
		s.opts.Log.Warn("api integration failed", "function", fn, "err", err)
		return writeError(w, http.StatusBadGateway, "InternalServerErrorException", "Internal server error")
	case res.FunctionError != "":
		s.opts.Log.Warn("api integration: function error", "function", fn, "payload", string(res.Payload))
		return writeError(w, http.StatusBadGateway, "InternalServerErrorException", "Internal server error")
	}
	resp, err := parseResponse(res.Payload)
	if err != nil {
		s.opts.Log.Warn("api integration: malformed Lambda proxy response", "function", fn, "err", err)
		return writeError(w, http.StatusBadGateway, "InternalServerErrorException", "Internal server error")
	}
	h := w.Header()
	for k, vs := range resp.headers {
		for _, v := range vs {
			h.Add(k, v)
		}
	}
	if h.Get("Content-Type") == "" {
		h.Set("Content-Type", "application/json")
	}
	h.Set("Content-Length", strconv.Itoa(len(resp.body)))
	w.WriteHeader(resp.status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(resp.body)
	}
	return resp.status
}

// match finds the stage, resource and method for a request path, given
// as sent (escaped): an encoded slash (%2F) is part of a segment, not a
// separator, so /order/a%2Fb is one segment "a/b" under /order, as API
// Gateway routes it; segments are decoded one by one.
func (s *Service) match(verb, urlPath string) (route, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var a *restAPI
	var stageName, rest string
	if p, ok := strings.CutPrefix(urlPath, "/restapis/"); ok {
		var id string
		id, p, _ = strings.Cut(p, "/")
		stageName, rest, _ = strings.Cut(p, "/")
		rest, ok = strings.CutPrefix(rest, "_user_request_")
		if a = s.apis[id]; a == nil || !ok {
			return route{}, false
		}
	} else {
		stageName, rest, _ = strings.Cut(strings.TrimPrefix(urlPath, "/"), "/")
		rest = "/" + rest
		a = s.apiWithStage(stageName)
		if a == nil {
			return route{}, false
		}
	}
	st, ok := a.stages[stageName]
	if !ok {
		return route{}, false
	}
	if rest == "" {
		rest = "/"
	}
	var segs []string
	if trimmed := strings.Trim(rest, "/"); trimmed != "" {
		segs = strings.Split(trimmed, "/")
	}
	for i, seg := range segs {
		decoded, err := url.PathUnescape(seg)
		if err != nil {
			return route{}, false
		}
		segs[i] = decoded
	}
	if decoded, err := url.PathUnescape(rest); err == nil {
		rest = decoded
	}
	params := map[string]string{}
	res, m := find(a.root, segs, verb, params)
	if res == nil {
		return route{}, false
	}
	if len(params) == 0 {
		params = nil // pathParameters is null when the route binds none
	}
	return route{api: a, stage: st, res: res, method: m, path: rest, params: params}, true
}

// apiWithStage returns the API serving stageName; with several, the one
// with the smallest id, so the choice is stable.
func (s *Service) apiWithStage(stageName string) *restAPI {
	ids := make([]string, 0, len(s.apis))
	for id, a := range s.apis {
		if _, ok := a.stages[stageName]; ok {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	sort.Strings(ids)
	return s.apis[ids[0]]
}

// find walks the resource tree most-specific first: a literal segment beats
// {param}, which beats greedy {proxy+}; a branch without a method for verb
// (or ANY) falls back to the next candidate.
func find(n *resource, segs []string, verb string, params map[string]string) (*resource, *method) {
	if len(segs) == 0 {
		if m := n.method(verb); m != nil {
			return n, m
		}
		return nil, nil
	}
	for _, c := range n.children {
		if c.param == "" && c.part == segs[0] {
			if res, m := find(c, segs[1:], verb, params); res != nil {
				return res, m
			}
		}
	}
	for _, c := range n.children {
		if c.param != "" && !c.greedy && segs[0] != "" {
			params[c.param] = segs[0]
			if res, m := find(c, segs[1:], verb, params); res != nil {
				return res, m
			}
			delete(params, c.param)
		}
	}
	for _, c := range n.children {
		if c.greedy {
			if m := c.method(verb); m != nil {
				params[c.param] = strings.Join(segs, "/")
				return c, m
			}
		}
	}
	return nil, nil
}

func (n *resource) method(verb string) *method {
	if m, ok := n.methods[verb]; ok {
		return m
	}
	return n.methods["ANY"]
}

// proxyResponse is what a Lambda proxy integration must return. API
// Gateway rejects any other top-level field.
type proxyResponse struct {
	StatusCode        *int                `json:"statusCode"`
	Headers           map[string]string   `json:"headers"`
	MultiValueHeaders map[string][]string `json:"multiValueHeaders"`
	Body              *string             `json:"body"`
	IsBase64Encoded   bool                `json:"isBase64Encoded"`
}

type mappedResponse struct {
	status  int
	headers map[string][]string
	body    []byte
}

// parseResponse validates a Lambda proxy response and merges its headers:
// a name in multiValueHeaders takes its values from there only.
func parseResponse(payload []byte) (mappedResponse, error) {
	dec := json.NewDecoder(bytes.NewReader(payload))
	dec.DisallowUnknownFields()
	var pr proxyResponse
	if err := dec.Decode(&pr); err != nil {
		return mappedResponse{}, err
	}
	if pr.StatusCode == nil {
		return mappedResponse{}, fmt.Errorf("statusCode: required")
	}
	if *pr.StatusCode < 100 || *pr.StatusCode > 599 {
		return mappedResponse{}, fmt.Errorf("statusCode: %d is not an HTTP status", *pr.StatusCode)
	}
	out := mappedResponse{status: *pr.StatusCode, headers: map[string][]string{}}
	seen := map[string]bool{}
	for k, vs := range pr.MultiValueHeaders {
		out.headers[k] = append(out.headers[k], vs...)
		seen[strings.ToLower(k)] = true
	}
	for k, v := range pr.Headers {
		if !seen[strings.ToLower(k)] {
			out.headers[k] = []string{v}
		}
	}
	if pr.Body != nil {
		out.body = []byte(*pr.Body)
		if pr.IsBase64Encoded {
			raw, err := base64.StdEncoding.DecodeString(*pr.Body)
			if err != nil {
				return mappedResponse{}, fmt.Errorf("body: isBase64Encoded but not base64: %w", err)
			}
			out.body = raw
		}
	}
	return out, nil
}

func writeMock(w http.ResponseWriter, r *http.Request, m *mockResponse) int {
	for k, v := range m.headers {
		w.Header().Set(k, v)
	}
	for _, pair := range m.fromRequest {
		if v := r.Header.Get(pair[1]); v != "" {
			w.Header().Set(pair[0], v)
		}
	}
	if m.body != "" && w.Header().Get("Content-Type") == "" {
		w.Header().Set("Content-Type", "application/json")
	}
	w.WriteHeader(m.status)
	_, _ = io.WriteString(w, m.body)
	return m.status
}

// writeError writes API Gateway's own error answer: {"message": ...} with
// the error type in x-amzn-ErrorType.
func writeError(w http.ResponseWriter, status int, typ, msg string) int {
	raw, _ := json.Marshal(map[string]string{"message": msg})
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amzn-Errortype", typ)
	w.WriteHeader(status)
	_, _ = w.Write(raw)
	return status
}
