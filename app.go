// Command shopstream is the CDK app: it synthesizes the shopstream stack
// for the stage named by the "stage" context value (default "dev").
//
//	npx aws-cdk@2 deploy -c stage=dev     # deploy
//	CDK_OUTDIR=cdk.out go run .           # synthesize without the CDK CLI
package main

import (
	"fmt"
	"os"
	"path/filepath"

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
	// Kept next to the cloud assembly, so a warm synth relinks only what
	// changed and `rm -rf cdk.out` clears it.
	bundler := infra.NewStackBundler(root, filepath.Join(*app.Outdir(), ".lambda-build"))
	infra.NewStack(app, &infra.StackProps{
		Stage:   stage,
		Bundler: bundler,
		StackProps: awscdk.StackProps{
			// Deploy to the CLI's account and region; synthesis without the
			// CLI stays environment-agnostic.
			Env: env(),
		},
	})
	return app, bundler, nil
}

func env() *awscdk.Environment {
	account, region := os.Getenv("CDK_DEFAULT_ACCOUNT"), os.Getenv("CDK_DEFAULT_REGION")
	if account == "" || region == "" {
		return nil
	}
	return &awscdk.Environment{Account: jsii.String(account), Region: jsii.String(region)}
}
