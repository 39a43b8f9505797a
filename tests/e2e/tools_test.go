package e2e

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// buildAudit builds shopstream-audit into a test directory.
func buildAudit(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "shopstream-audit")
	b := exec.Command("go", "build", "-o", bin, "./cmd/shopstream-audit")
	b.Dir = moduleRoot()
	if out, err := b.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// TestAuditFromEnvFileAlone runs shopstream-audit as from a fresh shell:
// no AWS_* variables and an empty HOME, so the endpoint, region and
// credentials can only come from the runtime's stack.env.
func TestAuditFromEnvFileAlone(t *testing.T) {
	localOnly(t)
	dir := t.TempDir()
	h, err := startRuntime(runtimeOptions{dataDir: dir, bare: true})
	if err != nil {
		t.Fatal(err)
	}
	defer h.stop()
	h.logOnFailure(t)
	mug := h.client(t).createProduct("audit-mug", 1200, 3)
	bin := buildAudit(t)
	home := t.TempDir()
	audit := func(args ...string) (string, error) {
		cmd := exec.Command(bin, append([]string{"-env-file", filepath.Join(dir, "stack.env")}, args...)...)
		cmd.Env = []string{"HOME=" + home, "PATH=" + os.Getenv("PATH")}
		cmd.Dir = home
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		err := cmd.Run()
		return out.String(), err
	}

	out, err := audit("history", "product-"+mug)
	if err != nil || !strings.Contains(out, "ProductCreated") {
		t.Fatalf("history: %v\n%s", err, out)
	}
	// The read models follow the events asynchronously: verify may see
	// drift until the projections catch up.
	untilNoDrift(t, "verify", 30*time.Second, func() (string, error) { return audit("verify") })
}

// untilNoDrift runs run, which ends with shopstream-audit verify, until it
// exits 0 and returns its output. The read models follow the events
// asynchronously, so verify's exit 3 (drift) means "not yet" until within
// has passed; any other failure ends the test at once.
func untilNoDrift(t *testing.T, what string, within time.Duration, run func() (string, error)) string {
	t.Helper()
	for deadline := time.Now().Add(within); ; time.Sleep(200 * time.Millisecond) {
		out, err := run()
		if err == nil {
			return out
		}
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() != 3 || time.Now().After(deadline) {
			t.Fatalf("%s: %v\n%s", what, err, out)
		}
	}
}

// runSecond runs the runtime binary on dir and returns its output and how
// long it took to exit.
func runSecond(t *testing.T, dir string) (string, time.Duration) {
	t.Helper()
	bin, err := build()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "--assembly", filepath.Join(moduleRoot(), "cdk.out"), "--data", dir,
		"--aws-addr", "127.0.0.1:0", "--api-addr", "127.0.0.1:0")
	cmd.Dir = moduleRoot()
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err = <-done:
	case <-time.After(30 * time.Second):
		_ = cmd.Process.Kill()
		<-done
		t.Fatalf("second runtime still running after 30s:\n%s", out.String())
	}
	took := time.Since(start)
	if err == nil {
		t.Fatalf("second runtime exited 0:\n%s", out.String())
	}
	return out.String(), took
}

func TestSecondRuntimeOnSameDataDir(t *testing.T) {
	localOnly(t)
	dir := t.TempDir()
	h, err := startRuntime(runtimeOptions{dataDir: dir, bare: true})
	if err != nil {
		t.Fatal(err)
	}
	defer h.stop()
	out, took := runSecond(t, dir)
	want := fmt.Sprintf("data directory %s in use by pid %d", dir, h.cmd.Process.Pid)
	if !strings.Contains(out, want) {
		t.Errorf("output = %q, want %q", out, want)
	}
	if took > 2*time.Second {
		t.Errorf("second runtime took %v to give up, want at most 2s", took)
	}
}

func TestRuntimeOnEmptiedStateFile(t *testing.T) {
	localOnly(t)
	dir := t.TempDir()
	h, err := startRuntime(runtimeOptions{dataDir: dir, bare: true})
	if err != nil {
		t.Fatal(err)
	}
	h.stop()
	path := filepath.Join(dir, "state.db")
	if err := os.Truncate(path, 0); err != nil {
		t.Fatal(err)
	}
	out, _ := runSecond(t, dir)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 1 || !strings.Contains(lines[0], path+" is empty") {
		t.Errorf("output = %q, want one line naming %s", out, path)
	}
	if fi, err := os.Stat(path); err != nil || fi.Size() != 0 {
		t.Errorf("the emptied state file was touched: %v %v", fi, err)
	}
}
