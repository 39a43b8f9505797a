package localtest_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/shopstream/shopstream/emulator/awsapi"
	"github.com/shopstream/shopstream/emulator/localtest"
)

func TestModuleRoot(t *testing.T) {
	root := localtest.ModuleRoot(t)
	raw, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(raw), "module github.com/shopstream/shopstream") {
		t.Errorf("%s/go.mod is not this module's", root)
	}
}

func TestSyncBufferConcurrentWrites(t *testing.T) {
	var b localtest.SyncBuffer
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 100 {
				b.Write([]byte("x"))
			}
		}()
	}
	wg.Wait()
	if n := len(b.String()); n != 800 {
		t.Errorf("len = %d, want 800", n)
	}
}

func TestServeAndOpenDB(t *testing.T) {
	db := localtest.OpenDB(t, "")
	if db == nil {
		t.Fatal("OpenDB returned nil")
	}
	srv, url := localtest.Serve(t)
	if !strings.HasPrefix(url, "http://127.0.0.1:") {
		t.Errorf("url = %q, want a loopback http URL", url)
	}
	// An unregistered target is an awsapi error, which shows the server
	// answers in-process.
	if _, err := srv.Call(context.Background(), "Nope_20000101.Op", []byte(`{}`)); err == nil {
		t.Error("call to an unregistered target succeeded")
	} else if ae := (*awsapi.Error)(nil); !errors.As(err, &ae) {
		t.Errorf("err = %T %v, want *awsapi.Error", err, err)
	}
}
