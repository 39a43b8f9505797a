package infra

import (
	"fmt"
	"slices"

	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsstepfunctions"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/shopstream/shopstream/internal/config"
)

// Resources maps each config variable name to the resource it names: the
// value the variable is set to and how to grant a function each use of it.
// Bind is the only place that turns a config.Function into environment and
// IAM, so the two cannot drift apart: every statement it adds allows
// exactly the actions of one config.Use (Op.Actions) on exactly the
// resource that use reads or writes.
type Resources struct {
	byName map[string]resource
}

type resource struct {
	value *string
	// grant adds the statement of u to fn's role, or panics if the
	// resource has no such operation. nil for a plain value.
	grant func(fn awslambda.Function, f config.Function, u config.Use)
	kind  string
}

// NewResources returns Resources holding only the stage, the one value
// every function gets.
func NewResources(stage string) *Resources {
	r := &Resources{byName: map[string]resource{}}
	r.byName[config.Stage] = resource{value: jsii.String(stage), kind: "value"}
	return r
}

// statement allows actions on resources, under conditions (nil for none).
func statement(actions []string, resources []string, conditions map[string]any) awsiam.PolicyStatement {
	props := &awsiam.PolicyStatementProps{
		Actions:   jsii.Strings(actions...),
		Resources: jsii.Strings(resources...),
	}
	if conditions != nil {
		props.Conditions = &conditions
	}
	return awsiam.NewPolicyStatement(props)
}

// unsupported panics, as CDK constructs do on invalid input, naming the
// function, the resource and the operation.
func unsupported(f config.Function, name, kind string, u config.Use) {
	panic(fmt.Sprintf("infra: function %s: %s names a %s, which has no operation %s", f.Name, name, kind, u))
}

// LeadingKeysCondition limits a DynamoDB statement to items whose partition
// key starts with one of prefixes. Every action it is used with (GetItem,
// PutItem, Query, and PutItem for each Put of a transaction) names its
// partition key, so the ForAllValues set is never empty.
func LeadingKeysCondition(prefixes []string) map[string]any {
	patterns := make([]string, len(prefixes))
	for i, p := range prefixes {
		patterns[i] = p + "*"
	}
	return map[string]any{"ForAllValues:StringLike": map[string]any{"dynamodb:LeadingKeys": patterns}}
}

// AddTable binds name to t's table name. indexes are the secondary indexes
// of t a use may query; the event store's global index must be among them
// for config.OpReadAll. Each use is granted on the table, or on its index's
// ARN, never on index/*; event-store uses that name stream prefixes are
// scoped to them with LeadingKeysCondition. The global index is not: its
// partition key is a month bucket that every stream writes to.
func (r *Resources) AddTable(name string, t awsdynamodb.ITable, indexes ...string) {
	r.byName[name] = resource{value: t.TableName(), kind: "table", grant: func(fn awslambda.Function, f config.Function, u config.Use) {
		index := u.Index
		switch u.Op {
		case config.OpLoad, config.OpAppend, config.OpQuery, config.OpScan, config.OpPut:
		case config.OpReadAll:
			index = EventsGlobalIndex
		default:
			unsupported(f, name, "table", u)
		}
		arn := *t.TableArn()
		if index != "" {
			if !slices.Contains(indexes, index) {
				panic(fmt.Sprintf("infra: function %s: %s: the table has no index %q (it has %v)", f.Name, name, index, indexes))
			}
			arn += "/index/" + index
		}
		var cond map[string]any
		if len(u.Streams) > 0 {
			cond = LeadingKeysCondition(u.Streams)
		}
		fn.AddToRolePolicy(statement(u.Op.Actions(), []string{arn}, cond))
	}}
}

// AddEventBus binds name to bus's name. Putting events is allowed only with
// the given sources (the events:source condition), so a function cannot
// pose as another system on the bus.
func (r *Resources) AddEventBus(name string, bus awsevents.IEventBus, sources []string) {
	r.byName[name] = resource{value: bus.EventBusName(), kind: "event bus", grant: func(fn awslambda.Function, f config.Function, u config.Use) {
		if u.Op != config.OpPutEvents {
			unsupported(f, name, "event bus", u)
		}
		fn.AddToRolePolicy(statement(u.Op.Actions(), []string{*bus.EventBusArn()},
			map[string]any{"StringEquals": map[string]any{"events:source": sources}}))
	}}
}

// AddStateMachine binds name to sm's ARN: starting executions is granted on
// the machine, describing them on its executions. (StateMachine.GrantRead
// would add list and describe actions on every state machine and activity.)
func (r *Resources) AddStateMachine(name string, sm awsstepfunctions.IStateMachine) {
	r.byName[name] = resource{value: sm.StateMachineArn(), kind: "state machine", grant: func(fn awslambda.Function, f config.Function, u config.Use) {
		switch u.Op {
		case config.OpStartExecution:
			sm.GrantStartExecution(fn)
		case config.OpDescribeExecution:
			sm.GrantExecution(fn, jsii.String("states:DescribeExecution"))
			cdknag.NagSuppressions_AddResourceSuppressions(fn.Role(), &[]*cdknag.NagPackSuppression{{
				Id: jsii.String("AwsSolutions-IAM5"),
				Reason: jsii.String("Describing executions of this one state machine: each execution is named " +
					"after its checkout, so their ARNs are only known at run time."),
				AppliesTo: &[]interface{}{&cdknag.RegexAppliesTo{
					Regex: jsii.String(`/^Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:.*:\*$/g`),
				}},
			}}, jsii.Bool(true))
		default:
			unsupported(f, name, "state machine", u)
		}
	}}
}

// AddQueue binds name to q's URL; only sending is a use (consumers get
// their grant from their event source mapping).
func (r *Resources) AddQueue(name string, q awssqs.IQueue) {
	r.byName[name] = resource{value: q.QueueUrl(), kind: "queue", grant: func(fn awslambda.Function, f config.Function, u config.Use) {
		if u.Op != config.OpSendMessage {
			unsupported(f, name, "queue", u)
		}
		fn.AddToRolePolicy(statement(u.Op.Actions(), []string{*q.QueueArn()}, nil))
	}}
}

// Bind sets each of f's variables on fn and grants each of its uses. It
// panics, as CDK constructs do on invalid input, naming the function and
// the variable when a variable has no resource, a value has uses, a
// resource has none, or a use is not an operation of its resource.
func (r *Resources) Bind(fn awslambda.Function, f config.Function) {
	for _, v := range f.Vars {
		res, ok := r.byName[v.Name]
		if !ok {
			panic(fmt.Sprintf("infra: function %s needs %s, but the stack binds no resource to it", f.Name, v.Name))
		}
		if (res.grant == nil) != (len(v.Uses) == 0) {
			panic(fmt.Sprintf("infra: function %s: %s is a %s, which cannot have uses %v", f.Name, v.Name, res.kind, v.Uses))
		}
		fn.AddEnvironment(jsii.String(v.Name), res.value, nil)
		for _, u := range v.Uses {
			res.grant(fn, f, u)
		}
	}
}
