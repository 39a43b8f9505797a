// Package runtime wires the local runtime together: it opens the state
// directory, starts the loopback AWS endpoint and every emulated service,
// deploys the cloud assembly's stack onto them and serves its REST APIs.
// cmd/shopstream-local is a thin main around Run.
package runtime

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/shopstream/shopstream/emulator/apigateway"
	"github.com/shopstream/shopstream/emulator/awsapi"
	"github.com/shopstream/shopstream/emulator/cloudwatch"
	"github.com/shopstream/shopstream/emulator/cognito"
	"github.com/shopstream/shopstream/emulator/dynamodb"
	"github.com/shopstream/shopstream/emulator/esm"
	"github.com/shopstream/shopstream/emulator/eventbridge"
	"github.com/shopstream/shopstream/emulator/iam"
	"github.com/shopstream/shopstream/emulator/lambda"
	"github.com/shopstream/shopstream/emulator/logs"
	"github.com/shopstream/shopstream/emulator/secretsmanager"
	"github.com/shopstream/shopstream/emulator/sns"
	"github.com/shopstream/shopstream/emulator/sqs"
	"github.com/shopstream/shopstream/emulator/stack"
	"github.com/shopstream/shopstream/emulator/state"
	"github.com/shopstream/shopstream/emulator/stepfunctions"
)

// Config is what the runtime needs; cmd/shopstream-local fills it from flags.
type Config struct {
	// Assembly is the cloud assembly directory (cdk.out).
	Assembly string
	// Stack picks a stack by name; empty means the assembly's only stack.
	Stack string
	// DataDir holds the state file; ignored when InMemory.
	DataDir  string
	InMemory bool
	// AWSAddr and APIAddr are the loopback listen addresses of the AWS
	// endpoint and the API Gateway stages ("127.0.0.1:0" picks a port).
	AWSAddr, APIAddr string
	// TimeScale multiplies Step Functions waits, retry intervals and
	// timeouts (0.01 makes a 60 s retry wait 0.6 s); 0 means 1.
	TimeScale float64
	// ModuleRoot is the Go module the functions are built from; default:
	// the nearest directory holding go.mod above the working directory.
	ModuleRoot string
	// BuildTags are go build tags for every function binary, e.g.
	// "faultinject" for the test-only faults tests/e2e switches on
	// (lambdas/ordering/fault_faultinject.go). Empty: the shipped code.
	BuildTags []string
	// TokenClock is the clock Cognito issues and verifies tokens by
	// (default time.Now). Tests that need an expired token restart the
	// runtime on the same data directory with a clock set ahead.
	TokenClock func() time.Time
	// Parameters override template parameter defaults.
	Parameters map[string]string
	// FunctionEnv adds environment variables to functions, keyed by a
	// function's FunctionName, logical id or Go package's last element
	// ("ordering"); naming no function is an error.
	FunctionEnv map[string]map[string]string
	// EnvFile, when set, is written once the stack is up: the AWS
	// endpoint, dummy credentials, the local API URL and every stack
	// output as KEY=VALUE lines (output EventsTable → EVENTS_TABLE), for
	// shopstream-audit -env-file and for shells (set -a; . FILE).
	EnvFile string
	// Ready, when set, runs once the stack is up and the env file is
	// written, before the banner (the command loads its sample catalog
	// here). An error stops the runtime.
	Ready func(ctx context.Context, rt *Runtime) error
	// IAM is how the stack's IAM roles are treated; the zero value
	// enforces them (see IAMMode).
	IAM IAMMode
	// ExecutionRetention is how long closed Step Functions executions are
	// kept (0: 90 days, as on AWS).
	ExecutionRetention time.Duration
	// MaxWarmPerFunction caps each function's processes (0: the lambda
	// package's default); invocations beyond it wait for a free one.
	MaxWarmPerFunction int
	// Log receives request, invocation and notice lines (default discard).
	Log *slog.Logger
	// Output receives function output and the start-up banner (default
	// os.Stdout).
	Output io.Writer
}

// IAMMode says whether the runtime enforces the stack's IAM roles.
type IAMMode int

const (
	// IAMEnforce gives each function temporary credentials for its
	// execution role and authorizes every call the runtime receives, and
	// every call it makes for a resource (a state machine's tasks, an event
	// source mapping's polling, EventBridge and API Gateway invoking
	// functions), against the roles' and resources' policies, as AWS does.
	// Credentials the runtime did not issue (the CLI, tests, stack.env's)
	// are the administrator's and are allowed everything.
	IAMEnforce IAMMode = iota
	// IAMOff gives every function the shared dummy credentials and allows
	// every call: roles and policies are only recorded.
	IAMOff
)

// Runtime is a started local stack.
type Runtime struct {
	cfg      Config
	deployed *stack.Deployed
	apis     *apigateway.Service
	cognito  *cognito.Service
	awsURL   string
	apiURL   string
	closers  []func(context.Context) error // run in reverse on Close
	started  time.Time
}

// Start loads the assembly, starts every service and deploys the stack.
// On error everything already started is stopped again.
func Start(ctx context.Context, cfg Config) (_ *Runtime, err error) {
	rt := &Runtime{cfg: cfg, started: time.Now()}
	defer func() {
		if err != nil {
			_ = rt.Close(context.Background())
		}
	}()
	if err := rt.defaults(); err != nil {
		return nil, err
	}
	asm, err := stack.LoadAssembly(rt.cfg.Assembly, rt.cfg.Stack)
	if err != nil {
		return nil, err
	}
	if err := checkFunctionEnv(asm.Template, rt.cfg.FunctionEnv); err != nil {
		return nil, err
	}
	dir := rt.cfg.DataDir
	if rt.cfg.InMemory {
		dir = ""
	}
	db, err := state.Open(dir)
	if err != nil {
		return nil, err
	}
	rt.onClose(func(context.Context) error { return db.Close() })

	// Listen before building services: functions are told the endpoint's
	// URL, and a port in use should fail before anything is provisioned.
	awsLn, err := rt.listen(rt.cfg.AWSAddr, "aws endpoint")
	if err != nil {
		return nil, err
	}
	apiLn, err := rt.listen(rt.cfg.APIAddr, "api endpoint")
	if err != nil {
		return nil, err
	}
	rt.awsURL, rt.apiURL = "http://"+awsLn.Addr().String(), "http://"+apiLn.Addr().String()

	endpoint := awsapi.New(rt.cfg.Log)
	rt.serve(awsLn, logRequests(rt.cfg.Log, endpoint))
	svc, err := rt.startServices(db, endpoint)
	if err != nil {
		return nil, err
	}
	// IAM watches the functions (their roles and permissions) and the API
	// methods (integration credentials) as they are created.
	fns := svc.iam.Watch(withFunctionEnv{Provisioner: svc.lambda, env: rt.cfg.FunctionEnv})
	reg, err := stack.NewRegistry(
		svc.dynamodb.Provisioner(asm.StackName),
		fns,
		svc.sqs,
		svc.secretsmanager,
		svc.logs,
		svc.stepfunctions,
		svc.eventbridge,
		svc.esm,
		svc.iam.Watch(svc.apigateway),
		svc.cognito,
		svc.iam,
		svc.cloudwatch,
		svc.sns,
	)
	if err != nil {
		return nil, err
	}
	rt.cfg.Log.Info(fmt.Sprintf("deploying stack %s (%d resources) from %s (functions build on the first start, then come from the cache)", asm.StackName, len(asm.Template.Resources), rt.cfg.Assembly))
	rt.deployed, err = stack.Deploy(ctx, asm.Template, reg, stack.Options{
		StackName: asm.StackName, Parameters: rt.cfg.Parameters, Log: rt.cfg.Log,
		// Function builds (or their cache checks) dominate start-up; run a
		// few side by side.
		Parallel: 4,
	})
	if err != nil {
		return nil, err
	}
	// Executions a previous run left RUNNING continue once every service
	// their tasks call is up.
	svc.stepfunctions.ResumeExecutions()
	// So do the asynchronous invocations a previous run left queued.
	if err := svc.lambda.ResumeAsync(); err != nil {
		return nil, err
	}
	rt.apis = svc.apigateway
	rt.cognito = svc.cognito
	rt.serve(apiLn, rt.apis)
	return rt, nil
}

// services are the emulated services of one run.
type services struct {
	dynamodb       *dynamodb.Service
	lambda         *lambda.Service
	sqs            *sqs.Service
	secretsmanager *secretsmanager.Service
	logs           *logs.Service
	stepfunctions  *stepfunctions.Service
	eventbridge    *eventbridge.Service
	esm            *esm.Service
	apigateway     *apigateway.Service
	cognito        *cognito.Service
	iam            *iam.Service
	cloudwatch     *cloudwatch.Service
	sns            *sns.Service
}

// startServices builds every service over db, registers their APIs on the
// endpoint and their shutdown with Close.
func (rt *Runtime) startServices(db *state.DB, endpoint *awsapi.Server) (*services, error) {
	log := rt.cfg.Log
	var svc services
	var err error
	enforce := rt.cfg.IAM == IAMEnforce
	svc.iam = iam.NewService(iam.Options{Enforce: enforce, Log: log})
	var credentials func(fn, role string) (lambda.Credentials, error)
	if enforce {
		endpoint.SetAuthorizer(svc.iam)
		credentials = func(fn, role string) (lambda.Credentials, error) {
			c, err := svc.iam.Issue(role, fn)
			return lambda.Credentials(c), err
		}
		log.Info("IAM is enforced: each function calls with its own execution role's credentials, and calls its role does not allow fail with AccessDeniedException (--iam=false turns this off)")
	} else {
		log.Info("IAM is not enforced: every function gets the shared dummy credentials and every call is allowed")
	}
	// CloudWatch first: the other services record their metrics into it.
	if svc.cloudwatch, err = cloudwatch.New(db, cloudwatch.Options{TimeScale: rt.cfg.TimeScale, Log: log}); err != nil {
		return nil, err
	}
	svc.cloudwatch.Register(endpoint)
	metrics := svc.cloudwatch

	// Logs before its producers (Lambda, Step Functions): closers run in
	// reverse, so their last lines are in before Close flushes to disk.
	// Lines in embedded metric format become CloudWatch metrics.
	if svc.logs, err = logs.New(db, logs.Options{Log: log, Metrics: metrics}); err != nil {
		return nil, err
	}
	svc.logs.Register(endpoint)
	rt.onClose(svc.logs.Close)

	if svc.dynamodb, err = dynamodb.New(db, nil); err != nil {
		return nil, err
	}
	svc.dynamodb.Register(endpoint)

	svc.lambda = lambda.New(lambda.Config{
		ModuleRoot:  rt.cfg.ModuleRoot,
		BuildTags:   rt.cfg.BuildTags,
		Endpoint:    rt.awsURL,
		Credentials: credentials,
		Output:      rt.cfg.Output,
		Log:         log,
		// Async invocations are queued in the state store, with scaled retry waits.
		DB:        db,
		TimeScale: rt.cfg.TimeScale,
		Logs:      svc.logs,
		Metrics:   metrics,
		// A laptop runs every function: few processes each.
		MaxWarmPerFunction: rt.cfg.MaxWarmPerFunction,
	})
	svc.lambda.Register(endpoint)
	rt.onClose(svc.lambda.Close)

	if svc.sqs, err = sqs.New(db, sqs.Options{BaseURL: rt.awsURL, TimeScale: rt.cfg.TimeScale, Metrics: metrics}); err != nil {
		return nil, err
	}
	svc.sqs.Register(endpoint)
	svc.iam.ResourcePolicies(svc.sqs.QueuePolicy)

	// SNS delivers alarm notifications; e-mail goes to <data>/sns-email.log
	// (in memory: the log line only). CloudWatch samples the queue depths
	// and evaluates the alarms once a (scaled) minute.
	emailLog := ""
	if !rt.cfg.InMemory {
		emailLog = filepath.Join(rt.cfg.DataDir, "sns-email.log")
	}
	if svc.sns, err = sns.New(db, sns.Options{Queues: svc.sqs, EmailLog: emailLog, BaseURL: rt.awsURL, Log: log}); err != nil {
		return nil, err
	}
	svc.sns.Register(endpoint)
	svc.cloudwatch.Connect(svc.sns, svc.sqs)
	svc.cloudwatch.Start()
	rt.onClose(svc.cloudwatch.Close)

	if svc.secretsmanager, err = secretsmanager.New(db, secretsmanager.Options{}); err != nil {
		return nil, err
	}
	svc.secretsmanager.Register(endpoint)

	// Execution status change events go to EventBridge's default bus, as
	// the service itself; executions start only once the stack is
	// deployed, after svc.eventbridge is set below.
	statusEvents := func(ctx context.Context, source, detailType string, resources []string, detail []byte) error {
		return svc.eventbridge.PutServiceEvent(ctx, source, detailType, resources, detail)
	}
	svc.stepfunctions, err = stepfunctions.New(db, stepfunctions.Options{Invoker: svc.lambda, TimeScale: rt.cfg.TimeScale, Log: log, Events: statusEvents, Logs: svc.logs, Metrics: metrics,
		Retention: rt.cfg.ExecutionRetention})
	if err != nil {
		return nil, err
	}
	svc.stepfunctions.Register(endpoint)
	rt.onClose(func(context.Context) error { svc.stepfunctions.Close(); return nil })

	svc.eventbridge, err = eventbridge.New(eventbridge.Config{DB: db, Queues: svc.sqs, Invoker: svc.lambda, Caller: endpoint, Log: log, Metrics: metrics})
	if err != nil {
		return nil, err
	}
	svc.eventbridge.Register(endpoint)
	rt.onClose(svc.eventbridge.Close)

	if svc.esm, err = esm.New(esm.Config{Caller: endpoint, Invoker: svc.lambda, DB: db, Log: log, Metrics: metrics}); err != nil {
		return nil, err
	}
	rt.onClose(svc.esm.Close)

	if svc.cognito, err = cognito.New(db, cognito.Options{BaseURL: rt.awsURL, Log: log, Now: rt.cfg.TokenClock}); err != nil {
		return nil, err
	}
	svc.cognito.Register(endpoint)

	var invoker stack.Invoker = svc.lambda
	if enforce {
		// API Gateway invokes as apigateway.amazonaws.com for the method,
		// which the functions' AWS::Lambda::Permission must allow.
		invoker = svc.iam.APIGateway(svc.lambda)
	}
	svc.apigateway = apigateway.New(invoker, apigateway.Options{Log: log, Verifier: svc.cognito, Metrics: metrics})
	return &svc, nil
}

// listen opens a loopback listener, closed by Close if never served.
func (rt *Runtime) listen(addr, what string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	rt.onClose(func(context.Context) error {
		if err := ln.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
			return err
		}
		return nil
	})
	return ln, nil
}

func (rt *Runtime) defaults() error {
	c := &rt.cfg
	if c.Assembly == "" {
		c.Assembly = "cdk.out"
	}
	if c.AWSAddr == "" {
		c.AWSAddr = "127.0.0.1:4566"
	}
	if c.APIAddr == "" {
		c.APIAddr = "127.0.0.1:3000"
	}
	if c.DataDir == "" && !c.InMemory {
		return fmt.Errorf("config: no data directory (set one, or run in memory)")
	}
	if c.TimeScale < 0 {
		return fmt.Errorf("config: time scale %v must be positive", c.TimeScale)
	}
	if c.TimeScale == 0 {
		c.TimeScale = 1
	}
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
	if c.Output == nil {
		c.Output = os.Stdout
	}
	if c.ModuleRoot == "" {
		// The working directory, else the assembly's (cdk.out sits in the
		// module it was synthesized from).
		wd, err := os.Getwd()
		if err != nil {
			return err
		}
		asm, err := filepath.Abs(c.Assembly)
		if err != nil {
			return err
		}
		if c.ModuleRoot, err = findModuleRoot(wd, asm); err != nil {
			return err
		}
	}
	return nil
}

// findModuleRoot returns the nearest directory holding go.mod at or above
// the first of dirs that has one.
func findModuleRoot(dirs ...string) (string, error) {
	for _, dir := range dirs {
		for d := dir; ; d = filepath.Dir(d) {
			if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
				return d, nil
			}
			if filepath.Dir(d) == d {
				break
			}
		}
	}
	return "", fmt.Errorf("config: no go.mod at or above %s: run from the Go module the functions are in", strings.Join(dirs, " or "))
}

// serve runs h on ln until Close.
func (rt *Runtime) serve(ln net.Listener, h http.Handler) {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			rt.cfg.Log.Error("server stopped", "addr", ln.Addr().String(), "err", err)
		}
	}()
	rt.onClose(func(ctx context.Context) error {
		err := srv.Shutdown(ctx)
		<-done
		return err
	})
}

func (rt *Runtime) onClose(f func(context.Context) error) { rt.closers = append(rt.closers, f) }

// Close stops the servers, then the services (killing function processes),
// then closes the state; ctx bounds waiting for in-flight requests.
func (rt *Runtime) Close(ctx context.Context) error {
	var errs []error
	for i := len(rt.closers) - 1; i >= 0; i-- {
		if err := rt.closers[i](ctx); err != nil {
			errs = append(errs, err)
		}
	}
	rt.closers = nil
	return errors.Join(errs...)
}

// AWSEndpoint is the URL to give SDKs and the CLI as the endpoint
// (AWS_ENDPOINT_URL).
func (rt *Runtime) AWSEndpoint() string { return rt.awsURL }

// APIURLs lists the base URL of every deployed API stage,
// "http://127.0.0.1:3000/<stage>/".
func (rt *Runtime) APIURLs() []string {
	var out []string
	for _, st := range rt.apis.Stages() {
		out = append(out, rt.apiURL+"/"+st.Name+"/")
	}
	return out
}

// Cognito is the local Cognito user pools service: Verify checks tokens,
// EnsureUser seeds users (e.g. in Config.Ready).
func (rt *Runtime) Cognito() *cognito.Service { return rt.cognito }

// Deployed is the provisioned stack: resources and resolved outputs.
func (rt *Runtime) Deployed() *stack.Deployed { return rt.deployed }

// Banner writes the endpoints and the ready line.
func (rt *Runtime) Banner(w io.Writer) {
	d := rt.deployed
	fmt.Fprintf(w, "stack %s: %d resources from %s\n", d.StackName, len(d.Order), rt.cfg.Assembly)
	for _, st := range rt.apis.Stages() {
		fmt.Fprintf(w, "  api  %s/%s/  (%s)\n", rt.apiURL, st.Name, st.APIName)
	}
	fmt.Fprintf(w, "  aws  %s  (AWS_ENDPOINT_URL; any credentials, region %s)\n", rt.awsURL, awsapi.Region)
	if rt.cfg.IAM == IAMEnforce {
		fmt.Fprintf(w, "  iam  enforced: functions call with their execution roles (--iam=false turns it off)\n")
	} else {
		fmt.Fprintf(w, "  iam  not enforced: every call is allowed\n")
	}
	if rt.cfg.InMemory {
		fmt.Fprintf(w, "  data in memory (lost on exit)\n")
	} else {
		fmt.Fprintf(w, "  data %s\n", rt.cfg.DataDir)
	}
	names := make([]string, 0, len(d.Outputs))
	for k := range d.Outputs {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		fmt.Fprintf(w, "  output %s = %v\n", k, d.Outputs[k])
	}
	fmt.Fprintf(w, "ready in %s (Ctrl-C to stop)\n", time.Since(rt.started).Round(time.Millisecond))
}

// Run starts the runtime, prints the banner and serves until ctx is done,
// then stops cleanly.
func Run(ctx context.Context, cfg Config) error {
	rt, err := Start(ctx, cfg)
	if err != nil {
		return err
	}
	if rt.cfg.EnvFile != "" {
		if err := rt.WriteEnvFile(rt.cfg.EnvFile); err != nil {
			_ = rt.Close(context.Background())
			return err
		}
	}
	if rt.cfg.Ready != nil {
		if err := rt.cfg.Ready(ctx, rt); err != nil {
			_ = rt.Close(context.Background())
			return err
		}
	}
	rt.Banner(rt.cfg.Output)
	<-ctx.Done()
	fmt.Fprintln(rt.cfg.Output, "stopping")
	stopCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return rt.Close(stopCtx)
}
