package e2e

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/shopstream/shopstream/emulator/dynamodb"
	"github.com/shopstream/shopstream/emulator/localtest"
)

// stackHandle is a running stack: its API base URL (with the stage and a
// trailing slash), its AWS endpoint ("" for AWS itself) and its outputs.
type stackHandle struct {
	APIURL  string
	AWSURL  string
	Outputs map[string]string

	cmd  *exec.Cmd
	done chan struct{}
	logs *localtest.SyncBuffer
	// quiet observes the local stack for waitQuiet; nil on a deployed one
	// or a bare one.
	quiet *quietState

	usersOnce sync.Once
	users     *users
	usersErr  error
}

var (
	shared     *stackHandle
	sharedErr  error
	sharedOnce sync.Once
	buildOnce  sync.Once
	binPath    string
	buildErr   error
)

// stack returns the stack shared by the tests that do not kill or
// reconfigure it.
func stack(t *testing.T) *stackHandle {
	t.Helper()
	if testing.Short() {
		t.Skip("e2e: needs Node and a running stack; skipped under -short")
	}
	sharedOnce.Do(func() {
		if url := os.Getenv("SHOPSTREAM_E2E_API_URL"); url != "" {
			shared = &stackHandle{APIURL: strings.TrimSuffix(url, "/") + "/", Outputs: map[string]string{}}
			return
		}
		shared, sharedErr = startRuntime(runtimeOptions{})
	})
	if sharedErr != nil {
		t.Fatalf("start local runtime: %v", sharedErr)
	}
	return shared
}

// localOnly skips tests that need to control the runtime process.
func localOnly(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("e2e: skipped under -short")
	}
	if os.Getenv("SHOPSTREAM_E2E_API_URL") != "" {
		t.Skip("e2e: this test controls the local runtime; skipped against a deployed stack")
	}
}

func TestMain(m *testing.M) {
	code := m.Run()
	if shared != nil && shared.cmd != nil {
		shared.stop()
	}
	os.Exit(code)
}

type runtimeOptions struct {
	dataDir     string   // "" means --in-memory
	extraArgs   []string // e.g. --function-env
	buildTags   string   // --build-tags, e.g. faultinject for lambdas/ordering's crash
	bare        bool     // no tap for waitQuiet: benchmarks measure the stack alone
	env         []string // extra KEY=VALUE for the runtime process
	assembly    string   // "" means the synthesized cdk.out
	apiAddr     string
	awsAddr     string
	timeScale   string
	readyWithin time.Duration
}

func moduleRoot() string {
	wd, _ := os.Getwd()
	return filepath.Clean(filepath.Join(wd, "..", ".."))
}

// build synthesizes the app (make synth: only when sources changed) and
// builds the runtime binary once per test run.
func build() (string, error) {
	buildOnce.Do(func() {
		root := moduleRoot()
		synth := exec.Command("make", "-s", "synth")
		synth.Dir = root
		if out, err := synth.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("make synth: %v\n%s", err, out)
			return
		}
		dir, err := os.MkdirTemp("", "shopstream-e2e-bin-")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "shopstream-local")
		// faultinject compiles in the runtime's test-only hooks (a token
		// clock set ahead, for expired tokens); they act only when their
		// variable is set.
		b := exec.Command("go", "build", "-tags", "faultinject", "-o", binPath, "./cmd/shopstream-local")
		b.Dir = root
		if out, err := b.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	return binPath, buildErr
}

var (
	apiLine = regexp.MustCompile(`^\s+api\s+(\S+)`)
	awsLine = regexp.MustCompile(`^\s+aws\s+(\S+)`)
	outLine = regexp.MustCompile(`^\s+output\s+(\S+)\s+=\s+(.*)$`)
)

func startRuntime(o runtimeOptions) (*stackHandle, error) {
	bin, err := build()
	if err != nil {
		return nil, err
	}
	args := []string{"--assembly", or(o.assembly, filepath.Join(moduleRoot(), "cdk.out")), "--log-level", "info"}
	if o.dataDir == "" {
		args = append(args, "--in-memory")
	} else {
		args = append(args, "--data", o.dataDir)
	}
	args = append(args, "--aws-addr", or(o.awsAddr, "127.0.0.1:0"), "--api-addr", or(o.apiAddr, "127.0.0.1:0"),
		"--time-scale", or(o.timeScale, "0.01"))
	if o.buildTags != "" {
		args = append(args, "--build-tags", o.buildTags)
	}
	args = append(args, o.extraArgs...)
	cmd := exec.Command(bin, args...)
	cmd.Dir = moduleRoot()
	cmd.Env = append(os.Environ(), o.env...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	logs := &localtest.SyncBuffer{}
	cmd.Stderr = logs
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	h := &stackHandle{cmd: cmd, done: make(chan struct{}), logs: logs, Outputs: map[string]string{}}
	ready := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		readied := false
		for sc.Scan() {
			line := sc.Text()
			logs.Write([]byte(line + "\n"))
			if readied {
				continue
			}
			switch {
			case apiLine.MatchString(line) && h.APIURL == "":
				h.APIURL = apiLine.FindStringSubmatch(line)[1]
			case awsLine.MatchString(line):
				h.AWSURL = awsLine.FindStringSubmatch(line)[1]
			case outLine.MatchString(line):
				m := outLine.FindStringSubmatch(line)
				h.Outputs[m[1]] = strings.TrimSpace(m[2])
			case strings.HasPrefix(line, "ready in"):
				readied = true
				close(ready)
			}
		}
	}()
	go func() { _ = cmd.Wait(); close(h.done) }()
	within := o.readyWithin
	if within == 0 {
		within = 5 * time.Minute // a cold build of every Lambda takes a while
	}
	select {
	case <-ready:
		if o.bare {
			return h, nil
		}
		if h.quiet, err = observeQuiet(h, o.dataDir); err != nil {
			h.stop()
			return nil, fmt.Errorf("%w\nruntime output:\n%s", err, logs.String())
		}
		return h, nil
	case <-h.done:
		return nil, fmt.Errorf("runtime exited before ready:\n%s", logs.String())
	case <-time.After(within):
		h.kill()
		return nil, fmt.Errorf("runtime not ready after %s:\n%s", within, logs.String())
	}
}

func or(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

// logOnFailure prints the runtime's output at the end of a failed test:
// what the functions and services said is the first thing to read.
func (h *stackHandle) logOnFailure(t *testing.T) {
	t.Cleanup(func() {
		if t.Failed() && h.logs != nil {
			t.Logf("runtime output:\n%s", h.logs.String())
		}
	})
}

// stop ends the runtime the way Ctrl-C does.
func (h *stackHandle) stop() {
	_ = h.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-h.done:
	case <-time.After(20 * time.Second):
		h.kill()
	}
}

// kill ends the runtime with SIGKILL: no shutdown code runs.
func (h *stackHandle) kill() {
	_ = h.cmd.Process.Kill()
	<-h.done
}

// client is a small JSON client for the REST API, signed in as user
// (its ID token in Authorization) unless token is "".
type client struct {
	t     testing.TB
	base  string
	user  string
	token string
}

// do sends a request and decodes the JSON answer into a map (nil for an
// empty body).
func (c *client) do(method, path string, body any, header ...string) (int, map[string]any) {
	c.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			c.t.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, c.base+strings.TrimPrefix(path, "/"), rd)
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if c.token != "" {
		req.Header.Set("Authorization", c.token)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	var out map[string]any
	if len(bytes.TrimSpace(raw)) > 0 {
		if err := json.Unmarshal(raw, &out); err != nil {
			c.t.Fatalf("%s %s: %d %q is not a JSON object", method, path, res.StatusCode, raw)
		}
	}
	return res.StatusCode, out
}

// must is do that fails the test unless the status is want.
func (c *client) must(want int, method, path string, body any, header ...string) map[string]any {
	c.t.Helper()
	code, out := c.do(method, path, body, header...)
	if code != want {
		c.t.Fatalf("%s %s: %d %v, want %d", method, path, code, out, want)
	}
	return out
}

// eventually polls f until it returns true or the deadline passes.
func eventually(t testing.TB, within time.Duration, what string, f func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !f() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %s", what, within)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// unique returns a name no other test uses on the shared stack.
func unique(t testing.TB, prefix string) string {
	return fmt.Sprintf("%s-%d", prefix, time.Now().UnixNano())
}

// consumedWriteUnits reads the local DynamoDB's running total of write
// capacity units consumed (computed as AWS bills them) across all tables.
func (h *stackHandle) consumedWriteUnits() (float64, error) {
	u, err := h.consumedUnits()
	return u.WriteUnits, err
}

// consumedUnits reads the local DynamoDB's running totals of read and
// write capacity units consumed, as AWS bills them, across all tables.
func (h *stackHandle) consumedUnits() (dynamodb.Units, error) {
	if h.AWSURL == "" {
		return dynamodb.Units{}, fmt.Errorf("only the local runtime reports consumed capacity")
	}
	res, err := http.Get(strings.TrimSuffix(h.AWSURL, "/") + dynamodb.CapacityPath)
	if err != nil {
		return dynamodb.Units{}, err
	}
	defer res.Body.Close()
	var out dynamodb.Units
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil {
		return dynamodb.Units{}, fmt.Errorf("capacity endpoint: %w", err)
	}
	return out, nil
}
