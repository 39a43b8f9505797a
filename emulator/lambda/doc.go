// Package lambda is the local Lambda service. It provisions
// AWS::Lambda::Function resources by building each function's Go package
// for the host (cached by a hash of its sources), runs the binaries as child
// processes that talk to a per-process Lambda Runtime API on 127.0.0.1, and
// serves the Lambda Invoke REST API on the shared endpoint.
//
// Behaviour follows AWS where a caller can observe it: warm processes are
// reused, concurrent invocations start more processes up to a per-function
// limit (callers beyond it wait), a timed-out invocation kills its process
// and returns "Task timed out", and a process that exits mid-invocation
// fails that invocation with Runtime.ExitError and is replaced next time.
//
// With Config.Logs set, a function's output also goes to CloudWatch Logs
// as AWS sends it: its log group (LoggingConfig.LogGroup, else
// /aws/lambda/<name>), one stream per process, each line under the request
// id it was written for, between Lambda's START and END/REPORT lines (text,
// or JSON platform records with LogFormat JSON). The runtime keeps its own
// ends of the output pipes to put a marker behind an answered invocation's
// output, so every line is delivered before END (see pipes).
//
// Asynchronous (Event) invocations go through a queue kept in the state
// store (async.go): AWS's retries and maximum event age, configured by
// AWS::Lambda::EventInvokeConfig (eventinvoke.go), and invocation records
// sent to SQS destinations with the function's execution role
// (destination.go).
package lambda
