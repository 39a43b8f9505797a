package lambda

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/shopstream/shopstream/emulator/telemetry"
)

// maxPayload is Lambda's synchronous request and response size limit.
const maxPayload = 6 << 20

// invocation is one request travelling from Invoke to a sandbox and back.
type invocation struct {
	id      string
	payload []byte
	tail    bool // capture the log tail (Invoke API, LogType Tail)
	// started is when the process took it (zero until then); guarded by
	// the sandbox's mu.
	started time.Time
	// done receives exactly one result: from /response, /error, the
	// process exiting, or a timeout.
	done chan result
	once sync.Once
}

// result is an invocation outcome; functionError is "" on success.
type result struct {
	payload       []byte
	functionError string
	status        string // for the log line: ok, error, timeout, crash, init-error
	logs          []byte // the output tail, if the invocation asked for it
}

func (inv *invocation) finish(r result) {
	inv.once.Do(func() { inv.done <- r })
}

// sandbox is one function process and the Runtime API it talks to. Each
// process gets its own listener, so the server always knows which process
// asked for work and which invocation a crash interrupts.
type sandbox struct {
	fn  *function
	cmd *exec.Cmd
	srv *http.Server

	next      chan *invocation // handed to the process's pending GET /next
	firstNext chan struct{}    // closed on the first GET /next (init done)
	nextOnce  sync.Once
	initErr   chan []byte   // body of POST /init/error
	exited    chan struct{} // closed when the process has exited
	exitErr   error         // valid after exited is closed
	stdout    *prefixWriter
	stderr    *prefixWriter
	pipes     *pipes

	idleSince time.Time // guarded by the function's mu
	// served counts the invocations handed to this process; only the
	// invoker holding the sandbox (between acquire and release) touches it.
	served int

	// sink, stream and now: where the process's lines and Lambda's own
	// go (see logs.go); one stream per process, as AWS names them.
	sink    telemetry.Logs
	stream  string
	now     func() time.Time
	spawned time.Time

	mu      sync.Mutex
	current *invocation
	// requestID is the invocation the process serves, from hand-over
	// until the next one: the lines it writes belong to it.
	requestID string
	// initDuration is spawn to the first GET /next.
	initDuration time.Duration
	// logs collects the output of the current invocation, for the Invoke
	// API's LogType Tail; nil when nobody asked.
	logs *bytes.Buffer
}

// maxTail is how much log output Invoke returns with LogType Tail.
const maxTail = 4 << 10

func (sb *sandbox) capture(line []byte) {
	sb.mu.Lock()
	defer sb.mu.Unlock()
	if sb.logs == nil {
		return
	}
	sb.logs.Write(line)
	sb.logs.WriteByte('\n')
	if sb.logs.Len() > 4*maxTail { // keep the tail only
		tail := append([]byte(nil), sb.logs.Bytes()[sb.logs.Len()-maxTail:]...)
		sb.logs.Reset()
		sb.logs.Write(tail)
	}
}

// startCapture and stopCapture bracket an invocation whose log tail is
// wanted; stopCapture returns the last 4 KB.
func (sb *sandbox) startCapture() {
	sb.mu.Lock()
	defer sb.mu.Unlock()
	sb.logs = &bytes.Buffer{}
}

func (sb *sandbox) stopCapture() []byte {
	sb.mu.Lock()
	defer sb.mu.Unlock()
	if sb.logs == nil {
		return nil
	}
	b := sb.logs.Bytes()
	sb.logs = nil
	if len(b) > maxTail {
		b = b[len(b)-maxTail:]
	}
	return b
}

// spawn starts a process for fn with its own Runtime API listener.
func spawn(fn *function, s *Service) (*sandbox, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("lambda %s: runtime api listener: %w", fn.name, err)
	}
	sb := &sandbox{
		fn:        fn,
		next:      make(chan *invocation),
		firstNext: make(chan struct{}),
		initErr:   make(chan []byte, 1),
		exited:    make(chan struct{}),
		stream:    logStreamName(s.cfg.Now()),
		now:       s.cfg.Now,
		spawned:   s.cfg.Now(),
	}
	sb.sink = s.logSink(fn, sb.stream)
	if sb.pipes, err = newPipes(); err != nil {
		_ = ln.Close()
		return nil, fmt.Errorf("lambda %s: output pipes: %w", fn.name, err)
	}
	sb.stdout = s.out.writer(fn.name, sb.onLine)
	sb.stderr = s.out.writer(fn.name, sb.onLine)
	sb.stdout.control, sb.stderr.control = sb.pipes.control, sb.pipes.control
	mux := http.NewServeMux()
	mux.HandleFunc("GET /2018-06-01/runtime/invocation/next", sb.serveNext)
	mux.HandleFunc("POST /2018-06-01/runtime/invocation/{id}/response", sb.serveResponse)
	mux.HandleFunc("POST /2018-06-01/runtime/invocation/{id}/error", sb.serveError)
	mux.HandleFunc("POST /2018-06-01/runtime/init/error", sb.serveInitError)
	sb.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = sb.srv.Serve(ln) }()

	cmd := exec.Command(fn.binary)
	cmd.Dir = filepath.Dir(fn.binary)
	cmd.Env = append(fn.environ(s.cfg), "AWS_LAMBDA_RUNTIME_API="+ln.Addr().String(),
		"AWS_LAMBDA_LOG_STREAM_NAME="+sb.stream)
	cmd.Stdout = sb.pipes.out[1]
	cmd.Stderr = sb.pipes.err[1]
	setProcessGroup(cmd)
	if err := cmd.Start(); err != nil {
		_ = sb.srv.Close()
		sb.pipes.closeAll()
		return nil, fmt.Errorf("lambda %s: start %s: %w", fn.name, fn.binary, err)
	}
	sb.cmd = cmd
	sb.pipes.start(sb.stdout, sb.stderr)
	go func() {
		sb.exitErr = cmd.Wait()
		sb.pipes.finish()
		sb.stdout.flush()
		sb.stderr.flush()
		close(sb.exited)
		_ = sb.srv.Close()
	}()
	return sb, nil
}

func logStreamName(now time.Time) string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return now.UTC().Format("2006/01/02") + "/[$LATEST]" + fmt.Sprintf("%x", b)
}

// alive reports whether the process is still running.
func (sb *sandbox) alive() bool { return !isClosed(sb.exited) }

// kill stops the process (and anything it started) and waits for it.
func (sb *sandbox) kill() {
	if sb.alive() {
		killProcessGroup(sb.cmd)
	}
	<-sb.exited
}

// errHandover means the process was gone before it took the invocation, so
// the invocation never ran and may be given to another process.
var errHandover = errors.New("sandbox exited before taking the invocation")

// run hands inv to the process and waits for its outcome. It enforces the
// init timeout (until the process asks for work) and the function timeout
// (from hand-over), killing the process on either.
func (sb *sandbox) run(inv *invocation, initTimeout time.Duration) (result, error) {
	initTimer := time.NewTimer(initTimeout)
	defer initTimer.Stop()
	select {
	case sb.next <- inv:
	case body := <-sb.initErr:
		sb.kill()
		return result{payload: body, functionError: "Unhandled", status: "init-error"}, nil
	case <-sb.exited:
		if sb.started() {
			return result{}, errHandover
		}
		select { // a runtime that reported its init error, then exited
		case body := <-sb.initErr:
			return result{payload: body, functionError: "Unhandled", status: "init-error"}, nil
		default:
		}
		return sb.exitResult(inv), nil
	case <-initTimer.C:
		sb.kill()
		msg := fmt.Sprintf("RequestId: %s Error: Runtime failed to initialize within %.2f seconds", inv.id, initTimeout.Seconds())
		return result{payload: errorJSON("Runtime.InitTimeout", msg), functionError: "Unhandled", status: "init-timeout"}, nil
	}
	timer := time.NewTimer(sb.fn.timeout)
	defer timer.Stop()
	select {
	case r := <-inv.done:
		return r, nil
	case <-sb.exited:
		// The process may have answered just before exiting (a panic
		// reports the error, then exits): the answer wins.
		select {
		case r := <-inv.done:
			return r, nil
		default:
		}
		return sb.exitResult(inv), nil
	case <-timer.C:
		sb.kill()
		select {
		case r := <-inv.done:
			return r, nil
		default:
		}
		msg := fmt.Sprintf("RequestId: %s Error: Task timed out after %.2f seconds", inv.id, sb.fn.timeout.Seconds())
		return result{payload: errorJSON("Sandbox.Timedout", msg), functionError: "Unhandled", status: "timeout"}, nil
	}
}

// started reports whether the process ever asked for work, i.e. finished
// initialising; a process that dies before that failed its init.
func (sb *sandbox) started() bool { return isClosed(sb.firstNext) }

// isClosed reports, without blocking, whether ch has been closed.
func isClosed(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

// exitResult is what AWS reports for an invocation whose process exited
// before answering.
func (sb *sandbox) exitResult(inv *invocation) result {
	msg := fmt.Sprintf("RequestId: %s Error: Runtime exited without providing a reason", inv.id)
	var ee *exec.ExitError
	if errors.As(sb.exitErr, &ee) {
		msg = fmt.Sprintf("RequestId: %s Error: Runtime exited with error: %s", inv.id, ee.ProcessState)
	} else if sb.exitErr != nil {
		msg = fmt.Sprintf("RequestId: %s Error: Runtime exited with error: %v", inv.id, sb.exitErr)
	}
	return result{payload: errorJSON("Runtime.ExitError", msg), functionError: "Unhandled", status: "crash"}
}

func (sb *sandbox) serveNext(w http.ResponseWriter, r *http.Request) {
	sb.nextOnce.Do(func() {
		sb.mu.Lock()
		sb.initDuration = sb.now().Sub(sb.spawned)
		sb.mu.Unlock()
		close(sb.firstNext)
	})
	select {
	case inv := <-sb.next:
		now := sb.now()
		sb.mu.Lock()
		sb.current = inv
		sb.requestID = inv.id
		inv.started = now
		sb.mu.Unlock()
		// START goes out before the process has the request, so it
		// precedes every line the invocation writes.
		sb.logStart(inv.id, now)
		deadline := time.Now().Add(sb.fn.timeout)
		h := w.Header()
		h.Set("Lambda-Runtime-Aws-Request-Id", inv.id)
		h.Set("Lambda-Runtime-Deadline-Ms", strconv.FormatInt(deadline.UnixMilli(), 10))
		h.Set("Lambda-Runtime-Invoked-Function-Arn", sb.fn.arn)
		h.Set("Lambda-Runtime-Trace-Id", traceID(inv.id))
		h.Set("Content-Type", "application/json")
		_, _ = w.Write(inv.payload)
	case <-r.Context().Done():
	case <-sb.exited:
	}
}

// take returns the in-flight invocation with the given id and clears it, so
// each invocation is answered once.
func (sb *sandbox) take(w http.ResponseWriter, id string) *invocation {
	sb.mu.Lock()
	defer sb.mu.Unlock()
	if sb.current == nil || sb.current.id != id {
		writeRuntimeError(w, http.StatusBadRequest, "InvalidRequestID", "Invalid request ID: "+id)
		return nil
	}
	inv := sb.current
	sb.current = nil
	return inv
}

func (sb *sandbox) serveResponse(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxPayload+1))
	if err != nil {
		writeRuntimeError(w, http.StatusBadRequest, "InvalidRequest", err.Error())
		return
	}
	inv := sb.take(w, r.PathValue("id"))
	if inv == nil {
		return
	}
	switch {
	case len(body) > maxPayload:
		msg := fmt.Sprintf("Response payload size exceeded maximum allowed payload size (%d bytes).", maxPayload)
		inv.finish(result{payload: errorJSON("Function.ResponseSizeTooLarge", msg), functionError: "Unhandled", status: "error"})
		writeRuntimeError(w, http.StatusRequestEntityTooLarge, "RequestEntityTooLarge", msg)
		return
	case r.Trailer.Get("Lambda-Runtime-Function-Error-Type") != "":
		// aws-lambda-go reports a failure while streaming the body in
		// trailers; AWS turns that into a function error.
		b, _ := base64.StdEncoding.DecodeString(r.Trailer.Get("Lambda-Runtime-Function-Error-Body"))
		inv.finish(result{payload: errorPayload(b, r.Trailer.Get("Lambda-Runtime-Function-Error-Type")), functionError: "Unhandled", status: "error"})
	default:
		inv.finish(result{payload: body, status: "ok"})
	}
	writeAccepted(w)
}

func (sb *sandbox) serveError(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, maxPayload))
	inv := sb.take(w, r.PathValue("id"))
	if inv == nil {
		return
	}
	inv.finish(result{payload: errorPayload(body, r.Header.Get("Lambda-Runtime-Function-Error-Type")), functionError: "Unhandled", status: "error"})
	writeAccepted(w)
}

func (sb *sandbox) serveInitError(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, maxPayload))
	select {
	case sb.initErr <- errorPayload(body, r.Header.Get("Lambda-Runtime-Function-Error-Type")):
	default:
	}
	writeAccepted(w)
}

func writeAccepted(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusAccepted)
	_, _ = io.WriteString(w, `{"status":"OK"}`)
}

func writeRuntimeError(w http.ResponseWriter, status int, typ, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(errorJSON(typ, msg))
}

// errorPayload is what Invoke returns for a reported error: the runtime's
// JSON object as posted, or, if it posted something else, an object built
// from the error-type header as AWS does.
func errorPayload(body []byte, typ string) []byte {
	var obj map[string]json.RawMessage
	if json.Unmarshal(body, &obj) == nil && obj != nil {
		return body
	}
	if typ == "" {
		typ = "Runtime.Unknown"
	}
	return errorJSON(typ, string(bytes.TrimSpace(body)))
}

func errorJSON(typ, msg string) []byte {
	b, _ := json.Marshal(struct {
		ErrorType    string `json:"errorType"`
		ErrorMessage string `json:"errorMessage"`
	}{typ, msg})
	return b
}

// traceID makes an X-Ray-shaped trace header (Root=1-<epoch hex>-<24 hex>)
// from the request id, so logs of one invocation correlate.
func traceID(id string) string {
	hex := strings.ReplaceAll(id, "-", "")
	if len(hex) > 24 {
		hex = hex[len(hex)-24:]
	}
	return fmt.Sprintf("Root=1-%08x-%024s;Sampled=0", time.Now().Unix(), hex)
}
