package lambda

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/shopstream/shopstream/emulator/awsapi"
	"github.com/shopstream/shopstream/emulator/gopackage"
	"github.com/shopstream/shopstream/emulator/stack"
	"github.com/shopstream/shopstream/emulator/state"
	"github.com/shopstream/shopstream/emulator/telemetry"
)

// Resource types this service provisions.
const (
	TypeFunction          = "AWS::Lambda::Function"
	TypePermission        = "AWS::Lambda::Permission"
	TypeEventInvokeConfig = "AWS::Lambda::EventInvokeConfig"
)

// Defaults AWS applies when the template leaves a setting out.
const (
	DefaultTimeout  = 3 * time.Second
	DefaultMemoryMB = 128
	DefaultRuntime  = "provided.al2023"
	defaultHandler  = "bootstrap"
)

// Defaults of the process pool: a laptop runs a dozen and more functions,
// so each keeps few processes.
const (
	DefaultMaxWarmPerFunction = 4
	defaultMaxIdlePerFunction = 1
	defaultExcessIdleTimeout  = 30 * time.Second
)

// Config configures the service. Zero values get the documented defaults.
type Config struct {
	// ModuleRoot is the directory of go.mod; function packages are built
	// there. Required to provision functions.
	ModuleRoot string
	// StackName names functions whose template gives no FunctionName as
	// CloudFormation would ("<stack>-<logicalId>-<suffix>", stable across
	// restarts); without it such a function is named by its logical id.
	StackName string
	// CacheDir holds built binaries; default <user cache dir>/shopstream/lambda.
	CacheDir string
	// BuildTags are passed to go build (and go list) as -tags for every
	// function, e.g. "faultinject" for the test-only faults the end-to-end
	// tests switch on. Binaries are cached per tag set, so a tagged build
	// never stands in for an untagged one. A tag holds only letters,
	// digits, '_' and '.'; another fails the function's build.
	BuildTags []string
	// Endpoint is the local AWS endpoint URL given to functions as
	// AWS_ENDPOINT_URL (e.g. "http://127.0.0.1:4566").
	Endpoint string
	// Credentials, when set, issues each function its own credentials for
	// its execution role (the template's Role ARN; session: the function
	// name), given to its processes as AWS_ACCESS_KEY_ID,
	// AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN. Without it every
	// function gets the shared dummy key "test".
	Credentials func(function, roleARN string) (Credentials, error)
	// MaxWarmPerFunction caps the processes one function runs at once
	// (default DefaultMaxWarmPerFunction); the template's
	// ReservedConcurrentExecutions lowers it further. Each process serves
	// one invocation at a time, so an invocation beyond the cap waits for
	// a free process (or its context to end) instead of starting another.
	MaxWarmPerFunction int
	// InitTimeout bounds a new process's start-up (default 10s, as AWS).
	InitTimeout time.Duration
	// IdleTimeout is how long the MaxIdlePerFunction most recently used
	// idle processes of a function are kept warm before they are stopped
	// (default 10 minutes, about what AWS keeps; negative: forever).
	IdleTimeout time.Duration
	// MaxIdlePerFunction is how many idle processes a function keeps for
	// IdleTimeout (default 1); idle processes beyond it (a burst's) are
	// stopped after ExcessIdleTimeout (default 30s), or IdleTimeout if
	// that is shorter.
	MaxIdlePerFunction int
	ExcessIdleTimeout  time.Duration
	// Output receives function stdout/stderr, one prefixed line at a time
	// (default os.Stderr).
	Output io.Writer
	// Log receives one line per invocation (default: discarded).
	Log *slog.Logger
	// Now is the clock (default time.Now).
	Now func() time.Time

	// Asynchronous invocations (async.go). DB keeps the queue of accepted
	// asynchronous invocations and the functions' event invoke configs, so
	// a restart loses none; without it they are kept in memory only.
	// TimeScale multiplies AWS's waits between async retries (1 and 2
	// minutes, the backoff after a system error) and the maximum event age
	// (0.001 makes the one-minute wait 60 ms; default 1).
	DB        *state.DB
	TimeScale float64

	// Logs receives, besides Output, every line a function process
	// writes and Lambda's START/END/REPORT lines, in the function's log
	// group (LoggingConfig.LogGroup, else /aws/lambda/<name>) and a stream
	// per process, each line under the request id it was written for
	// (nil: lines go to Output only).
	Logs telemetry.Logs

	// Metrics receives each invocation's AWS/Lambda metrics (nil: none).
	Metrics telemetry.Metrics
}

// Credentials are the AWS credentials a function's processes get.
type Credentials struct {
	AccessKeyID, SecretAccessKey, SessionToken string
}

// Service runs Lambda functions locally. It is a stack.Provisioner for
// functions and permissions and a stack.Invoker.
type Service struct {
	cfg     Config
	builder *builder
	out     *output
	logs    telemetry.Logs

	mu     sync.RWMutex
	srv    *awsapi.Server // set by Register; authorizes invocations
	fns    map[string]*function
	closed bool
	async  sync.WaitGroup // the async dispatcher and its attempts
	stop   chan struct{}
	queue  *asyncQueue
}

var (
	_ stack.Provisioner = (*Service)(nil)
	_ stack.Invoker     = (*Service)(nil)
)

// New returns a Service with no functions.
func New(cfg Config) *Service {
	if cfg.CacheDir == "" {
		dir, err := os.UserCacheDir()
		if err != nil {
			dir = os.TempDir()
		}
		cfg.CacheDir = filepath.Join(dir, "shopstream", "lambda")
	}
	if cfg.MaxWarmPerFunction <= 0 {
		cfg.MaxWarmPerFunction = DefaultMaxWarmPerFunction
	}
	if cfg.MaxIdlePerFunction <= 0 {
		cfg.MaxIdlePerFunction = defaultMaxIdlePerFunction
	}
	if cfg.ExcessIdleTimeout <= 0 {
		cfg.ExcessIdleTimeout = defaultExcessIdleTimeout
	}
	if cfg.InitTimeout <= 0 {
		cfg.InitTimeout = 10 * time.Second
	}
	if cfg.IdleTimeout == 0 {
		cfg.IdleTimeout = 10 * time.Minute
	}
	if cfg.IdleTimeout > 0 && cfg.ExcessIdleTimeout > cfg.IdleTimeout {
		cfg.ExcessIdleTimeout = cfg.IdleTimeout
	}
	if cfg.TimeScale <= 0 {
		cfg.TimeScale = 1
	}
	if cfg.Output == nil {
		cfg.Output = os.Stderr
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	s := &Service{
		cfg:     cfg,
		builder: newBuilder(cfg.ModuleRoot, cfg.CacheDir, cfg.BuildTags),
		out:     &output{w: cfg.Output},
		logs:    telemetry.OrLogs(cfg.Logs),
		fns:     map[string]*function{},
		stop:    make(chan struct{}),
	}
	s.queue = openQueue(cfg.DB, cfg.Log)
	if s.queue.err != nil {
		cfg.Log.Error("lambda: asynchronous invocation queue unavailable", "err", s.queue.err)
	}
	go s.reapIdle()
	return s
}

// Types implements stack.Provisioner.
func (s *Service) Types() []string {
	return []string{TypeFunction, TypePermission, TypeEventInvokeConfig}
}

// Create implements stack.Provisioner. A function's binary is built (or
// taken from the cache) now, so a broken package stops start-up with the
// compiler's message rather than failing the first request.
func (s *Service) Create(ctx context.Context, r stack.Resource) (stack.Created, error) {
	switch r.Type {
	case TypePermission:
		// Resource policies are not enforced locally; the permission is
		// recorded only so Ref resolves.
		return stack.Created{Ref: r.LogicalID}, nil
	case TypeEventInvokeConfig:
		return s.createEventInvokeConfig(r)
	case TypeFunction:
	default:
		return stack.Created{}, fmt.Errorf("lambda: %s (%s): unsupported resource type", r.LogicalID, r.Type)
	}
	fn, err := s.parseFunction(r)
	if err != nil {
		return stack.Created{}, err
	}
	pkg := gopackage.Of(r.Metadata)
	if pkg == "" {
		return stack.Created{}, fmt.Errorf("lambda: function %s (%s): no %q metadata: the local runtime runs a function by building its Go package for the host, so its construct must stamp the package path (e.g. \"./lambdas/catalogapi\")", r.LogicalID, fn.name, gopackage.MetadataKey)
	}
	if s.cfg.ModuleRoot == "" {
		return stack.Created{}, fmt.Errorf("lambda: function %s: no module root configured to build %s in", r.LogicalID, pkg)
	}
	fn.binary, err = s.builder.build(ctx, pkg)
	if err != nil {
		return stack.Created{}, fmt.Errorf("lambda: function %s (%s): %w", r.LogicalID, fn.name, err)
	}
	fn.pkg = pkg
	if s.cfg.Credentials != nil {
		role, _ := r.Properties["Role"].(string)
		c, err := s.cfg.Credentials(fn.name, role)
		if err != nil {
			return stack.Created{}, fmt.Errorf("lambda: function %s: credentials for role %s: %w", r.LogicalID, role, err)
		}
		fn.creds = &c
	}
	if err := s.add(fn); err != nil {
		return stack.Created{}, err
	}
	return stack.Created{Ref: fn.name, Attrs: map[string]any{"Arn": fn.arn}}, nil
}

// function is a provisioned function and its process pool.
type function struct {
	name, arn        string
	pkg, binary      string
	handler, runtime string
	timeout          time.Duration
	memoryMB         int
	logging          logging
	role             string    // execution role ARN ("" if the template gives none)
	warnLogs         sync.Once // the role-may-not-write-logs warning
	env              map[string]string
	creds            *Credentials // nil: the shared dummy credentials

	// slots bounds concurrent invocations, one process each, so its
	// capacity is also the most processes the function has (see
	// Config.MaxWarmPerFunction); invocations beyond it wait for a slot.
	slots chan struct{}
	// waiting counts the invocations waiting for a slot.
	waiting atomic.Int64
	mu      sync.Mutex
	idle    []*sandbox
	all     map[*sandbox]struct{}
	closed  bool // no new processes once the function is shut down
}

func (s *Service) parseFunction(r stack.Resource) (*function, error) {
	p := r.Properties
	bad := func(field, why string) error {
		return fmt.Errorf("lambda: function %s: %s: %s", r.LogicalID, field, why)
	}
	name, _ := p["FunctionName"].(string)
	if name == "" {
		name = r.LogicalID
		if s.cfg.StackName != "" {
			name = stack.PhysicalName(s.cfg.StackName, r.LogicalID, 64)
		}
	}
	if len(name) > 64 || strings.ContainsAny(name, ":/ ") {
		return nil, bad("FunctionName", fmt.Sprintf("%q must be at most 64 letters, digits, '-' or '_'", name))
	}
	timeout, err := stack.IntProp(p, "Timeout", int(DefaultTimeout/time.Second))
	if err != nil || timeout < 1 || timeout > 900 {
		return nil, bad("Timeout", "must be a whole number of seconds from 1 to 900")
	}
	memory, err := stack.IntProp(p, "MemorySize", DefaultMemoryMB)
	if err != nil || memory < 128 || memory > 10240 {
		return nil, bad("MemorySize", "must be a number of MB from 128 to 10240")
	}
	reserved, err := stack.IntProp(p, "ReservedConcurrentExecutions", 0)
	if err != nil || reserved < 0 {
		return nil, bad("ReservedConcurrentExecutions", "must be a non-negative number")
	}
	env := map[string]string{}
	if e, ok := p["Environment"].(map[string]any); ok {
		vars, ok := e["Variables"].(map[string]any)
		if e["Variables"] != nil && !ok {
			return nil, bad("Environment.Variables", "must be a map of strings")
		}
		for k, v := range vars {
			switch v := v.(type) {
			case string:
				env[k] = v
			case float64, bool, json.Number:
				env[k] = fmt.Sprint(v)
			default:
				return nil, bad("Environment.Variables."+k, fmt.Sprintf("must be a string, not %T", v))
			}
		}
	}
	role, _ := p["Role"].(string)
	logs, err := parseLogging(p, name)
	if err != nil {
		return nil, bad("LoggingConfig", err.Error())
	}
	handler, _ := p["Handler"].(string)
	if handler == "" {
		handler = defaultHandler
	}
	rt, _ := p["Runtime"].(string)
	if rt == "" {
		rt = DefaultRuntime
	}
	limit := s.cfg.MaxWarmPerFunction
	if reserved > 0 && reserved < limit {
		limit = reserved
	}
	return &function{
		name:     name,
		arn:      FunctionARN(name),
		handler:  handler,
		runtime:  rt,
		timeout:  time.Duration(timeout) * time.Second,
		memoryMB: memory,
		logging:  logs,
		role:     role,
		env:      env,
		slots:    make(chan struct{}, limit),
		all:      map[*sandbox]struct{}{},
	}, nil
}

// FunctionARN is the local ARN of the named function.
func FunctionARN(name string) string { return awsapi.ARN("lambda", "function:"+name) }

func (s *Service) add(fn *function) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if old, ok := s.fns[fn.name]; ok && old.pkg != fn.pkg {
		return fmt.Errorf("lambda: function name %q is used by two resources", fn.name)
	} else if ok {
		old.close()
	}
	s.fns[fn.name] = fn
	return nil
}

// environ is the process environment: the template's variables, then the
// runtime's reserved ones (which a template cannot override, as in AWS).
// Nothing is inherited from the host except PATH, so a function behaves
// the same on every laptop.
func (fn *function) environ(cfg Config) []string {
	env := make([]string, 0, len(fn.env)+20)
	keys := make([]string, 0, len(fn.env))
	for k := range fn.env {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		env = append(env, k+"="+fn.env[k])
	}
	env = append(env,
		"PATH="+os.Getenv("PATH"),
		"TZ=:UTC",
		"LANG=en_US.UTF-8",
		"AWS_REGION="+awsapi.Region,
		"AWS_DEFAULT_REGION="+awsapi.Region,
		"AWS_LAMBDA_FUNCTION_NAME="+fn.name,
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE="+strconv.Itoa(fn.memoryMB),
		"AWS_LAMBDA_FUNCTION_VERSION=$LATEST",
		"AWS_LAMBDA_INITIALIZATION_TYPE=on-demand",
		"AWS_LAMBDA_LOG_GROUP_NAME="+fn.logging.group,
		"_HANDLER="+fn.handler,
		"LAMBDA_TASK_ROOT="+filepath.Dir(fn.binary),
		"AWS_EXECUTION_ENV=AWS_Lambda_"+fn.runtime,
	)
	if c := fn.creds; c != nil {
		env = append(env, "AWS_ACCESS_KEY_ID="+c.AccessKeyID, "AWS_SECRET_ACCESS_KEY="+c.SecretAccessKey, "AWS_SESSION_TOKEN="+c.SessionToken)
	} else {
		env = append(env, "AWS_ACCESS_KEY_ID=test", "AWS_SECRET_ACCESS_KEY=test")
	}
	if tmp := os.Getenv("TMPDIR"); tmp != "" {
		env = append(env, "TMPDIR="+tmp)
	}
	if cfg.Endpoint != "" {
		env = append(env, "AWS_ENDPOINT_URL="+cfg.Endpoint)
	}
	return env
}

// lookup resolves a function name, partial ARN ("000000000000:function:f")
// or ARN, with an optional ":$LATEST" qualifier.
func (s *Service) lookup(nameOrARN string) (*function, error) {
	name := nameOrARN
	if i := strings.Index(name, "function:"); i >= 0 {
		name = name[i+len("function:"):]
	}
	if base, q, ok := strings.Cut(name, ":"); ok {
		if q != "$LATEST" {
			return nil, notFound(nameOrARN)
		}
		name = base
	}
	s.mu.RLock()
	fn, ok := s.fns[name]
	s.mu.RUnlock()
	if !ok {
		return nil, notFound(nameOrARN)
	}
	return fn, nil
}

func notFound(name string) *awsapi.Error {
	arn := name
	if !strings.HasPrefix(arn, "arn:") {
		arn = FunctionARN(name)
	}
	return &awsapi.Error{Type: "ResourceNotFoundException", Message: "Function not found: " + arn, Status: http.StatusNotFound}
}

// ErrClosed is returned by invocations after Close.
var ErrClosed = errors.New("lambda: service closed")

// Invoke implements stack.Invoker: it runs the function synchronously. A
// function failure (error returned, timeout, crash) is not a Go error: it
// comes back as FunctionError "Unhandled" with an {"errorType",
// "errorMessage"} payload, as the Invoke API reports it. Errors are for an
// unknown function, an invalid payload, a closed service or ctx.
func (s *Service) Invoke(ctx context.Context, function string, payload []byte) (stack.InvokeResult, error) {
	r, err := s.invokeNamed(ctx, function, payload, false)
	if err != nil {
		return stack.InvokeResult{}, err
	}
	return stack.InvokeResult{Payload: r.payload, FunctionError: r.functionError}, nil
}

func (s *Service) invokeNamed(ctx context.Context, function string, payload []byte, tail bool) (result, error) {
	fn, err := s.lookup(function)
	if err != nil {
		return result{}, err
	}
	if err := s.authorize(ctx, fn); err != nil {
		return result{}, err
	}
	if err := checkPayload(payload, maxPayload); err != nil {
		return result{}, err
	}
	if len(payload) == 0 {
		payload = []byte("{}")
	}
	return s.invoke(ctx, fn, awsapi.RequestID(), payload, tail)
}

// authorize checks lambda:InvokeFunction for the principal ctx acts as:
// the caller's issued credentials, a state machine's role, or a service
// (API Gateway, EventBridge) that the function's permissions must allow.
// Lambda answers a denial with HTTP 403.
func (s *Service) authorize(ctx context.Context, fn *function) error {
	return s.authorizeAction(ctx, "lambda:InvokeFunction", fn)
}

// authorizeAction checks action on fn for the principal ctx acts as,
// answering a denial with Lambda's HTTP 403.
func (s *Service) authorizeAction(ctx context.Context, action string, fn *function) error {
	return s.authorizeResource(ctx, action, fn.arn)
}

// authorizeResource checks action on resource (an ARN, or "*" for an
// action such as lambda:ListFunctions that has none), as authorizeAction.
func (s *Service) authorizeResource(ctx context.Context, action, resource string) error {
	s.mu.RLock()
	srv := s.srv
	s.mu.RUnlock()
	var err error
	if srv != nil {
		err = srv.Authorize(ctx, action, resource, nil)
	} else {
		err = awsapi.Authorize(ctx, action, resource, nil)
	}
	var ae *awsapi.Error
	if errors.As(err, &ae) && awsapi.IsAccessDenied(ae) {
		denied := *ae
		denied.Status = http.StatusForbidden
		return &denied
	}
	return err
}

func checkPayload(payload []byte, limit int) error {
	if len(payload) > limit {
		return &awsapi.Error{Type: "RequestTooLargeException", Status: http.StatusRequestEntityTooLarge,
			Message: fmt.Sprintf("Request must be smaller than %d bytes for the InvokeFunction operation", limit)}
	}
	if len(payload) > 0 && !json.Valid(payload) {
		return &awsapi.Error{Type: "InvalidRequestContentException", Status: http.StatusBadRequest,
			Message: "Could not parse request body into json: payload is not valid JSON"}
	}
	return nil
}

// invoke runs fn once under request id (an asynchronous invocation keeps
// its id across retries, as on AWS).
func (s *Service) invoke(ctx context.Context, fn *function, id string, payload []byte, tail bool) (result, error) {
	if err := s.takeSlot(ctx, fn); err != nil {
		return result{}, err
	}
	inv := &invocation{id: id, payload: payload, tail: tail, done: make(chan result, 1)}
	type outcome struct {
		r   result
		err error
	}
	out := make(chan outcome, 1)
	// The invocation runs to completion even if ctx ends, as in AWS: the
	// process is busy until it answers or times out.
	go func() {
		defer func() { <-fn.slots }()
		r, err := s.runOn(fn, inv)
		out <- outcome{r, err}
	}()
	select {
	case o := <-out:
		return o.r, o.err
	case <-ctx.Done():
		return result{}, ctx.Err()
	}
}

// takeSlot waits until fn may run one more invocation (it is below
// Config.MaxWarmPerFunction), ctx ends or the service closes.
func (s *Service) takeSlot(ctx context.Context, fn *function) error {
	select {
	case fn.slots <- struct{}{}:
		return nil
	default:
	}
	fn.waiting.Add(1)
	defer fn.waiting.Add(-1)
	select {
	case fn.slots <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-s.stop:
		return ErrClosed
	}
}

// runOn runs inv on a warm process or a new one, and logs one line. The
// error is for a process that could not be started at all.
func (s *Service) runOn(fn *function, inv *invocation) (result, error) {
	start := time.Now()
	for attempt := 0; ; attempt++ {
		sb, err := s.acquire(fn)
		if err != nil {
			s.cfg.Log.Error("lambda invoke", "function", fn.name, "status", "not-started", "requestId", inv.id, "err", err)
			return result{}, err
		}
		// Cold means this process has served nothing yet. (Asking whether it
		// has reached its first /next would race with a fast start.)
		cold := sb.served == 0
		sb.served++
		if inv.tail {
			sb.startCapture()
		}
		r, err := sb.run(inv, s.cfg.InitTimeout)
		if err == nil {
			// The invocation's last lines reach the tail and its log
			// before its END line and before the next hand-over.
			sb.pipes.sync()
		}
		if inv.tail {
			r.logs = append(sb.stopCapture(), fmt.Sprintf("REPORT RequestId: %s\tDuration: %.2f ms\tMemory Size: %d MB\n",
				inv.id, float64(time.Since(start).Microseconds())/1000, fn.memoryMB)...)
		}
		if errors.Is(err, errHandover) && attempt < 2 {
			// An idle process died between invocations; the invocation
			// never started, so it is safe to give it to a fresh one.
			s.discard(fn, sb)
			continue
		}
		s.logInvocationEnd(fn, sb, inv, r, cold)
		if sb.alive() && r.status != "init-error" {
			s.release(fn, sb)
		} else {
			sb.kill()
			s.discard(fn, sb)
		}
		s.logInvoke(fn, inv, r, cold, start)
		s.recordInvoke(fn, r, start)
		return r, nil
	}
}

func (s *Service) logInvoke(fn *function, inv *invocation, r result, cold bool, start time.Time) {
	attrs := []any{"function", fn.name, "status", r.status, "duration", time.Since(start).Round(10 * time.Microsecond), "requestId", inv.id}
	if cold {
		attrs = append(attrs, "cold", true)
	}
	if r.functionError != "" {
		var e struct {
			ErrorType string `json:"errorType"`
		}
		_ = json.Unmarshal(r.payload, &e)
		attrs = append(attrs, "errorType", e.ErrorType)
		s.cfg.Log.Warn("lambda invoke", attrs...)
		return
	}
	s.cfg.Log.Info("lambda invoke", attrs...)
}

// acquire returns an idle live process, or starts one.
func (s *Service) acquire(fn *function) (*sandbox, error) {
	fn.mu.Lock()
	if fn.closed {
		fn.mu.Unlock()
		return nil, ErrClosed
	}
	for len(fn.idle) > 0 {
		sb := fn.idle[len(fn.idle)-1]
		fn.idle = fn.idle[:len(fn.idle)-1]
		if sb.alive() {
			fn.mu.Unlock()
			return sb, nil
		}
		delete(fn.all, sb)
	}
	fn.mu.Unlock()
	sb, err := spawn(fn, s)
	if err != nil {
		return nil, err
	}
	fn.mu.Lock()
	if fn.closed { // closed while this one was starting
		fn.mu.Unlock()
		sb.kill()
		return nil, ErrClosed
	}
	fn.all[sb] = struct{}{}
	fn.mu.Unlock()
	return sb, nil
}

func (s *Service) release(fn *function, sb *sandbox) {
	fn.mu.Lock()
	defer fn.mu.Unlock()
	if _, ok := fn.all[sb]; ok {
		sb.idleSince = time.Now()
		fn.idle = append(fn.idle, sb)
	}
}

// reapIdle stops idle processes past their timeout (see takeIdle), so a
// burst of concurrent calls does not leave its processes running.
func (s *Service) reapIdle() {
	tick := time.NewTicker(s.cfg.ExcessIdleTimeout / 2)
	defer tick.Stop()
	for {
		select {
		case <-s.stop:
			return
		case now := <-tick.C:
			s.mu.RLock()
			fns := make([]*function, 0, len(s.fns))
			for _, fn := range s.fns {
				fns = append(fns, fn)
			}
			s.mu.RUnlock()
			for _, fn := range fns {
				for _, sb := range fn.takeIdle(now, s.cfg) {
					sb.kill()
				}
			}
		}
	}
}

// takeIdle removes and returns the idle processes past their timeout: the
// MaxIdlePerFunction most recently used ones after IdleTimeout, the others
// after ExcessIdleTimeout.
func (fn *function) takeIdle(now time.Time, cfg Config) []*sandbox {
	fn.mu.Lock()
	defer fn.mu.Unlock()
	var stale []*sandbox
	keep := fn.idle[:0]
	// fn.idle is in release order: the most recently used are last.
	excess := len(fn.idle) - cfg.MaxIdlePerFunction
	for i, sb := range fn.idle {
		timeout := cfg.IdleTimeout
		if i < excess {
			timeout = cfg.ExcessIdleTimeout
		}
		if timeout > 0 && now.Sub(sb.idleSince) > timeout {
			stale = append(stale, sb)
			delete(fn.all, sb)
		} else {
			keep = append(keep, sb)
		}
	}
	fn.idle = keep
	return stale
}

func (s *Service) discard(fn *function, sb *sandbox) {
	fn.mu.Lock()
	defer fn.mu.Unlock()
	delete(fn.all, sb)
}

// close kills every process of fn.
func (fn *function) close() {
	fn.mu.Lock()
	all := make([]*sandbox, 0, len(fn.all))
	for sb := range fn.all {
		all = append(all, sb)
	}
	fn.all = map[*sandbox]struct{}{}
	fn.idle = nil
	fn.closed = true
	fn.mu.Unlock()
	for _, sb := range all {
		sb.kill()
	}
}

// Close stops accepting invocations, waits for asynchronous attempts in
// progress to finish or ctx to end, and kills every function process.
// Queued asynchronous invocations stay in Config.DB for the next start.
func (s *Service) Close(ctx context.Context) error {
	s.mu.Lock()
	if !s.closed {
		s.closed = true
		close(s.stop)
	}
	s.mu.Unlock()
	done := make(chan struct{})
	go func() { s.async.Wait(); close(done) }()
	var err error
	select {
	case <-done:
	case <-ctx.Done():
		err = ctx.Err()
	}
	s.mu.RLock()
	for _, fn := range s.fns {
		fn.close()
	}
	s.mu.RUnlock()
	return err
}
