// Package sns is the local Amazon SNS: topics, their subscriptions and
// Publish, enough for CloudWatch alarm actions and the stack's topics.
// Deliveries: protocol sqs sends the SNS envelope (or, with
// RawMessageDelivery, the bare message) to the emulator's queue when the
// queue's policy allows sns.amazonaws.com for the topic; email and
// email-json are "delivered" by appending one JSON line per message to a
// file in the data directory (sns-email.log) and logging it. Other
// protocols are refused with an error naming them. The API is the query
// protocol (form-encoded requests, XML responses) the AWS CLI and SDKs
// speak.
package sns
