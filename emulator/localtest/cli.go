package localtest

import (
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// AWSCLI returns a function that runs the AWS CLI against endpoint and
// decodes its JSON output (an empty output is an empty map); a failing
// command fails the test with the CLI's stderr. The test is skipped under
// -short and when aws is not on PATH. The CLI gets dummy credentials and
// none of the developer's AWS_ variables or configuration files.
func AWSCLI(t testing.TB, endpoint string) func(args ...string) map[string]any {
	t.Helper()
	if testing.Short() {
		t.Skip("runs the AWS CLI; skipped under -short")
	}
	bin, err := exec.LookPath("aws")
	if err != nil {
		t.Skipf("aws (AWS CLI) not found on PATH: %v", err)
	}
	home := t.TempDir()
	env := []string{
		"AWS_ACCESS_KEY_ID=test", "AWS_SECRET_ACCESS_KEY=test", "AWS_DEFAULT_REGION=us-east-1", "AWS_PAGER=",
		"AWS_CONFIG_FILE=" + filepath.Join(home, "config"), "AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(home, "credentials"),
	}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_") {
			env = append(env, kv)
		}
	}
	return func(args ...string) map[string]any {
		t.Helper()
		cmd := exec.Command(bin, append([]string{"--endpoint-url", endpoint, "--output", "json"}, args...)...)
		cmd.Env = env
		out, err := cmd.Output()
		if err != nil {
			var stderr []byte
			if ee := (*exec.ExitError)(nil); errors.As(err, &ee) {
				stderr = ee.Stderr
			}
			t.Fatalf("aws %s: %v\n%s", strings.Join(args, " "), err, stderr)
		}
		m := map[string]any{}
		if len(strings.TrimSpace(string(out))) > 0 {
			if err := json.Unmarshal(out, &m); err != nil {
				t.Fatalf("aws %s: output is not a JSON object: %s", strings.Join(args, " "), out)
			}
		}
		return m
	}
}
