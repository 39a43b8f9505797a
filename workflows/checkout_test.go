package workflows_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"os/exec"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/jsii-runtime-go"

	"github.com/shopstream/shopstream/internal/checkout/errnames"
	"github.com/shopstream/shopstream/workflows"
)

var update = flag.Bool("update", false, "rewrite testdata/checkout.asl.json from the construct")

const golden = "testdata/checkout.asl.json"

// functionARN is the stand-in ARN of task function name; the golden file
// shows which task each state calls.
func functionARN(name string) string {
	return "arn:aws:lambda:us-east-1:000000000000:function:" + name
}

var synthesized struct {
	once sync.Once
	tpl  assertions.Template
	asl  []byte // the definition, indented
	err  any
}

// definition synthesizes the construct in a stack of its own, with imported
// task functions, and returns the state machine's definition.
func definition(t *testing.T) []byte {
	t.Helper()
	if testing.Short() {
		t.Skip("synthesizes with the CDK (needs Node): skipped under -short")
	}
	if os.Getenv("JSII_NODE") == "" {
		if _, err := exec.LookPath("node"); err != nil {
			t.Skip("no Node for jsii: install Node >= 22 or set JSII_NODE")
		}
	}
	s := &synthesized
	s.once.Do(func() {
		defer func() { s.err = recover() }()
		app := awscdk.NewApp(nil)
		stack := awscdk.NewStack(app, jsii.String("CheckoutTest"), nil)
		fn := func(name string) awslambda.IFunction {
			return awslambda.Function_FromFunctionArn(stack, jsii.String(name), jsii.String(functionARN(name)))
		}
		workflows.NewCheckout(stack, "Checkout", workflows.CheckoutTasks{
			PriceBasket:          fn("pricebasket"),
			ReserveStock:         fn("reservestock"),
			AuthorizePayment:     fn("authorizepayment"),
			ConfirmCheckout:      fn("confirmcheckout"),
			ReleaseStock:         fn("releasestock"),
			RecordCheckoutFailed: fn("recordcheckoutfailed"),
		})
		s.tpl = assertions.Template_FromStack(stack, nil)
		for _, r := range *s.tpl.FindResources(jsii.String("AWS::StepFunctions::StateMachine"), nil) {
			def := (*r)["Properties"].(map[string]any)["DefinitionString"]
			str, ok := def.(string)
			if !ok {
				panic("DefinitionString is not a plain string: an unresolved token crept in")
			}
			var buf bytes.Buffer
			if err := json.Indent(&buf, []byte(str), "", "  "); err != nil {
				panic(err)
			}
			buf.WriteByte('\n')
			s.asl = buf.Bytes()
		}
	})
	if s.err != nil {
		t.Fatalf("synthesize: %v", s.err)
	}
	return s.asl
}

func TestGoldenASL(t *testing.T) {
	got := definition(t)
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("definition differs from %s; if the change is intended, run go test ./workflows -update and review the diff\n%s",
			golden, got)
	}
}

// state is the part of an ASL state these tests read.
type state struct {
	Type          string
	Resource      string
	Next          string
	End           bool
	ItemsPath     string
	ItemProcessor *machine
	Retry         []struct{ ErrorEquals []string }
	Catch         []struct {
		ErrorEquals []string
		Next        string
	}
	Choices []struct{ Next string }
	Default string
}

type machine struct {
	StartAt string
	States  map[string]state
}

// states returns every state of m, including those nested in Map and
// Parallel states.
func (m machine) states() map[string]state {
	out := map[string]state{}
	for name, s := range m.States {
		out[name] = s
		if s.ItemProcessor != nil {
			for n, inner := range s.ItemProcessor.states() {
				out[n] = inner
			}
		}
	}
	return out
}

func parse(t *testing.T, asl []byte) machine {
	t.Helper()
	var m machine
	if err := json.Unmarshal(asl, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// The error names in ErrorEquals are the Go error type names the task
// Lambdas return (errnames), apart from the States.* and Lambda.* names
// Step Functions defines; only transient ones are retried, and every
// transient one is.
func TestErrorNamesMatchErrnames(t *testing.T) {
	m := parse(t, definition(t))
	retried := map[string]bool{}
	for name, s := range m.states() {
		for _, r := range s.Retry {
			for _, e := range r.ErrorEquals {
				if strings.HasPrefix(e, "Lambda.") {
					continue
				}
				if !slices.Contains(errnames.All(), e) {
					t.Errorf("%s retries %q, which errnames does not define", name, e)
				}
				if !errnames.IsTransient(e) {
					t.Errorf("%s retries %q, which is not transient", name, e)
				}
				retried[e] = true
			}
		}
		for _, c := range s.Catch {
			for _, e := range c.ErrorEquals {
				if !strings.HasPrefix(e, "States.") && !slices.Contains(errnames.All(), e) {
					t.Errorf("%s catches %q, which errnames does not define", name, e)
				}
			}
		}
	}
	for _, e := range errnames.Transient() {
		if !retried[e] {
			t.Errorf("transient error %s is never retried", e)
		}
	}
}

// The flow the issue describes: PriceBasket → ReserveStock (a Map over the
// priced lines) → AuthorizePayment → ConfirmCheckout; any failure after a
// reservation runs ReleaseStock → RecordCheckoutFailed → Fail, and a
// pricing failure records the failure without releasing.
func TestWorkflowShape(t *testing.T) {
	m := parse(t, definition(t))
	all := m.states()
	if m.StartAt != workflows.StatePriceBasket {
		t.Errorf("StartAt = %s", m.StartAt)
	}
	for _, hop := range []struct{ from, to string }{
		{workflows.StatePriceBasket, workflows.StateReserveStock},
		{workflows.StateReserveStock, workflows.StateAllLinesReserved},
		{workflows.StateReserveStockFailed, workflows.StateReleaseStock},
		{workflows.StateAuthorizePayment, workflows.StateConfirmCheckout},
		{workflows.StateReleaseStock, workflows.StateRecordCheckoutFailed},
		{workflows.StateRecordCheckoutFailed, workflows.StateCheckoutFailed},
	} {
		if got := all[hop.from].Next; got != hop.to {
			t.Errorf("%s → %q, want %s", hop.from, got, hop.to)
		}
	}
	if !all[workflows.StateConfirmCheckout].End {
		t.Errorf("%s does not end the execution", workflows.StateConfirmCheckout)
	}
	if s := all[workflows.StateCheckoutFailed]; s.Type != "Fail" {
		t.Errorf("%s is a %s, want Fail", workflows.StateCheckoutFailed, s.Type)
	}
	reserve := all[workflows.StateReserveStock]
	if reserve.Type != "Map" || reserve.ItemsPath != "$.priced.lines" || reserve.ItemProcessor == nil {
		t.Errorf("%s = %+v, want a Map over $.priced.lines", workflows.StateReserveStock, reserve)
	}
	catchTo := map[string]string{
		workflows.StatePriceBasket:      workflows.StateRecordCheckoutFailed,
		workflows.StateReserveStock:     workflows.StateReleaseStock,
		workflows.StateAuthorizePayment: workflows.StateReleaseStock,
		workflows.StateConfirmCheckout:  workflows.StateReleaseStock,
		workflows.StateReleaseStock:     workflows.StateRecordCheckoutFailed,
		// Failing to record still ends the execution in the Fail state.
		workflows.StateRecordCheckoutFailed: workflows.StateCheckoutFailed,
	}
	for name, want := range catchTo {
		c := all[name].Catch
		if len(c) != 1 || !slices.Equal(c[0].ErrorEquals, []string{"States.ALL"}) || c[0].Next != want {
			t.Errorf("%s catches %+v, want States.ALL → %s", name, c, want)
		}
	}
	// Every line settles inside the Map: the line's task catches its own
	// failure and ends in a Pass state, so no reservation is in flight
	// when the Choice after the Map sends a failure to ReleaseStock.
	proc := reserve.ItemProcessor
	if line := proc.States[workflows.StateReserveLine]; len(line.Catch) != 1 || line.Catch[0].Next != workflows.StateReserveLineFailed ||
		!slices.Equal(line.Catch[0].ErrorEquals, []string{"States.ALL"}) || proc.States[workflows.StateReserveLineFailed].Type != "Pass" {
		t.Errorf("%s does not settle each line: %+v", workflows.StateReserveStock, proc)
	}
	if c := all[workflows.StateAllLinesReserved]; c.Type != "Choice" || len(c.Choices) != 1 ||
		c.Choices[0].Next != workflows.StateReserveStockFailed || c.Default != workflows.StateAuthorizePayment {
		t.Errorf("%s = %+v, want a Choice: a failed line → %s, else → %s", workflows.StateAllLinesReserved, c,
			workflows.StateReserveStockFailed, workflows.StateAuthorizePayment)
	}
	// Each task calls its own function.
	tasks := map[string]string{
		workflows.StatePriceBasket: "pricebasket", workflows.StateReserveLine: "reservestock",
		workflows.StateAuthorizePayment: "authorizepayment", workflows.StateConfirmCheckout: "confirmcheckout",
		workflows.StateReleaseStock: "releasestock", workflows.StateRecordCheckoutFailed: "recordcheckoutfailed",
	}
	var names []string
	for name, s := range all {
		if s.Type == "Task" {
			names = append(names, name)
			if s.Resource != functionARN(tasks[name]) {
				t.Errorf("%s calls %s, want %s", name, s.Resource, functionARN(tasks[name]))
			}
		}
	}
	sort.Strings(names)
	if len(names) != len(tasks) {
		t.Errorf("task states %v, want one per task function", names)
	}
}

func TestStateMachineSettings(t *testing.T) {
	definition(t)
	synthesized.tpl.HasResourceProperties(jsii.String("AWS::StepFunctions::StateMachine"), map[string]any{
		"StateMachineType":     "STANDARD",
		"TracingConfiguration": map[string]any{"Enabled": true},
		"LoggingConfiguration": assertions.Match_ObjectLike(&map[string]any{
			"Level":                "ALL",
			"IncludeExecutionData": false,
		}),
	})
	synthesized.tpl.ResourceCountIs(jsii.String("AWS::Logs::LogGroup"), jsii.Number(1))
}

func TestMain(m *testing.M) {
	flag.Parse()
	code := m.Run()
	jsii.Close()
	os.Exit(code)
}
