package infra

import (
	"fmt"
	"regexp"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/shopstream/shopstream/internal/config"
	"github.com/shopstream/shopstream/workflows"
)

// DefaultStage is the stage used when the context does not name one.
const DefaultStage = "dev"

// stagePattern keeps a stage usable in stack names, API stage names and
// CloudFormation-generated physical names.
var stagePattern = regexp.MustCompile(`^[a-z][a-z0-9-]{0,19}$`)

// ValidateStage reports why stage cannot name a deployment, or nil.
func ValidateStage(stage string) error {
	if !stagePattern.MatchString(stage) {
		return fmt.Errorf("stage %q: must be 1-20 lowercase letters, digits or '-', starting with a letter", stage)
	}
	return nil
}

// StackName returns the stack's name for stage, so stages deploy side by
// side in one account.
func StackName(stage string) string { return "Shopstream-" + stage }

// StackProps configure NewStack.
type StackProps struct {
	awscdk.StackProps
	Stage string
	// Production marks a production deployment: NewStack then refuses the
	// simulated payment gateway (see CheckPaymentGateway).
	Production bool
	// PaymentGateway names the gateway AuthorizePayment calls; "" is
	// GatewaySimulated, the only one there is.
	PaymentGateway string
	// Bundler builds the functions; NewStackBundler makes the usual one.
	Bundler *Bundler
	// AlarmEmail, if not "", is subscribed to the alarm topic (the CDK
	// context value alarmEmail; see ValidateAlarmEmail).
	AlarmEmail string
}

// Stack is the whole pipeline. Its fields let tests and the app reach the
// parts; every physical name is left to CloudFormation.
type Stack struct {
	awscdk.Stack
	Events     awsdynamodb.Table
	ReadModels *ReadModels
	EventBus   *EventBus
	Ordering   *Ordering
	Catalog    *CatalogProjection
	Checkout   *workflows.Checkout
	Sweeper    *CheckoutSweeper
	Identity   *Identity
	API        *API
	// Secret keys card tokens and paging cursors (NewDeploymentSecret).
	Secret awssecretsmanager.Secret
	// Monitoring is the alarms, their topic and the dashboard.
	Monitoring *Monitoring
}

// StackPackages returns the Go package of every function of the stack.
func StackPackages() []string {
	var pkgs []string
	for _, f := range config.Functions() {
		pkgs = append(pkgs, f.Package())
	}
	return pkgs
}

// NewStackBundler returns a Bundler for every function of the stack, in the
// module rooted at root, keeping its builds in buildDir (see NewBundler).
func NewStackBundler(root, buildDir string) *Bundler {
	return NewBundler(root, buildDir, StackPackages()...)
}

// NewStack creates the stack named StackName(props.Stage). It panics on an
// invalid stage, a production stage with the simulated payment gateway or
// an invalid alarm e-mail, as CDK constructs do on invalid input; check them
// with ValidateStage, CheckPaymentGateway and ValidateAlarmEmail first to
// report them as errors.
func NewStack(scope constructs.Construct, props *StackProps) *Stack {
	if err := ValidateStage(props.Stage); err != nil {
		panic(err)
	}
	if err := CheckPaymentGateway(props.Stage, props.Production, props.PaymentGateway); err != nil {
		panic(err)
	}
	if err := ValidateAlarmEmail(props.AlarmEmail); err != nil {
		panic(err)
	}
	sp := props.StackProps
	if sp.Description == nil {
		sp.Description = jsii.String("shopstream: event-sourced ordering pipeline (" + props.Stage + ")")
	}
	stack := awscdk.NewStack(scope, jsii.String(StackName(props.Stage)), &sp)
	awscdk.Tags_Of(stack).Add(jsii.String("app"), jsii.String("shopstream"), nil)
	awscdk.Tags_Of(stack).Add(jsii.String("stage"), jsii.String(props.Stage), nil)

	resources := NewResources(props.Stage)
	fns := &FunctionFactory{Bundler: props.Bundler, Resources: resources}

	events := NewEventStoreTable(stack, "Events")
	readModels := NewReadModels(stack, "ReadModels")
	resources.AddTable(config.EventsTable, events, EventsGlobalIndex)
	resources.AddTable(config.CatalogTable, readModels.Catalog, CatalogByCategory)
	resources.AddTable(config.OrdersTable, readModels.Orders, OrdersByOrderID)
	secret := NewDeploymentSecret(stack, "DeploymentSecret")
	resources.AddSecret(config.DeploymentSecretARN, secret)

	bus := NewEventBus(stack, "EventBus", events, fns)
	ordering := NewOrdering(stack, "Ordering", bus.Bus, fns)
	catalog := NewCatalogProjection(stack, "CatalogProjection", bus.Bus, fns)

	tasks := constructs.NewConstruct(stack, jsii.String("CheckoutTasks"))
	checkout := workflows.NewCheckout(stack, "Checkout", workflows.CheckoutTasks{
		PriceBasket:          fns.New(tasks, config.PriceBasket, FunctionOptions{}),
		ReserveStock:         fns.New(tasks, config.ReserveStock, FunctionOptions{}),
		AuthorizePayment:     fns.New(tasks, config.AuthorizePayment, FunctionOptions{}),
		ConfirmCheckout:      fns.New(tasks, config.ConfirmCheckout, FunctionOptions{}),
		ReleaseStock:         fns.New(tasks, config.ReleaseStock, FunctionOptions{}),
		RecordCheckoutFailed: fns.New(tasks, config.RecordCheckoutFailed, FunctionOptions{}),
	})
	resources.AddStateMachine(config.CheckoutStateMachineARN, checkout.StateMachine)
	sweeper := NewCheckoutSweeper(stack, "CheckoutSweeper", checkout.StateMachine, fns)
	nameVendedLogs(checkout.Logs, StateMachineLogsPrefix, "checkout")

	identity := NewIdentity(stack, "Identity")
	api := NewAPI(stack, "Api", props.Stage, identity.UserPool, fns)

	// Last, once every function exists: each one gets its alarms. A new
	// failure queue belongs in this list (a test fails until it is).
	failureQueues := []FailureQueue{
		{"OrderDLQ", ordering.DLQ, "orders the ordering function failed " + fmt.Sprint(orderMaxReceiveCount) + " times", RunbookOrderDLQ},
		{"OrderDeliveryFailures", ordering.DeliveryFailures, "checked-out baskets EventBridge could not put on the order queue", RunbookOrderDeliveryFailures},
		{"PublishFailures", bus.PublishFailures, "event store stream records the publisher could not put on the bus", RunbookPublishFailures},
		{"CatalogDeliveryFailures", catalog.DeliveryFailures, "product events EventBridge could not deliver to the catalog projection", RunbookCatalogDeliveryFailures},
		{"ProjectionFailures", catalog.ProjectionFailures, "product events the catalog projection failed on after its retries", RunbookProjectionFailures},
		{"SweepFailures", sweeper.Failures, "ended checkouts the sweeper could not unlock after its retries", RunbookSweepFailures},
	}
	monitoring := NewMonitoring(stack, "Monitoring", MonitoringProps{
		Stage:         props.Stage,
		AlarmEmail:    props.AlarmEmail,
		FailureQueues: failureQueues,
		Functions:     fns.Functions(),
		Publisher:     bus.Publisher,
		Checkout:      checkout.StateMachine,
		OrderQueue:    ordering.Queue,
		API:           api.RestAPI,
	})

	awscdk.NewCfnOutput(stack, jsii.String("ApiUrl"), &awscdk.CfnOutputProps{
		Value:       api.RestAPI.Url(),
		Description: jsii.String("Base URL of the REST API"),
	})
	// Clients sign in with these; the local runtime writes them to
	// stack.env as USER_POOL_ID and USER_POOL_CLIENT_ID.
	awscdk.NewCfnOutput(stack, jsii.String("UserPoolId"), &awscdk.CfnOutputProps{
		Value:       identity.UserPool.UserPoolId(),
		Description: jsii.String("Cognito user pool of the shop's users"),
	})
	awscdk.NewCfnOutput(stack, jsii.String("UserPoolClientId"), &awscdk.CfnOutputProps{
		Value:       identity.Client.UserPoolClientId(),
		Description: jsii.String("App client for sign-in (public: no secret)"),
	})
	awscdk.NewCfnOutput(stack, jsii.String("CheckoutStateMachineArn"), &awscdk.CfnOutputProps{
		Value: checkout.StateMachine.StateMachineArn(),
	})
	awscdk.NewCfnOutput(stack, jsii.String("EventBusName"), &awscdk.CfnOutputProps{
		Value: bus.Bus.EventBusName(),
	})
	// The runbook's commands reach the queues and the alarm topic by these
	// (locally: ORDER_QUEUE_URL, ORDER_DLQ_URL, … in stack.env).
	awscdk.NewCfnOutput(stack, jsii.String("OrderQueueUrl"), &awscdk.CfnOutputProps{Value: ordering.Queue.QueueUrl()})
	for _, q := range failureQueues {
		awscdk.NewCfnOutput(stack, jsii.String(q.Name+"Url"), &awscdk.CfnOutputProps{
			Value:       q.Queue.QueueUrl(),
			Description: jsii.String("Failure queue: " + q.What),
		})
	}
	awscdk.NewCfnOutput(stack, jsii.String("AlarmTopicArn"), &awscdk.CfnOutputProps{Value: monitoring.Topic.TopicArn()})
	awscdk.NewCfnOutput(stack, jsii.String("DashboardName"), &awscdk.CfnOutputProps{Value: monitoring.Dashboard.DashboardName()})
	// The table names let shopstream-audit reach the event store and the
	// read models: each output key, in UPPER_SNAKE_CASE, is the variable
	// internal/config reads (EventsTable → EVENTS_TABLE).
	for _, o := range []struct {
		key   string
		table awsdynamodb.Table
	}{{"EventsTable", events}, {"CatalogTable", readModels.Catalog}, {"OrdersTable", readModels.Orders}} {
		awscdk.NewCfnOutput(stack, jsii.String(o.key), &awscdk.CfnOutputProps{Value: o.table.TableName()})
	}

	return &Stack{Stack: stack, Events: events, ReadModels: readModels, EventBus: bus,
		Ordering: ordering, Catalog: catalog, Checkout: checkout, Sweeper: sweeper, Identity: identity, API: api, Secret: secret, Monitoring: monitoring}
}

// StateMachineLogsPrefix starts the name of every state machine's log
// group. CloudWatch Logs lets Step Functions deliver to a log group through
// a resource policy, whose size is limited (5,120 characters per policy, 10
// policies per account and region); under /aws/vendedlogs/ one
// policy entry covers every log group, so stages and state machines can be
// added without ever reaching that limit.
const StateMachineLogsPrefix = "/aws/vendedlogs/states/"

// nameVendedLogs names logs prefix + the stack name + "-" + suffix: the
// stack name keeps two stages (two stacks) in one region apart, as
// generated names would.
func nameVendedLogs(logs awslogs.LogGroup, prefix, suffix string) {
	name := awscdk.Fn_Join(jsii.String(""), &[]*string{jsii.String(prefix), awscdk.Aws_STACK_NAME(), jsii.String("-" + suffix)})
	logs.Node().DefaultChild().(awslogs.CfnLogGroup).SetLogGroupName(name)
}
