package apigateway_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shopstream/shopstream/emulator/apigateway"
	"github.com/shopstream/shopstream/emulator/iam"
	"github.com/shopstream/shopstream/emulator/lambda"
	"github.com/shopstream/shopstream/emulator/stack"
)

// startEcho deploys testdata/echofn behind POST /v1/things/{id} with the
// real lambda service and serves the API.
func startEcho(t testing.TB) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs a function; skipped with -short")
	}
	gomod, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		t.Fatalf("go env GOMOD: %v", err)
	}
	fns := lambda.New(lambda.Config{ModuleRoot: filepath.Dir(strings.TrimSpace(string(gomod))), Output: io.Discard})
	t.Cleanup(func() { _ = fns.Close(context.Background()) })
	api := apigateway.New(fns, apigateway.Options{})
	reg, err := stack.NewRegistry(fns, api, iam.New())
	if err != nil {
		t.Fatal(err)
	}
	tpl, err := stack.ParseTemplate([]byte(echoTemplate))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := stack.Deploy(context.Background(), tpl, reg, stack.Options{StackName: "Echo"}); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	return srv.URL
}

const echoTemplate = `{"Resources":{
	"Fn":{"Type":"AWS::Lambda::Function","Metadata":{"shopstream:goPackage":"./emulator/apigateway/testdata/echofn"},
		"Properties":{"Runtime":"provided.al2023","Handler":"bootstrap","Timeout":10,"Code":{"S3Bucket":"b","S3Key":"k.zip"},
		"Role":"arn:aws:iam::000000000000:role/x"}},
	"Api":{"Type":"AWS::ApiGateway::RestApi","Properties":{"Name":"echo"}},
	"Things":{"Type":"AWS::ApiGateway::Resource","Properties":{"RestApiId":{"Ref":"Api"},"ParentId":{"Fn::GetAtt":["Api","RootResourceId"]},"PathPart":"things"}},
	"Thing":{"Type":"AWS::ApiGateway::Resource","Properties":{"RestApiId":{"Ref":"Api"},"ParentId":{"Ref":"Things"},"PathPart":"{id}"}},
	"Post":{"Type":"AWS::ApiGateway::Method","Properties":{"RestApiId":{"Ref":"Api"},"ResourceId":{"Ref":"Thing"},"HttpMethod":"POST","AuthorizationType":"NONE",
		"Integration":{"Type":"AWS_PROXY","IntegrationHttpMethod":"POST","Uri":{"Fn::Sub":"arn:${AWS::Partition}:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${Fn.Arn}/invocations"}}}},
	"Dep":{"Type":"AWS::ApiGateway::Deployment","DependsOn":"Post","Properties":{"RestApiId":{"Ref":"Api"}}},
	"Stage":{"Type":"AWS::ApiGateway::Stage","Properties":{"RestApiId":{"Ref":"Api"},"DeploymentId":{"Ref":"Dep"},"StageName":"v1"}}}}`

// TestRealFunction routes a request to a real Go Lambda (testdata/echofn)
// run by the lambda package, and checks what it saw and what came back.
func TestRealFunction(t *testing.T) {
	base := startEcho(t)
	resp, err := http.Post(base+"/v1/things/t-1?tag=a&tag=b", "application/json", strings.NewReader(`{"n":1}`))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("status %d: %s", resp.StatusCode, raw)
	}
	if got := resp.Header.Values("Set-Cookie"); strings.Join(got, ";") != "a=1;b=2" {
		t.Errorf("Set-Cookie = %q, want both multi-value cookies", got)
	}
	var seen map[string]any
	if err := json.Unmarshal(raw, &seen); err != nil {
		t.Fatalf("body %q is not the decoded base64 JSON: %v", raw, err)
	}
	want := map[string]any{
		"resource": "/things/{id}", "path": "/things/t-1", "method": "POST", "body": `{"n":1}`, "stage": "v1",
		"pathParameters": map[string]any{"id": "t-1"},
		"query":          map[string]any{"tag": []any{"a", "b"}},
	}
	for k, w := range want {
		gj, _ := json.Marshal(seen[k])
		wj, _ := json.Marshal(w)
		if string(gj) != string(wj) {
			t.Errorf("function saw %s = %s, want %s", k, gj, wj)
		}
	}
}

// BenchmarkRealFunction is a request's round trip through API Gateway and
// a warm Go Lambda process.
func BenchmarkRealFunction(b *testing.B) {
	base := startEcho(b)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
	post := func() {
		resp, err := client.Post(base+"/v1/things/t-1?tag=a", "application/json", strings.NewReader(`{"n":1}`))
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			b.Fatalf("status %d", resp.StatusCode)
		}
	}
	post() // start the process: the benchmark measures warm calls
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		post()
		lat = append(lat, time.Since(start))
	}
	b.StopTimer()
	reportPercentiles(b, lat)
}
