// Package apigateway is the local API Gateway REST (v1) service. It
// provisions AWS::ApiGateway::RestApi, Resource, Method, Deployment and
// Stage resources into a routing table and serves every stage over HTTP at
// /<stage>/..., as https://<id>.execute-api.<region>.amazonaws.com/<stage>/...
// would: Lambda proxy integrations receive the event AWS sends (see
// events.APIGatewayProxyRequest) and their response is mapped back the way
// API Gateway maps it, including its error answers (403 Missing
// Authentication Token, 413, 502 Internal server error, 504).
package apigateway
