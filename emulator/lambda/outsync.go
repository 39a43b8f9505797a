package lambda

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"strconv"
	"sync"
	"time"
)

// pipes carries a process's stdout and stderr to its prefixWriters. The
// runtime keeps the write ends open beside the process's so that it can
// put a sync marker behind whatever the process wrote: once a process has
// answered an invocation, its lines are already in the pipes, and when the
// readers reach the marker every one of them has been delivered. That is
// what orders a function's last lines before Lambda's END line, and keeps
// them under the request they were written for, instead of racing the
// next hand-over.
type pipes struct {
	out, err [2]*os.File // [read, write]
	readers  sync.WaitGroup

	mu     sync.Mutex // serializes markers; guards closed
	closed bool
	seq    uint64

	waitMu sync.Mutex
	want   uint64
	seen   chan struct{} // one send per stream that reached marker want
}

// syncPrefix starts a marker line; it cannot be mistaken for output
// because a process's own line would have to contain a NUL and this text.
var syncPrefix = []byte("\x00shopstream-lambda-sync:")

// maxSyncWait bounds how long an END line waits for output (a process
// child holding the pipes, a reader stuck behind a slow Output).
const maxSyncWait = time.Second

// newPipes opens the two pipes; attach wires them to cmd.
func newPipes() (*pipes, error) {
	p := &pipes{seen: make(chan struct{}, 2)}
	var err error
	if p.out[0], p.out[1], err = os.Pipe(); err != nil {
		return nil, err
	}
	if p.err[0], p.err[1], err = os.Pipe(); err != nil {
		p.closeAll()
		return nil, err
	}
	return p, nil
}

func (p *pipes) closeAll() {
	for _, f := range []*os.File{p.out[0], p.out[1], p.err[0], p.err[1]} {
		if f != nil {
			_ = f.Close()
		}
	}
}

// start copies both pipes into their writers, which must have their
// control hook set to p.control.
func (p *pipes) start(stdout, stderr io.Writer) {
	p.readers.Add(2)
	for _, c := range []struct {
		r *os.File
		w io.Writer
	}{{p.out[0], stdout}, {p.err[0], stderr}} {
		go func() {
			defer p.readers.Done()
			_, _ = io.Copy(c.w, c.r)
		}()
	}
}

// control consumes a marker line (and emits, through emit, any partial
// line the process left before it). It reports whether line held one.
func (p *pipes) control(line []byte, emit func([]byte)) bool {
	i := bytes.Index(line, syncPrefix)
	if i < 0 {
		return false
	}
	if i > 0 {
		emit(line[:i])
	}
	n, err := strconv.ParseUint(string(bytes.TrimSuffix(line[i+len(syncPrefix):], []byte("\x00"))), 10, 64)
	p.waitMu.Lock()
	if err == nil && n == p.want {
		select {
		case p.seen <- struct{}{}:
		default:
		}
	}
	p.waitMu.Unlock()
	return true
}

// sync returns once everything the process wrote before the call has
// reached the writers, or after maxSyncWait.
func (p *pipes) sync() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return
	}
	p.seq++
	p.waitMu.Lock()
	p.want = p.seq
	for len(p.seen) > 0 { // left over from a sync that gave up
		<-p.seen
	}
	p.waitMu.Unlock()
	marker := fmt.Appendf(nil, "%s%d\x00\n", syncPrefix, p.seq)
	wrote := 0
	for _, w := range []*os.File{p.out[1], p.err[1]} {
		if _, err := w.Write(marker); err == nil {
			wrote++
		}
	}
	timer := time.NewTimer(maxSyncWait)
	defer timer.Stop()
	for ; wrote > 0; wrote-- {
		select {
		case <-p.seen:
		case <-timer.C:
			return
		}
	}
}

// finish runs once the process has exited: it closes the runtime's write
// ends so the readers reach EOF, and waits for them — at most maxSyncWait
// if a child of the process still holds the pipes, as exec.Cmd.WaitDelay
// would.
func (p *pipes) finish() {
	p.mu.Lock()
	p.closed = true
	_ = p.out[1].Close()
	_ = p.err[1].Close()
	p.mu.Unlock()
	done := make(chan struct{})
	go func() { p.readers.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(maxSyncWait):
		_ = p.out[0].Close() // unblocks the readers
		_ = p.err[0].Close()
		<-done
	}
	_ = p.out[0].Close()
	_ = p.err[0].Close()
}
