package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shopstream/shopstream/emulator/localtest"
)

// awsOnly marks a runbook block the local runtime does not serve: the
// paragraph introducing it says "**On AWS**".
const awsOnly = "**On AWS**"

// TestRunbookLocally runs docs/runbook.md's commands as an operator would
// against `make run`: from the repository's root (here: a directory that
// links to the module's files and holds the runtime's .data/local), in a
// shell with nothing but PATH and HOME, every sh block in order except
// those introduced as **On AWS**. The stack has had a checkout and holds a
// poison message in the order dead-letter queue, so the commands find
// something: the message is shown, its errors are in the ordering
// function's log, and the redrive puts it back on the order queue.
func TestRunbookLocally(t *testing.T) {
	localOnly(t)
	for _, tool := range []string{"aws", "jq", "go"} {
		if _, err := exec.LookPath(tool); err != nil {
			if tool == "aws" {
				t.Skipf("aws (AWS CLI) not found on PATH: %v", err)
			}
			t.Fatalf("%s not found on PATH: the runbook needs it: %v", tool, err)
		}
	}
	var script []string
	selected := 0
	for _, b := range docBlocks(t, "docs/runbook.md", "## Before you start", true) {
		if strings.Contains(b.intro, awsOnly) {
			continue
		}
		script = append(script, b.code)
		selected++
	}
	if selected < 15 {
		t.Fatalf("only %d runbook blocks run locally; the markers (%q) are probably wrong", selected, awsOnly)
	}

	root := repoView(t)
	h, err := startRuntime(runtimeOptions{dataDir: filepath.Join(root, ".data", "local"), bare: true})
	if err != nil {
		t.Fatal(err)
	}
	defer h.stop()
	h.logOnFailure(t)

	// A poison message: an event whose detail is no BasketCheckedOut. The
	// ordering function fails it until SQS dead-letters it (below).
	cli := localtest.AWSCLI(t, h.AWSURL)
	poison := unique(t, "poison")
	cli("sqs", "send-message", "--queue-url", h.Outputs["OrderQueueUrl"], "--message-body",
		`{"id":"`+poison+`","time":"2026-12-07T04:00:00Z","source":"shopstream.basket","detail-type":"BasketCheckedOut","detail":"not an event"}`)
	// Meanwhile a checkout, for the commands that look at a basket and an
	// execution.
	admin := h.client(t)
	user := unique(t, "runbook")
	u := h.as(t, user)
	mug := admin.createProduct("Mug", 1250, 5)
	u.setBasket(user, map[string]int{mug: 1})
	checkout := u.checkout(user, cardApproved)
	if st := u.waitCheckout(checkout); st["status"] != "SUCCEEDED" {
		t.Fatalf("checkout: %v", st)
	}
	execution := strings.Replace(h.Outputs["CheckoutStateMachineArn"], ":stateMachine:", ":execution:", 1) + ":" + checkout

	// The poison message reaches the DLQ and OrderDLQNotEmpty fires (the
	// runtime evaluates alarms every scaled minute).
	eventually(t, time.Minute, "the poison message in the order DLQ", func() bool {
		out := cli("sqs", "get-queue-attributes", "--queue-url", h.Outputs["OrderDLQUrl"], "--attribute-names", "ApproximateNumberOfMessages")
		return out["Attributes"].(map[string]any)["ApproximateNumberOfMessages"] == "1"
	})
	eventually(t, time.Minute, "OrderDLQNotEmpty in ALARM", func() bool {
		out := cli("cloudwatch", "describe-alarms", "--state-value", "ALARM")
		alarms, _ := out["MetricAlarms"].([]any)
		for _, a := range alarms {
			if strings.Contains(a.(map[string]any)["AlarmName"].(string), "OrderDLQNotEmpty") {
				return true
			}
		}
		return false
	})

	// The operator's choices the runbook leaves to them: the basket's
	// stream and an execution to look at.
	preamble := "set -euo pipefail\nSTREAM=basket-" + user + "\nEXECUTION_ARN=" + execution + "\n"
	out := runDocScript(t, root, "runbook", preamble+strings.Join(script, "\n"))
	for _, want := range []string{
		"OrderDLQNotEmpty",           // the alarm in ALARM
		`to ALARM"`,                  // its history: a state change into ALARM
		`"id": "` + poison + `"`,     // the DLQ message, shown by jq
		"decode detail of " + poison, // its error in the ordering function's log
		"BasketCheckedOut v1",        // the basket's history
		"SUCCEEDED",                  // the execution described
		"COMPLETED\t1\t1\tNone",      // the redrive moved the message
		"0 differences",              // verify
	} {
		if !strings.Contains(out, want) {
			t.Errorf("runbook output lacks %q", want)
		}
	}
	// The message failed maxReceiveCount (5) times before it was
	// dead-lettered: both searches of the function's log (ERROR or WARN
	// records, the "order not placed" phrase) find each failure.
	if n := strings.Count(out, "decode detail of "+poison); n < 2*5 {
		t.Errorf("the log searches found %d failures of %s, want 5 each", n, poison)
	}
	// The redrive put the message back on the order queue: the ordering
	// function receives it again (and, still poisoned, fails it again).
	eventually(t, time.Minute, "the poison message back in the order queue", func() bool {
		out := cli("logs", "filter-log-events", "--log-group-name", orderingLogGroup(t, cli), "--filter-pattern", `"decode detail of `+poison+`"`)
		evs, _ := out["events"].([]any)
		return len(evs) > 5 // maxReceiveCount (5) failures before the redrive, more after
	})

	// The README's Operations commands, as written, against the same stack
	// (the alarm is still in ALARM: alarms are evaluated once a minute).
	ops := runDocScript(t, root, "README Operations", "set -euo pipefail\n"+strings.Join(readmeBlocks(t, "## Operations"), "\n"))
	for _, want := range []string{"OrderDLQNotEmpty", "/aws/vendedlogs/states/", `\"type\":\"ExecutionSucceeded\"`} {
		if !strings.Contains(ops, want) {
			t.Errorf("README Operations output lacks %q", want)
		}
	}
}

// runDocScript runs a documentation script (docScript) and returns its
// output; a non-zero exit fails the test.
func runDocScript(t *testing.T, root, what, script string) string {
	t.Helper()
	out, err := docScript(t, root, script)
	t.Logf("%s output:\n%s", what, out)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	return out
}

// docScript runs a documentation script with bash in root, from a clean
// environment as a reader's new shell would be (no AWS configuration or
// credentials of the developer's; the Go toolchain's settings for go run),
// and returns its output and exit error.
func docScript(t *testing.T, root, script string) (string, error) {
	t.Helper()
	cmd := exec.Command("bash", "-c", script)
	cmd.Dir = root
	cfg := t.TempDir()
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"),
		"AWS_CONFIG_FILE=" + filepath.Join(cfg, "config"), "AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(cfg, "credentials"), "AWS_PAGER="}
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); k == "GOCACHE" || k == "GOMODCACHE" || k == "GOPATH" || k == "GOFLAGS" || k == "GOTOOLCHAIN" || k == "GOPROXY" {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// orderingLogGroup is the ordering function's log group, as the runbook
// finds it.
func orderingLogGroup(t *testing.T, cli func(...string) map[string]any) string {
	t.Helper()
	for _, f := range cli("lambda", "list-functions")["Functions"].([]any) {
		fn := f.(map[string]any)
		if strings.Contains(fn["FunctionName"].(string), "ordering") {
			return fn["LoggingConfig"].(map[string]any)["LogGroup"].(string)
		}
	}
	t.Fatal("no ordering function")
	return ""
}

// repoView returns a new directory that looks like the repository's root
// to the runbook's commands (go run ./cmd/..., .data/local/stack.env): a
// link to each of the module's top-level files and directories, and an
// empty .data for the runtime's data directory.
func repoView(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	entries, err := os.ReadDir(moduleRoot())
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.Name() == ".data" || e.Name() == ".git" {
			continue
		}
		if err := os.Symlink(filepath.Join(moduleRoot(), e.Name()), filepath.Join(dir, e.Name())); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}
