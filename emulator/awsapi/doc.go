// Package awsapi is the local runtime's single loopback AWS endpoint. It
// speaks the AWS JSON 1.0/1.1 protocols: a request names its operation in the
// X-Amz-Target header ("DynamoDB_20120810.PutItem"), the service registered
// for that target prefix answers, and errors travel as {"__type","message"}
// bodies, so the AWS CLI and SDKs work against it unchanged. REST-style APIs
// (Lambda Invoke) mount plain http.Handlers on the same mux.
package awsapi
