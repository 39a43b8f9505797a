// Package audit answers "what happened, and do the read models say so?":
// it prints a stream's history, rebuilds every read model from the event
// store and reports each difference from the stored rows, and lists checkout
// executions step by step. cmd/shopstream-audit is its command line.
package audit
