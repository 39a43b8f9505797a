package lambda

import (
	"bytes"
	"io"
	"sync"
)

// output serialises function log lines onto one writer, each prefixed with
// the function name, so concurrent processes never interleave mid-line.
type output struct {
	mu sync.Mutex
	w  io.Writer
}

// writer returns a line splitter for one process stream; tee, if set,
// also gets every line (without prefix), for the Invoke API's log tail.
func (o *output) writer(name string, tee func(line []byte)) *prefixWriter {
	return &prefixWriter{out: o, prefix: []byte("[" + name + "] "), tee: tee}
}

func (o *output) line(prefix, line []byte) {
	o.mu.Lock()
	defer o.mu.Unlock()
	buf := make([]byte, 0, len(prefix)+len(line)+1)
	buf = append(append(append(buf, prefix...), line...), '\n')
	_, _ = o.w.Write(buf)
}

// prefixWriter splits a process's output into lines. A partial last line
// is held until its newline arrives or the process exits (flush).
type prefixWriter struct {
	out    *output
	prefix []byte
	tee    func(line []byte)
	// control, if set, may consume a line the runtime itself put in the
	// stream (see pipes.control) instead of it being emitted.
	control func(line []byte, emit func([]byte)) bool
	mu      sync.Mutex
	buf     []byte
}

// maxLine bounds a held partial line; longer lines are emitted in pieces.
const maxLine = 64 << 10

func (p *prefixWriter) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.buf = append(p.buf, b...)
	for {
		i := bytes.IndexByte(p.buf, '\n')
		if i < 0 {
			break
		}
		p.emit(bytes.TrimSuffix(p.buf[:i], []byte("\r")))
		p.buf = p.buf[i+1:]
	}
	if len(p.buf) > maxLine {
		p.emit(p.buf)
		p.buf = nil
	}
	return len(b), nil
}

func (p *prefixWriter) flush() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.buf) > 0 {
		p.emit(p.buf)
		p.buf = nil
	}
}

func (p *prefixWriter) emit(line []byte) {
	if p.control != nil && p.control(line, p.emitLine) {
		return
	}
	p.emitLine(line)
}

func (p *prefixWriter) emitLine(line []byte) {
	p.out.line(p.prefix, line)
	if p.tee != nil {
		p.tee(line)
	}
}
