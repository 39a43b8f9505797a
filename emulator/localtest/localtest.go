// Package localtest holds the test helpers the local-runtime service
// packages share: an ephemeral state store, an AWS JSON endpoint on an
// httptest server, the module root (where Lambda packages are built from),
// a build cache kept for one test run, and a goroutine-safe output buffer.
// Only tests import it.
package localtest

import (
	"bytes"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/shopstream/shopstream/emulator/awsapi"
	"github.com/shopstream/shopstream/emulator/state"
)

// OpenDB opens the state store in dir ("" for an ephemeral one), closed
// when the test ends, after the cleanups registered later (such as the
// services' own Close, which may still write to it).
func OpenDB(t testing.TB, dir string) *state.DB {
	t.Helper()
	db, err := state.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// Serve starts an awsapi.Server on an httptest server and returns both
// the server (for services to Register on) and its base URL. The HTTP
// server is closed when the test ends, after the cleanups registered
// later (such as the services' own Close).
func Serve(t testing.TB) (*awsapi.Server, string) {
	t.Helper()
	srv := awsapi.New(nil)
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	return srv, hs.URL
}

// ModuleRoot is the directory of go.mod above the test's working
// directory: the root that Lambda package paths such as "./lambdas/x"
// are relative to.
func ModuleRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("go.mod not found above the test directory")
		}
		dir = parent
	}
}

// MainWithTempDir runs m's tests with *dir set to a new temporary
// directory, removed after the run, and exits with their status. A
// package's TestMain uses it for a Lambda build cache that all its tests
// share, so each test function is built once per run.
func MainWithTempDir(m *testing.M, dir *string) {
	d, err := os.MkdirTemp("", "localtest-*")
	if err != nil {
		panic(err)
	}
	*dir = d
	code := m.Run()
	_ = os.RemoveAll(d)
	os.Exit(code)
}

// SyncBuffer collects output written from several goroutines, such as a
// Lambda function's logs.
type SyncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *SyncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// String returns everything written so far.
func (s *SyncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
