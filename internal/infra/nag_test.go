package infra_test

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/shopstream/shopstream/internal/infra"
)

// cdk-nag's AwsSolutions pack reports nothing unsuppressed: no errors and
// no warnings. Each accepted finding is suppressed, with its reason, next
// to the resource it concerns (see nag.go).
func TestCdkNagAwsSolutions(t *testing.T) {
	synth(t)
	nag := assertions.Match_StringLikeRegexp(jsii.String("AwsSolutions-.*"))
	for _, stack := range []*infra.Stack{synthesized.dev, synthesized.prod} {
		a := assertions.Annotations_FromStack(stack.Stack)
		// HasNoError and HasNoWarning panic with every finding listed.
		for kind, check := range map[string]func(*string, any){"errors": a.HasNoError, "warnings": a.HasNoWarning} {
			func() {
				defer func() {
					if r := recover(); r != nil {
						t.Errorf("%s: cdk-nag %s: %v", *stack.StackName(), kind, r)
					}
				}()
				check(jsii.String("*"), nag)
			}()
		}
	}
}

// cfn-lint, AWS's template linter, finds no errors in the template.
func TestCfnLint(t *testing.T) {
	synth(t)
	lint, err := exec.LookPath("cfn-lint")
	if err != nil {
		t.Skip("cfn-lint not found on PATH (pip install cfn-lint): template lint skipped")
	}
	path := filepath.Join(synthesized.dir, *synthesized.dev.TemplateFile())
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("synthesized template: %v", err)
	}
	// cfn-lint's exit status is a bit mask: 2 errors, 4 warnings, 8
	// informational. Errors fail the test; the rest is logged, as CDK's own
	// output draws warnings (W3005: DependsOn next to a GetAtt).
	out, err := exec.Command(lint, "--format", "parseable", "--", path).CombinedOutput()
	var exit *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exit) && exit.ExitCode()&^(4|8) == 0:
		t.Logf("cfn-lint warnings and notes (not failures):\n%s", out)
	default:
		t.Errorf("cfn-lint %s: %v\n%s", path, err, out)
	}
}
