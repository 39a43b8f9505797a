// Command confirmcheckout is the checkout workflow's ConfirmCheckout task:
// it appends BasketCheckedOut, which becomes an order.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/shopstream/shopstream/internal/config"
	"github.com/shopstream/shopstream/internal/lambdaenv"
)

func main() {
	c := &Confirmer{Commands: lambdaenv.TaskCommands(config.ConfirmCheckout)}
	lambda.Start(c.Handle)
}
