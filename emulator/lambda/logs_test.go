package lambda

import (
	"context"
	"encoding/json"
	"log/slog"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cwlogs "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"

	"github.com/shopstream/shopstream/emulator/localtest"
	"github.com/shopstream/shopstream/emulator/logs"
	"github.com/shopstream/shopstream/internal/testutil/awstest"
)

// logsEnv is the real logs service on a test endpoint, as the runtime
// wires it to Lambda.
type logsEnv struct {
	svc    *logs.Service
	client *cwlogs.Client
}

func newLogs(t *testing.T) *logsEnv {
	t.Helper()
	srv, url := localtest.Serve(t)
	svc, err := logs.New(localtest.OpenDB(t, ""), logs.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = svc.Close(context.Background()) })
	svc.Register(srv)
	return &logsEnv{svc: svc, client: cwlogs.NewFromConfig(awstest.Config(url))}
}

func requestIDOf(t *testing.T, s *Service, fn string) (string, int) {
	t.Helper()
	res := invoke(t, s, fn, map[string]any{"op": "pid"})
	var out struct {
		PID       int    `json:"pid"`
		RequestID string `json:"requestId"`
	}
	if err := json.Unmarshal(res.Payload, &out); err != nil || out.RequestID == "" {
		t.Fatalf("pid: %s %v", res.Payload, err)
	}
	return out.RequestID, out.PID
}

// Every line a function writes lands in /aws/lambda/<name>, in one stream
// per process named as AWS names it, between Lambda's START and END and
// REPORT lines, each under its request id; stderr keeps its prefixed copy.
func TestFunctionOutputGoesToItsLogGroup(t *testing.T) {
	l := newLogs(t)
	s, out := newService(t, Config{Logs: l.svc})
	addFunction(t, s, "logs-fn", map[string]any{"MemorySize": float64(256)})
	const group = "/aws/lambda/logs-fn"

	first, _ := requestIDOf(t, s, "logs-fn")
	res := invoke(t, s, "logs-fn", map[string]any{"op": "log", "value": json.RawMessage(`"hello from the function"`)})
	if string(res.Payload) != `"logged"` {
		t.Fatalf("log op: %s", res.Payload)
	}
	lines := l.svc.RequestLines(group, first)
	if len(lines) != 3 || lines[0].Message != "START RequestId: "+first+" Version: $LATEST" || lines[1].Message != "END RequestId: "+first ||
		!regexp.MustCompile(`^REPORT RequestId: `+first+`\tDuration: [0-9.]+ ms\tBilled Duration: [0-9]+ ms\tMemory Size: 256 MB\tMax Memory Used: [0-9]+ MB\tInit Duration: [0-9.]+ ms$`).MatchString(lines[2].Message) {
		t.Fatalf("first (cold) invocation's lines: %+v", lines)
	}
	stream := lines[0].Stream
	if !regexp.MustCompile(`^\d{4}/\d{2}/\d{2}/\[\$LATEST\][0-9a-f]{32}$`).MatchString(stream) {
		t.Fatalf("stream %q", stream)
	}

	// The second invocation ran on the same warm process: same stream,
	// its own request id, no Init Duration.
	out2, err := l.client.FilterLogEvents(context.Background(), &cwlogs.FilterLogEventsInput{LogGroupName: aws.String(group), FilterPattern: aws.String(`"hello from the function"`)})
	if err != nil {
		t.Fatal(err)
	}
	if len(out2.Events) != 1 || aws.ToString(out2.Events[0].LogStreamName) != stream {
		t.Fatalf("filter-log-events: %+v", out2.Events)
	}
	all, err := l.client.FilterLogEvents(context.Background(), &cwlogs.FilterLogEventsInput{LogGroupName: aws.String(group), FilterPattern: aws.String("START")})
	if err != nil || len(all.Events) != 2 {
		t.Fatalf("START lines: %+v %v", all, err)
	}
	second := strings.Fields(aws.ToString(all.Events[1].Message))[2]
	// Lambda waits for the process's output before its END line, so the
	// lines are all there when the invocation returns.
	got := l.svc.RequestLines(group, second)
	var msgs []string
	for _, ln := range got {
		if ln.Stream != stream {
			t.Errorf("line %q in stream %s, want %s", ln.Message, ln.Stream, stream)
		}
		msgs = append(msgs, ln.Message)
	}
	// The process's two lines travel through two pipes: between START and
	// END, in either order.
	if len(msgs) != 5 || msgs[0] != "START RequestId: "+second+" Version: $LATEST" || msgs[3] != "END RequestId: "+second ||
		!(msgs[1] == "hello from the function" && msgs[2] == "and to stderr" || msgs[2] == "hello from the function" && msgs[1] == "and to stderr") ||
		strings.Contains(msgs[4], "Init Duration") {
		t.Fatalf("second invocation's lines: %q", msgs)
	}
	if !strings.Contains(out.String(), "[logs-fn] hello from the function\n") {
		t.Errorf("stderr copy missing:\n%s", out.String())
	}
	env := invoke(t, s, "logs-fn", map[string]any{"op": "env"})
	var vars map[string]string
	if err := json.Unmarshal(env.Payload, &vars); err != nil || vars["AWS_LAMBDA_LOG_STREAM_NAME"] != stream || vars["AWS_LAMBDA_LOG_GROUP_NAME"] != group {
		t.Fatalf("process env: stream %q group %q", vars["AWS_LAMBDA_LOG_STREAM_NAME"], vars["AWS_LAMBDA_LOG_GROUP_NAME"])
	}
}

// LoggingConfig, as the stack sets it: the function's own log group and
// JSON system records; a timeout says so in them.
func TestLoggingConfigGroupAndJSONFormat(t *testing.T) {
	l := newLogs(t)
	s, _ := newService(t, Config{Logs: l.svc})
	addFunction(t, s, "json-fn", map[string]any{"Timeout": float64(1),
		"LoggingConfig": map[string]any{"LogGroup": "/shopstream/json-fn", "LogFormat": "JSON"}})
	id, _ := requestIDOf(t, s, "json-fn")
	lines := l.svc.RequestLines("/shopstream/json-fn", id)
	if len(lines) != 3 {
		t.Fatalf("lines: %+v", lines)
	}
	var rec []struct {
		Time   string         `json:"time"`
		Type   string         `json:"type"`
		Record map[string]any `json:"record"`
	}
	for _, ln := range lines {
		var r struct {
			Time   string         `json:"time"`
			Type   string         `json:"type"`
			Record map[string]any `json:"record"`
		}
		if err := json.Unmarshal([]byte(ln.Message), &r); err != nil {
			t.Fatalf("%q is not a JSON record: %v", ln.Message, err)
		}
		rec = append(rec, r)
	}
	if rec[0].Type != "platform.start" || rec[0].Record["requestId"] != id || rec[0].Record["version"] != "$LATEST" ||
		rec[1].Type != "platform.runtimeDone" || rec[1].Record["status"] != "success" ||
		rec[2].Type != "platform.report" || rec[2].Record["metrics"].(map[string]any)["memorySizeMB"] != float64(128) ||
		!strings.HasSuffix(rec[0].Time, "Z") {
		t.Fatalf("records: %+v", rec)
	}
	if got := l.svc.RequestLines("/aws/lambda/json-fn", id); len(got) != 0 {
		t.Fatalf("lines in the default group too: %+v", got)
	}

	res := invoke(t, s, "json-fn", map[string]any{"op": "sleep", "ms": 3000})
	if decodeError(t, res).ErrorType != "Sandbox.Timedout" {
		t.Fatalf("sleep: %s", res.Payload)
	}
	out, err := l.client.FilterLogEvents(context.Background(), &cwlogs.FilterLogEventsInput{LogGroupName: aws.String("/shopstream/json-fn"), FilterPattern: aws.String(`platform.report "timeout"`)})
	if err != nil || len(out.Events) != 1 {
		t.Fatalf("timeout report: %+v %v", out, err)
	}
}

// Text format: a timeout writes AWS's "Task timed out" line, and REPORT
// says Status: timeout.
func TestTimeoutIsLogged(t *testing.T) {
	l := newLogs(t)
	s, _ := newService(t, Config{Logs: l.svc})
	addFunction(t, s, "slow-fn", map[string]any{"Timeout": float64(1)})
	if decodeError(t, invoke(t, s, "slow-fn", map[string]any{"op": "sleep", "ms": 3000})).ErrorType != "Sandbox.Timedout" {
		t.Fatal("no timeout")
	}
	out, err := l.client.FilterLogEvents(context.Background(), &cwlogs.FilterLogEventsInput{LogGroupName: aws.String("/aws/lambda/slow-fn")})
	if err != nil {
		t.Fatal(err)
	}
	var msgs []string
	for _, e := range out.Events {
		msgs = append(msgs, aws.ToString(e.Message))
	}
	if len(msgs) != 4 || !regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z \S+ Task timed out after 1\.00 seconds$`).MatchString(msgs[1]) ||
		!strings.HasPrefix(msgs[2], "END RequestId: ") || !strings.HasSuffix(msgs[3], "\tStatus: timeout") {
		t.Fatalf("lines: %q", msgs)
	}
}

// With IAM enforced, a function's lines reach its log group only if its
// execution role may write there (CDK's grantWrite), as on AWS; otherwise
// the runtime says so once and the terminal copy is all there is.
func TestLogsNeedTheRolesGrant(t *testing.T) {
	l := newLogs(t)
	log := &localtest.SyncBuffer{}
	s, out := newService(t, Config{Logs: l.svc, Log: slog.New(slog.NewTextHandler(log, nil))})
	srv, _ := localtest.Serve(t)
	s.Register(srv)
	iam := localtest.EnforceIAM(t, srv)
	iam.Role("log-writer", localtest.Allow([]string{"logs:CreateLogStream", "logs:PutLogEvents"}, logs.GroupARN("/aws/lambda/granted-fn")+":*"))
	iam.Role("no-logs", localtest.Allow([]string{"dynamodb:GetItem"}, "*"))
	addFunction(t, s, "granted-fn", map[string]any{"Role": localtest.RoleARN("log-writer")})
	addFunction(t, s, "mute-fn", map[string]any{"Role": localtest.RoleARN("no-logs")})

	granted, _ := requestIDOf(t, s, "granted-fn")
	if got := l.svc.RequestLines("/aws/lambda/granted-fn", granted); len(got) != 3 {
		t.Fatalf("granted role's lines: %+v", got)
	}
	invoke(t, s, "mute-fn", map[string]any{"op": "log", "value": json.RawMessage(`"unseen"`)})
	invoke(t, s, "mute-fn", map[string]any{"op": "log", "value": json.RawMessage(`"unseen"`)})
	groups, err := l.client.DescribeLogGroups(context.Background(), &cwlogs.DescribeLogGroupsInput{LogGroupNamePrefix: aws.String("/aws/lambda/mute-fn")})
	if err != nil || len(groups.LogGroups) != 0 {
		t.Fatalf("a role without the grant wrote logs: %+v %v", groups, err)
	}
	if !strings.Contains(out.String(), "[mute-fn] unseen") {
		t.Errorf("terminal copy missing:\n%s", out.String())
	}
	if n := strings.Count(log.String(), "may not write its log group"); n != 1 || !strings.Contains(log.String(), "function=mute-fn") ||
		!strings.Contains(log.String(), "logs:CreateLogStream") {
		t.Errorf("want one warning naming mute-fn and the action, got %d:\n%s", n, log.String())
	}
}
