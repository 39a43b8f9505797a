// Package motoserver starts moto_server (the Python AWS emulator preinstalled
// on the development image) for tests that need a real AWS endpoint without
// an AWS account. Tests that call Start skip, naming what is missing, where
// moto_server is not installed.
package motoserver

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os/exec"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/shopstream/shopstream/internal/testutil/awstest"
)

// Binary is the executable Start looks for on PATH.
const Binary = "moto_server"

// startTimeout bounds how long Start waits for the server to answer; a cold
// Python start takes one to three seconds on a loaded machine.
const startTimeout = 30 * time.Second

// Start runs moto_server on a free 127.0.0.1 port and returns its endpoint,
// "http://127.0.0.1:PORT". The server is stopped in t.Cleanup. Start calls
// t.Skip when moto_server is not on PATH and t.Fatal when it does not come up.
//
// Each call starts a separate server (about a second); tests that need many
// tables should share one server per package and isolate by table name.
func Start(t testing.TB) string {
	t.Helper()
	path, err := exec.LookPath(Binary)
	if err != nil {
		t.Skipf("%s not found on PATH (pip install 'moto[server]' to run this test): %v", Binary, err)
	}
	// A port picked by the kernel can be taken by someone else before
	// moto_server binds it; try a few times before giving up.
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		endpoint, stop, err := launch(path)
		if err == nil {
			t.Cleanup(stop)
			return endpoint
		}
		lastErr = err
	}
	t.Fatalf("motoserver: start %s: %v", Binary, lastErr)
	return ""
}

// Config returns an aws.Config pointed at endpoint with dummy credentials;
// it is awstest.Config, repeated here so moto-based tests need one import.
func Config(endpoint string) aws.Config { return awstest.Config(endpoint) }

func launch(path string) (endpoint string, stop func(), err error) {
	port, err := freePort()
	if err != nil {
		return "", nil, err
	}
	var out syncBuffer
	cmd := exec.Command(path, "-H", "127.0.0.1", "-p", strconv.Itoa(port))
	cmd.Stdout = &out
	cmd.Stderr = &out
	setProcessGroup(cmd)
	if err := cmd.Start(); err != nil {
		return "", nil, err
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	stop = func() {
		killProcessGroup(cmd)
		select {
		case <-exited:
		case <-time.After(5 * time.Second):
		}
	}

	endpoint = "http://127.0.0.1:" + strconv.Itoa(port)
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	if err := waitReady(ctx, endpoint, exited); err != nil {
		stop()
		return "", nil, fmt.Errorf("%w; output:\n%s", err, out.String())
	}
	return endpoint, stop, nil
}

// waitReady polls endpoint until it answers HTTP, the process exits, or ctx
// ends.
func waitReady(ctx context.Context, endpoint string, exited <-chan struct{}) error {
	client := &http.Client{Timeout: time.Second}
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, endpoint+"/moto-api/", nil)
		if err != nil {
			return err
		}
		if resp, err := client.Do(req); err == nil {
			resp.Body.Close()
			return nil
		}
		select {
		case <-exited:
			return fmt.Errorf("%s exited before answering on %s", Binary, endpoint)
		case <-ctx.Done():
			return fmt.Errorf("%s did not answer on %s within %v", Binary, endpoint, startTimeout)
		case <-tick.C:
		}
	}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// syncBuffer collects the server's output for the failure message; the
// process writes to it from its own goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
