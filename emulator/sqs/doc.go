// Package sqs is the local Amazon SQS: standard queues served over the AWS
// JSON 1.0 protocol (target prefix "AmazonSQS"), the protocol current SDKs
// speak, and provisioned from AWS::SQS::Queue and AWS::SQS::QueuePolicy.
//
// It keeps AWS's delivery contract: DelaySeconds, visibility timeouts,
// receipt handles that stop working once the message is received again,
// ApproximateReceiveCount, RedrivePolicy moving a message to the dead-letter
// queue on the receive that would exceed maxReceiveCount, retention expiry,
// the 256 KiB limit, and the MD5 digests the SDKs verify. ReceiveMessage long
// polls (up to 20 s) and wakes as soon as a message becomes available.
//
// Queues and messages live in memory and are written through to the shared
// state store (buckets "sqs/..."), so a restart keeps every message; one
// that was in flight reappears when its visibility timeout ends.
package sqs
