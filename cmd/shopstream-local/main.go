// Command shopstream-local runs a CDK-synthesized stack on 127.0.0.1 with
// no AWS account and no Docker: API Gateway, Lambda, DynamoDB (+ Streams)
// and the services the stack uses, behind one AWS endpoint.
//
//	make run                                     # synthesizes cdk.out first when stale
//	go run ./cmd/shopstream-local --assembly cdk.out --data .data/local
//
// It expects an up-to-date cloud assembly (cdk.out/manifest.json) and runs
// from inside the Go module, whose Lambda packages it builds for the host.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"strings"
	"syscall"

	"github.com/shopstream/shopstream/emulator/lambda"
	"github.com/shopstream/shopstream/emulator/runtime"
	"github.com/shopstream/shopstream/emulator/stepfunctions"
)

func main() {
	// Latency matters more than memory for a small local stack: collect
	// less often (GetItem p99 drops by about a third), but not at the
	// price of five times a grown live heap (see gc.go). An explicit GOGC
	// still wins.
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
		go tuneGC(400)
	}
	if err := run(os.Args[1:]); err != nil && !errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(os.Stderr, "shopstream-local:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("shopstream-local", flag.ContinueOnError)
	var cfg runtime.Config
	var level string
	params := paramFlag{}
	fnEnv := functionEnvFlag{}
	fs.StringVar(&cfg.Assembly, "assembly", "cdk.out", "cloud assembly directory (what cdk synth writes)")
	fs.StringVar(&cfg.Stack, "stack", "", "stack to run (default: the assembly's only stack)")
	fs.StringVar(&cfg.DataDir, "data", ".data/local", "state directory: tables, queues, executions survive restarts")
	fs.BoolVar(&cfg.InMemory, "in-memory", false, "keep state in memory only (nothing survives exit)")
	fs.StringVar(&cfg.AWSAddr, "aws-addr", "127.0.0.1:4566", "listen address of the AWS endpoint (AWS_ENDPOINT_URL)")
	fs.StringVar(&cfg.APIAddr, "api-addr", "127.0.0.1:3000", "listen address of the API Gateway stages")
	fs.Float64Var(&cfg.TimeScale, "time-scale", 1, "multiplier for Step Functions waits, retry intervals and timeouts (0.01 = 100x faster)")
	fs.StringVar(&level, "log-level", "info", "debug, info, warn or error")
	envFile := fs.String("env-file", "", "write the endpoint, credentials and stack outputs as KEY=VALUE lines here\n(default: <data>/stack.env; none with --in-memory)")
	sampleCatalog := fs.Bool("sample-catalog", false, "create demo users (an admin and two shoppers) and a small sample catalog\nthrough the API once the stack is up; prints the users and their passwords")
	fs.Var(params, "param", "template parameter override `Name=Value` (repeatable)")
	buildTags := fs.String("build-tags", "", "comma-separated go build tags for every function binary (tests/e2e uses\nfaultinject for its test-only faults; the default builds what ships)")
	fs.Var(fnEnv, "function-env", "extra environment variable for a function, `function:KEY=VALUE`; the function is named by\nits Go package (ordering), logical id or FunctionName (repeatable)")
	enforceIAM := fs.Bool("iam", true, "enforce the stack's IAM roles as AWS does: each function calls with its own execution role's\ncredentials, and a call its role does not allow fails with AccessDeniedException\n(--iam=false: every function gets the shared dummy keys and every call is allowed)")
	fs.DurationVar(&cfg.ExecutionRetention, "execution-retention", stepfunctions.DefaultRetention,
		"how long closed Step Functions executions and their history are kept (AWS: 90 days, 2160h);\nolder ones are deleted in the background")
	fs.IntVar(&cfg.MaxWarmPerFunction, "max-warm-per-function", lambda.DefaultMaxWarmPerFunction,
		"most processes a function runs at once (its ReservedConcurrentExecutions if lower);\nan invocation beyond waits for a free one")
	pprofAddr := fs.String("pprof", "", "serve Go's profiles (/debug/pprof/) on this loopback address, e.g. 127.0.0.1:6060")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return fmt.Errorf("--log-level: %q is not debug, info, warn or error", level)
	}
	if cfg.TimeScale <= 0 {
		return fmt.Errorf("--time-scale: %v must be greater than 0", cfg.TimeScale)
	}
	if cfg.ExecutionRetention <= 0 {
		return fmt.Errorf("--execution-retention: %v must be greater than 0", cfg.ExecutionRetention)
	}
	if cfg.MaxWarmPerFunction < 1 {
		return fmt.Errorf("--max-warm-per-function: %d must be at least 1", cfg.MaxWarmPerFunction)
	}
	if *pprofAddr != "" {
		if err := servePprof(*pprofAddr); err != nil {
			return fmt.Errorf("--pprof: %w", err)
		}
	}
	cfg.EnvFile = *envFile
	if cfg.EnvFile == "" && !cfg.InMemory {
		cfg.EnvFile = filepath.Join(cfg.DataDir, "stack.env")
	}
	if *sampleCatalog {
		dataDir := cfg.DataDir
		if cfg.InMemory {
			dataDir = ""
		}
		cfg.Ready = sampleStack(dataDir, cfg.EnvFile)
	}
	for _, tag := range strings.Split(*buildTags, ",") {
		if tag = strings.TrimSpace(tag); tag != "" {
			cfg.BuildTags = append(cfg.BuildTags, tag)
		}
	}
	if err := installFaults(&cfg); err != nil {
		return err
	}
	cfg.Parameters = params
	cfg.FunctionEnv = fnEnv
	if !*enforceIAM {
		cfg.IAM = runtime.IAMOff
	}
	cfg.Log = runtime.NewLogger(os.Stderr, lv)
	cfg.Output = os.Stdout

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		// Once stopping, a second Ctrl-C ends the process at once.
		<-ctx.Done()
		stop()
	}()
	return runtime.Run(ctx, cfg)
}

// paramFlag collects repeated --param Name=Value flags.
type paramFlag map[string]string

func (p paramFlag) String() string { return "" }

func (p paramFlag) Set(s string) error {
	k, v, ok := strings.Cut(s, "=")
	if !ok || k == "" {
		return fmt.Errorf("want Name=Value, got %q", s)
	}
	p[k] = v
	return nil
}

// functionEnvFlag collects repeated --function-env function:KEY=VALUE flags.
type functionEnvFlag map[string]map[string]string

func (f functionEnvFlag) String() string { return "" }

func (f functionEnvFlag) Set(s string) error {
	fn, kv, ok := strings.Cut(s, ":")
	k, v, ok2 := strings.Cut(kv, "=")
	if !ok || !ok2 || fn == "" || k == "" {
		return fmt.Errorf("want function:KEY=VALUE, got %q", s)
	}
	if f[fn] == nil {
		f[fn] = map[string]string{}
	}
	f[fn][k] = v
	return nil
}
