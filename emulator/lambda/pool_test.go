package lambda

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// processes returns the pids of fn's processes.
func (fn *function) processes() map[int]bool {
	fn.mu.Lock()
	defer fn.mu.Unlock()
	pids := map[int]bool{}
	for sb := range fn.all {
		pids[sb.cmd.Process.Pid] = true
	}
	return pids
}

func TestInvocationsBeyondTheCapWaitForAProcess(t *testing.T) {
	const limit = 2
	s, _ := newService(t, Config{MaxWarmPerFunction: limit})
	addFunction(t, s, "capped-fn", nil)
	fn := s.fns["capped-fn"]

	release := filepath.Join(t.TempDir(), "release")
	busy := make(chan struct{}, limit)
	for range limit {
		go func() {
			// Each holds its process until the test releases them.
			invoke(t, s, "capped-fn", map[string]any{"op": "hold", "file": release})
			busy <- struct{}{}
		}()
	}
	waitUntil(t, "every process busy", func() bool { return len(fn.slots) == limit && len(fn.processes()) == limit })

	// With every slot taken, an invocation whose context ends waits for
	// nothing and starts nothing.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.Invoke(ctx, "capped-fn", []byte(`{"op":"pid"}`)); !errors.Is(err, context.Canceled) {
		t.Errorf("queued invocation with an ended context: err = %v, want context.Canceled", err)
	}

	extra := make(chan int, 1)
	go func() {
		var out struct{ PID int }
		_ = json.Unmarshal(invoke(t, s, "capped-fn", map[string]any{"op": "pid"}).Payload, &out)
		extra <- out.PID
	}()
	// It queues: it has not run and no process started for it while both
	// invocations hold theirs.
	waitUntil(t, "the extra invocation queued", func() bool { return fn.waiting.Load() == 1 })
	select {
	case pid := <-extra:
		t.Fatalf("the invocation beyond the cap ran (pid %d) while every process was busy", pid)
	default:
	}
	if n := len(fn.processes()); n != limit {
		t.Fatalf("%d processes while one invocation waits, want %d", n, limit)
	}
	if err := os.WriteFile(release, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	var pid int
	select {
	case pid = <-extra:
	case <-time.After(10 * time.Second):
		t.Fatal("the invocation beyond the cap never ran")
	}
	for range limit {
		select {
		case <-busy:
		case <-time.After(10 * time.Second):
			t.Fatal("held invocations not released")
		}
	}
	// It ran on one of the capped processes once one was free: no third
	// process was started (idle ones are kept far longer than this test).
	procs := fn.processes()
	if len(procs) != limit || !procs[pid] {
		t.Errorf("processes %v after %d+1 concurrent invocations, want %d, the extra one (pid %d) on one of them", procs, limit, limit, pid)
	}
}

func TestIdleProcessesBeyondTheKeptOnesStopSooner(t *testing.T) {
	s, _ := newService(t, Config{MaxWarmPerFunction: 3, MaxIdlePerFunction: 1, ExcessIdleTimeout: 50 * time.Millisecond})
	addFunction(t, s, "burst-fn", nil)
	fn := s.fns["burst-fn"]
	done := make(chan struct{}, 3)
	for range 3 {
		go func() {
			invoke(t, s, "burst-fn", map[string]any{"op": "sleep", "ms": 300})
			done <- struct{}{}
		}()
	}
	waitUntil(t, "three processes for the burst", func() bool { return len(fn.processes()) == 3 })
	for range 3 {
		<-done
	}
	burst := fn.processes()
	waitUntil(t, "the burst's extra processes stopped", func() bool { return len(fn.processes()) == 1 })
	for pid := range burst {
		if fn.processes()[pid] {
			continue
		}
		waitUntil(t, "stopped process exited", func() bool {
			p, err := os.FindProcess(pid)
			return err != nil || p.Signal(syscall.Signal(0)) != nil
		})
	}
	// The kept one still serves, warm.
	kept := fn.processes()
	if pid := pidOf(t, s, "burst-fn"); !kept[pid] {
		t.Errorf("invocation after the burst ran on pid %d, want the kept process %v", pid, kept)
	}
}
