// Command catalogapi serves the /product routes of the REST API: commands
// append product events to the event store; the product list is read from
// the catalog read model.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/shopstream/shopstream/internal/config"
	"github.com/shopstream/shopstream/internal/httpapi"
	"github.com/shopstream/shopstream/internal/lambdaenv"
	"github.com/shopstream/shopstream/internal/readmodel"
)

func main() {
	cfg, awsCfg := lambdaenv.Load(config.CatalogAPI)
	db := dynamodb.NewFromConfig(awsCfg)
	api := &API{
		Commands: lambdaenv.Commands(db, cfg.EventsTable),
		Catalog:  readmodel.Catalog{Client: db, Table: cfg.CatalogTable},
		Cursors:  httpapi.Cursors{Key: lambdaenv.Secret(awsCfg, cfg.DeploymentSecretARN)},
	}
	lambda.Start(httpapi.Proxy(api.Routes()))
}
