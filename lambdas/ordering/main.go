// Command ordering consumes the order queue (checked-out baskets routed
// from the event bus), appends OrderPlaced exactly once per checkout and
// writes the orders read model.
package main

import (
	"log/slog"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/shopstream/shopstream/internal/config"
	"github.com/shopstream/shopstream/internal/lambdaenv"
	"github.com/shopstream/shopstream/internal/readmodel"
)

// FaultEnv injects a fault for the end-to-end tests. TEST ONLY: the stack
// never sets it. With the value FaultCrashAfterAppend, the process exits
// right after appending OrderPlaced for a message on its first delivery,
// before the row is written and the message acknowledged, to show that the
// redelivery completes the order without placing a second one.
const (
	FaultEnv              = "SHOPSTREAM_FAULT"
	FaultCrashAfterAppend = "ordering-crash-after-append"
)

func main() {
	cfg, awsCfg := lambdaenv.Load(config.Ordering)
	db := dynamodb.NewFromConfig(awsCfg)
	p := &Placer{
		Commands: lambdaenv.Commands(db, cfg.EventsTable),
		Orders:   readmodel.Orders{Client: db, Table: cfg.OrdersTable},
		Now:      time.Now,
	}
	if os.Getenv(FaultEnv) == FaultCrashAfterAppend {
		p.AfterAppend = func(msg events.SQSMessage) {
			if msg.Attributes["ApproximateReceiveCount"] == "1" {
				slog.Warn("fault injected: exiting after the append", "message", msg.MessageId)
				os.Exit(3)
			}
		}
	}
	lambda.Start(p.Handle)
}
