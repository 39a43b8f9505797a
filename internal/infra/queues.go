package infra

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// failureRetentionDays is how long dead letters wait for an operator:
// SQS's maximum, so a long weekend does not lose a failed order.
const failureRetentionDays = 14

// newSecureQueue creates a queue with SQS-managed encryption that refuses
// non-TLS requests. props may be nil.
func newSecureQueue(scope constructs.Construct, id string, props *awssqs.QueueProps) awssqs.Queue {
	if props == nil {
		props = &awssqs.QueueProps{}
	}
	props.Encryption = awssqs.QueueEncryption_SQS_MANAGED
	props.EnforceSSL = jsii.Bool(true)
	return awssqs.NewQueue(scope, jsii.String(id), props)
}

// newFailureQueue creates a queue that holds what a consumer finally gave
// up on, for inspection and redrive.
func newFailureQueue(scope constructs.Construct, id string) awssqs.Queue {
	q := newSecureQueue(scope, id, &awssqs.QueueProps{RetentionPeriod: awscdk.Duration_Days(jsii.Number(failureRetentionDays))})
	cdknag.NagSuppressions_AddResourceSuppressions(q, &[]*cdknag.NagPackSuppression{{
		Id: jsii.String("AwsSolutions-SQS3"),
		Reason: jsii.String("This queue is itself a failure destination (a Lambda on-failure destination, " +
			"an EventBridge target's dead-letter queue or a redrive target); cdk-nag only recognises the last."),
	}}, jsii.Bool(true))
	return q
}
