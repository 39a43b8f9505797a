// Package apigateway is the local API Gateway REST (v1) service. It
// provisions AWS::ApiGateway::RestApi, Resource, Method, Deployment and
// Stage resources into a routing table and serves every stage over HTTP at
// /<stage>/..., as https://<id>.execute-api.<region>.amazonaws.com/<stage>/...
// would: Lambda proxy integrations receive the event AWS sends (see
// events.APIGatewayProxyRequest) and their response is mapped back the way
// API Gateway maps it, including its error answers (403 Missing
// Authentication Token, 413, 502 Internal server error, 504).
//
// Methods with AuthorizationType COGNITO_USER_POOLS are guarded as AWS
// guards them: the AWS::ApiGateway::Authorizer's IdentitySource header
// must hold a token from one of its ProviderARNs' user pools (checked by
// Options.Verifier, the local Cognito) — an ID token, or with
// AuthorizationScopes an access token carrying one of the scopes — or the
// request is refused with 401 {"message":"Unauthorized"} ({"message":"The
// incoming token has expired"} for an expired one); the function receives
// the claims in requestContext.authorizer.claims, encoded as strings as
// AWS encodes them (see authorizer.go). Lambda (TOKEN, REQUEST) authorizers
// and AWS_IAM are announced and not enforced.
package apigateway
