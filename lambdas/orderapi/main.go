// Command orderapi serves the read side: /order from the orders read model
// and /audit, which reads any stream straight from the event store.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	ddbstore "github.com/shopstream/shopstream/eventstore/dynamodb"
	"github.com/shopstream/shopstream/internal/config"
	"github.com/shopstream/shopstream/internal/httpapi"
	"github.com/shopstream/shopstream/internal/lambdaenv"
	"github.com/shopstream/shopstream/internal/readmodel"
)

func main() {
	cfg, awsCfg := lambdaenv.Load(config.OrderAPI)
	db := dynamodb.NewFromConfig(awsCfg)
	api := &API{
		Events:  ddbstore.New(db, cfg.EventsTable),
		Orders:  readmodel.Orders{Client: db, Table: cfg.OrdersTable},
		Cursors: httpapi.Cursors{Key: lambdaenv.Secret(awsCfg, cfg.DeploymentSecretARN)},
	}
	lambda.Start(httpapi.Proxy(api.Routes()))
}
