// Package dynamodb is the local runtime's DynamoDB and DynamoDB Streams.
//
// It serves the DynamoDB_20120810 and DynamoDBStreams_20120810 JSON APIs on
// the shared awsapi endpoint (Register), provisions AWS::DynamoDB::Table and
// AWS::DynamoDB::GlobalTable resources from a template (Provisioner), and
// keeps tables, items and stream records in memory (sorted per partition,
// so Query is a binary search) written through to the shared bbolt store
// under buckets prefixed "dynamodb/", so a restart keeps everything.
//
// One lock orders all writes: a transaction is atomic with respect to every
// other write, and stream sequence numbers follow commit order. Stored
// items are immutable; a write replaces the item, which lets readers
// encode responses without copying.
//
// Streams have one shard per table and keep records for Retention. Besides
// the JSON API, in-process consumers (the event source mapping) can use
// ReadStream, whose channel is closed when a newer record arrives, to wait
// for records without polling.
//
// Expressions are parsed by the expr sub-package and attribute values are
// modelled by attr; both return DynamoDB's own error messages.
package dynamodb
