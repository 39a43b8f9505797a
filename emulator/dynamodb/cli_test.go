package dynamodb_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// TestAWSCLI round-trips a put, a transaction and a query through the
// AWS CLI pointed at the emulator with dummy credentials.
func TestAWSCLI(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the AWS CLI (about a second per call); skipped with -short")
	}
	bin, err := exec.LookPath("aws")
	if err != nil {
		t.Skipf("aws (AWS CLI) not found on PATH (apt-get install awscli to run this test): %v", err)
	}
	e := start(t, nil)
	createTable(t, e.Client, "cli-orders", "userName", types.ScalarAttributeTypeS, "orderKey", types.ScalarAttributeTypeS)
	cli := func(args ...string) []byte {
		t.Helper()
		cmd := exec.Command(bin, append([]string{"--endpoint-url", e.URL, "--output", "json", "dynamodb"}, args...)...)
		// Only dummy credentials: nothing of the developer's AWS setup.
		for _, kv := range os.Environ() {
			if !strings.HasPrefix(kv, "AWS_") {
				cmd.Env = append(cmd.Env, kv)
			}
		}
		cmd.Env = append(cmd.Env, "AWS_ACCESS_KEY_ID=test", "AWS_SECRET_ACCESS_KEY=test", "AWS_DEFAULT_REGION=us-east-1",
			"AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("aws dynamodb %v: %v\n%s", args, err, out)
		}
		return out
	}
	cli("put-item", "--table-name", "cli-orders", "--item", `{"userName":{"S":"ann"},"orderKey":{"S":"2026-11-01#o1"},"total":{"N":"12.50"}}`)
	cli("transact-write-items", "--transact-items", `[
		{"Put":{"TableName":"cli-orders","Item":{"userName":{"S":"ann"},"orderKey":{"S":"2026-11-02#o2"},"total":{"N":"3"}},"ConditionExpression":"attribute_not_exists(orderKey)"}},
		{"Update":{"TableName":"cli-orders","Key":{"userName":{"S":"ann"},"orderKey":{"S":"2026-11-01#o1"}},"UpdateExpression":"SET #s = :s","ExpressionAttributeNames":{"#s":"status"},"ExpressionAttributeValues":{":s":{"S":"PAID"}}}}
	]`)
	raw := cli("query", "--table-name", "cli-orders", "--key-condition-expression", "userName = :u",
		"--expression-attribute-values", `{":u":{"S":"ann"}}`, "--no-scan-index-forward")
	var out struct {
		Count int
		Items []map[string]map[string]string
	}
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("query output %s: %v", raw, err)
	}
	if out.Count != 2 || out.Items[0]["orderKey"]["S"] != "2026-11-02#o2" || out.Items[1]["status"]["S"] != "PAID" || out.Items[1]["total"]["N"] != "12.5" {
		t.Errorf("query via CLI = %s", raw)
	}
}
