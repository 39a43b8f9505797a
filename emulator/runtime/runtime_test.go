package runtime_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/shopstream/shopstream/emulator/runtime"
)

// start runs the fixture assembly (a table, a function built from
// testdata/itemsfn, an API route to it) with its state in dataDir.
func start(t *testing.T, dataDir string, fnEnv map[string]map[string]string) *runtime.Runtime {
	t.Helper()
	var logs bytes.Buffer
	rt, err := runtime.Start(context.Background(), runtime.Config{
		Assembly:    "testdata/assembly",
		DataDir:     dataDir,
		AWSAddr:     "127.0.0.1:0",
		APIAddr:     "127.0.0.1:0",
		FunctionEnv: fnEnv,
		Log:         runtime.NewLogger(&logs, nil),
		Output:      io.Discard,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := rt.Close(context.Background()); err != nil {
			t.Errorf("close: %v", err)
		}
		if t.Failed() {
			t.Logf("runtime log:\n%s", logs.String())
		}
	})
	return rt
}

func dynamoClient(endpoint string) *dynamodb.Client {
	return dynamodb.New(dynamodb.Options{
		BaseEndpoint: aws.String(endpoint),
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("local", "local", ""),
	})
}

func call(t *testing.T, method, url, body string) (int, map[string]string) {
	t.Helper()
	status, body2, _ := callHeader(t, method, url, body)
	return status, body2
}

func callHeader(t *testing.T, method, url, body string) (int, map[string]string, http.Header) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out map[string]string
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("%s %s: %d %q is not a JSON object of strings", method, url, resp.StatusCode, raw)
	}
	return resp.StatusCode, out, resp.Header
}

func TestFunctionEnvReachesTheFunction(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a function and runs a stack; skipped with -short")
	}
	for _, name := range []string{"itemsfn", "Fn"} { // package or logical id
		t.Run(name, func(t *testing.T) {
			rt := start(t, t.TempDir(), map[string]map[string]string{name: {"FN_TAG": "tag-" + name}})
			_, _, h := callHeader(t, "GET", rt.APIURLs()[0]+"items/x", "")
			if got := h.Get("X-Fn-Tag"); got != "tag-"+name {
				t.Errorf("X-Fn-Tag = %q, want the variable given for %s", got, name)
			}
		})
	}
}

// TestRuntimeServesTheStack is the local runtime end to end: a request
// through API Gateway reaches the function, which writes DynamoDB through
// the AWS endpoint; the SDK sees the write; and a restart on the same data
// directory keeps it.
func TestRuntimeServesTheStack(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a function and runs a stack; skipped with -short")
	}
	dataDir := t.TempDir()
	rt := start(t, dataDir, nil)

	urls := rt.APIURLs()
	if len(urls) != 1 || !strings.HasSuffix(urls[0], "/test/") {
		t.Fatalf("APIURLs() = %v, want one URL ending in the stage /test/", urls)
	}
	api := urls[0]
	table, _ := rt.Deployed().Outputs["TableName"].(string)
	if table == "" {
		t.Fatalf("no TableName output: %v", rt.Deployed().Outputs)
	}

	// The banner is read by people and by tests/e2e: keep these shapes.
	var banner bytes.Buffer
	rt.Banner(&banner)
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`(?m)^  api  ` + regexp.QuoteMeta(api) + `  \(items\)$`),
		regexp.MustCompile(`(?m)^  aws  ` + regexp.QuoteMeta(rt.AWSEndpoint()) + `  `),
		regexp.MustCompile(`(?m)^  output TableName = ` + regexp.QuoteMeta(table) + `$`),
		regexp.MustCompile(`(?m)^ready in \S+ \(Ctrl-C to stop\)$`),
	} {
		if !want.Match(banner.Bytes()) {
			t.Errorf("banner lacks %s:\n%s", want, banner.String())
		}
	}

	status, body := call(t, "PUT", api+"items/a1", `{"value":"from the API"}`)
	if status != 201 || body["value"] != "from the API" || body["stage"] != "test" {
		t.Fatalf("PUT /items/a1 = %d %v", status, body)
	}

	ctx := context.Background()
	db := dynamoClient(rt.AWSEndpoint())
	got, err := db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: aws.String(table),
		Key:       map[string]types.AttributeValue{"id": &types.AttributeValueMemberS{Value: "a1"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if v, ok := got.Item["value"].(*types.AttributeValueMemberS); !ok || v.Value != "from the API" {
		t.Errorf("GetItem a1 = %v, want the value written through the API", got.Item)
	}

	if _, err := db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: aws.String(table),
		Item: map[string]types.AttributeValue{
			"id":    &types.AttributeValueMemberS{Value: "b2"},
			"value": &types.AttributeValueMemberS{Value: "from the SDK"},
		},
	}); err != nil {
		t.Fatal(err)
	}
	if status, body := call(t, "GET", api+"items/b2", ""); status != 200 || body["value"] != "from the SDK" {
		t.Errorf("GET /items/b2 = %d %v, want the SDK's write", status, body)
	}
	if status, body := call(t, "GET", api+"items/none", ""); status != 404 {
		t.Errorf("GET /items/none = %d %v, want the function's 404", status, body)
	}
	if status, body := call(t, "GET", api+"nothing", ""); status != 403 || body["message"] != "Missing Authentication Token" {
		t.Errorf("GET /nothing = %d %v, want API Gateway's 403", status, body)
	}

	// Restart on the same data directory: the item is still there.
	if err := rt.Close(ctx); err != nil {
		t.Fatal(err)
	}
	rt2 := start(t, dataDir, nil)
	if status, body := call(t, "GET", rt2.APIURLs()[0]+"items/a1", ""); status != 200 || body["value"] != "from the API" {
		t.Errorf("after restart GET /items/a1 = %d %v, want the stored value", status, body)
	}
}

func TestStartErrors(t *testing.T) {
	tests := []struct {
		name string
		cfg  runtime.Config
		want string
	}{
		{"no assembly", runtime.Config{Assembly: t.TempDir(), InMemory: true}, "manifest.json"},
		{"unknown stack", runtime.Config{Assembly: "testdata/assembly", Stack: "Nope", InMemory: true}, `no stack "Nope" (have Items)`},
		{"no data dir", runtime.Config{Assembly: "testdata/assembly"}, "no data directory"},
		{"unknown function in env", runtime.Config{Assembly: "testdata/assembly", InMemory: true,
			FunctionEnv: map[string]map[string]string{"nope": {"A": "1"}}}, "no function named nope (functions: itemsfn)"},
		{"port taken", runtime.Config{Assembly: "testdata/assembly", InMemory: true, AWSAddr: "256.0.0.1:1"}, "aws endpoint"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.cfg.Output = io.Discard
			if tt.cfg.APIAddr == "" {
				tt.cfg.APIAddr = "127.0.0.1:0"
			}
			if tt.cfg.AWSAddr == "" {
				tt.cfg.AWSAddr = "127.0.0.1:0"
			}
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			rt, err := runtime.Start(ctx, tt.cfg)
			if err == nil {
				rt.Close(ctx)
				t.Fatalf("Start succeeded, want an error containing %q", tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestEnvFile(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a function and runs a stack; skipped with -short")
	}
	rt := start(t, t.TempDir(), nil)
	path := filepath.Join(t.TempDir(), "stack.env")
	if err := rt.WriteEnvFile(path); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	got := string(raw)
	for _, want := range []string{
		"AWS_ENDPOINT_URL=" + rt.AWSEndpoint() + "\n",
		"API_URL=" + rt.APIURLs()[0] + "\n",
		"TABLE_NAME=" + rt.Deployed().Outputs["TableName"].(string) + "\n",
		"AWS_REGION=us-east-1\n",
		"AWS_DEFAULT_REGION=us-east-1\n", // AWS CLI v1 reads only this one
	} {
		if !strings.Contains(got, want) {
			t.Fatalf("env file lacks %q:\n%s", want, got)
		}
	}
}

// TestAlarmsWatchTheStack runs the fixture at a time scale where a
// CloudWatch minute is 0.6 s: a 404 through API Gateway is a 4XXError
// data point, the fixture's alarm on it goes to ALARM, and its topic's
// e-mail subscriber gets the notification in <data>/sns-email.log.
func TestAlarmsWatchTheStack(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a function and runs a stack; skipped with -short")
	}
	dataDir := t.TempDir()
	rt, err := runtime.Start(context.Background(), runtime.Config{
		Assembly: "testdata/assembly", DataDir: dataDir, AWSAddr: "127.0.0.1:0", APIAddr: "127.0.0.1:0",
		TimeScale: 0.01, Output: io.Discard,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = rt.Close(context.Background()) })
	state := func() string {
		req, _ := http.NewRequest("POST", rt.AWSEndpoint()+"/", strings.NewReader(`{"AlarmNames":["items-4xx"]}`))
		req.Header.Set("X-Amz-Target", "GraniteServiceVersion20100801.DescribeAlarms")
		req.Header.Set("Content-Type", "application/x-amz-json-1.0")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out struct{ MetricAlarms []struct{ StateValue string } }
		if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || len(out.MetricAlarms) != 1 {
			t.Fatalf("DescribeAlarms: %v %+v", err, out)
		}
		return out.MetricAlarms[0].StateValue
	}
	if s := state(); s == "ALARM" {
		t.Fatalf("alarm in ALARM before any request")
	}
	if status, body := call(t, "GET", rt.APIURLs()[0]+"items/none", ""); status != 404 {
		t.Fatalf("GET /items/none = %d %v", status, body)
	}
	deadline := time.Now().Add(20 * time.Second)
	for state() != "ALARM" {
		if time.Now().After(deadline) {
			t.Fatalf("alarm items-4xx is %s 20 s after a 404", state())
		}
		time.Sleep(50 * time.Millisecond)
	}
	for {
		raw, _ := os.ReadFile(filepath.Join(dataDir, "sns-email.log"))
		if strings.Contains(string(raw), `"subject":"ALARM: \"items-4xx\" in US East (N. Virginia)"`) && strings.Contains(string(raw), `"endpoint":"ops@example.com"`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no alarm e-mail in sns-email.log: %s", raw)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
