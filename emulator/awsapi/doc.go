// Package awsapi is the local runtime's single loopback AWS endpoint. It
// speaks the AWS JSON 1.0/1.1 protocols: a request names its operation in the
// X-Amz-Target header ("DynamoDB_20120810.PutItem"), the service registered
// for that target prefix answers, and errors travel as {"__type","message"}
// bodies, so the AWS CLI and SDKs work against it unchanged. REST-style APIs
// (Lambda Invoke) mount plain http.Handlers on the same mux. Query-protocol
// services (SNS: form-encoded Action=... requests, XML responses) are
// routed by the SigV4 signing name of the request (see RegisterQuery).
//
// Authorization: with an Authorizer installed (package iam), the server
// identifies the caller of every request from its SigV4 credential (the
// access key the runtime issued to a function maps to that function's
// execution role; any other key is the administrator) and puts it in the
// request's context. Services call Authorize(ctx, action, resource,
// conditions) once per action and resource a request touches; code acting
// for a resource (a state machine's tasks, a mapping's polling) sets its
// principal with WithPrincipal before calling other services.
package awsapi
