// Command catalogprojection keeps the catalog read model up to date: an
// EventBridge rule sends it every product event, and it rewrites the
// product's row from the product's stream.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/shopstream/shopstream/internal/config"
	"github.com/shopstream/shopstream/internal/lambdaenv"
	"github.com/shopstream/shopstream/internal/readmodel"
)

func main() {
	cfg, awsCfg := lambdaenv.Load(config.CatalogProjection)
	db := dynamodb.NewFromConfig(awsCfg)
	p := &Projector{
		Streams: lambdaenv.Commands(db, cfg.EventsTable),
		Catalog: readmodel.Catalog{Client: db, Table: cfg.CatalogTable},
	}
	lambda.Start(p.Handle)
}
