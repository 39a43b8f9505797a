// Command gencheckout writes ../checkout-definition.json: the checkout
// state machine's definition exactly as the CDK synthesizes it (package
// workflows), with the task functions' ARNs in the local account, so the
// interpreter's tests run the real workflow without Node. It lives under
// testdata so that ./... never builds it; rerun it after changing the
// workflow:
//
//	go run ./internal/local/stepfunctions/testdata/gencheckout
package main

import (
	"encoding/json"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/jsii-runtime-go"

	"github.com/shopstream/shopstream/workflows"
)

func main() {
	outDir, err := os.MkdirTemp("", "gencheckout-*")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(outDir)
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(outDir)})
	stack := awscdk.NewStack(app, jsii.String("Gen"), &awscdk.StackProps{
		Env: &awscdk.Environment{Account: jsii.String("000000000000"), Region: jsii.String("us-east-1")},
	})
	fn := func(name string) awslambda.IFunction {
		return awslambda.Function_FromFunctionArn(stack, jsii.String(name), jsii.String("arn:aws:lambda:us-east-1:000000000000:function:"+name))
	}
	workflows.NewCheckout(stack, "Checkout", workflows.CheckoutTasks{
		PriceBasket: fn("pricebasket"), ReserveStock: fn("reservestock"), AuthorizePayment: fn("authorizepayment"),
		ConfirmCheckout: fn("confirmcheckout"), ReleaseStock: fn("releasestock"), RecordCheckoutFailed: fn("recordcheckoutfailed"),
	})
	app.Synth(nil)

	raw, err := os.ReadFile(filepath.Join(outDir, "Gen.template.json"))
	if err != nil {
		log.Fatal(err)
	}
	var tmpl struct {
		Resources map[string]struct {
			Type       string
			Properties map[string]any
		}
	}
	if err := json.Unmarshal(raw, &tmpl); err != nil {
		log.Fatal(err)
	}
	for _, r := range tmpl.Resources {
		if r.Type != "AWS::StepFunctions::StateMachine" {
			continue
		}
		def, err := resolve(r.Properties["DefinitionString"])
		if err != nil {
			log.Fatal(err)
		}
		var pretty any
		if err := json.Unmarshal([]byte(def), &pretty); err != nil {
			log.Fatal(err)
		}
		out, _ := json.MarshalIndent(pretty, "", "  ")
		_, self, _, _ := runtime.Caller(0)
		dst := filepath.Join(filepath.Dir(self), "..", "checkout-definition.json")
		if err := os.WriteFile(dst, append(out, '\n'), 0o644); err != nil {
			log.Fatal(err)
		}
		fmt.Println("wrote", dst)
		return
	}
	log.Fatal("no state machine in the template")
}

// resolve evaluates the few intrinsics a definition string contains:
// Fn::Join and the partition pseudo parameter.
func resolve(v any) (string, error) {
	switch t := v.(type) {
	case string:
		return t, nil
	case map[string]any:
		if ref, ok := t["Ref"]; ok {
			if ref == "AWS::Partition" {
				return "aws", nil
			}
			return "", fmt.Errorf("unresolvable Ref %v", ref)
		}
		if join, ok := t["Fn::Join"].([]any); ok && len(join) == 2 {
			sep, _ := join[0].(string)
			parts, _ := join[1].([]any)
			var out []string
			for _, p := range parts {
				s, err := resolve(p)
				if err != nil {
					return "", err
				}
				out = append(out, s)
			}
			return strings.Join(out, sep), nil
		}
	}
	return "", fmt.Errorf("unsupported intrinsic %v", v)
}
