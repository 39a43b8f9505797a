// Command releasestock is the checkout workflow's ReleaseStock task: when
// a checkout fails after reserving, it gives the reserved stock back.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/shopstream/shopstream/internal/config"
	"github.com/shopstream/shopstream/internal/lambdaenv"
)

func main() {
	r := &Releaser{Commands: lambdaenv.TaskCommands(config.ReleaseStock)}
	lambda.Start(r.Handle)
}
