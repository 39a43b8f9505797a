package cloudwatch_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/shopstream/shopstream/emulator/awsapi"
	"github.com/shopstream/shopstream/emulator/cloudwatch"
	"github.com/shopstream/shopstream/emulator/localtest"
	"github.com/shopstream/shopstream/emulator/sns"
	"github.com/shopstream/shopstream/emulator/sqs"
	"github.com/shopstream/shopstream/emulator/state"
	"github.com/shopstream/shopstream/emulator/telemetry"
)

// start is a whole minute, so periods line up with the test's steps.
var start = time.Date(2026, 12, 7, 4, 0, 0, 0, time.UTC)

// env is CloudWatch, SNS and SQS on one endpoint, with a settable clock.
type env struct {
	cw    *cloudwatch.Service
	sns   *sns.Service
	sqs   *sqs.Service
	clock *localtest.Clock
	url   string
	db    *state.DB
	email string // the SNS email log
	srv   *awsapi.Server
}

// newEnv serves the three services on db (a fresh store when nil); the
// SQS queues' depths are CloudWatch's gauges, as the runtime wires them.
func newEnv(t testing.TB, db *state.DB) *env {
	t.Helper()
	if db == nil {
		db = localtest.OpenDB(t, "")
	}
	srv, url := localtest.Serve(t)
	e := &env{clock: localtest.NewClock(start), url: url, db: db, srv: srv, email: filepath.Join(t.TempDir(), "sns-email.log")}
	var err error
	if e.sqs, err = sqs.New(db, sqs.Options{BaseURL: url, Now: e.clock.Now}); err != nil {
		t.Fatal(err)
	}
	e.sqs.Register(srv)
	if e.sns, err = sns.New(db, sns.Options{Queues: e.sqs, EmailLog: e.email, Now: e.clock.Now, BaseURL: url}); err != nil {
		t.Fatal(err)
	}
	e.sns.Register(srv)
	if e.cw, err = cloudwatch.New(db, cloudwatch.Options{Now: e.clock.Now, Notifier: e.sns, Samplers: []cloudwatch.Sampler{e.sqs}}); err != nil {
		t.Fatal(err)
	}
	e.cw.Register(srv)
	return e
}

// call posts a CloudWatch JSON request and decodes the answer; it
// returns the status, the body and the x-amzn-query-error header.
func (e *env) call(t testing.TB, op string, in any) (int, map[string]any, string) {
	t.Helper()
	raw, _ := json.Marshal(in)
	req, _ := http.NewRequest(http.MethodPost, e.url+"/", bytes.NewReader(raw))
	req.Header.Set("X-Amz-Target", cloudwatch.TargetPrefix+"."+op)
	req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	out := map[string]any{}
	if err := json.Unmarshal(body, &out); err != nil {
		t.Fatalf("%s: body %q is not JSON: %v", op, body, err)
	}
	return resp.StatusCode, out, resp.Header.Get("x-amzn-query-error")
}

// sqsCall makes an SQS JSON request and fails the test unless it succeeds.
func (e *env) sqsCall(t testing.TB, op string, in any) map[string]any {
	t.Helper()
	raw, _ := json.Marshal(in)
	out, err := e.srv.Call(context.Background(), sqs.TargetPrefix+"."+op, raw)
	if err != nil {
		t.Fatalf("%s: %v", op, err)
	}
	m := map[string]any{}
	if err := json.Unmarshal(out, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// must calls op and fails the test unless it succeeds.
func (e *env) must(t testing.TB, op string, in any) map[string]any {
	t.Helper()
	status, out, _ := e.call(t, op, in)
	if status != http.StatusOK {
		t.Fatalf("%s: %d %v", op, status, out)
	}
	return out
}

// alarm returns the one alarm DescribeAlarms reports under name.
func (e *env) alarm(t testing.TB, name string) map[string]any {
	t.Helper()
	out := e.must(t, "DescribeAlarms", map[string]any{"AlarmNames": []string{name}})
	as := out["MetricAlarms"].([]any)
	if len(as) != 1 {
		t.Fatalf("DescribeAlarms %s: %d alarms", name, len(as))
	}
	return as[0].(map[string]any)
}

func (e *env) record(ns, name string, dims map[string]string, v float64) {
	e.cw.Record(telemetry.Datum{Namespace: ns, Name: name, Dimensions: dims, Value: v, Unit: "Count", Time: e.clock.Now()})
}

// minute advances the clock a minute and runs the evaluation cycle.
func (e *env) minute() {
	e.clock.Advance(time.Minute)
	e.cw.Tick()
}

// emails reads the SNS email log's lines.
func (e *env) emails(t testing.TB) []map[string]any {
	t.Helper()
	f, err := os.Open(e.email)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []map[string]any
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		m := map[string]any{}
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("email log line %q: %v", sc.Text(), err)
		}
		out = append(out, m)
	}
	return out
}

// topic creates an SNS topic with an email subscription and returns its ARN.
func (e *env) topic(t testing.TB, name, email string) string {
	t.Helper()
	ctx := context.Background()
	_, err := e.sns.Create(ctx, stackResource("AWS::SNS::Topic", name, map[string]any{
		"TopicName": name, "Subscription": []any{map[string]any{"Protocol": "email", "Endpoint": email}}}))
	if err != nil {
		t.Fatal(err)
	}
	return awsapi.ARN("sns", name)
}
