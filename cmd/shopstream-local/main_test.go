package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestSIGTERMStopsCleanly runs the built command on a fixture stack, calls
// its API (starting a function process), sends SIGTERM and checks that the
// command exits 0 and the function process is gone.
func TestSIGTERMStopsCleanly(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the command; skipped with -short")
	}
	bin := filepath.Join(t.TempDir(), "shopstream-local")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	cmd := exec.Command(bin, "--assembly", "testdata/assembly", "--in-memory",
		"--aws-addr", "127.0.0.1:0", "--api-addr", "127.0.0.1:0", "--log-level", "warn")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill() })

	// Read the banner up to the ready line, keeping the API URL.
	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	var apiURL string
	timeout := time.After(60 * time.Second)
wait:
	for {
		select {
		case line, ok := <-lines:
			if !ok {
				t.Fatalf("exited before ready; stderr:\n%s", stderr.String())
			}
			if f := strings.Fields(line); len(f) >= 2 && f[0] == "api" {
				apiURL = f[1]
			}
			if strings.HasPrefix(line, "ready in ") {
				break wait
			}
		case <-timeout:
			t.Fatalf("no ready line within 60s; stderr:\n%s", stderr.String())
		}
	}
	if !strings.HasSuffix(apiURL, "/local/") {
		t.Fatalf("banner API URL %q, want the stage /local/", apiURL)
	}

	resp, err := http.Get(apiURL)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var out struct{ PID int }
	if err := json.Unmarshal(raw, &out); err != nil || out.PID == 0 {
		t.Fatalf("GET %s = %d %q, want the function's pid", apiURL, resp.StatusCode, raw)
	}

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	go func() {
		for range lines { // drain the rest ("stopping")
		}
	}()
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("exit: %v; stderr:\n%s", err, stderr.String())
		}
	case <-time.After(15 * time.Second):
		t.Fatal("still running 15s after SIGTERM")
	}
	if err := syscall.Kill(out.PID, 0); !errors.Is(err, syscall.ESRCH) {
		t.Errorf("function process %d still exists after stop (kill -0: %v)", out.PID, err)
	}
}

func TestFlagErrors(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--log-level", "loud"}, `--log-level: "loud"`},
		{[]string{"--time-scale", "0"}, "--time-scale: 0 must be greater than 0"},
		{[]string{"--param", "novalue"}, "want Name=Value"},
		{[]string{"--execution-retention", "0s"}, "--execution-retention: 0s must be greater than 0"},
		{[]string{"--max-warm-per-function", "0"}, "--max-warm-per-function: 0 must be at least 1"},
		{[]string{"--pprof", "0.0.0.0:6060"}, "--pprof: 0.0.0.0:6060 is not a loopback address"},
		{[]string{"extra"}, `unexpected arguments ["extra"]`},
		{[]string{"--function-env", "ordering=X"}, "want function:KEY=VALUE"},
		{[]string{"--function-env", "ordering:X"}, "want function:KEY=VALUE"},
		{[]string{"--assembly", "testdata/assembly", "--in-memory", "--function-env", "nope:A=1"}, "no function named nope (functions: pidfn)"},
		{[]string{"--assembly", os.DevNull + "/none", "--in-memory"}, "manifest.json"},
	}
	for _, tt := range tests {
		err := run(tt.args)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("run(%q) = %v, want an error containing %q", tt.args, err, tt.want)
		}
	}
}
