// Command publisher reads the event store table's DynamoDB stream and puts
// every appended event on the custom EventBridge bus: source
// "shopstream.<aggregate>", detail-type the event type, detail the stored
// event.
package main

import (
	"context"
	"log"

	"github.com/aws/aws-lambda-go/lambda"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"

	"github.com/shopstream/shopstream/internal/config"
	"github.com/shopstream/shopstream/internal/domain/registry"
)

func main() {
	cfg, err := config.Publisher.Load()
	if err != nil {
		log.Fatal(err)
	}
	awsCfg, err := awsconfig.LoadDefaultConfig(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	p := &Publisher{
		Bus:      eventbridge.NewFromConfig(awsCfg),
		BusName:  cfg.EventBusName,
		Registry: registry.Default(),
	}
	lambda.Start(p.Handle)
}
