// Command checkoutsweeper unlocks stuck checkouts: an EventBridge rule on
// the default bus invokes it with Step Functions' status change event of
// every checkout execution that timed out, was stopped or failed, and it
// records the failure and releases the checkout's stock (internal/sweeper).
package main

import (
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/shopstream/shopstream/internal/config"
	"github.com/shopstream/shopstream/internal/lambdaenv"
	"github.com/shopstream/shopstream/internal/sweeper"
)

func main() {
	cfg, awsCfg := lambdaenv.Load(config.CheckoutSweeper)
	h := &Handler{Sweeper: &sweeper.Sweeper{
		Commands:        lambdaenv.Commands(dynamodb.NewFromConfig(awsCfg), cfg.EventsTable),
		Executions:      sfn.NewFromConfig(awsCfg),
		StateMachineARN: cfg.CheckoutStateMachineARN,
	}}
	lambda.Start(h.Handle)
}
