// Package asl is an Amazon States Language interpreter: it parses and
// validates a state machine definition and runs it against an input.
//
// It is pure Go with no AWS dependency. Everything outside the language is
// injected: the Clock (so Wait and Retry can be tested without sleeping),
// the TaskRunner that performs Task states, and the Emit callback that
// receives history events named as Step Functions' GetExecutionHistory
// names them. The local Step Functions service wires these to Lambda and
// the other emulated services.
//
// Paths follow Step Functions' JSONPath: a definite path ("$.a.b",
// "$.a[0]", "$['x']") selects one value and fails when it is missing; an
// indefinite one ("$..x", "$.a[*]", filters, slices) selects an array of
// matches. Values are the generic JSON tree: nil, bool, int64, float64,
// string, []any and map[string]any.
package asl
