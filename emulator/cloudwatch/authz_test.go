package cloudwatch_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/shopstream/shopstream/emulator/cloudwatch"
	"github.com/shopstream/shopstream/emulator/localtest"
)

// signedCall posts a CloudWatch request with the credentials' access key
// and session token, as a function's SDK would send them (the endpoint
// identifies the caller by the key; it does not check signatures).
func signedCall(t *testing.T, url string, creds aws.CredentialsProvider, op string, in any) (int, string) {
	t.Helper()
	c, err := creds.Retrieve(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(in)
	req, _ := http.NewRequest(http.MethodPost, url+"/", bytes.NewReader(raw))
	req.Header.Set("X-Amz-Target", cloudwatch.TargetPrefix+"."+op)
	req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential="+c.AccessKeyID+"/20261207/us-east-1/monitoring/aws4_request, SignedHeaders=host, Signature=0")
	req.Header.Set("X-Amz-Security-Token", c.SessionToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		Type string `json:"__type"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out.Type
}

func TestPutMetricDataNeedsTheGrant(t *testing.T) {
	e := newEnv(t, nil)
	iam := localtest.EnforceIAM(t, e.srv)
	allowed := iam.Role("metrics-writer", localtest.Allow([]string{"cloudwatch:PutMetricData"}, "*"))
	denied := iam.Role("metrics-less", localtest.Allow([]string{"cloudwatch:ListMetrics"}, "*"))
	in := map[string]any{"Namespace": "Shop", "MetricData": []any{map[string]any{"MetricName": "Orders", "Value": 1}}}
	if status, typ := signedCall(t, e.url, denied, "PutMetricData", in); status != http.StatusBadRequest || typ != "AccessDeniedException" {
		t.Errorf("without the grant: %d %s", status, typ)
	}
	if ms := e.must(t, "ListMetrics", map[string]any{})["Metrics"].([]any); len(ms) != 0 {
		t.Fatalf("a denied PutMetricData recorded %v", ms)
	}
	if status, typ := signedCall(t, e.url, allowed, "PutMetricData", in); status != http.StatusOK {
		t.Errorf("with the grant: %d %s", status, typ)
	}
	if ms := e.must(t, "ListMetrics", map[string]any{})["Metrics"].([]any); len(ms) != 1 {
		t.Fatalf("metrics after an allowed PutMetricData: %v", ms)
	}
}
