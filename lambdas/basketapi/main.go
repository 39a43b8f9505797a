// Command basketapi serves the /basket and /checkout routes: basket
// commands append basket events; a checkout starts the checkout workflow,
// named after the checkout id, and GET /checkout/{id} reports on it.
package main

import (
	"context"
	"log"

	"github.com/aws/aws-lambda-go/lambda"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/shopstream/shopstream/eventstore"
	ddbstore "github.com/shopstream/shopstream/eventstore/dynamodb"
	"github.com/shopstream/shopstream/internal/command"
	"github.com/shopstream/shopstream/internal/config"
	"github.com/shopstream/shopstream/internal/domain/registry"
	"github.com/shopstream/shopstream/internal/httpapi"
)

func main() {
	cfg, err := config.BasketAPI.Load()
	if err != nil {
		log.Fatal(err)
	}
	awsCfg, err := awsconfig.LoadDefaultConfig(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	factory := eventstore.NewFactory(nil, nil)
	api := &API{
		Commands:        command.Runner{Store: ddbstore.New(dynamodb.NewFromConfig(awsCfg), cfg.EventsTable), Registry: registry.Default(), Factory: factory},
		Workflows:       sfn.NewFromConfig(awsCfg),
		StateMachineARN: cfg.CheckoutStateMachineARN,
		Stage:           cfg.Stage,
		Now:             factory.Now,
	}
	lambda.Start(httpapi.Proxy(api.Routes()))
}
