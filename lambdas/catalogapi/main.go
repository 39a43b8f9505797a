// Command catalogapi serves the /product routes of the REST API: commands
// append product events to the event store; the product list is read from
// the catalog read model.
package main

import (
	"context"
	"log"

	"github.com/aws/aws-lambda-go/lambda"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/shopstream/shopstream/eventstore"
	ddbstore "github.com/shopstream/shopstream/eventstore/dynamodb"
	"github.com/shopstream/shopstream/internal/command"
	"github.com/shopstream/shopstream/internal/config"
	"github.com/shopstream/shopstream/internal/domain/registry"
	"github.com/shopstream/shopstream/internal/httpapi"
	"github.com/shopstream/shopstream/internal/readmodel"
)

func main() {
	cfg, err := config.CatalogAPI.Load()
	if err != nil {
		log.Fatal(err)
	}
	awsCfg, err := awsconfig.LoadDefaultConfig(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	db := dynamodb.NewFromConfig(awsCfg)
	api := &API{
		Commands: command.Runner{Store: ddbstore.New(db, cfg.EventsTable), Registry: registry.Default(), Factory: eventstore.NewFactory(nil, nil)},
		Catalog:  readmodel.Catalog{Client: db, Table: cfg.CatalogTable},
	}
	lambda.Start(httpapi.Proxy(api.Routes()))
}
