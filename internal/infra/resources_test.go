package infra_test

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/shopstream/shopstream/internal/config"
	"github.com/shopstream/shopstream/internal/infra"
)

// A function whose config names a variable the stack does not bind, or
// asks for access to a plain value, fails at synthesis, naming both.
func TestBindRejectsMisconfiguredFunctions(t *testing.T) {
	requireNode(t)
	root, err := infra.ModuleRoot(".")
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		f    config.Function
		want []string
	}{
		{"unbound variable", config.ReserveStock, []string{"reservestock", config.EventsTable, "binds no resource"}},
		{"access to a value", config.Function{Name: config.AuthorizePayment.Name, Vars: []config.Var{{Name: config.Stage, Uses: config.Uses(config.OpLoad)}}},
			[]string{config.AuthorizePayment.Name, config.Stage, "load-stream"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir, err := os.MkdirTemp("", "shopstream-bind-test-")
			if err != nil {
				t.Fatal(err)
			}
			defer os.RemoveAll(dir)
			app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(dir)})
			stack := awscdk.NewStack(app, jsii.String("BindTest"), nil)
			b := infra.NewStubBundler(root, tt.f.Package())
			defer b.Close()
			fns := &infra.FunctionFactory{Bundler: b, Resources: infra.NewResources("dev")}
			defer func() {
				msg := fmt.Sprint(recover())
				for _, w := range tt.want {
					if !strings.Contains(msg, w) {
						t.Errorf("panic %q does not mention %q", msg, w)
					}
				}
			}()
			fns.New(stack, tt.f, infra.FunctionOptions{})
		})
	}
}
