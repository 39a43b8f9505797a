// Package lambdaenv is the production wiring every Lambda main shares: it
// parses the function's configuration once at start and builds the AWS
// clients and the command runner from it, so each main wires only what is
// specific to its function.
//
// The functions that can fail exit the process with the error message: a
// Lambda that is misconfigured must fail at start (its init error names the
// missing variable), not on its first event.
package lambdaenv

import (
	"context"
	"log"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/shopstream/shopstream/eventstore"
	ddbstore "github.com/shopstream/shopstream/eventstore/dynamodb"
	"github.com/shopstream/shopstream/internal/command"
	"github.com/shopstream/shopstream/internal/config"
	"github.com/shopstream/shopstream/internal/registry"
)

// CheckoutActor is the metadata actor of the events the checkout workflow's
// tasks append.
const CheckoutActor = "workflow:checkout"

// Config parses fn's environment variables and exits naming the missing
// ones. It is for functions that call no AWS service.
func Config(fn config.Function) config.Config {
	cfg, err := fn.Load()
	if err != nil {
		log.Fatal(err)
	}
	return cfg
}

// Load parses fn's environment variables and the SDK's default AWS
// configuration (credentials, region and the AWS_ENDPOINT_URL variables
// the local runtime sets), exiting on either failure.
func Load(fn config.Function) (config.Config, aws.Config) {
	cfg := Config(fn)
	awsCfg, err := awsconfig.LoadDefaultConfig(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	return cfg, awsCfg
}

// TaskCommands is Load and Commands for a function whose only resource is
// the event store: it returns the runner over fn's EVENTS_TABLE.
func TaskCommands(fn config.Function) command.Runner {
	cfg, awsCfg := Load(fn)
	return Commands(dynamodb.NewFromConfig(awsCfg), cfg.EventsTable)
}

// Commands returns a command runner over the DynamoDB event store table,
// with the registry of every event type and ULID event ids from the
// system clock.
func Commands(client ddbstore.Client, eventsTable string) command.Runner {
	return command.Runner{
		Store:    ddbstore.New(client, eventsTable),
		Registry: registry.Default(),
		Factory:  eventstore.NewFactory(nil, nil),
	}
}
