package apigateway_test

import (
	"context"
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/shopstream/shopstream/emulator/apigateway"
	"github.com/shopstream/shopstream/emulator/stack"
)

// fakeInvoker stands in for the Lambda service at the edge of these tests:
// it records each event and answers with respond (by default a 200 naming
// the function).
type fakeInvoker struct {
	mu      sync.Mutex
	calls   []call
	respond func(ctx context.Context, fn string) (stack.InvokeResult, error)
}

type call struct {
	function string
	event    []byte
}

func (f *fakeInvoker) Invoke(ctx context.Context, fn string, payload []byte) (stack.InvokeResult, error) {
	f.mu.Lock()
	f.calls = append(f.calls, call{fn, payload})
	f.mu.Unlock()
	if f.respond != nil {
		return f.respond(ctx, fn)
	}
	name := fn[strings.LastIndex(fn, ":")+1:]
	return stack.InvokeResult{Payload: []byte(`{"statusCode":200,"body":"` + name + `"}`)}, nil
}

func (f *fakeInvoker) last(t *testing.T) call {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.calls) == 0 {
		t.Fatal("no function was invoked")
	}
	return f.calls[len(f.calls)-1]
}

var fixedNow = time.Date(2020, 5, 15, 6, 1, 9, 693e6, time.UTC)

// startAPI provisions testdata/api.template.json and serves it.
func startAPI(t testing.TB, inv stack.Invoker, opts apigateway.Options) (*apigateway.Service, string) {
	t.Helper()
	tpl, err := stack.ReadTemplate("testdata/api.template.json")
	if err != nil {
		t.Fatal(err)
	}
	if opts.Now == nil {
		opts.Now = func() time.Time { return fixedNow }
	}
	if opts.RequestID == nil {
		opts.RequestID = func() string { return "deef4878-7910-11e6-8f14-25afc3e9ae33" }
	}
	svc := apigateway.New(inv, opts)
	reg, err := stack.NewRegistry(svc)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := stack.Deploy(context.Background(), tpl, reg, stack.Options{StackName: "ApiTest"}); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(svc)
	t.Cleanup(srv.Close)
	return svc, srv.URL
}

// lambdaTestdata returns aws-lambda-go's events/testdata directory.
func lambdaTestdata(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/aws/aws-lambda-go").Output()
	if err != nil || len(strings.TrimSpace(string(out))) == 0 {
		t.Fatalf("aws-lambda-go module source not found (go mod download fetches it): go list -m: %v", err)
	}
	return filepath.Join(strings.TrimSpace(string(out)), "events", "testdata")
}

func keys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// TestEventShapeMatchesAWS compares the event sent for the request that
// aws-lambda-go's apigw-request.json records (POST /hello/world?name=me on a
// {proxy+} resource) with that fixture, field by field.
func TestEventShapeMatchesAWS(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(lambdaTestdata(t), "apigw-request.json"))
	if err != nil {
		t.Fatal(err)
	}
	inv := &fakeInvoker{}
	_, base := startAPI(t, inv, apigateway.Options{})

	req, _ := http.NewRequest("POST", base+"/prod/hello/world?name=me", strings.NewReader("{\r\n\t\"a\": 1\r\n}"))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("headerName", "headerValue")
	req.Header.Set("User-Agent", "PostmanRuntime/2.4.5")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	got := inv.last(t)
	if got.function != "arn:aws:lambda:us-east-1:000000000000:function:proxy" {
		t.Errorf("invoked %q, want the proxy function's ARN", got.function)
	}

	// Shape: the same keys at every level, except what only exists with
	// authorizers, API keys or mutual TLS (absent locally), and the fields
	// real AWS events carry that the fixture lacks.
	var want, have map[string]any
	if err := json.Unmarshal(raw, &want); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(got.event, &have); err != nil {
		t.Fatal(err)
	}
	onlyAWS := map[string]bool{"authorizer": true, "apiKey": true, "apiKeyId": true, "clientCert": true}
	onlyLocal := map[string]bool{"isBase64Encoded": true, "principalOrgId": true}
	compareKeys := func(level string, want, have map[string]any) {
		for _, k := range keys(want) {
			if _, ok := have[k]; !ok && !onlyAWS[k] {
				t.Errorf("%s: missing %q", level, k)
			}
		}
		for _, k := range keys(have) {
			if _, ok := want[k]; !ok && !onlyLocal[k] {
				t.Errorf("%s: unexpected %q", level, k)
			}
		}
	}
	compareKeys("event", want, have)
	wantCtx, haveCtx := want["requestContext"].(map[string]any), have["requestContext"].(map[string]any)
	compareKeys("requestContext", wantCtx, haveCtx)
	compareKeys("requestContext.identity", wantCtx["identity"].(map[string]any), haveCtx["identity"].(map[string]any))

	// Values: decode both with aws-lambda-go's type and compare what the
	// request determines.
	var w, h events.APIGatewayProxyRequest
	if err := json.Unmarshal(raw, &w); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(got.event, &h); err != nil {
		t.Fatal(err)
	}
	host := strings.TrimPrefix(base, "http://")
	checks := []struct {
		field     string
		got, want any
	}{
		{"resource", h.Resource, w.Resource},
		{"path", h.Path, w.Path},
		{"httpMethod", h.HTTPMethod, w.HTTPMethod},
		{"body", h.Body, w.Body},
		{"isBase64Encoded", h.IsBase64Encoded, false},
		{"queryStringParameters", h.QueryStringParameters, w.QueryStringParameters},
		{"multiValueQueryStringParameters", h.MultiValueQueryStringParameters, w.MultiValueQueryStringParameters},
		{"pathParameters", h.PathParameters, w.PathParameters},
		{"stageVariables", h.StageVariables, w.StageVariables},
		{"headers[Content-Type]", h.Headers["Content-Type"], w.Headers["Content-Type"]},
		{"headers[headerName]", h.Headers["Headername"], w.Headers["headerName"]},
		{"headers[User-Agent]", h.Headers["User-Agent"], w.Headers["User-Agent"]},
		{"multiValueHeaders[User-Agent]", h.MultiValueHeaders["User-Agent"], w.MultiValueHeaders["User-Agent"]},
		{"headers[Host]", h.Headers["Host"], host},
		{"headers[X-Forwarded-For]", h.Headers["X-Forwarded-For"], "127.0.0.1"},
		{"requestContext.accountId", h.RequestContext.AccountID, "000000000000"},
		{"requestContext.resourcePath", h.RequestContext.ResourcePath, w.RequestContext.ResourcePath},
		{"requestContext.httpMethod", h.RequestContext.HTTPMethod, w.RequestContext.HTTPMethod},
		{"requestContext.path", h.RequestContext.Path, "/prod" + w.RequestContext.Path},
		{"requestContext.stage", h.RequestContext.Stage, "prod"},
		{"requestContext.protocol", h.RequestContext.Protocol, w.RequestContext.Protocol},
		{"requestContext.requestId", h.RequestContext.RequestID, w.RequestContext.RequestID},
		{"requestContext.requestTime", h.RequestContext.RequestTime, w.RequestContext.RequestTime},
		{"requestContext.requestTimeEpoch", h.RequestContext.RequestTimeEpoch, w.RequestContext.RequestTimeEpoch},
		{"requestContext.domainName", h.RequestContext.DomainName, host},
		{"requestContext.identity.sourceIp", h.RequestContext.Identity.SourceIP, "127.0.0.1"},
		{"requestContext.identity.userAgent", h.RequestContext.Identity.UserAgent, w.RequestContext.Identity.UserAgent},
	}
	for _, c := range checks {
		gj, _ := json.Marshal(c.got)
		wj, _ := json.Marshal(c.want)
		if string(gj) != string(wj) {
			t.Errorf("%s = %s, want %s", c.field, gj, wj)
		}
	}
	if h.RequestContext.APIID == "" || h.RequestContext.ResourceID == "" || h.RequestContext.DomainPrefix != h.RequestContext.APIID {
		t.Errorf("requestContext ids: apiId=%q resourceId=%q domainPrefix=%q", h.RequestContext.APIID, h.RequestContext.ResourceID, h.RequestContext.DomainPrefix)
	}
}

func TestEventNullsWhenAbsent(t *testing.T) {
	inv := &fakeInvoker{}
	_, base := startAPI(t, inv, apigateway.Options{})
	resp, err := http.Get(base + "/prod/product")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	var ev map[string]any
	if err := json.Unmarshal(inv.last(t).event, &ev); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"queryStringParameters", "multiValueQueryStringParameters", "pathParameters", "body"} {
		if v, ok := ev[k]; !ok || v != nil {
			t.Errorf("%s = %v (present %v), want null", k, v, ok)
		}
	}
	if ev["stageVariables"] == nil {
		t.Errorf("stageVariables = null, want the stage's variables")
	}
}

func TestRouting(t *testing.T) {
	tests := []struct {
		method, path string
		status       int
		function     string // invoked function name; "" when none
		resource     string
		params       map[string]string
	}{
		{"GET", "/prod/product", 200, "catalog", "/product", nil},
		{"GET", "/prod/product/", 200, "catalog", "/product", nil},
		{"GET", "/prod/product/p-1", 200, "catalog", "/product/{id}", map[string]string{"id": "p-1"}},
		{"GET", "/prod/product/special", 200, "special", "/product/special", nil},
		// An encoded slash is part of its segment, not a separator.
		{"GET", "/prod/product/a%2Fb", 200, "catalog", "/product/{id}", map[string]string{"id": "a/b"}},
		{"GET", "/prod/product/a%20b", 200, "catalog", "/product/{id}", map[string]string{"id": "a b"}},
		// No POST on /product: the greedy root resource's ANY takes it.
		{"POST", "/prod/product", 200, "proxy", "/{proxy+}", map[string]string{"proxy": "product"}},
		{"DELETE", "/prod/product/p-1", 200, "proxy", "/{proxy+}", map[string]string{"proxy": "product/p-1"}},
		{"PUT", "/prod/a/b/c", 200, "proxy", "/{proxy+}", map[string]string{"proxy": "a/b/c"}},
		{"GET", "/prod/", 403, "", "", nil},
		{"GET", "/prod", 403, "", "", nil},
		{"GET", "/dev/product", 403, "", "", nil},
		{"GET", "/", 403, "", "", nil},
		{"OPTIONS", "/prod/product", 204, "", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			inv := &fakeInvoker{}
			_, base := startAPI(t, inv, apigateway.Options{})
			req, _ := http.NewRequest(tt.method, base+tt.path, nil)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tt.status {
				t.Fatalf("status = %d (%s), want %d", resp.StatusCode, body, tt.status)
			}
			if tt.status == 403 && string(body) != `{"message":"Missing Authentication Token"}` {
				t.Errorf("403 body = %s", body)
			}
			if tt.function == "" {
				if len(inv.calls) > 0 {
					t.Errorf("invoked %s, want no invocation", inv.calls[0].function)
				}
				return
			}
			if string(body) != tt.function {
				t.Errorf("reached %q, want %q", body, tt.function)
			}
			var ev events.APIGatewayProxyRequest
			if err := json.Unmarshal(inv.last(t).event, &ev); err != nil {
				t.Fatal(err)
			}
			if ev.Resource != tt.resource {
				t.Errorf("resource = %q, want %q", ev.Resource, tt.resource)
			}
			gp, _ := json.Marshal(ev.PathParameters)
			wp, _ := json.Marshal(tt.params)
			if string(gp) != string(wp) {
				t.Errorf("pathParameters = %s, want %s", gp, wp)
			}
		})
	}
}

// TestQueryValues: values are decoded, repeated keys keep every value, and
// a value that is not valid percent-encoding reaches the function as sent
// (so it can refuse it) instead of vanishing.
func TestQueryValues(t *testing.T) {
	inv := &fakeInvoker{}
	_, base := startAPI(t, inv, apigateway.Options{})
	resp, err := http.Get(base + "/prod/product?cursor=%%%&category=a%20b&x=1&x=2")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	var ev events.APIGatewayProxyRequest
	if err := json.Unmarshal(inv.last(t).event, &ev); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"cursor": "%%%", "category": "a b", "x": "2"}
	if !maps.Equal(ev.QueryStringParameters, want) {
		t.Errorf("queryStringParameters = %v, want %v", ev.QueryStringParameters, want)
	}
	if got := ev.MultiValueQueryStringParameters["x"]; len(got) != 2 || got[0] != "1" || got[1] != "2" {
		t.Errorf("multiValueQueryStringParameters[x] = %v, want [1 2]", got)
	}
}

func TestResponseMapping(t *testing.T) {
	internal := `{"message":"Internal server error"}`
	tests := []struct {
		name       string
		result     stack.InvokeResult
		err        error
		status     int
		body       string
		header     http.Header // must be present (values in order)
		headerMiss []string    // must be absent
	}{
		{name: "plain", result: res(`{"statusCode":201,"headers":{"Location":"/product/1"},"body":"{\"id\":\"1\"}"}`),
			status: 201, body: `{"id":"1"}`, header: http.Header{"Location": {"/product/1"}, "Content-Type": {"application/json"}}},
		{name: "multi-value headers win over headers", result: res(`{"statusCode":200,"headers":{"Set-Cookie":"x=0","X-One":"1"},"multiValueHeaders":{"Set-Cookie":["a=1","b=2"]},"body":""}`),
			status: 200, header: http.Header{"Set-Cookie": {"a=1", "b=2"}, "X-One": {"1"}}},
		{name: "base64 body", result: res(`{"statusCode":200,"headers":{"Content-Type":"text/plain"},"body":"aGVsbG8=","isBase64Encoded":true}`),
			status: 200, body: "hello", header: http.Header{"Content-Type": {"text/plain"}}},
		{name: "no body", result: res(`{"statusCode":204}`), status: 204},
		{name: "missing statusCode", result: res(`{"body":"x"}`), status: 502, body: internal},
		{name: "unknown field", result: res(`{"statusCode":200,"bdy":"x"}`), status: 502, body: internal},
		{name: "body not a string", result: res(`{"statusCode":200,"body":{"a":1}}`), status: 502, body: internal},
		{name: "not JSON", result: res(`hello`), status: 502, body: internal},
		{name: "bad base64", result: res(`{"statusCode":200,"body":"!!","isBase64Encoded":true}`), status: 502, body: internal},
		{name: "status out of range", result: res(`{"statusCode":42}`), status: 502, body: internal},
		{name: "function error", result: stack.InvokeResult{FunctionError: "Unhandled", Payload: []byte(`{"errorType":"Boom","errorMessage":"x"}`)},
			status: 502, body: internal, headerMiss: []string{"Boom"}},
		{name: "invoke failed", err: io.ErrUnexpectedEOF, status: 502, body: internal},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inv := &fakeInvoker{respond: func(context.Context, string) (stack.InvokeResult, error) { return tt.result, tt.err }}
			_, base := startAPI(t, inv, apigateway.Options{})
			resp, err := http.Get(base + "/prod/product")
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tt.status || string(body) != tt.body {
				t.Errorf("got %d %q, want %d %q", resp.StatusCode, body, tt.status, tt.body)
			}
			for k, want := range tt.header {
				if got := resp.Header.Values(k); strings.Join(got, "|") != strings.Join(want, "|") {
					t.Errorf("header %s = %q, want %q", k, got, want)
				}
			}
			if resp.Header.Get("X-Amzn-Requestid") == "" {
				t.Errorf("no x-amzn-RequestId header")
			}
		})
	}
}

func res(payload string) stack.InvokeResult { return stack.InvokeResult{Payload: []byte(payload)} }

func TestGatewayLimits(t *testing.T) {
	t.Run("body over 10 MB", func(t *testing.T) {
		inv := &fakeInvoker{}
		_, base := startAPI(t, inv, apigateway.Options{})
		resp, err := http.Post(base+"/prod/upload", "application/octet-stream", strings.NewReader(strings.Repeat("x", apigateway.MaxBody+1)))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusRequestEntityTooLarge || len(inv.calls) != 0 {
			t.Errorf("status %d with %d invocations, want 413 and none", resp.StatusCode, len(inv.calls))
		}
	})
	t.Run("integration timeout", func(t *testing.T) {
		inv := &fakeInvoker{respond: func(ctx context.Context, _ string) (stack.InvokeResult, error) {
			<-ctx.Done()
			return stack.InvokeResult{}, ctx.Err()
		}}
		_, base := startAPI(t, inv, apigateway.Options{Timeout: 20 * time.Millisecond})
		resp, err := http.Get(base + "/prod/product")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusGatewayTimeout || string(body) != `{"message":"Endpoint request timed out"}` {
			t.Errorf("got %d %s, want 504 Endpoint request timed out", resp.StatusCode, body)
		}
	})
	t.Run("binary body", func(t *testing.T) {
		inv := &fakeInvoker{}
		_, base := startAPI(t, inv, apigateway.Options{})
		for _, tt := range []struct {
			contentType, body string
			b64               bool
		}{
			{"image/png", "PNG", true},             // listed in BinaryMediaTypes
			{"application/json", `{"a":1}`, false}, // text
			{"application/octet-stream", "\xff\xfe", true},
		} {
			resp, err := http.Post(base+"/prod/files", tt.contentType, strings.NewReader(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			var ev events.APIGatewayProxyRequest
			if err := json.Unmarshal(inv.last(t).event, &ev); err != nil {
				t.Fatal(err)
			}
			if ev.IsBase64Encoded != tt.b64 {
				t.Errorf("%s: isBase64Encoded = %v, want %v", tt.contentType, ev.IsBase64Encoded, tt.b64)
			}
		}
	})
}

func TestCORSPreflight(t *testing.T) {
	inv := &fakeInvoker{}
	_, base := startAPI(t, inv, apigateway.Options{})
	req, _ := http.NewRequest("OPTIONS", base+"/prod/product", nil)
	req.Header.Set("Origin", "http://localhost:5173")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	want := map[string]string{
		"Access-Control-Allow-Origin":  "*",
		"Access-Control-Allow-Methods": "OPTIONS,GET,PUT,POST,DELETE,PATCH,HEAD",
		"Access-Control-Allow-Headers": "Content-Type,X-Amz-Date,Authorization",
	}
	if resp.StatusCode != 204 {
		t.Errorf("status %d, want the integration response's 204", resp.StatusCode)
	}
	for k, v := range want {
		if got := resp.Header.Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
}

func TestStagesAndOutputs(t *testing.T) {
	svc, _ := startAPI(t, &fakeInvoker{}, apigateway.Options{})
	st := svc.Stages()
	if len(st) != 1 || st[0].Name != "prod" || st[0].APIName != "shop" || len(st[0].APIID) != 10 {
		t.Errorf("Stages() = %+v, want one prod stage of API shop with a 10-character id", st)
	}
}

func TestProvisionErrors(t *testing.T) {
	base := `{"Resources":{"Api":{"Type":"AWS::ApiGateway::RestApi","Properties":{"Name":"x"}},
		"R":{"Type":"AWS::ApiGateway::Resource","Properties":{"RestApiId":{"Ref":"Api"},"ParentId":{"Fn::GetAtt":["Api","RootResourceId"]},"PathPart":"a"}},
		"M":{"Type":"AWS::ApiGateway::Method","Properties":%s}}}`
	tests := []struct {
		name, method, want string
	}{
		{"http integration", `{"RestApiId":{"Ref":"Api"},"ResourceId":{"Ref":"R"},"HttpMethod":"GET","Integration":{"Type":"HTTP_PROXY","Uri":"http://x"}}`,
			`Integration.Type: "HTTP_PROXY" on GET /a is not supported`},
		{"bad uri", `{"RestApiId":{"Ref":"Api"},"ResourceId":{"Ref":"R"},"HttpMethod":"GET","Integration":{"Type":"AWS_PROXY","Uri":"arn:aws:lambda:x"}}`,
			`Integration.Uri: "arn:aws:lambda:x" is not a Lambda invocation URI`},
		{"bad verb", `{"RestApiId":{"Ref":"Api"},"ResourceId":{"Ref":"R"},"HttpMethod":"FETCH","Integration":{"Type":"MOCK"}}`,
			`HttpMethod: "FETCH" is not one of`},
		{"unknown resource", `{"RestApiId":{"Ref":"Api"},"ResourceId":"nope","HttpMethod":"GET","Integration":{"Type":"MOCK"}}`,
			`ResourceId: no resource "nope"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tpl, err := stack.ParseTemplate([]byte(strings.Replace(base, "%s", tt.method, 1)))
			if err != nil {
				t.Fatal(err)
			}
			reg, _ := stack.NewRegistry(apigateway.New(&fakeInvoker{}, apigateway.Options{}))
			_, err = stack.Deploy(context.Background(), tpl, reg, stack.Options{StackName: "S"})
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "create M") {
				t.Errorf("error %v, want one naming M and containing %q", err, tt.want)
			}
		})
	}
}

func TestExplicitAPIPath(t *testing.T) {
	inv := &fakeInvoker{}
	svc, base := startAPI(t, inv, apigateway.Options{})
	id := svc.Stages()[0].APIID
	tests := []struct {
		path   string
		status int
	}{
		{"/restapis/" + id + "/prod/_user_request_/product/p-9", 200},
		{"/restapis/" + id + "/dev/_user_request_/product", 403},
		{"/restapis/nope/prod/_user_request_/product", 403},
		{"/restapis/" + id + "/prod/product", 403}, // _user_request_ missing
	}
	for _, tt := range tests {
		resp, err := http.Get(base + tt.path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tt.status {
			t.Errorf("GET %s = %d, want %d", tt.path, resp.StatusCode, tt.status)
		}
	}
	var ev events.APIGatewayProxyRequest
	if err := json.Unmarshal(inv.last(t).event, &ev); err != nil {
		t.Fatal(err)
	}
	if ev.Path != "/product/p-9" || ev.PathParameters["id"] != "p-9" {
		t.Errorf("path = %q, pathParameters = %v; want /product/p-9 and id p-9", ev.Path, ev.PathParameters)
	}
}

func TestConcurrentRequests(t *testing.T) {
	inv := &fakeInvoker{}
	_, base := startAPI(t, inv, apigateway.Options{})
	const n = 32
	var wg sync.WaitGroup
	errs := make(chan string, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			path := "/prod/product/p-" + strconv.Itoa(i)
			resp, err := http.Get(base + path)
			if err != nil {
				errs <- err.Error()
				return
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 || string(body) != "catalog" {
				errs <- path + ": " + resp.Status + " " + string(body)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	if len(inv.calls) != n {
		t.Errorf("%d invocations, want %d", len(inv.calls), n)
	}
}
