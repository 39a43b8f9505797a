// Command testfn is the lambda package's test function: its payload's "op"
// picks a behaviour (echo, fail, flaky, sleep, hold, crash, exit, env,
// pid, tags, log).
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
)

// TestError is returned by op "fail"; AWS reports its Go type name as the
// errorType.
type TestError struct{ Reason string }

func (e *TestError) Error() string { return "test failure: " + e.Reason }

type request struct {
	Op    string          `json:"op"`
	Value json.RawMessage `json:"value,omitempty"`
	MS    int             `json:"ms,omitempty"`
	File  string          `json:"file,omitempty"`
	Fails int             `json:"fails,omitempty"`
}

func handle(ctx context.Context, req request) (any, error) {
	switch req.Op {
	case "echo":
		return req.Value, nil
	case "fail":
		return nil, &TestError{Reason: string(req.Value)}
	case "sleep":
		time.Sleep(time.Duration(req.MS) * time.Millisecond)
		return "slept", nil
	case "hold":
		// Holds the process until File exists (or the context ends), so a
		// test decides when the invocation finishes.
		for {
			if _, err := os.Stat(req.File); err == nil {
				return "released", nil
			}
			select {
			case <-ctx.Done():
				return nil, ctx.Err()
			case <-time.After(5 * time.Millisecond):
			}
		}
	case "crash":
		fmt.Println("crashing now")
		os.Exit(2)
	case "exit":
		os.Exit(0)
	case "env":
		env := map[string]string{}
		for _, kv := range os.Environ() {
			k, v, _ := strings.Cut(kv, "=")
			env[k] = v
		}
		return env, nil
	case "flaky":
		// Appends one line per call to File and fails the first Fails
		// calls, so retries can be counted across processes and restarts.
		f, err := os.OpenFile(req.File, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
		if err != nil {
			return nil, err
		}
		_, err = fmt.Fprintln(f, time.Now().UnixMilli())
		f.Close()
		raw, _ := os.ReadFile(req.File)
		n := strings.Count(string(raw), "\n")
		if err != nil || n <= req.Fails {
			return nil, &TestError{Reason: fmt.Sprintf("call %d", n)}
		}
		return map[string]int{"call": n}, nil
	case "tags":
		return builtWith, nil
	case "log":
		var line string
		_ = json.Unmarshal(req.Value, &line)
		fmt.Println(line)
		fmt.Fprintln(os.Stderr, "and to stderr")
		return "logged", nil
	case "pid":
		lc, _ := lambdacontext.FromContext(ctx)
		deadline, _ := ctx.Deadline()
		return map[string]any{"pid": os.Getpid(), "requestId": lc.AwsRequestID, "arn": lc.InvokedFunctionArn, "deadlineInMs": time.Until(deadline).Milliseconds()}, nil
	}
	return nil, fmt.Errorf("unknown op %q", req.Op)
}

func main() {
	switch os.Getenv("TESTFN_INIT") {
	case "exit":
		fmt.Fprintln(os.Stderr, "init failed on purpose")
		os.Exit(1)
	case "init-error":
		// A custom runtime reports a failed init through the Runtime API.
		url := "http://" + os.Getenv("AWS_LAMBDA_RUNTIME_API") + "/2018-06-01/runtime/init/error"
		req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(`{"errorType":"ConfigError","errorMessage":"EVENTS_TABLE is not set"}`))
		req.Header.Set("Lambda-Runtime-Function-Error-Type", "ConfigError")
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
		}
		os.Exit(1)
	}
	lambda.Start(handle)
}
