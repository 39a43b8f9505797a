package awsapi

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

func TestGzipBody(t *testing.T) {
	srv := New(nil)
	srv.Register("Echo_1", "1.0", "", func(_ context.Context, _ string, body []byte) (any, error) { return json.RawMessage(body), nil })
	ts := httptest.NewServer(srv)
	defer ts.Close()
	var zipped bytes.Buffer
	zw := gzip.NewWriter(&zipped)
	_, _ = zw.Write([]byte(`{"compressed":true}`))
	_ = zw.Close()
	req, _ := http.NewRequest("POST", ts.URL+"/", &zipped)
	req.Header.Set("X-Amz-Target", "Echo_1.Echo")
	req.Header.Set("Content-Encoding", "gzip")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 || string(body) != `{"compressed":true}` {
		t.Fatalf("%d %s", res.StatusCode, body)
	}
}

func TestQueryProtocol(t *testing.T) {
	srv := New(nil)
	srv.RegisterQuery("svc", "http://example.com/doc/", func(_ context.Context, action string, p url.Values) (any, error) {
		if action == "Fail" {
			return nil, &Error{Type: "NotFound", Message: "no such thing", Status: 404}
		}
		return struct {
			XMLName xml.Name `xml:"HelloResult"`
			Name    string
		}{Name: p.Get("Name")}, nil
	})
	ts := httptest.NewServer(srv)
	defer ts.Close()
	post := func(service string, form url.Values) (int, string) {
		req, _ := http.NewRequest("POST", ts.URL+"/", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if service != "" {
			req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKID/20261207/us-east-1/"+service+"/aws4_request, SignedHeaders=host, Signature=0")
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	status, body := post("svc", url.Values{"Action": {"Hello"}, "Name": {"ann"}})
	if status != 200 || !strings.Contains(body, `<HelloResponse xmlns="http://example.com/doc/"><HelloResult><Name>ann</Name></HelloResult><ResponseMetadata><RequestId>`) {
		t.Errorf("Hello: %d %s", status, body)
	}
	status, body = post("svc", url.Values{"Action": {"Fail"}})
	if status != 404 || !strings.Contains(body, `<Error><Type>Sender</Type><Code>NotFound</Code><Message>no such thing</Message></Error>`) {
		t.Errorf("Fail: %d %s", status, body)
	}
	if status, body = post("other", url.Values{"Action": {"Hello"}}); status != 400 || !strings.Contains(body, "UnknownOperationException") {
		t.Errorf("unknown service: %d %s", status, body)
	}
	if status, body = post("svc", url.Values{}); status != 400 || !strings.Contains(body, "<Code>MissingAction</Code>") {
		t.Errorf("no action: %d %s", status, body)
	}
}
