// Command shopstream-audit reads shopstream's history: a stream's events,
// a check of every read model against the event store, re-publishing events
// to the bus, and checkout executions step by step. It works against the
// local runtime or AWS through the usual SDK configuration (AWS_PROFILE,
// AWS_REGION, AWS_ENDPOINT_URL …).
//
//	shopstream-audit [-env-file F] history <streamId>
//	shopstream-audit [-env-file F] verify
//	shopstream-audit [-env-file F] replay -since 2026-11-26T00:00:00Z
//	shopstream-audit [-env-file F] executions [-status FAILED] [-limit 20]
//
// Resource names come from the environment variables the Lambdas use
// (EVENTS_TABLE, CATALOG_TABLE, ORDERS_TABLE, EVENT_BUS_NAME,
// CHECKOUT_STATE_MACHINE_ARN) or from an env file such as the one the local
// runtime writes (.data/local/stack.env). An env file's AWS_ENDPOINT_URL,
// AWS_REGION (or AWS_DEFAULT_REGION) and AWS_ACCESS_KEY_ID/
// AWS_SECRET_ACCESS_KEY take precedence over the shell's AWS configuration,
// so -env-file alone is enough from a fresh shell.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"

	"github.com/shopstream/shopstream/internal/audit/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	err := cli.Run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	var exit cli.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exit):
		os.Exit(int(exit))
	case errors.Is(err, flag.ErrHelp):
		os.Exit(2)
	default:
		fmt.Fprintln(os.Stderr, "shopstream-audit:", err)
		os.Exit(1)
	}
}
