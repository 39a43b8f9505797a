// Command basketapi serves the /basket and /checkout routes: basket
// commands append basket events; a checkout starts the checkout workflow,
// named after the checkout id, and GET /checkout/{id} reports on it.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/shopstream/shopstream/internal/config"
	"github.com/shopstream/shopstream/internal/httpapi"
	"github.com/shopstream/shopstream/internal/lambdaenv"
	"github.com/shopstream/shopstream/internal/payment"
)

func main() {
	cfg, awsCfg := lambdaenv.Load(config.BasketAPI)
	commands := lambdaenv.Commands(dynamodb.NewFromConfig(awsCfg), cfg.EventsTable)
	// One secret keys both; a card token and a cursor MAC are domain-
	// separated by their prefixes, so neither can stand for the other.
	key := lambdaenv.Secret(awsCfg, cfg.DeploymentSecretARN)
	api := &API{
		Commands:        commands,
		Workflows:       sfn.NewFromConfig(awsCfg),
		StateMachineARN: cfg.CheckoutStateMachineARN,
		Stage:           cfg.Stage,
		Now:             commands.Factory.Now,
		Cursors:         httpapi.Cursors{Key: key},
		Tokenizer:       payment.Tokenizer{Key: key},
	}
	lambda.Start(httpapi.Proxy(api.Routes()))
}
