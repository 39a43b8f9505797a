// Command echofn is the apigateway package's real function: it decodes the
// proxy event with aws-lambda-go's type and answers with what it saw, a
// multi-value header and a base64-encoded body, exercising both directions
// of the proxy integration.
package main

import (
	"context"
	"encoding/base64"
	"encoding/json"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
)

func handle(_ context.Context, req events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
	seen, err := json.Marshal(map[string]any{
		"resource":       req.Resource,
		"path":           req.Path,
		"method":         req.HTTPMethod,
		"pathParameters": req.PathParameters,
		"query":          req.MultiValueQueryStringParameters,
		"body":           req.Body,
		"stage":          req.RequestContext.Stage,
	})
	if err != nil {
		return events.APIGatewayProxyResponse{}, err
	}
	return events.APIGatewayProxyResponse{
		StatusCode:        200,
		Headers:           map[string]string{"Content-Type": "application/json"},
		MultiValueHeaders: map[string][]string{"Set-Cookie": {"a=1", "b=2"}},
		Body:              base64.StdEncoding.EncodeToString(seen),
		IsBase64Encoded:   true,
	}, nil
}

func main() { lambda.Start(handle) }
