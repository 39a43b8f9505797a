// Package cli is shopstream-audit's command line: flag parsing and wiring
// of the audit functions to AWS clients. It is a package (not main) so the
// e2e tests can run the same commands in-process.
package cli

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	ddbstore "github.com/shopstream/shopstream/eventstore/dynamodb"
	"github.com/shopstream/shopstream/internal/audit"
	"github.com/shopstream/shopstream/internal/config"
	"github.com/shopstream/shopstream/internal/publish"
	"github.com/shopstream/shopstream/internal/readmodel"
	"github.com/shopstream/shopstream/internal/registry"
)

// ExitError is a non-zero exit status with nothing more to print (verify
// exits 3 on drift).
type ExitError int

func (e ExitError) Error() string { return fmt.Sprintf("exit status %d", int(e)) }

// ExitDrift is verify's exit status when the read models differ or the
// stock invariant breaks.
const ExitDrift ExitError = 3

const usage = `usage: shopstream-audit [-env-file FILE] COMMAND
commands:
  history STREAM_ID                 print a stream's events in order
  verify                            rebuild every read model from the events and report differences, and check that
                                    every unit a product holds is reserved by a running or confirmed checkout (exit 3 on drift)
  replay -since TIME                re-publish events recorded at or after TIME (RFC 3339) to the bus
  replay -failures                  drain the publisher's failure queue (PUBLISH_FAILURES_URL): re-publish the
                                    events of each failed stream batch, then delete its record
  executions [-status S] [-limit N] list checkout executions with their steps
`

// PublishFailuresURL names the variable holding the URL of the publisher's
// failure queue (the stack output PublishFailuresUrl).
const PublishFailuresURL = "PUBLISH_FAILURES_URL"

// Run runs one command with args (without the program name).
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("shopstream-audit", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, usage) }
	envFile := fs.String("env-file", "", "read resource names and the AWS endpoint, region and credentials (KEY=VALUE lines) from this file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return flag.ErrHelp
	}
	lookup := os.LookupEnv
	var awsOpts []func(*awsconfig.LoadOptions) error
	if *envFile != "" {
		vars, err := readEnvFile(*envFile)
		if err != nil {
			return err
		}
		lookup = func(k string) (string, bool) {
			if v, ok := os.LookupEnv(k); ok {
				return v, true
			}
			v, ok := vars[k]
			return v, ok
		}
		awsOpts = fileAWSOptions(vars)
	}
	awsCfg, err := awsconfig.LoadDefaultConfig(ctx, awsOpts...)
	if err != nil {
		return err
	}
	cmd, rest := fs.Arg(0), fs.Args()[1:]
	switch cmd {
	case "history":
		if len(rest) != 1 {
			return fmt.Errorf("history takes one stream id, e.g. product-01J… or basket-ann")
		}
		cfg, err := config.LoadFrom(lookup, config.EventsTable)
		if err != nil {
			return err
		}
		return audit.History(ctx, ddbstore.New(dynamodb.NewFromConfig(awsCfg), cfg.EventsTable), rest[0], stdout)
	case "verify":
		cfg, err := config.LoadFrom(lookup, config.EventsTable, config.CatalogTable, config.OrdersTable)
		if err != nil {
			return err
		}
		db := dynamodb.NewFromConfig(awsCfg)
		report, err := audit.Verify(ctx, ddbstore.New(db, cfg.EventsTable), registry.Default(),
			readmodel.Catalog{Client: db, Table: cfg.CatalogTable}, readmodel.Orders{Client: db, Table: cfg.OrdersTable})
		if err != nil {
			return err
		}
		if !report.Print(stdout) {
			return ExitDrift
		}
		return nil
	case "replay":
		rfs := flag.NewFlagSet("replay", flag.ContinueOnError)
		rfs.SetOutput(stderr)
		since := rfs.String("since", "", "replay events recorded at or after this RFC 3339 time")
		failures := rfs.Bool("failures", false, "replay the windows of the stream failure records in "+PublishFailuresURL+", deleting each record once replayed")
		if err := rfs.Parse(rest); err != nil {
			return err
		}
		if *failures == (*since != "") {
			return fmt.Errorf("replay: -since %q, -failures %v: give exactly one of them", *since, *failures)
		}
		var at time.Time
		if !*failures {
			if at, err = time.Parse(time.RFC3339, *since); err != nil {
				return fmt.Errorf("-since %q: want an RFC 3339 time such as 2026-11-26T00:00:00Z", *since)
			}
		}
		cfg, err := config.LoadFrom(lookup, config.EventsTable, config.EventBusName)
		if err != nil {
			return err
		}
		store := ddbstore.New(dynamodb.NewFromConfig(awsCfg), cfg.EventsTable)
		bus := publish.Sender{Bus: eventbridge.NewFromConfig(awsCfg)}
		if *failures {
			queueURL, ok := lookup(PublishFailuresURL)
			if !ok || queueURL == "" {
				return fmt.Errorf("replay -failures: %s is not set: the stack output PublishFailuresUrl (stack.env has it)", PublishFailuresURL)
			}
			res, err := audit.ReplayFailures(ctx, store, registry.Default(), bus, cfg.EventBusName, sqs.NewFromConfig(awsCfg), queueURL, stderr)
			fmt.Fprintf(stdout, "%d failure records replayed (%d events to %s), %d kept\n", res.Records, res.Events, cfg.EventBusName, res.Rejected)
			return err
		}
		n, err := audit.Replay(ctx, store, registry.Default(), bus, cfg.EventBusName, at, stderr)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%d events replayed to %s\n", n, cfg.EventBusName)
		return nil
	case "executions":
		efs := flag.NewFlagSet("executions", flag.ContinueOnError)
		efs.SetOutput(stderr)
		status := efs.String("status", "", "only executions with this status: RUNNING, SUCCEEDED, FAILED, TIMED_OUT, ABORTED")
		limit := efs.Int("limit", 20, "at most this many executions, newest first")
		if err := efs.Parse(rest); err != nil {
			return err
		}
		if *limit < 1 {
			return fmt.Errorf("-limit %d: must be 1 or more", *limit)
		}
		if *status != "" && !validStatus(*status) {
			return fmt.Errorf("-status %q: must be one of RUNNING, SUCCEEDED, FAILED, TIMED_OUT, ABORTED", *status)
		}
		cfg, err := config.LoadFrom(lookup, config.CheckoutStateMachineARN)
		if err != nil {
			return err
		}
		list, err := audit.ListExecutions(ctx, sfn.NewFromConfig(awsCfg), cfg.CheckoutStateMachineARN, sfntypes.ExecutionStatus(*status), *limit)
		if err != nil {
			return err
		}
		audit.PrintExecutions(stdout, list)
		return nil
	}
	fs.Usage()
	return fmt.Errorf("unknown command %q", cmd)
}

// fileAWSOptions points the AWS clients where the env file says: its
// endpoint, region and credentials win over the shell's (AWS_PROFILE,
// AWS_REGION, ~/.aws), since the file's resource names exist only there.
// Settings the file leaves out come from the usual SDK configuration.
func fileAWSOptions(vars map[string]string) []func(*awsconfig.LoadOptions) error {
	var opts []func(*awsconfig.LoadOptions) error
	if v := vars["AWS_ENDPOINT_URL"]; v != "" {
		opts = append(opts, awsconfig.WithBaseEndpoint(v))
	}
	region := vars["AWS_REGION"]
	if region == "" {
		region = vars["AWS_DEFAULT_REGION"]
	}
	if region != "" {
		opts = append(opts, awsconfig.WithRegion(region))
	}
	if id, secret := vars["AWS_ACCESS_KEY_ID"], vars["AWS_SECRET_ACCESS_KEY"]; id != "" && secret != "" {
		opts = append(opts, awsconfig.WithCredentialsProvider(
			credentials.NewStaticCredentialsProvider(id, secret, vars["AWS_SESSION_TOKEN"])))
	}
	return opts
}

func validStatus(s string) bool {
	for _, v := range sfntypes.ExecutionStatus("").Values() {
		if string(v) == s {
			return true
		}
	}
	return false
}

// readEnvFile reads KEY=VALUE lines; blank lines and # comments are skipped.
func readEnvFile(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("env file: %w", err)
	}
	defer f.Close()
	vars := map[string]string{}
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(sc.Text()), "export "))
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			return nil, fmt.Errorf("env file %s:%d: want KEY=VALUE", path, n)
		}
		vars[strings.TrimSpace(k)] = strings.Trim(strings.TrimSpace(v), `"'`)
	}
	return vars, sc.Err()
}
