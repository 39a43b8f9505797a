// Package esm runs AWS::Lambda::EventSourceMapping resources locally: it
// polls DynamoDB Streams and SQS queues through the endpoint's JSON APIs
// (in-process, via a Caller such as *awsapi.Server) and invokes functions
// through a stack.Invoker with the batches AWS would send.
//
// Semantics follow AWS's: batch size and batching window;
// ReportBatchItemFailures with the response shapes Lambda treats as full
// success or full failure; for streams, records in order per shard,
// BisectBatchOnFunctionError, MaximumRetryAttempts, MaximumRecordAgeInSeconds
// and an SQS on-failure destination, with the last processed sequence number
// checkpointed in the state store so a restart resumes where it stopped; for
// SQS, successful messages deleted and failed ones left to reappear after the
// visibility timeout (the queue's redrive policy then moves them to the DLQ).
// FilterCriteria patterns are evaluated with the EventBridge pattern matcher.
package esm
