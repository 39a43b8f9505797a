// Command pidfn answers every API request with its process id, so the
// shopstream-local test can check that stopping the runtime ends it.
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
)

func handle(context.Context, events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
	return events.APIGatewayProxyResponse{StatusCode: 200, Body: fmt.Sprintf(`{"pid":%d}`, os.Getpid())}, nil
}

func main() { lambda.Start(handle) }
