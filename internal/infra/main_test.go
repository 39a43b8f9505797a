package infra_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"slices"
	"sync"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/shopstream/shopstream/internal/infra"
)

func TestMain(m *testing.M) {
	code := m.Run()
	if synthesized.app != nil {
		synthesized.bundler.Close()
		os.RemoveAll(synthesized.dir)
		jsii.Close()
	}
	os.Exit(code)
}

// testAlarmEmail is subscribed to the prod stack's alarms (dev has none).
const testAlarmEmail = "ops@example.com"

// synthesized is one app with two stages of the stack, built once per test
// binary: bundling and jsii start-up dominate the cost of these tests.
var synthesized struct {
	once     sync.Once
	app      awscdk.App
	bundler  *infra.Bundler
	dev      *infra.Stack
	prod     *infra.Stack
	template assertions.Template // dev's
	raw      template            // dev's, as JSON
	dir      string              // the cloud assembly directory
	err      any
}

// requireNode skips the test under -short or when there is no Node for
// jsii. jsii starts its Node process while the CDK packages initialise,
// before any test runs, so JSII_NODE must be set in the environment that
// runs go test (the Makefile points it at .tools/node); setting it here
// would be too late.
func requireNode(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("synthesizes the CDK app (needs Node): skipped under -short")
	}
	if node := os.Getenv("JSII_NODE"); node != "" {
		if _, err := os.Stat(node); err != nil {
			t.Skipf("JSII_NODE=%s: %v", node, err)
		}
		return
	}
	if _, err := exec.LookPath("node"); err != nil {
		t.Skip("no Node for jsii: install Node >= 22 or set JSII_NODE " +
			"(npm install --no-save --prefix .tools/node node@24)")
	}
}

// synth returns the synthesized stacks, with cdk-nag's AwsSolutions checks
// applied to the app.
func synth(t *testing.T) {
	t.Helper()
	requireNode(t)
	s := &synthesized
	s.once.Do(func() {
		defer func() { s.err = recover() }()
		root, err := infra.ModuleRoot(".")
		if err != nil {
			panic(err)
		}
		if s.dir, err = os.MkdirTemp("", "shopstream-infra-test-"); err != nil {
			panic(err)
		}
		s.app = awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(s.dir)})
		s.bundler = infra.NewStubBundler(root, infra.StackPackages()...)
		s.dev = infra.NewStack(s.app, &infra.StackProps{Stage: "dev", Bundler: s.bundler})
		s.prod = infra.NewStack(s.app, &infra.StackProps{Stage: "prod", Bundler: s.bundler, AlarmEmail: testAlarmEmail})
		awscdk.Aspects_Of(s.app).Add(cdknag.NewAwsSolutionsChecks(&cdknag.NagPackProps{Verbose: jsii.Bool(true)}), nil)
		s.template = assertions.Template_FromStack(s.dev.Stack, nil)
		b, err := json.Marshal(s.template.ToJSON())
		if err != nil {
			panic(err)
		}
		if err := json.Unmarshal(b, &s.raw); err != nil {
			panic(err)
		}
	})
	if s.err != nil {
		t.Fatalf("synthesize: %v", s.err)
	}
}

// template is a CloudFormation template as plain JSON.
type template struct {
	Resources map[string]resource `json:"Resources"`
	Outputs   map[string]any      `json:"Outputs"`
}

type resource struct {
	Type           string         `json:"Type"`
	Properties     map[string]any `json:"Properties"`
	Metadata       map[string]any `json:"Metadata"`
	DeletionPolicy string         `json:"DeletionPolicy"`
	DependsOn      any            `json:"DependsOn"` // a logical id or a list of them
}

// dependsOn reports whether r names id in its DependsOn.
func (r resource) dependsOn(id string) bool {
	switch d := r.DependsOn.(type) {
	case string:
		return d == id
	case []any:
		return slices.Contains(d, any(id))
	}
	return false
}

// ofType returns the logical ids and resources of type typ.
func (tp template) ofType(typ string) map[string]resource {
	out := map[string]resource{}
	for id, r := range tp.Resources {
		if r.Type == typ {
			out[id] = r
		}
	}
	return out
}

// logicalID returns the logical id of c's CloudFormation resource (c
// itself, or its default child) in c's stack.
func logicalID(c constructs.IConstruct) string {
	el, ok := c.(awscdk.CfnElement)
	if !ok {
		el = c.Node().DefaultChild().(awscdk.CfnElement)
	}
	return *awscdk.Stack_Of(c).GetLogicalId(el)
}

// ref is how the template refers to the resource with logical id id.
func ref(id string) map[string]any { return map[string]any{"Ref": id} }

func getAtt(id, attr string) map[string]any {
	return map[string]any{"Fn::GetAtt": []any{id, attr}}
}
