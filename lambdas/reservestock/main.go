// Command reservestock is the checkout workflow's ReserveStock task: it
// reserves one priced line's stock with a conditional append to the
// product's stream.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/shopstream/shopstream/internal/config"
	"github.com/shopstream/shopstream/internal/lambdaenv"
)

func main() {
	r := &Reserver{Commands: lambdaenv.TaskCommands(config.ReserveStock)}
	lambda.Start(r.Handle)
}
