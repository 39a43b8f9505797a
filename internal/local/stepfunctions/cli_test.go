package stepfunctions

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// TestAWSCLI drives the service with the AWS CLI, as a user would: it
// creates a state machine from a definition file, starts it and reads its
// history through the endpoint.
func TestAWSCLI(t *testing.T) {
	if testing.Short() {
		t.Skip("skipping the AWS CLI test in -short mode")
	}
	cli, err := exec.LookPath("aws")
	if err != nil {
		t.Skip("the AWS CLI (aws) is not installed")
	}
	e := newEnv(t, "")
	home := t.TempDir()
	def, err := filepath.Abs("testdata/cli-machine.json")
	if err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) map[string]any {
		t.Helper()
		cmd := exec.Command(cli, append([]string{"--endpoint-url", e.url, "--output", "json", "stepfunctions"}, args...)...)
		// Dummy credentials; never the developer's own configuration.
		cmd.Env = append(environWithoutAWS(),
			"AWS_ACCESS_KEY_ID=test", "AWS_SECRET_ACCESS_KEY=test", "AWS_DEFAULT_REGION=us-east-1",
			"AWS_CONFIG_FILE="+filepath.Join(home, "config"), "AWS_SHARED_CREDENTIALS_FILE="+filepath.Join(home, "credentials"))
		out, err := cmd.Output()
		if err != nil {
			var stderr []byte
			if ee, ok := err.(*exec.ExitError); ok {
				stderr = ee.Stderr
			}
			t.Fatalf("aws %v: %v\n%s", args, err, stderr)
		}
		var v map[string]any
		if err := json.Unmarshal(out, &v); err != nil {
			t.Fatalf("aws %v: output %q: %v", args, out, err)
		}
		return v
	}

	created := run("create-state-machine", "--name", "CliMachine", "--definition", "file://"+def, "--role-arn", testRole)
	machine, _ := created["stateMachineArn"].(string)
	if machine != "arn:aws:states:us-east-1:000000000000:stateMachine:CliMachine" {
		t.Fatalf("create-state-machine = %v", created)
	}
	started := run("start-execution", "--state-machine-arn", machine, "--name", "cli-1", "--input", `{"n":21}`)
	execArn, _ := started["executionArn"].(string)
	var desc map[string]any
	for deadline := time.Now().Add(10 * time.Second); ; {
		desc = run("describe-execution", "--execution-arn", execArn)
		if desc["status"] != "RUNNING" || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if desc["status"] != "SUCCEEDED" || desc["output"] != `{"n":42}` {
		t.Fatalf("describe-execution = %v", desc)
	}
	history := run("get-execution-history", "--execution-arn", execArn)
	events, _ := history["events"].([]any)
	var got []string
	for _, ev := range events {
		got = append(got, ev.(map[string]any)["type"].(string))
	}
	want := []string{"ExecutionStarted", "PassStateEntered", "PassStateExited", "ChoiceStateEntered", "ChoiceStateExited", "SucceedStateEntered", "SucceedStateExited", "ExecutionSucceeded"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("get-execution-history types = %v, want %v", got, want)
	}
	entered := events[1].(map[string]any)["stateEnteredEventDetails"].(map[string]any)
	if entered["name"] != "Double" || entered["input"] != `{"n":21}` {
		t.Errorf("stateEnteredEventDetails = %v", entered)
	}
}

// environWithoutAWS is the environment minus every AWS_ variable.
func environWithoutAWS() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_") {
			env = append(env, kv)
		}
	}
	return env
}
