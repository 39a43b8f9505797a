// Package stack turns a synthesized CloudFormation template into running
// local resources: it loads the cloud assembly, orders resources by their
// dependencies, resolves intrinsics and hands each resource to the
// Provisioner registered for its type.
package stack

import "context"

// Resource is one template resource with its Properties already resolved
// (no intrinsics left).
type Resource struct {
	LogicalID  string
	Type       string
	Properties map[string]any
	// Metadata is the resource's template Metadata (CDK stamps, asset paths).
	Metadata map[string]any
	// StackName is the deployed stack's name, for generated physical names
	// (see PhysicalName).
	StackName string
}

// Created is what a provisioned resource exposes to the rest of the
// template: Ref's value and the attributes Fn::GetAtt can read.
type Created struct {
	Ref   string
	Attrs map[string]any
}

// Provisioner creates the local form of the resource types it names.
// Create is called in dependency order, once per resource per start; it must
// be idempotent across restarts (state already in the data directory is
// kept, not recreated empty). Resources that do not depend on each other may
// be created concurrently (Options.Parallel), so Create must be safe for
// concurrent use.
type Provisioner interface {
	Types() []string
	Create(ctx context.Context, r Resource) (Created, error)
}

// InvokeResult is a Lambda invocation's outcome. A non-empty FunctionError
// ("Unhandled") means Payload is {"errorType","errorMessage"}.
type InvokeResult struct {
	Payload       []byte
	FunctionError string
}

// Invoker runs a Lambda function synchronously, by name or ARN. Services
// that trigger functions (event source mappings, EventBridge targets, Step
// Functions tasks) depend on this, not on the Lambda package.
type Invoker interface {
	Invoke(ctx context.Context, function string, payload []byte) (InvokeResult, error)
}

// AsyncInvoker hands a function an asynchronous (InvocationType Event)
// invocation: a nil error means Lambda accepted it, and Lambda's own
// retries and destinations take it from there. EventBridge targets use it.
type AsyncInvoker interface {
	InvokeAsync(ctx context.Context, function string, payload []byte) error
}
