package runtime_test

import (
	"context"
	"encoding/json"
	"io"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"

	"github.com/shopstream/shopstream/emulator/localtest"
	"github.com/shopstream/shopstream/emulator/runtime"
)

// TestIAMEnforcement runs testdata/iamassembly: two functions built from
// testdata/iamfn put an item into the table; one's role grants
// dynamodb:PutItem on it (as CDK's grantWriteData writes it), the other's
// grants only CloudWatch Logs. Enforced (the default), the second gets
// AccessDeniedException as on AWS; with IAM off, both write.
func TestIAMEnforcement(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a function and runs a stack; skipped with -short")
	}
	type outcome struct {
		OK        bool
		Code      string
		Message   string
		KeyPrefix string
	}
	run := func(t *testing.T, mode runtime.IAMMode) (granted, bare outcome, outputs map[string]any, logs string) {
		var log localtest.SyncBuffer
		rt, err := runtime.Start(context.Background(), runtime.Config{
			Assembly: "testdata/iamassembly", InMemory: true, AWSAddr: "127.0.0.1:0", APIAddr: "127.0.0.1:0",
			IAM: mode, Log: runtime.NewLogger(&log, nil), Output: io.Discard,
		})
		if err != nil {
			t.Fatal(err)
		}
		defer func() {
			if err := rt.Close(context.Background()); err != nil {
				t.Errorf("close: %v", err)
			}
		}()
		// The test calls with the administrator's keys, as the CLI would.
		client := awslambda.New(awslambda.Options{Region: "us-east-1", BaseEndpoint: aws.String(rt.AWSEndpoint()),
			Credentials: credentials.NewStaticCredentialsProvider("local", "local", "")})
		outputs = rt.Deployed().Outputs
		invoke := func(fn string) outcome {
			res, err := client.Invoke(context.Background(), &awslambda.InvokeInput{FunctionName: aws.String(fn), Payload: []byte(`{"ID":"` + fn + `"}`)})
			if err != nil || res.FunctionError != nil {
				t.Fatalf("invoke %s: %v %s", fn, err, res.Payload)
			}
			var o outcome
			if err := json.Unmarshal(res.Payload, &o); err != nil {
				t.Fatal(err)
			}
			return o
		}
		return invoke(outputs["GrantedName"].(string)), invoke(outputs["BareName"].(string)), outputs, log.String()
	}

	t.Run("enforced by default", func(t *testing.T) {
		granted, bare, out, logs := run(t, runtime.Config{}.IAM)
		if !granted.OK || granted.KeyPrefix != "ASIA" {
			t.Errorf("granted function: %+v, want a write with temporary credentials", granted)
		}
		table := "arn:aws:dynamodb:us-east-1:000000000000:table/" + out["TableName"].(string)
		want := "User: arn:aws:sts::000000000000:assumed-role/" + out["BareRoleName"].(string) + "/" + out["BareName"].(string) +
			" is not authorized to perform: dynamodb:PutItem on resource: " + table + " because no identity-based policy allows the dynamodb:PutItem action"
		if bare.OK || bare.Code != "AccessDeniedException" || bare.Message != want {
			t.Errorf("function without the grant: %+v\nwant AccessDeniedException: %s", bare, want)
		}
		// One line says who was denied what.
		line := ""
		for _, l := range strings.Split(logs, "\n") {
			if strings.Contains(l, "iam: access denied") {
				line = l
			}
		}
		for _, part := range []string{"role=" + out["BareRoleName"].(string), "action=dynamodb:PutItem", "resource=" + table} {
			if !strings.Contains(line, part) {
				t.Errorf("denial line %q lacks %q\n%s", line, part, logs)
			}
		}
	})
	t.Run("off", func(t *testing.T) {
		granted, bare, _, _ := run(t, runtime.IAMOff)
		if !granted.OK || !bare.OK || bare.KeyPrefix != "test" {
			t.Errorf("with IAM off both write with the shared keys: %+v %+v", granted, bare)
		}
	})
}
