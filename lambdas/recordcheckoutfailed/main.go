// Command recordcheckoutfailed is the checkout workflow's
// RecordCheckoutFailed task: it appends CheckoutFailed with the reason,
// which unlocks the basket.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/shopstream/shopstream/internal/config"
	"github.com/shopstream/shopstream/internal/lambdaenv"
)

func main() {
	r := &Recorder{Commands: lambdaenv.TaskCommands(config.RecordCheckoutFailed)}
	lambda.Start(r.Handle)
}
