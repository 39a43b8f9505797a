// Command releasestock is the checkout workflow's ReleaseStock task: when
// a checkout fails after reserving, it gives the reserved stock back.
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
	cfg, err := config.ReleaseStock.Load()
	if err != nil {
		log.Fatal(err)
	}
	awsCfg, err := awsconfig.LoadDefaultConfig(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	r := &Releaser{
		Commands: command.Runner{Store: ddbstore.New(dynamodb.NewFromConfig(awsCfg), cfg.EventsTable), Registry: registry.Default(), Factory: eventstore.NewFactory(nil, nil)},
	}
	lambda.Start(r.Handle)
}
