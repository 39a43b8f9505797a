package stepfunctions

import (
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/shopstream/shopstream/emulator/localtest"
)

// TestAWSCLI drives the service with the AWS CLI, as a user would: it
// creates a state machine from a definition file, starts it and reads its
// history through the endpoint.
func TestAWSCLI(t *testing.T) {
	e := newEnv(t, "")
	cli := localtest.AWSCLI(t, e.url)
	run := func(args ...string) map[string]any {
		t.Helper()
		return cli(append([]string{"stepfunctions"}, args...)...)
	}
	def, err := filepath.Abs("testdata/cli-machine.json")
	if err != nil {
		t.Fatal(err)
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
