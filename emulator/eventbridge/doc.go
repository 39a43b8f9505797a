// Package eventbridge is the local Amazon EventBridge: event buses, rules
// and archives served over the AWS JSON 1.1 protocol (target prefix
// "AWSEvents") and provisioned from AWS::Events::EventBus, AWS::Events::Rule
// and AWS::Events::Archive.
//
// PutEvents wraps each entry in AWS's envelope (version, id, detail-type,
// source, account, time, region, resources, detail), matches it against the
// bus's rules with the full pattern language (package pattern) and records
// one delivery per matching target in an outbox in the state store before it
// answers, so an accepted event is never lost. Workers then deliver to SQS
// (after checking the queue policy, as AWS does), Lambda (an asynchronous
// invocation through a stack.AsyncInvoker) and Step Functions (StartExecution through the endpoint),
// applying Input, InputPath or InputTransformer, and retry with exponential
// backoff within the target's RetryPolicy before giving up to its
// DeadLetterConfig queue.
package eventbridge
