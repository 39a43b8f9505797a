package runtime_test

import (
	"context"
	"io"
	"testing"

	"github.com/shopstream/shopstream/emulator/runtime"
)

// BenchmarkStartWarm is a start-up when nothing changed (function binaries
// cached, state on disk) plus a clean stop: what `make run` costs after
// the first time, for the fixture stack.
func BenchmarkStartWarm(b *testing.B) {
	if testing.Short() {
		b.Skip("builds a function; skipped with -short")
	}
	cfg := runtime.Config{
		Assembly: "testdata/assembly",
		DataDir:  b.TempDir(),
		AWSAddr:  "127.0.0.1:0",
		APIAddr:  "127.0.0.1:0",
		Output:   io.Discard,
	}
	warm, err := runtime.Start(context.Background(), cfg) // build once
	if err != nil {
		b.Fatal(err)
	}
	if err := warm.Close(context.Background()); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		rt, err := runtime.Start(context.Background(), cfg)
		if err != nil {
			b.Fatal(err)
		}
		if err := rt.Close(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
}
