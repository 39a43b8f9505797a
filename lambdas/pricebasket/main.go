// Command pricebasket is the checkout workflow's PriceBasket task: it locks
// the basket for the checkout and prices its items from the catalog's
// event streams.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/shopstream/shopstream/internal/config"
	"github.com/shopstream/shopstream/internal/lambdaenv"
)

func main() {
	p := &Pricer{Commands: lambdaenv.TaskCommands(config.PriceBasket)}
	lambda.Start(p.Handle)
}
