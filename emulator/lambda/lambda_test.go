package lambda

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/smithy-go"

	"github.com/shopstream/shopstream/emulator/awsapi"
	"github.com/shopstream/shopstream/emulator/gopackage"
	"github.com/shopstream/shopstream/emulator/localtest"
	"github.com/shopstream/shopstream/emulator/stack"
)

const testPkg = "./emulator/lambda/testdata/testfn"

// cacheDir is shared by the tests of one run so the test function is built
// once, which is also what the cache is for.
var cacheDir string

func TestMain(m *testing.M) { localtest.MainWithTempDir(m, &cacheDir) }

func newService(t testing.TB, cfg Config) (*Service, *localtest.SyncBuffer) {
	t.Helper()
	out := &localtest.SyncBuffer{}
	cfg.ModuleRoot = localtest.ModuleRoot(t)
	cfg.CacheDir = cacheDir
	cfg.Output = out
	s := New(cfg)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = s.Close(ctx)
	})
	return s, out
}

// addFunction provisions the test function under name with extra
// properties merged in.
func addFunction(t testing.TB, s *Service, name string, props map[string]any) stack.Created {
	t.Helper()
	p := map[string]any{"FunctionName": name, "Runtime": "provided.al2023", "Handler": "bootstrap"}
	for k, v := range props {
		p[k] = v
	}
	c, err := s.Create(context.Background(), stack.Resource{
		LogicalID: "Fn" + strings.ReplaceAll(name, "-", ""), Type: TypeFunction, Properties: p,
		Metadata: map[string]any{gopackage.MetadataKey: testPkg},
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func invoke(t testing.TB, s *Service, fn string, req any) stack.InvokeResult {
	t.Helper()
	payload, err := json.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	res, err := s.Invoke(context.Background(), fn, payload)
	if err != nil {
		t.Fatalf("invoke %s %s: %v", fn, payload, err)
	}
	return res
}

type lambdaError struct {
	ErrorType    string `json:"errorType"`
	ErrorMessage string `json:"errorMessage"`
}

func decodeError(t testing.TB, res stack.InvokeResult) lambdaError {
	t.Helper()
	if res.FunctionError != "Unhandled" {
		t.Fatalf("FunctionError = %q, want Unhandled (payload %s)", res.FunctionError, res.Payload)
	}
	var e lambdaError
	if err := json.Unmarshal(res.Payload, &e); err != nil {
		t.Fatalf("error payload %s: %v", res.Payload, err)
	}
	return e
}

func pidOf(t testing.TB, s *Service, fn string) int {
	t.Helper()
	res := invoke(t, s, fn, map[string]any{"op": "pid"})
	var out struct{ PID int }
	if res.FunctionError != "" || json.Unmarshal(res.Payload, &out) != nil || out.PID == 0 {
		t.Fatalf("pid: %s %s", res.FunctionError, res.Payload)
	}
	return out.PID
}

func TestCreate(t *testing.T) {
	s, _ := newService(t, Config{})
	c := addFunction(t, s, "create-fn", nil)
	if c.Ref != "create-fn" {
		t.Errorf("Ref = %q, want the function name", c.Ref)
	}
	if got, want := c.Attrs["Arn"], "arn:aws:lambda:us-east-1:000000000000:function:create-fn"; got != want {
		t.Errorf("Arn = %v, want %s", got, want)
	}
	named := New(Config{ModuleRoot: localtest.ModuleRoot(t), CacheDir: cacheDir, StackName: "Shop", Output: io.Discard})
	defer named.Close(context.Background())
	c, err := named.Create(context.Background(), stack.Resource{LogicalID: "CatalogApi", Type: TypeFunction, Metadata: map[string]any{gopackage.MetadataKey: testPkg}})
	if err != nil {
		t.Fatal(err)
	}
	if want := stack.PhysicalName("Shop", "CatalogApi", 64); c.Ref != want || !strings.HasPrefix(c.Ref, "Shop-CatalogApi-") {
		t.Errorf("generated name %q, want %q", c.Ref, want)
	}

	perm, err := s.Create(context.Background(), stack.Resource{LogicalID: "Perm", Type: TypePermission, Properties: map[string]any{"FunctionName": c.Attrs["Arn"]}})
	if err != nil || perm.Ref == "" {
		t.Errorf("permission: %+v, %v", perm, err)
	}
}

func TestCreateRejectsBadInput(t *testing.T) {
	s, _ := newService(t, Config{})
	stamp := map[string]any{gopackage.MetadataKey: testPkg}
	tests := []struct {
		name     string
		props    map[string]any
		metadata map[string]any
		wantErr  string
	}{
		{"no package stamp", map[string]any{}, nil, `no "shopstream:goPackage" metadata`},
		{"package outside module", map[string]any{}, map[string]any{gopackage.MetadataKey: "./../elsewhere"}, "leaves the module root"},
		{"absolute package", map[string]any{}, map[string]any{gopackage.MetadataKey: "github.com/x/y"}, `must be relative to the module root`},
		{"package that does not compile", map[string]any{}, map[string]any{gopackage.MetadataKey: "./emulator/lambda/testdata/nosuchpkg"}, "go list"},
		{"zero timeout", map[string]any{"Timeout": 0.0}, stamp, "Timeout"},
		{"fractional timeout", map[string]any{"Timeout": 1.5}, stamp, "Timeout"},
		{"small memory", map[string]any{"MemorySize": 64.0}, stamp, "MemorySize"},
		{"bad name", map[string]any{"FunctionName": "a:b"}, stamp, "FunctionName"},
		{"env not strings", map[string]any{"Environment": map[string]any{"Variables": map[string]any{"X": []any{1.0}}}}, stamp, "Environment.Variables.X"},
		{"bad log format", map[string]any{"LoggingConfig": map[string]any{"LogFormat": "XML"}}, stamp, "LoggingConfig.LogFormat"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.Create(context.Background(), stack.Resource{LogicalID: "Bad", Type: TypeFunction, Properties: tt.props, Metadata: tt.metadata})
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want it to mention %q", err, tt.wantErr)
			}
			if !strings.Contains(err.Error(), "Bad") {
				t.Errorf("err = %v, want it to name the logical id", err)
			}
			if _, err := s.lookup("Bad"); err == nil {
				t.Error("a rejected function was registered")
			}
		})
	}
}

func TestInvoke(t *testing.T) {
	s, _ := newService(t, Config{Endpoint: "http://127.0.0.1:4566"})
	addFunction(t, s, "invoke-fn", map[string]any{
		"MemorySize":  256.0,
		"Environment": map[string]any{"Variables": map[string]any{"EVENTS_TABLE": "events", "AWS_REGION": "eu-west-1"}},
	})

	t.Run("echo", func(t *testing.T) {
		res := invoke(t, s, "invoke-fn", map[string]any{"op": "echo", "value": map[string]any{"a": []int{1, 2}}})
		if res.FunctionError != "" || string(res.Payload) != `{"a":[1,2]}` {
			t.Errorf("got %q %s", res.FunctionError, res.Payload)
		}
	})
	t.Run("by ARN with $LATEST", func(t *testing.T) {
		res := invoke(t, s, FunctionARN("invoke-fn")+":$LATEST", map[string]any{"op": "echo", "value": 7})
		if string(res.Payload) != "7" {
			t.Errorf("got %s", res.Payload)
		}
	})
	t.Run("error type is the Go type name", func(t *testing.T) {
		e := decodeError(t, invoke(t, s, "invoke-fn", map[string]any{"op": "fail", "value": "no stock"}))
		if e.ErrorType != "TestError" || e.ErrorMessage != `test failure: "no stock"` {
			t.Errorf("got %+v", e)
		}
	})
	t.Run("context", func(t *testing.T) {
		res := invoke(t, s, "invoke-fn", map[string]any{"op": "pid"})
		var out struct {
			RequestID    string
			ARN          string
			DeadlineInMs int64
		}
		if err := json.Unmarshal(res.Payload, &out); err != nil {
			t.Fatal(err)
		}
		if out.RequestID == "" || out.ARN != FunctionARN("invoke-fn") {
			t.Errorf("lambda context = %+v", out)
		}
		if out.DeadlineInMs <= 2000 || out.DeadlineInMs > 3000 {
			t.Errorf("time to deadline = %dms, want just under the 3s default timeout", out.DeadlineInMs)
		}
	})
	t.Run("environment", func(t *testing.T) {
		res := invoke(t, s, "invoke-fn", map[string]any{"op": "env"})
		var env map[string]string
		if err := json.Unmarshal(res.Payload, &env); err != nil {
			t.Fatal(err)
		}
		want := map[string]string{
			"EVENTS_TABLE":                    "events",
			"AWS_REGION":                      "us-east-1", // reserved: the template cannot override it
			"AWS_DEFAULT_REGION":              "us-east-1",
			"AWS_ENDPOINT_URL":                "http://127.0.0.1:4566",
			"AWS_ACCESS_KEY_ID":               "test",
			"AWS_LAMBDA_FUNCTION_NAME":        "invoke-fn",
			"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256",
			"AWS_LAMBDA_FUNCTION_VERSION":     "$LATEST",
			"AWS_LAMBDA_LOG_GROUP_NAME":       "/aws/lambda/invoke-fn",
			"_HANDLER":                        "bootstrap",
			"AWS_EXECUTION_ENV":               "AWS_Lambda_provided.al2023",
		}
		for k, v := range want {
			if env[k] != v {
				t.Errorf("%s = %q, want %q", k, env[k], v)
			}
		}
		for _, k := range []string{"AWS_SECRET_ACCESS_KEY", "AWS_LAMBDA_LOG_STREAM_NAME", "LAMBDA_TASK_ROOT", "AWS_LAMBDA_RUNTIME_API"} {
			if env[k] == "" {
				t.Errorf("%s is not set", k)
			}
		}
		if _, ok := env["HOME"]; ok {
			t.Error("host environment leaked into the function (HOME)")
		}
	})
	t.Run("bad input", func(t *testing.T) {
		for _, tc := range []struct {
			fn, payload, wantType string
		}{
			{"nope", `{}`, "ResourceNotFoundException"},
			{"invoke-fn:prod", `{}`, "ResourceNotFoundException"},
			{"invoke-fn", `{not json`, "InvalidRequestContentException"},
		} {
			_, err := s.Invoke(context.Background(), tc.fn, []byte(tc.payload))
			var ae *awsapi.Error
			if !errors.As(err, &ae) || ae.Type != tc.wantType {
				t.Errorf("Invoke(%s, %s) err = %v, want %s", tc.fn, tc.payload, err, tc.wantType)
			}
		}
	})
}

func TestWarmProcessIsReused(t *testing.T) {
	s, _ := newService(t, Config{})
	addFunction(t, s, "warm-fn", nil)
	first := pidOf(t, s, "warm-fn")
	for range 3 {
		if pid := pidOf(t, s, "warm-fn"); pid != first {
			t.Fatalf("pid %d, want the warm process %d", pid, first)
		}
	}
}

func TestOneLogLinePerInvocation(t *testing.T) {
	var logs localtest.SyncBuffer
	s, _ := newService(t, Config{Log: slog.New(slog.NewTextHandler(&logs, nil))})
	addFunction(t, s, "log-fn", nil)
	invoke(t, s, "log-fn", map[string]any{"op": "echo", "value": 1})
	invoke(t, s, "log-fn", map[string]any{"op": "fail", "value": "x"})
	lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("%d log lines for two invocations:\n%s", len(lines), logs.String())
	}
	for i, want := range []string{"status=ok", "status=error"} {
		for _, part := range []string{"msg=\"lambda invoke\"", "function=log-fn", want, "duration=", "requestId="} {
			if !strings.Contains(lines[i], part) {
				t.Errorf("line %q lacks %q", lines[i], part)
			}
		}
	}
	if !strings.Contains(lines[0], "cold=true") || strings.Contains(lines[1], "cold=") || !strings.Contains(lines[1], "errorType=TestError") {
		t.Errorf("cold start / error type not logged:\n%s", logs.String())
	}
}

func TestConcurrentInvocationsStartMoreProcesses(t *testing.T) {
	const limit, calls = 3, 9
	s, _ := newService(t, Config{MaxWarmPerFunction: limit})
	addFunction(t, s, "busy-fn", nil)
	pidOf(t, s, "busy-fn") // one warm process to start from

	var wg sync.WaitGroup
	for range calls {
		wg.Go(func() {
			// Sleep, then report the pid: each call holds its process
			// long enough that the others need their own.
			res := invoke(t, s, "busy-fn", map[string]any{"op": "sleep", "ms": 200})
			if string(res.Payload) != `"slept"` {
				t.Errorf("sleep: %s %s", res.FunctionError, res.Payload)
			}
		})
	}
	wg.Wait()
	busy := s.fns["busy-fn"]
	busy.mu.Lock()
	n := len(busy.all)
	busy.mu.Unlock()
	if n < 2 || n > limit {
		t.Errorf("%d processes after %d concurrent calls, want between 2 and the limit %d", n, calls, limit)
	}
}

func TestTimeoutKillsTheProcess(t *testing.T) {
	s, _ := newService(t, Config{})
	addFunction(t, s, "slow-fn", map[string]any{"Timeout": 1.0})
	before := pidOf(t, s, "slow-fn")
	start := time.Now()
	e := decodeError(t, invoke(t, s, "slow-fn", map[string]any{"op": "sleep", "ms": 5000}))
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("timeout took %v", took)
	}
	if e.ErrorType != "Sandbox.Timedout" || !strings.HasSuffix(e.ErrorMessage, "Task timed out after 1.00 seconds") {
		t.Errorf("got %+v", e)
	}
	if after := pidOf(t, s, "slow-fn"); after == before {
		t.Error("the timed-out process was reused")
	}
}

func TestCrashIsReportedThenRecovered(t *testing.T) {
	s, out := newService(t, Config{})
	addFunction(t, s, "crash-fn", nil)
	tests := []struct {
		op, wantMsg string
	}{
		{"crash", "Runtime exited with error: exit status 2"},
		{"exit", "Runtime exited without providing a reason"},
	}
	for _, tt := range tests {
		t.Run(tt.op, func(t *testing.T) {
			before := pidOf(t, s, "crash-fn")
			e := decodeError(t, invoke(t, s, "crash-fn", map[string]any{"op": tt.op}))
			if e.ErrorType != "Runtime.ExitError" || !strings.HasSuffix(e.ErrorMessage, tt.wantMsg) {
				t.Errorf("got %+v, want Runtime.ExitError ending %q", e, tt.wantMsg)
			}
			if after := pidOf(t, s, "crash-fn"); after == before {
				t.Error("pid unchanged after the process exited")
			}
		})
	}
	if !strings.Contains(out.String(), "[crash-fn] crashing now\n") {
		t.Errorf("function output not streamed with its prefix:\n%s", out.String())
	}
}

func TestInitFailure(t *testing.T) {
	s, _ := newService(t, Config{})
	tests := []struct {
		mode, wantType, wantMsg string
	}{
		{"exit", "Runtime.ExitError", "Runtime exited with error: exit status 1"},
		{"init-error", "ConfigError", "EVENTS_TABLE is not set"},
	}
	for _, tt := range tests {
		t.Run(tt.mode, func(t *testing.T) {
			name := "init-" + tt.mode
			addFunction(t, s, name, map[string]any{"Environment": map[string]any{"Variables": map[string]any{"TESTFN_INIT": tt.mode}}})
			for range 2 { // each invocation re-initialises and fails the same way
				e := decodeError(t, invoke(t, s, name, map[string]any{"op": "echo"}))
				if e.ErrorType != tt.wantType || !strings.Contains(e.ErrorMessage, tt.wantMsg) {
					t.Errorf("got %+v, want %s / %s", e, tt.wantType, tt.wantMsg)
				}
			}
		})
	}
}

// newEndpoint serves the service's Invoke API on an httptest server.
func newEndpoint(t testing.TB, s *Service) string {
	srv, url := localtest.Serve(t)
	s.Register(srv)
	return url
}

func TestInvokeAPIWithSDK(t *testing.T) {
	s, _ := newService(t, Config{})
	addFunction(t, s, "sdk-fn", nil)
	client := awslambda.New(awslambda.Options{
		Region:       awsapi.Region,
		BaseEndpoint: aws.String(newEndpoint(t, s)),
		Credentials:  aws.AnonymousCredentials{},
	})
	ctx := context.Background()

	out, err := client.Invoke(ctx, &awslambda.InvokeInput{FunctionName: aws.String("sdk-fn"), Payload: []byte(`{"op":"echo","value":"hi"}`)})
	if err != nil {
		t.Fatal(err)
	}
	if string(out.Payload) != `"hi"` || out.FunctionError != nil || aws.ToString(out.ExecutedVersion) != "$LATEST" || out.StatusCode != 200 {
		t.Errorf("echo: %+v payload %s", out, out.Payload)
	}

	out, err = client.Invoke(ctx, &awslambda.InvokeInput{FunctionName: aws.String(FunctionARN("sdk-fn")), Payload: []byte(`{"op":"fail","value":"x"}`)})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(out.FunctionError) != "Unhandled" || !bytes.Contains(out.Payload, []byte(`"errorType":"TestError"`)) {
		t.Errorf("fail: %v %s", aws.ToString(out.FunctionError), out.Payload)
	}

	out, err = client.Invoke(ctx, &awslambda.InvokeInput{FunctionName: aws.String("sdk-fn"), InvocationType: types.InvocationTypeEvent, Payload: []byte(`{"op":"echo"}`)})
	if err != nil || out.StatusCode != 202 {
		t.Errorf("event: %+v %v", out, err)
	}
	out, err = client.Invoke(ctx, &awslambda.InvokeInput{FunctionName: aws.String("sdk-fn"), InvocationType: types.InvocationTypeDryRun})
	if err != nil || out.StatusCode != 204 {
		t.Errorf("dry run: %+v %v", out, err)
	}

	out, err = client.Invoke(ctx, &awslambda.InvokeInput{FunctionName: aws.String("sdk-fn"), LogType: types.LogTypeTail, Payload: []byte(`{"op":"crash"}`)})
	if err != nil {
		t.Fatal(err)
	}
	tail, _ := base64.StdEncoding.DecodeString(aws.ToString(out.LogResult))
	if !bytes.Contains(tail, []byte("crashing now\n")) || !bytes.Contains(tail, []byte("REPORT RequestId: ")) {
		t.Errorf("log tail %q, want the function's output and a REPORT line", tail)
	}

	_, err = client.Invoke(ctx, &awslambda.InvokeInput{FunctionName: aws.String("nope")})
	var nf *types.ResourceNotFoundException
	if !errors.As(err, &nf) {
		t.Errorf("unknown function: %v, want ResourceNotFoundException", err)
	}
	_, err = client.Invoke(ctx, &awslambda.InvokeInput{FunctionName: aws.String("sdk-fn"), Payload: []byte(`{bad`)})
	var irc *types.InvalidRequestContentException
	if !errors.As(err, &irc) {
		t.Errorf("bad payload: %v, want InvalidRequestContentException", err)
	}
}

func TestInvokeWithAWSCLI(t *testing.T) {
	s, _ := newService(t, Config{})
	cli := localtest.AWSCLI(t, newEndpoint(t, s))
	addFunction(t, s, "cli-fn", nil)
	outFile := filepath.Join(t.TempDir(), "out.json")
	meta := cli("lambda", "invoke", "--function-name", "cli-fn", "--payload", `{"op":"fail","value":"cli"}`, outFile)
	body, _ := os.ReadFile(outFile)
	if meta["StatusCode"] != 200.0 || meta["FunctionError"] != "Unhandled" || meta["ExecutedVersion"] != "$LATEST" || !bytes.Contains(body, []byte("TestError")) {
		t.Errorf("cli: %v body %s", meta, body)
	}
}

func TestBuildIsCached(t *testing.T) {
	root := localtest.ModuleRoot(t)
	b := newBuilder(root, cacheDir, nil)
	first, err := b.build(context.Background(), testPkg)
	if err != nil {
		t.Fatal(err)
	}
	st1, _ := os.Stat(first)
	second, err := newBuilder(root, cacheDir, nil).build(context.Background(), testPkg)
	if err != nil {
		t.Fatal(err)
	}
	st2, _ := os.Stat(second)
	if first != second || !st1.ModTime().Equal(st2.ModTime()) {
		t.Errorf("unchanged sources rebuilt: %s (%v) then %s (%v)", first, st1.ModTime(), second, st2.ModTime())
	}
}

// Build tags select files (testdata/testfn/tag_on.go) and key the cache:
// a tagged binary is never handed out for an untagged build or the other
// way round, while the order and repetition of tags do not matter.
func TestBuildTags(t *testing.T) {
	root := localtest.ModuleRoot(t)
	build := func(tags ...string) string {
		t.Helper()
		bin, err := newBuilder(root, cacheDir, tags).build(context.Background(), testPkg)
		if err != nil {
			t.Fatal(err)
		}
		return bin
	}
	untagged, tagged := build(), build("testfn_tagged")
	if untagged == tagged {
		t.Fatalf("tagged and untagged builds share the cached binary %s", tagged)
	}
	if again := build("testfn_tagged", "other_tag", "testfn_tagged"); again == tagged {
		t.Errorf("adding a tag reused the binary built without it: %s", again)
	}
	if a, b := build("b_tag", "testfn_tagged"), build("testfn_tagged", "b_tag", "b_tag"); a != b {
		t.Errorf("the same tag set in another order built twice: %s, %s", a, b)
	}
	for _, bad := range []string{"a,b", "a b", "", "-x"} {
		if _, err := newBuilder(root, cacheDir, []string{bad}).build(context.Background(), testPkg); err == nil || !strings.Contains(err.Error(), "build tag") {
			t.Errorf("tag %q: err = %v, want one naming the bad build tag", bad, err)
		}
	}

	for _, tt := range []struct {
		tags []string
		want string
	}{{nil, `"untagged"`}, {[]string{"testfn_tagged"}, `"testfn_tagged"`}} {
		s, _ := newService(t, Config{BuildTags: tt.tags})
		addFunction(t, s, "tags-fn", nil)
		if res := invoke(t, s, "tags-fn", map[string]string{"op": "tags"}); string(res.Payload) != tt.want {
			t.Errorf("BuildTags %v: function reports %s, want %s", tt.tags, res.Payload, tt.want)
		}
	}
}

// BenchmarkWarmInvoke measures a synchronous invoke round trip through a
// warm process (the echo handler does no work, so this is the overhead).
func BenchmarkWarmInvoke(b *testing.B) {
	s, _ := newService(b, Config{})
	addFunction(b, s, "bench-fn", nil)
	payload := []byte(`{"op":"echo","value":{"id":"01J","qty":3}}`)
	ctx := context.Background()
	if _, err := s.Invoke(ctx, "bench-fn", payload); err != nil { // warm up
		b.Fatal(err)
	}
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for b.Loop() {
		start := time.Now()
		res, err := s.Invoke(ctx, "bench-fn", payload)
		lat = append(lat, time.Since(start))
		if err != nil || res.FunctionError != "" {
			b.Fatal(err, res.FunctionError)
		}
	}
	localtest.ReportPercentiles(b, lat, time.Microsecond)
}

// BenchmarkColdStart measures spawning a process until its first GET /next.
func BenchmarkColdStart(b *testing.B) {
	s, _ := newService(b, Config{})
	addFunction(b, s, "cold-fn", nil)
	fn := s.fns["cold-fn"]
	lat := make([]time.Duration, 0, b.N)
	for b.Loop() {
		start := time.Now()
		sb, err := spawn(fn, s)
		if err != nil {
			b.Fatal(err)
		}
		select {
		case <-sb.firstNext:
		case <-sb.exited:
			b.Fatal("process exited during init")
		}
		lat = append(lat, time.Since(start))
		sb.kill()
	}
	localtest.ReportPercentiles(b, lat, time.Microsecond)
}

func TestCloseStopsProcessesAndInvocations(t *testing.T) {
	s, _ := newService(t, Config{})
	addFunction(t, s, "closing-fn", nil)
	pid := pidOf(t, s, "closing-fn")
	if err := s.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Invoke(context.Background(), "closing-fn", []byte(`{"op":"echo"}`)); !errors.Is(err, ErrClosed) {
		t.Errorf("invoke after Close: %v, want ErrClosed", err)
	}
	if err := s.InvokeAsync(context.Background(), "closing-fn", nil); !errors.Is(err, ErrClosed) {
		t.Errorf("async invoke after Close: %v, want ErrClosed", err)
	}
	if p, err := os.FindProcess(pid); err == nil && p.Signal(syscall.Signal(0)) == nil {
		t.Errorf("process %d still running after Close", pid)
	}
}

func TestIdleProcessesAreStopped(t *testing.T) {
	s, _ := newService(t, Config{IdleTimeout: 100 * time.Millisecond})
	addFunction(t, s, "idle-fn", nil)
	first := pidOf(t, s, "idle-fn")
	deadline := time.Now().Add(5 * time.Second)
	for {
		p, err := os.FindProcess(first)
		if err != nil || p.Signal(syscall.Signal(0)) != nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("idle process %d still running", first)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if again := pidOf(t, s, "idle-fn"); again == first {
		t.Error("invocation went to a stopped process")
	}
}

func TestIssuedCredentials(t *testing.T) {
	var asked []string
	s, _ := newService(t, Config{Credentials: func(fn, role string) (Credentials, error) {
		asked = append(asked, fn+" "+role)
		return Credentials{AccessKeyID: "ASIAEXAMPLE0000000001", SecretAccessKey: "secret-" + fn, SessionToken: "token-" + fn}, nil
	}})
	role := "arn:aws:iam::000000000000:role/fn-role"
	addFunction(t, s, "creds-fn", map[string]any{"Role": role})
	if len(asked) != 1 || asked[0] != "creds-fn "+role {
		t.Fatalf("credentials asked for %q, want the function name and its Role", asked)
	}
	var env map[string]string
	if err := json.Unmarshal(invoke(t, s, "creds-fn", map[string]any{"op": "env"}).Payload, &env); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"AWS_ACCESS_KEY_ID": "ASIAEXAMPLE0000000001", "AWS_SECRET_ACCESS_KEY": "secret-creds-fn", "AWS_SESSION_TOKEN": "token-creds-fn"}
	for k, v := range want {
		if env[k] != v {
			t.Errorf("%s = %q, want %q", k, env[k], v)
		}
	}
}

func TestInvokeIsAuthorized(t *testing.T) {
	s, _ := newService(t, Config{})
	srv, url := localtest.Serve(t)
	s.Register(srv)
	addFunction(t, s, "authz-fn", nil)
	arn := FunctionARN("authz-fn")
	iam := localtest.EnforceIAM(t, srv)
	allowed := iam.Role("invoker", localtest.Allow([]string{"lambda:InvokeFunction"}, arn, arn+":*"))
	denied := iam.Role("reader", localtest.Allow([]string{"lambda:GetFunction"}, arn))
	client := func(creds aws.CredentialsProvider) *awslambda.Client {
		return awslambda.New(awslambda.Options{Region: awsapi.Region, BaseEndpoint: aws.String(url), Credentials: creds})
	}
	ctx := context.Background()
	echo := []byte(`{"op":"echo","value":"ok"}`)

	if out, err := client(allowed).Invoke(ctx, &awslambda.InvokeInput{FunctionName: aws.String("authz-fn"), Payload: echo}); err != nil || string(out.Payload) != `"ok"` {
		t.Fatalf("granted role: %v", err)
	}
	for _, typ := range []types.InvocationType{types.InvocationTypeRequestResponse, types.InvocationTypeEvent, types.InvocationTypeDryRun} {
		_, err := client(denied).Invoke(ctx, &awslambda.InvokeInput{FunctionName: aws.String("authz-fn"), InvocationType: typ, Payload: echo})
		var api smithy.APIError
		var resp *awshttp.ResponseError
		if !errors.As(err, &api) || api.ErrorCode() != "AccessDeniedException" || !errors.As(err, &resp) || resp.HTTPStatusCode() != 403 {
			t.Fatalf("%s by a role without the grant: %v, want a 403 AccessDeniedException", typ, err)
		}
		want := "User: arn:aws:sts::000000000000:assumed-role/reader/reader is not authorized to perform: lambda:InvokeFunction on resource: " + arn +
			" because no identity-based policy allows the lambda:InvokeFunction action"
		if api.ErrorMessage() != want {
			t.Fatalf("message %q\nwant    %q", api.ErrorMessage(), want)
		}
	}
	// The administrator's keys (and anonymous calls) are not checked.
	admin := aws.NewCredentialsCache(aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
		return aws.Credentials{AccessKeyID: "test", SecretAccessKey: "test"}, nil
	}))
	if _, err := client(admin).Invoke(ctx, &awslambda.InvokeInput{FunctionName: aws.String("authz-fn"), Payload: echo}); err != nil {
		t.Fatalf("admin: %v", err)
	}

	// In-process invocations act as their context's principal: a state
	// machine's role, or nobody in particular (an event source mapping).
	role := awsapi.WithPrincipal(ctx, awsapi.Principal{RoleARN: localtest.RoleARN("reader"), Session: "machine"})
	if _, err := s.Invoke(role, "authz-fn", echo); !awsapi.IsAccessDenied(err) {
		t.Fatalf("in-process as a role without the grant: %v", err)
	}
	if err := s.InvokeAsync(role, "authz-fn", echo); !awsapi.IsAccessDenied(err) {
		t.Fatalf("async in-process as a role without the grant: %v", err)
	}
	if _, err := s.Invoke(ctx, "authz-fn", echo); err != nil {
		t.Fatalf("in-process without a principal: %v", err)
	}
	if !strings.Contains(iam.Log.String(), "action=lambda:InvokeFunction") {
		t.Errorf("denials are not logged: %s", iam.Log.String())
	}
}
