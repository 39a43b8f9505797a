package sns_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shopstream/shopstream/emulator/awsapi"
	"github.com/shopstream/shopstream/emulator/localtest"
	"github.com/shopstream/shopstream/emulator/sns"
	"github.com/shopstream/shopstream/emulator/sqs"
)

type env struct {
	sns   *sns.Service
	sqs   *sqs.Service
	srv   *awsapi.Server
	url   string
	email string
}

func newEnv(t *testing.T) *env {
	t.Helper()
	db := localtest.OpenDB(t, "")
	srv, u := localtest.Serve(t)
	e := &env{srv: srv, url: u, email: filepath.Join(t.TempDir(), "sns-email.log")}
	var err error
	if e.sqs, err = sqs.New(db, sqs.Options{BaseURL: u}); err != nil {
		t.Fatal(err)
	}
	e.sqs.Register(srv)
	if e.sns, err = sns.New(db, sns.Options{Queues: e.sqs, EmailLog: e.email, BaseURL: u}); err != nil {
		t.Fatal(err)
	}
	e.sns.Register(srv)
	return e
}

// query posts a signed-looking SNS query request and returns the status
// and body.
func (e *env) query(t *testing.T, params url.Values) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, e.url+"/", strings.NewReader(params.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=test/20261207/us-east-1/sns/aws4_request, SignedHeaders=host, Signature=x")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func (e *env) queue(t *testing.T, name, policy string) string {
	t.Helper()
	attrs := map[string]string{}
	if policy != "" {
		attrs["Policy"] = policy
	}
	raw, _ := json.Marshal(map[string]any{"QueueName": name, "Attributes": attrs})
	if _, err := e.srv.Call(context.Background(), "AmazonSQS.CreateQueue", raw); err != nil {
		t.Fatal(err)
	}
	return awsapi.ARN("sqs", name)
}

func (e *env) receive(t *testing.T, name string) []string {
	t.Helper()
	raw, _ := json.Marshal(map[string]any{"QueueUrl": e.sqs.QueueURL(name), "MaxNumberOfMessages": 10})
	out, err := e.srv.Call(context.Background(), "AmazonSQS.ReceiveMessage", raw)
	if err != nil {
		t.Fatal(err)
	}
	var r struct{ Messages []struct{ Body string } }
	_ = json.Unmarshal(out, &r)
	var bodies []string
	for _, m := range r.Messages {
		bodies = append(bodies, m.Body)
	}
	return bodies
}

func TestPublishDeliversToQueuesTheirPolicyAllows(t *testing.T) {
	e := newEnv(t)
	status, body := e.query(t, url.Values{"Action": {"CreateTopic"}, "Name": {"alerts"}})
	topic := awsapi.ARN("sns", "alerts")
	if status != 200 || !strings.Contains(body, "<TopicArn>"+topic+"</TopicArn>") || !strings.Contains(body, "<CreateTopicResponse xmlns=\""+sns.Namespace+"\">") {
		t.Fatalf("CreateTopic: %d %s", status, body)
	}
	allowed := e.queue(t, "allowed", `{"Statement":[{"Effect":"Allow","Principal":{"Service":"sns.amazonaws.com"},"Action":"sqs:SendMessage","Resource":"*","Condition":{"ArnEquals":{"aws:SourceArn":"`+topic+`"}}}]}`)
	closed := e.queue(t, "closed", "")
	for _, q := range []string{allowed, closed} {
		if status, body := e.query(t, url.Values{"Action": {"Subscribe"}, "TopicArn": {topic}, "Protocol": {"sqs"}, "Endpoint": {q}}); status != 200 {
			t.Fatalf("Subscribe %s: %d %s", q, status, body)
		}
	}
	e.query(t, url.Values{"Action": {"Subscribe"}, "TopicArn": {topic}, "Protocol": {"email-json"}, "Endpoint": {"ops@example.com"}})

	status, body = e.query(t, url.Values{"Action": {"Publish"}, "TopicArn": {topic}, "Subject": {"s"}, "Message": {"hello"}})
	if status != 200 || !strings.Contains(body, "<MessageId>") {
		t.Fatalf("Publish: %d %s", status, body)
	}
	got := e.receive(t, "allowed")
	if len(got) != 1 {
		t.Fatalf("allowed queue: %v", got)
	}
	var env map[string]any
	if err := json.Unmarshal([]byte(got[0]), &env); err != nil || env["Type"] != "Notification" || env["Message"] != "hello" || env["Subject"] != "s" || env["TopicArn"] != topic {
		t.Fatalf("envelope %s: %v", got[0], err)
	}
	if got := e.receive(t, "closed"); len(got) != 0 {
		t.Fatalf("a queue whose policy does not allow SNS got %v", got)
	}
	raw, err := os.ReadFile(e.email)
	if err != nil || !strings.Contains(string(raw), `"endpoint":"ops@example.com"`) || !strings.Contains(string(raw), `\"Type\":\"Notification\"`) {
		t.Fatalf("email-json log %s: %v", raw, err)
	}
}

func TestQueryErrors(t *testing.T) {
	e := newEnv(t)
	cases := []struct {
		params url.Values
		status int
		code   string
	}{
		{url.Values{"Action": {"Publish"}, "TopicArn": {awsapi.ARN("sns", "nope")}, "Message": {"m"}}, 404, "NotFound"},
		{url.Values{"Action": {"CreateTopic"}, "Name": {"bad name"}}, 400, "InvalidParameter"},
		{url.Values{"Action": {"DeleteTopic"}}, 400, "InvalidAction"},
	}
	for _, c := range cases {
		status, body := e.query(t, c.params)
		if status != c.status || !strings.Contains(body, "<Code>"+c.code+"</Code>") || !strings.Contains(body, "<Type>Sender</Type>") {
			t.Errorf("%v: %d %s; want %d %s", c.params, status, body, c.status, c.code)
		}
	}
	e.query(t, url.Values{"Action": {"CreateTopic"}, "Name": {"t"}})
	status, body := e.query(t, url.Values{"Action": {"Subscribe"}, "TopicArn": {awsapi.ARN("sns", "t")}, "Protocol": {"http"}, "Endpoint": {"http://example.com"}})
	if status != 400 || !strings.Contains(body, `Protocol &#34;http&#34; is not supported locally`) {
		t.Errorf("http subscription: %d %s", status, body)
	}
	if _, body := e.query(t, url.Values{"Action": {"ListSubscriptions"}}); strings.Contains(body, "<member>") {
		t.Errorf("a refused subscription was kept: %s", body)
	}
}
