package infra

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsstepfunctions"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/shopstream/shopstream/internal/config"
)

// Resources maps each config variable name to the resource it names: the
// value the variable is set to and how to grant a function access to it.
// Bind is the only place that turns a config.Function into environment and
// IAM, so the two cannot drift apart.
type Resources struct {
	byName map[string]resource
}

type resource struct {
	value *string
	grant func(fn awslambda.Function, a config.Access) // nil for a plain value
	kind  string
}

// NewResources returns Resources holding only the stage, the one value
// every function gets.
func NewResources(stage string) *Resources {
	r := &Resources{byName: map[string]resource{}}
	r.byName[config.Stage] = resource{value: jsii.String(stage), kind: "value"}
	return r
}

// AddTable binds name to t's table name; Read grants read data (including
// its indexes), ReadWrite grants read and write data.
func (r *Resources) AddTable(name string, t awsdynamodb.ITable) {
	r.byName[name] = resource{value: t.TableName(), kind: "table", grant: func(fn awslambda.Function, a config.Access) {
		if a == config.ReadWrite {
			t.GrantReadWriteData(fn)
		} else {
			t.GrantReadData(fn)
		}
	}}
}

// AddEventBus binds name to bus's name; only ReadWrite (put events) is
// meaningful, as nothing reads a bus directly.
func (r *Resources) AddEventBus(name string, bus awsevents.IEventBus) {
	r.byName[name] = resource{value: bus.EventBusName(), kind: "event bus", grant: func(fn awslambda.Function, a config.Access) {
		if a != config.ReadWrite {
			panic(fmt.Sprintf("infra: event bus %s: only read-write (put events) access exists", name))
		}
		bus.GrantPutEventsTo(fn, nil)
	}}
}

// AddStateMachine binds name to sm's ARN; Read grants describing its
// executions, ReadWrite also starting them. (StateMachine.GrantRead would
// add list and describe actions on every state machine and activity.)
func (r *Resources) AddStateMachine(name string, sm awsstepfunctions.IStateMachine) {
	r.byName[name] = resource{value: sm.StateMachineArn(), kind: "state machine", grant: func(fn awslambda.Function, a config.Access) {
		sm.GrantExecution(fn, jsii.String("states:DescribeExecution"))
		if a == config.ReadWrite {
			sm.GrantStartExecution(fn)
		}
		cdknag.NagSuppressions_AddResourceSuppressions(fn.Role(), &[]*cdknag.NagPackSuppression{{
			Id: jsii.String("AwsSolutions-IAM5"),
			Reason: jsii.String("Describing executions of this one state machine: each execution is named " +
				"after its checkout, so their ARNs are only known at run time."),
			AppliesTo: &[]interface{}{&cdknag.RegexAppliesTo{
				Regex: jsii.String(`/^Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:.*:\*$/g`),
			}},
		}}, jsii.Bool(true))
	}}
}

// AddQueue binds name to q's URL; Read grants consuming, ReadWrite sending.
func (r *Resources) AddQueue(name string, q awssqs.IQueue) {
	r.byName[name] = resource{value: q.QueueUrl(), kind: "queue", grant: func(fn awslambda.Function, a config.Access) {
		if a == config.ReadWrite {
			q.GrantSendMessages(fn)
		} else {
			q.GrantConsumeMessages(fn)
		}
	}}
}

// Bind sets each of f's variables on fn and grants the access it states.
// It panics, as CDK constructs do on invalid input, naming the function and
// the variable when a variable has no resource or a value is given access.
func (r *Resources) Bind(fn awslambda.Function, f config.Function) {
	for _, v := range f.Vars {
		res, ok := r.byName[v.Name]
		if !ok {
			panic(fmt.Sprintf("infra: function %s needs %s, but the stack binds no resource to it", f.Name, v.Name))
		}
		if (res.grant == nil) != (v.Access == config.Value) {
			panic(fmt.Sprintf("infra: function %s: %s is a %s, which cannot have %s access", f.Name, v.Name, res.kind, v.Access))
		}
		fn.AddEnvironment(jsii.String(v.Name), res.value, nil)
		if res.grant != nil {
			res.grant(fn, v.Access)
		}
	}
}
