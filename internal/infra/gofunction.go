package infra

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/shopstream/shopstream/emulator/gopackage"
	"github.com/shopstream/shopstream/internal/config"
)

// Defaults for functions that do not say otherwise.
const (
	DefaultTimeoutSeconds = 10
	DefaultMemoryMiB      = 256
)

// FunctionFactory makes the stack's Go functions: the same runtime,
// architecture, bundling, tracing and logging for all, and each one's
// environment and grants from its config.Function.
type FunctionFactory struct {
	Bundler   *Bundler
	Resources *Resources

	created []NamedFunction
}

// NamedFunction is a function New created and its config.Function name.
type NamedFunction struct {
	Name     string
	Function awslambda.Function
}

// Functions returns every function New created, in order: what the
// stack's monitoring watches, so a function added through the factory is
// watched too.
func (ff *FunctionFactory) Functions() []NamedFunction { return ff.created }

// FunctionOptions are the per-function settings; zero values mean the
// defaults.
type FunctionOptions struct {
	TimeoutSeconds float64
	MemoryMiB      float64
}

// New creates f as a provided.al2023 arm64 function in scope, with the id
// of f's name, a log group of its own, active tracing, f's environment and
// f's grants. Resources f needs must be added to the factory's Resources
// first.
func (ff *FunctionFactory) New(scope constructs.Construct, f config.Function, opts FunctionOptions) awslambda.Function {
	if opts.TimeoutSeconds == 0 {
		opts.TimeoutSeconds = DefaultTimeoutSeconds
	}
	if opts.MemoryMiB == 0 {
		opts.MemoryMiB = DefaultMemoryMiB
	}
	id := f.Name
	logs := awslogs.NewLogGroup(scope, jsii.String(id+"Logs"), &awslogs.LogGroupProps{
		Retention:     awslogs.RetentionDays_ONE_MONTH,
		RemovalPolicy: awscdk.RemovalPolicy_DESTROY,
	})
	// A role of its own instead of AWSLambdaBasicExecutionRole, whose log
	// permissions cover every log group in the account.
	role := awsiam.NewRole(scope, jsii.String(id+"Role"), &awsiam.RoleProps{
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil),
		Description: jsii.String("shopstream " + f.Name + ": exactly the grants of its config variables"),
	})
	logs.GrantWrite(role)
	fn := awslambda.NewFunction(scope, jsii.String(id), &awslambda.FunctionProps{
		Role:          role,
		Description:   jsii.String("shopstream " + f.Name + " (" + f.Package() + ")"),
		Runtime:       awslambda.Runtime_PROVIDED_AL2023(),
		Architecture:  awslambda.Architecture_ARM_64(),
		Handler:       jsii.String("bootstrap"),
		Code:          ff.Bundler.Code(f.Package()),
		Timeout:       awscdk.Duration_Seconds(jsii.Number(opts.TimeoutSeconds)),
		MemorySize:    jsii.Number(opts.MemoryMiB),
		Tracing:       awslambda.Tracing_ACTIVE,
		LogGroup:      logs,
		LoggingFormat: awslambda.LoggingFormat_JSON,
	})
	fn.Node().DefaultChild().(awscdk.CfnResource).AddMetadata(jsii.String(gopackage.MetadataKey), f.Package())
	ff.Resources.Bind(fn, f)
	ff.created = append(ff.created, NamedFunction{Name: f.Name, Function: fn})
	cdknag.NagSuppressions_AddResourceSuppressions(role, &[]*cdknag.NagPackSuppression{{
		Id: jsii.String("AwsSolutions-IAM5"),
		Reason: jsii.String("Resource::* is allowed only for actions that support no resource-level " +
			"permissions: xray:PutTraceSegments and xray:PutTelemetryRecords (active tracing, every " +
			"function) and dynamodb:ListStreams (the publisher's stream event source); the stack's " +
			"tests fail if any other action gets it."),
		AppliesTo: &[]interface{}{"Resource::*"},
	}}, jsii.Bool(true))
	return fn
}
