// Command shopstream is the CDK app: it synthesizes the shopstream stack
// for the stage named by the "stage" context value (default "dev"). The
// stage "prod", or the context value production=true, marks a production
// deployment, which synthesis refuses while the payment gateway is the
// simulated one. The context value alarmEmail subscribes an address to the
// stack's alarm topic (AWS sends it a confirmation mail first).
//
//	npx aws-cdk@2 deploy -c stage=dev     # deploy
//	npx aws-cdk@2 deploy -c stage=prod -c alarmEmail=ops@example.com
//	CDK_OUTDIR=cdk.out go run .           # synthesize without the CDK CLI
package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/shopstream/shopstream/internal/infra"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "shopstream:", err)
		os.Exit(1)
	}
}

func run() error {
	defer jsii.Close()
	root, err := infra.ModuleRoot(".")
	if err != nil {
		return err
	}
	app, bundler, err := NewApp(nil, root)
	if err != nil {
		return err
	}
	defer bundler.Close()
	app.Synth(nil)
	return nil
}

// NewApp returns the app holding the stack for the context's stage,
// building the Lambdas from the module rooted at root. Close the returned
// Bundler after synthesis.
func NewApp(props *awscdk.AppProps, root string) (awscdk.App, *infra.Bundler, error) {
	app := awscdk.NewApp(props)
	stage := infra.DefaultStage
	if v, ok := app.Node().TryGetContext(jsii.String("stage")).(string); ok && v != "" {
		stage = v
	}
	if err := infra.ValidateStage(stage); err != nil {
		return nil, nil, fmt.Errorf("context stage: %w", err)
	}
	production, err := isProduction(app, stage)
	if err != nil {
		return nil, nil, err
	}
	if err := infra.CheckPaymentGateway(stage, production, infra.GatewaySimulated); err != nil {
		return nil, nil, err
	}
	alarmEmail, err := contextString(app, "alarmEmail")
	if err != nil {
		return nil, nil, err
	}
	if err := infra.ValidateAlarmEmail(alarmEmail); err != nil {
		return nil, nil, fmt.Errorf("context alarmEmail: %w", err)
	}
	// Kept next to the cloud assembly, so a warm synth relinks only what
	// changed and `rm -rf cdk.out` clears it.
	bundler := infra.NewStackBundler(root, filepath.Join(*app.Outdir(), ".lambda-build"))
	infra.NewStack(app, &infra.StackProps{
		Stage:          stage,
		Production:     production,
		PaymentGateway: infra.GatewaySimulated,
		Bundler:        bundler,
		AlarmEmail:     alarmEmail,
		StackProps: awscdk.StackProps{
			// Deploy to the CLI's account and region; synthesis without the
			// CLI stays environment-agnostic.
			Env: env(),
		},
	})
	return app, bundler, nil
}

// contextString returns the context value key, "" when it is unset.
func contextString(app awscdk.App, key string) (string, error) {
	switch v := app.Node().TryGetContext(jsii.String(key)).(type) {
	case nil:
		return "", nil
	case string:
		return v, nil
	default:
		return "", fmt.Errorf("context %s: %v: want a string", key, v)
	}
}

// productionStages are production whatever the context says.
var productionStages = map[string]bool{"prod": true, "production": true}

// isProduction reads the "production" context value (true or false, as
// -c production=true passes it, a string) for stage.
func isProduction(app awscdk.App, stage string) (bool, error) {
	production := productionStages[stage]
	switch v := app.Node().TryGetContext(jsii.String("production")).(type) {
	case nil:
	case bool:
		production = production || v
	case string:
		b, err := strconv.ParseBool(v)
		if err != nil {
			return false, fmt.Errorf("context production: %q: want true or false", v)
		}
		production = production || b
	default:
		return false, fmt.Errorf("context production: %v: want true or false", v)
	}
	return production, nil
}

func env() *awscdk.Environment {
	account, region := os.Getenv("CDK_DEFAULT_ACCOUNT"), os.Getenv("CDK_DEFAULT_REGION")
	if account == "" || region == "" {
		return nil
	}
	return &awscdk.Environment{Account: jsii.String(account), Region: jsii.String(region)}
}
