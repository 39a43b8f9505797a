// Command publisher reads the event store table's DynamoDB stream and puts
// every appended event on the custom EventBridge bus: source
// "shopstream.<aggregate>", detail-type the event type, detail the stored
// event.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"

	"github.com/shopstream/shopstream/internal/config"
	"github.com/shopstream/shopstream/internal/lambdaenv"
	"github.com/shopstream/shopstream/internal/publish"
	"github.com/shopstream/shopstream/internal/registry"
)

func main() {
	cfg, awsCfg := lambdaenv.Load(config.Publisher)
	p := &Publisher{
		Bus:      publish.Sender{Bus: eventbridge.NewFromConfig(awsCfg)},
		BusName:  cfg.EventBusName,
		Registry: registry.Default(),
	}
	lambda.Start(p.Handle)
}
