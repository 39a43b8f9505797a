// Command pricebasket is the checkout workflow's PriceBasket task: it locks
// the basket for the checkout and prices its items from the catalog's
// event streams.
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
)

func main() {
	cfg, err := config.PriceBasket.Load()
	if err != nil {
		log.Fatal(err)
	}
	awsCfg, err := awsconfig.LoadDefaultConfig(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	db := dynamodb.NewFromConfig(awsCfg)
	p := &Pricer{
		Commands: command.Runner{Store: ddbstore.New(db, cfg.EventsTable), Registry: registry.Default(), Factory: eventstore.NewFactory(nil, nil)},
	}
	lambda.Start(p.Handle)
}
