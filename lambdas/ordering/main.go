// Command ordering consumes the order queue (checked-out baskets routed
// from the event bus), appends OrderPlaced exactly once per checkout and
// writes the orders read model.
//
// A build with the faultinject tag (go build -tags faultinject, as the
// end-to-end tests have the local runtime do) can crash on purpose after
// the append; see fault_faultinject.go. The shipped build has no such code.
package main

import (
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/shopstream/shopstream/internal/config"
	"github.com/shopstream/shopstream/internal/lambdaenv"
	"github.com/shopstream/shopstream/internal/readmodel"
)

func main() {
	cfg, awsCfg := lambdaenv.Load(config.Ordering)
	db := dynamodb.NewFromConfig(awsCfg)
	p := &Placer{
		Commands: lambdaenv.Commands(db, cfg.EventsTable),
		Orders:   readmodel.Orders{Client: db, Table: cfg.OrdersTable},
		Now:      time.Now,
		Security: &SecurityLog{W: os.Stdout, Stage: cfg.Stage, Now: time.Now},
	}
	installFaults(p)
	lambda.Start(p.Handle)
}
