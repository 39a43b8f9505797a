package workflows_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/shopstream/shopstream/emulator/gopackage"
	"github.com/shopstream/shopstream/emulator/lambda"
	"github.com/shopstream/shopstream/emulator/localtest"
	"github.com/shopstream/shopstream/emulator/stack"
	"github.com/shopstream/shopstream/emulator/stepfunctions"
	"github.com/shopstream/shopstream/emulator/stepfunctions/asl"
	"github.com/shopstream/shopstream/eventstore"
	ddbstore "github.com/shopstream/shopstream/eventstore/dynamodb"
	"github.com/shopstream/shopstream/internal/basket"
	"github.com/shopstream/shopstream/internal/catalog"
	"github.com/shopstream/shopstream/internal/checkout"
	"github.com/shopstream/shopstream/internal/checkout/errnames"
	"github.com/shopstream/shopstream/internal/command"
	"github.com/shopstream/shopstream/internal/config"
	"github.com/shopstream/shopstream/internal/domain"
	"github.com/shopstream/shopstream/internal/lambdaenv"
	"github.com/shopstream/shopstream/internal/ordering"
	"github.com/shopstream/shopstream/internal/payment"
	"github.com/shopstream/shopstream/internal/readmodel"
	"github.com/shopstream/shopstream/internal/readmodel/readmodeltest"
	"github.com/shopstream/shopstream/internal/testutil/awstest"
	"github.com/shopstream/shopstream/internal/testutil/localdynamo"
	"github.com/shopstream/shopstream/internal/testutil/shoptest"
	"github.com/shopstream/shopstream/workflows"
)

// pathFunctions are the functions the checkout paths run: the workflow's
// tasks, and the ordering consumer its BasketCheckedOut ends up at.
var pathFunctions = []config.Function{
	config.PriceBasket, config.ReserveStock, config.AuthorizePayment, config.ConfirmCheckout,
	config.ReleaseStock, config.RecordCheckoutFailed, config.Ordering,
}

// pathEnv is the emulated stack the paths run on: the emulator's Step
// Functions running the golden definition, its Lambda service running the
// task packages built for the host, and its DynamoDB holding the event
// store and the orders table.
type pathEnv struct {
	ctx     context.Context
	fns     map[string]function // by config.Function name
	sfn     *sfn.Client
	machine string
	store   eventstore.Store
	cmds    command.Runner
	orders  readmodel.Orders
	jitter  *jitter

	ddbURL   string
	vars     map[string]string // the functions' configuration, by variable
	cacheDir string
	out      *localtest.SyncBuffer
}

// function is a provisioned function and the service that runs it.
type function struct {
	svc *lambda.Service
	arn string
}

// pathsTimeScale shrinks retry intervals and the machine's timeout alike:
// at 0.01 the 300-second timeout is 3 s of running time, ample for these
// in-process checkouts even on a loaded machine, while Retry intervals
// stay in the tens of milliseconds.
const pathsTimeScale = 0.01

func newPathEnv(t *testing.T) *pathEnv {
	t.Helper()
	ctx := context.Background()
	ddbURL := localdynamo.Endpoint(t)
	db := dynamodb.NewFromConfig(awstest.Config(ddbURL))
	eventsTable := "events-" + strconv.FormatInt(time.Now().UnixNano(), 36)
	if err := ddbstore.CreateTable(ctx, db, eventsTable); err != nil {
		t.Fatal(err)
	}
	orders := readmodeltest.Orders(t, db)
	e := &pathEnv{ctx: ctx, store: ddbstore.New(db, eventsTable), cmds: lambdaenv.Commands(db, eventsTable), orders: orders,
		ddbURL: ddbURL, cacheDir: t.TempDir(), out: &localtest.SyncBuffer{},
		vars: map[string]string{config.EventsTable: eventsTable, config.OrdersTable: orders.Table, config.Stage: "test"}}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("function output:\n%s", e.out.String())
		}
	})
	e.fns = e.provision(t, lambda.Config{}, nil, pathFunctions...)
	arns := map[string]string{}
	for name, f := range e.fns {
		arns[name] = f.arn
	}

	srv, url := localtest.Serve(t)
	e.jitter = &jitter{inner: e.fns[config.ReserveStock.Name].svc, reserveARN: arns[config.ReserveStock.Name]}
	svc, err := stepfunctions.New(localtest.OpenDB(t, ""), stepfunctions.Options{Invoker: e.jitter, TimeScale: pathsTimeScale})
	if err != nil {
		t.Fatal(err)
	}
	svc.Register(srv)
	t.Cleanup(svc.Close)
	e.sfn = sfn.NewFromConfig(awstest.Config(url))
	def, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	m, err := e.sfn.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{
		Name: aws.String("Checkout"), Definition: aws.String(pointTasksAt(t, def, arns)),
		RoleArn: aws.String("arn:aws:iam::000000000000:role/CheckoutRole"),
	})
	if err != nil {
		t.Fatal(err)
	}
	e.machine = aws.ToString(m.StateMachineArn)
	return e
}

// provision starts a Lambda service configured by cfg (the fields wiring
// it to this environment are set here) and creates fns on it, with the
// variables their config.Function lists plus extra. The service stops when
// the test ends.
func (e *pathEnv) provision(t *testing.T, cfg lambda.Config, extra map[string]any, fns ...config.Function) map[string]function {
	t.Helper()
	cfg.ModuleRoot, cfg.CacheDir, cfg.Output = localtest.ModuleRoot(t), e.cacheDir, e.out
	// The functions reach only DynamoDB; AWS_ENDPOINT_URL points them there.
	cfg.Endpoint = e.ddbURL
	lam := lambda.New(cfg)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = lam.Close(ctx)
	})
	created := make([]stack.Created, len(fns))
	errs := make([]error, len(fns))
	var wg sync.WaitGroup
	for i, f := range fns {
		vars := map[string]any{}
		for _, name := range f.Names() {
			v, ok := e.vars[name]
			if !ok {
				t.Fatalf("%s needs %s, which this test does not provide", f.Name, name)
			}
			vars[name] = v
		}
		maps.Copy(vars, extra)
		// Building is most of this test's time: the packages build at once.
		wg.Go(func() {
			created[i], errs[i] = lam.Create(e.ctx, stack.Resource{LogicalID: f.Name, Type: lambda.TypeFunction,
				Properties: map[string]any{
					// Named apart from the golden ARNs, so a task the
					// substitution misses cannot reach its function.
					"FunctionName": "paths-" + f.Name,
					"Timeout":      10.0, // the stack's default
					"Environment":  map[string]any{"Variables": vars},
				},
				Metadata: map[string]any{gopackage.MetadataKey: f.Package()}})
		})
	}
	wg.Wait()
	out := map[string]function{}
	for i, f := range fns {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		out[f.Name] = function{svc: lam, arn: created[i].Attrs["Arn"].(string)}
	}
	return out
}

// pointTasksAt returns the definition with each Lambda task's Resource
// replaced by the ARN of the function of the same name in arns. It fails
// on a task calling a function arns lacks, and on a task function of
// pathFunctions the definition never calls.
func pointTasksAt(t *testing.T, def []byte, arns map[string]string) string {
	t.Helper()
	var m any
	if err := json.Unmarshal(def, &m); err != nil {
		t.Fatal(err)
	}
	called := map[string]bool{}
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, x := range v {
				if s, ok := x.(string); ok && k == "Resource" && asl.ParseResource(s).Lambda {
					_, name, _ := strings.Cut(s, ":function:")
					arn, ok := arns[name]
					if !ok {
						t.Fatalf("task resource %s names no function this test runs", s)
					}
					v[k] = arn
					called[name] = true
					continue
				}
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	walk(m)
	for _, f := range pathFunctions {
		if f.Name != config.Ordering.Name && !called[f.Name] {
			t.Fatalf("the definition never calls %s", f.Name)
		}
	}
	out, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

// jitter passes invocations through to the Lambda service, holding each
// ReserveLine invocation back for a random while before it runs and before
// it answers when on, so a checkout's lines reserve (and fail) in any order.
type jitter struct {
	inner      stack.Invoker
	reserveARN string
	on         atomic.Bool
}

func (j *jitter) Invoke(ctx context.Context, fn string, payload []byte) (stack.InvokeResult, error) {
	if fn != j.reserveARN || !j.on.Load() {
		return j.inner.Invoke(ctx, fn, payload)
	}
	pause := func() { time.Sleep(time.Duration(rand.IntN(20)) * time.Millisecond) }
	pause()
	defer pause()
	return j.inner.Invoke(ctx, fn, payload)
}

// execution is a finished checkout execution.
type execution struct {
	*sfn.DescribeExecutionOutput
	history []sfntypes.HistoryEvent
}

// run starts the checkout's execution, named after it as the basket API
// does, and waits for it to finish.
func (e *pathEnv) run(t *testing.T, in checkout.Input) execution {
	t.Helper()
	input, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	started, err := e.sfn.StartExecution(e.ctx, &sfn.StartExecutionInput{
		StateMachineArn: aws.String(e.machine), Name: aws.String(in.CheckoutID), Input: aws.String(string(input)),
	})
	if err != nil {
		t.Fatal(err)
	}
	// Generous: the first call of each function starts its process.
	deadline := time.Now().Add(30 * time.Second)
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for {
		out, err := e.sfn.DescribeExecution(e.ctx, &sfn.DescribeExecutionInput{ExecutionArn: started.ExecutionArn})
		if err != nil {
			t.Fatal(err)
		}
		if out.Status != sfntypes.ExecutionStatusRunning {
			ex := execution{DescribeExecutionOutput: out}
			pages := sfn.NewGetExecutionHistoryPaginator(e.sfn, &sfn.GetExecutionHistoryInput{ExecutionArn: started.ExecutionArn})
			for pages.HasMorePages() {
				page, err := pages.NextPage(e.ctx)
				if err != nil {
					t.Fatal(err)
				}
				ex.history = append(ex.history, page.Events...)
			}
			return ex
		}
		if time.Now().After(deadline) {
			t.Fatalf("execution %s still RUNNING after 30s", in.CheckoutID)
		}
		<-tick.C
	}
}

// path returns the states the execution entered, in order, except that
// the states of the ReserveStock Map's iterations, which run concurrently,
// are sorted by name.
func (x execution) path() []string {
	var out []string
	for _, ev := range x.history {
		if d := ev.StateEnteredEventDetails; d != nil {
			out = append(out, aws.ToString(d.Name))
		}
	}
	iteration := func(s string) bool {
		return s == workflows.StateReserveLine || s == workflows.StateReserveLineFailed
	}
	for i := 0; i < len(out); {
		j := i
		for j < len(out) && iteration(out[j]) {
			j++
		}
		slices.Sort(out[i:j])
		i = max(j, i+1)
	}
	return out
}

// attempt is one invocation of a task's function, as the history shows it.
type attempt struct {
	input  string
	failed string // the error name; "" if it succeeded
}

// attempts returns the invocations of a top-level task state (one that
// runs alone, so every event between its entry and exit is its own).
func (x execution) attempts(state string) []attempt {
	var out []attempt
	inside := false
	for _, ev := range x.history {
		switch {
		case ev.StateEnteredEventDetails != nil:
			inside = aws.ToString(ev.StateEnteredEventDetails.Name) == state
		case ev.StateExitedEventDetails != nil:
			inside = false
		case !inside:
		case ev.Type == sfntypes.HistoryEventTypeLambdaFunctionScheduled:
			out = append(out, attempt{input: aws.ToString(ev.LambdaFunctionScheduledEventDetails.Input)})
		case ev.Type == sfntypes.HistoryEventTypeLambdaFunctionFailed && len(out) > 0:
			out[len(out)-1].failed = aws.ToString(ev.LambdaFunctionFailedEventDetails.Error)
		}
	}
	return out
}

// invoke calls f directly, as an event source or another workflow step
// would; a function error is an error carrying the error payload.
func (e *pathEnv) invoke(t *testing.T, f function, in, out any) error {
	t.Helper()
	payload, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	res, err := f.svc.Invoke(e.ctx, f.arn, payload)
	if err != nil {
		t.Fatal(err)
	}
	if res.FunctionError != "" {
		return fmt.Errorf("%s: %s", f.arn, res.Payload)
	}
	if out != nil {
		if err := json.Unmarshal(res.Payload, out); err != nil {
			t.Fatalf("%s result %s: %v", f.arn, res.Payload, err)
		}
	}
	return nil
}

// placeOrder delivers the basket's BasketCheckedOut to the ordering
// function f as the bus and the queue would, on the given delivery.
func (e *pathEnv) placeOrder(t *testing.T, f function, user string, receiveCount int) (events.SQSEventResponse, error) {
	t.Helper()
	evs := shoptest.Events(t, e.store, basket.StreamID(user))
	last := evs[len(evs)-1]
	if last.Type != "BasketCheckedOut" {
		t.Fatalf("basket ends with %s", last.Type)
	}
	body, err := json.Marshal(map[string]any{"version": "0", "id": "eb-" + last.ID, "detail-type": last.Type,
		"source": "shopstream.basket", "account": "000000000000", "region": "us-east-1",
		"time": last.Metadata.RecordedAt, "resources": []string{}, "detail": last})
	if err != nil {
		t.Fatal(err)
	}
	in := events.SQSEvent{Records: []events.SQSMessage{{MessageId: "m-" + last.ID, Body: string(body),
		Attributes: map[string]string{"ApproximateReceiveCount": strconv.Itoa(receiveCount)}}}}
	var resp events.SQSEventResponse
	err = e.invoke(t, f, in, &resp)
	return resp, err
}

func (e *pathEnv) reason(t *testing.T, user string) basket.Reason {
	t.Helper()
	evs := shoptest.Events(t, e.store, basket.StreamID(user))
	var failed basket.CheckoutFailed
	if err := json.Unmarshal(evs[len(evs)-1].Data, &failed); err != nil {
		t.Fatal(err)
	}
	return failed.Reason
}

func (e *pathEnv) available(t *testing.T, productID string) int64 {
	t.Helper()
	p, err := catalog.New(productID)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.cmds.Load(e.ctx, catalog.StreamID(productID), p); err != nil {
		t.Fatal(err)
	}
	return p.Available()
}

func checkoutInput(t *testing.T, checkoutID, user, card string) checkout.Input {
	t.Helper()
	tok, err := shoptest.Tokenizer.Tokenize(payment.Card{Number: card, Expiry: "12/30", CVC: "123"}, shoptest.Now)
	if err != nil {
		t.Fatal(err)
	}
	c := shoptest.Customer
	c.CardLast4 = tok.Last4
	return checkout.Input{CheckoutID: checkoutID, UserName: user, Payment: tok, Customer: c}
}

// TestCheckoutPaths runs the checkout definition (testdata/checkout.asl.json,
// the construct's own output) in the emulator's Step Functions, with the
// task Lambdas built from lambdas/ and run as the local runtime runs them,
// over the emulator's DynamoDB. Every Retry, Catch and compensation comes
// from the definition; the test checks where each path ends (the
// execution's outcome and history) and what it leaves in the streams.
func TestCheckoutPaths(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the task Lambdas: skipped under -short")
	}
	e := newPathEnv(t)

	const (
		price        = 250
		released     = "StockReservationReleased"
		checkedOut   = "BasketCheckedOut"
		checkoutFail = "CheckoutFailed"
	)
	var (
		reserved   = []string{"ProductCreated", "StockAdded", "StockReserved"}
		untouched  = []string{"ProductCreated", "StockAdded"}
		compensate = append(slices.Clone(reserved), released)
		// a one-line checkout confirmed
		confirmed = []string{workflows.StatePriceBasket, workflows.StateReserveStock, workflows.StateReserveLine,
			workflows.StateAllLinesReserved, workflows.StateAuthorizePayment, workflows.StateConfirmCheckout}
		// a failure after stock was reserved, from AuthorizePayment on
		afterAuthorize = []string{workflows.StatePriceBasket, workflows.StateReserveStock, workflows.StateReserveLine,
			workflows.StateAllLinesReserved, workflows.StateAuthorizePayment,
			workflows.StateReleaseStock, workflows.StateRecordCheckoutFailed, workflows.StateCheckoutFailed}
		// a failure of PriceBasket, which reserved nothing to release
		pricingFailed = []string{workflows.StatePriceBasket, workflows.StateRecordCheckoutFailed, workflows.StateCheckoutFailed}
	)
	type product struct {
		id    string
		stock int64
	}
	type line struct {
		product string
		qty     int64
	}
	tests := []struct {
		name     string
		key      string // prefixes the case's user, checkout and products
		products []product
		lines    []line
		card     string
		// before runs after the fixtures, before the execution starts.
		before func(t *testing.T, user string)

		wantError string // "" for SUCCEEDED
		wantPath  []string
		// wantAuthorize is AuthorizePayment's invocations: the error each
		// failed with ("" for success). Attempt i must carry "attempt": i.
		wantAuthorize []string
		wantBasket    []string
		wantProducts  map[string][]string
		wantAvailable map[string]int64
		wantReason    basket.Reason // Message checked when set
		wantTotal     int64         // the order's total, for a success
	}{
		{
			name: "happy path, two lines, becomes one order", key: "hp",
			products: []product{{"mug", 5}, {"tea", 5}},
			lines:    []line{{"mug", 2}, {"tea", 1}},
			card:     payment.CardApproved,
			wantPath: []string{workflows.StatePriceBasket, workflows.StateReserveStock, workflows.StateReserveLine, workflows.StateReserveLine,
				workflows.StateAllLinesReserved, workflows.StateAuthorizePayment, workflows.StateConfirmCheckout},
			wantAuthorize: []string{""},
			wantBasket:    []string{"BasketItemQuantitySet", "BasketItemQuantitySet", "CheckoutStarted", checkedOut},
			wantProducts:  map[string][]string{"mug": reserved, "tea": reserved},
			wantAvailable: map[string]int64{"mug": 3, "tea": 4},
			wantTotal:     3 * price,
		},
		{
			name: "declined card releases the stock and records the reason", key: "dc",
			products:      []product{{"mug", 5}},
			lines:         []line{{"mug", 2}},
			card:          payment.CardDeclined,
			wantError:     errnames.PaymentDeclined,
			wantPath:      afterAuthorize,
			wantAuthorize: []string{errnames.PaymentDeclined},
			wantBasket:    []string{"BasketItemQuantitySet", "CheckoutStarted", checkoutFail},
			wantProducts:  map[string][]string{"mug": compensate},
			wantAvailable: map[string]int64{"mug": 5},
			wantReason:    basket.Reason{Code: "payment_declined", Message: "The payment was declined (card_declined)."},
		},
		{
			name: "insufficient funds is declined without retry", key: "if",
			products:      []product{{"mug", 5}},
			lines:         []line{{"mug", 1}},
			card:          payment.CardInsufficientFunds,
			wantError:     errnames.PaymentDeclined,
			wantPath:      afterAuthorize,
			wantAuthorize: []string{errnames.PaymentDeclined},
			wantBasket:    []string{"BasketItemQuantitySet", "CheckoutStarted", checkoutFail},
			wantProducts:  map[string][]string{"mug": compensate},
			wantAvailable: map[string]int64{"mug": 5},
			wantReason:    basket.Reason{Code: "payment_declined", Message: "The payment was declined (insufficient_funds)."},
		},
		{
			name: "out of stock releases the lines already reserved", key: "os",
			products:  []product{{"mug", 5}, {"tea", 1}},
			lines:     []line{{"mug", 2}, {"tea", 2}},
			card:      payment.CardApproved,
			wantError: errnames.OutOfStock,
			wantPath: []string{workflows.StatePriceBasket, workflows.StateReserveStock,
				workflows.StateReserveLine, workflows.StateReserveLine, workflows.StateReserveLineFailed,
				workflows.StateAllLinesReserved, workflows.StateReserveStockFailed,
				workflows.StateReleaseStock, workflows.StateRecordCheckoutFailed, workflows.StateCheckoutFailed},
			wantBasket: []string{"BasketItemQuantitySet", "BasketItemQuantitySet", "CheckoutStarted", checkoutFail},
			// tea reserved nothing: its release is a mark that refuses
			// a reservation of it still in flight.
			wantProducts:  map[string][]string{"mug": compensate, "tea": append(slices.Clone(untouched), released)},
			wantAvailable: map[string]int64{"mug": 5, "tea": 1},
			wantReason:    basket.Reason{Code: "out_of_stock"},
		},
		{
			name: "flaky card is retried and succeeds", key: "fl",
			products:      []product{{"mug", 5}},
			lines:         []line{{"mug", 1}},
			card:          payment.CardFlaky,
			wantPath:      confirmed,
			wantAuthorize: []string{errnames.TransientPayment, ""},
			wantBasket:    []string{"BasketItemQuantitySet", "CheckoutStarted", checkedOut},
			wantProducts:  map[string][]string{"mug": reserved},
			wantAvailable: map[string]int64{"mug": 4},
			wantTotal:     price,
		},
		{
			name: "gateway down: retries run out, stock released", key: "gd",
			products:  []product{{"mug", 5}},
			lines:     []line{{"mug", 1}},
			card:      payment.CardUnavailable,
			wantError: errnames.TransientPayment,
			wantPath:  afterAuthorize,
			// The first try and MaxAttempts (3) retries.
			wantAuthorize: []string{errnames.TransientPayment, errnames.TransientPayment, errnames.TransientPayment, errnames.TransientPayment},
			wantBasket:    []string{"BasketItemQuantitySet", "CheckoutStarted", checkoutFail},
			wantProducts:  map[string][]string{"mug": compensate},
			wantAvailable: map[string]int64{"mug": 5},
			wantReason:    basket.Reason{Code: "payment_unavailable"},
		},
		{
			name: "unknown product fails pricing and is recorded", key: "up",
			lines:      []line{{"ghost", 1}},
			card:       payment.CardApproved,
			wantError:  errnames.ProductUnavailable,
			wantPath:   pricingFailed,
			wantBasket: []string{"BasketItemQuantitySet", "CheckoutStarted", checkoutFail},
			wantReason: basket.Reason{Code: "product_unavailable"},
		},
		{
			name: "empty basket fails pricing and records nothing", key: "eb",
			card:      payment.CardApproved,
			wantError: errnames.BasketEmpty,
			wantPath:  pricingFailed,
		},
		{
			name: "basket held by another checkout records nothing", key: "bh",
			products: []product{{"mug", 5}},
			lines:    []line{{"mug", 1}},
			card:     payment.CardApproved,
			before: func(t *testing.T, user string) {
				// The other checkout has priced the basket (locking it)
				// and is still running.
				first := checkoutInput(t, "bh-c0", user, payment.CardApproved)
				if err := e.invoke(t, e.fns[config.PriceBasket.Name], checkout.State{Input: first}, nil); err != nil {
					t.Fatal(err)
				}
			},
			wantError:     errnames.CheckoutInProgress,
			wantPath:      pricingFailed,
			wantBasket:    []string{"BasketItemQuantitySet", "CheckoutStarted"},
			wantProducts:  map[string][]string{"mug": untouched},
			wantAvailable: map[string]int64{"mug": 5},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			user, checkoutID := tt.key+"-ada", tt.key+"-c1"
			pid := func(p string) string { return tt.key + "-" + p }
			for _, p := range tt.products {
				shoptest.CreateProduct(t, e.cmds, pid(p.id), "Product "+p.id, price, "EUR", p.stock)
			}
			for _, l := range tt.lines {
				shoptest.AddToBasket(t, e.cmds, user, pid(l.product), l.qty)
			}
			if tt.before != nil {
				tt.before(t, user)
			}

			x := e.run(t, checkoutInput(t, checkoutID, user, tt.card))

			wantStatus := sfntypes.ExecutionStatusSucceeded
			if tt.wantError != "" {
				wantStatus = sfntypes.ExecutionStatusFailed
			}
			if x.Status != wantStatus || aws.ToString(x.Error) != tt.wantError {
				t.Fatalf("execution %s %q (cause %s), want %s %q", x.Status, aws.ToString(x.Error), aws.ToString(x.Cause), wantStatus, tt.wantError)
			}
			if got := x.path(); !slices.Equal(got, tt.wantPath) {
				t.Errorf("path %v\nwant %v", got, tt.wantPath)
			}
			auth := x.attempts(workflows.StateAuthorizePayment)
			var failed []string
			for i, a := range auth {
				failed = append(failed, a.failed)
				var in checkout.State
				if err := json.Unmarshal([]byte(a.input), &in); err != nil || in.Attempt != i {
					t.Errorf("AuthorizePayment invocation %d had input %s, want attempt %d (its retry count)", i, a.input, i)
				}
			}
			if !slices.Equal(failed, tt.wantAuthorize) {
				t.Errorf("AuthorizePayment invocations ended %q, want %q", failed, tt.wantAuthorize)
			}
			if got := shoptest.Types(t, e.store, basket.StreamID(user)); !slices.Equal(got, tt.wantBasket) {
				t.Errorf("basket stream %v, want %v", got, tt.wantBasket)
			}
			for p, want := range tt.wantProducts {
				if got := shoptest.Types(t, e.store, catalog.StreamID(pid(p))); !slices.Equal(got, want) {
					t.Errorf("%s stream %v, want %v", p, got, want)
				}
			}
			for p, want := range tt.wantAvailable {
				if got := e.available(t, pid(p)); got != want {
					t.Errorf("%s has %d available, want %d", p, got, want)
				}
			}
			if tt.wantReason != (basket.Reason{}) {
				r := e.reason(t, user)
				if r.Code != tt.wantReason.Code || tt.wantReason.Message != "" && r.Message != tt.wantReason.Message {
					t.Errorf("reason %+v, want %+v", r, tt.wantReason)
				}
			}

			if tt.wantError != "" {
				// The Fail state reports the task's own error payload.
				var cause struct{ ErrorType string }
				if err := json.Unmarshal([]byte(aws.ToString(x.Cause)), &cause); err != nil || cause.ErrorType != tt.wantError {
					t.Errorf("cause %q is not the task's error", aws.ToString(x.Cause))
				}
				if got := shoptest.Types(t, e.store, ordering.StreamID(checkoutID)); len(got) != 0 {
					t.Errorf("order stream %v, want none", got)
				}
				return
			}
			var out checkout.State
			if err := json.Unmarshal([]byte(aws.ToString(x.Output)), &out); err != nil {
				t.Fatal(err)
			}
			if out.Confirmation == nil || out.Confirmation.OrderID != checkoutID || out.Priced == nil || out.Priced.Total != tt.wantTotal ||
				out.Reservations == nil || len(out.Reservations.Lines) != len(tt.lines) || len(out.Reservations.Failed) != 0 || out.Authorization == nil {
				t.Errorf("output %s", aws.ToString(x.Output))
			}
			// The second delivery is a duplicate, as at-least-once
			// delivery allows: still exactly one order.
			for n := range 2 {
				if resp, err := e.placeOrder(t, e.fns[config.Ordering.Name], user, n+1); err != nil || len(resp.BatchItemFailures) != 0 {
					t.Fatalf("delivery %d: %+v, %v", n+1, resp, err)
				}
			}
			if got := shoptest.Types(t, e.store, ordering.StreamID(checkoutID)); !slices.Equal(got, []string{"OrderPlaced"}) {
				t.Errorf("order stream %v", got)
			}
			rows, _, err := e.orders.ListByUser(e.ctx, user, "", 10, "")
			if err != nil || len(rows) != 1 {
				t.Fatalf("orders of %s: %+v, %v", user, rows, err)
			}
			if r := rows[0]; r.OrderID != checkoutID || r.Total != tt.wantTotal || len(r.Lines) != len(tt.lines) || r.Version != 1 {
				t.Errorf("order row %+v", r)
			}
		})
	}

	// The Map reserves a checkout's lines concurrently. Whatever the order
	// in which they reserve, fail and answer (jitter shuffles them), the
	// workflow releases only once every line has settled, so every
	// reservation of the failed checkout is released and the failure
	// reason is the out-of-stock line's.
	t.Run("out of stock with lines in flight, in any order, loses no stock", func(t *testing.T) {
		e.jitter.on.Store(true)
		defer e.jitter.on.Store(false)
		const runs, stock = 12, 50
		var wg sync.WaitGroup
		for n := range runs {
			key := fmt.Sprintf("ao%d", n)
			user, checkoutID := key+"-ada", key+"-c1"
			// The scarce line is first, in the middle or last.
			ids := []string{key + "-mug", key + "-tea", key + "-jam"}
			scarce := ids[n%len(ids)]
			for _, id := range ids {
				qty := int64(stock)
				if id == scarce {
					qty = 0
				}
				shoptest.CreateProduct(t, e.cmds, id, "Product "+id, price, "EUR", qty)
				shoptest.AddToBasket(t, e.cmds, user, id, 2)
			}
			wg.Go(func() {
				x := e.run(t, checkoutInput(t, checkoutID, user, payment.CardApproved))
				if x.Status != sfntypes.ExecutionStatusFailed || aws.ToString(x.Error) != errnames.OutOfStock {
					t.Errorf("%s: execution %s %q, want FAILED %s", checkoutID, x.Status, aws.ToString(x.Error), errnames.OutOfStock)
				}
				var cause struct{ ErrorType, ErrorMessage string }
				if err := json.Unmarshal([]byte(aws.ToString(x.Cause)), &cause); err != nil || !strings.Contains(cause.ErrorMessage, scarce) {
					t.Errorf("%s: cause %q does not name %s", checkoutID, aws.ToString(x.Cause), scarce)
				}
				if r := e.reason(t, user); r.Code != "out_of_stock" {
					t.Errorf("%s: reason %+v", checkoutID, r)
				}
				for _, id := range ids {
					want := int64(stock)
					if id == scarce {
						want = 0
					}
					if got := e.available(t, id); got != want {
						t.Errorf("%s: %s has %d available, want %d (stream %v)", checkoutID, id, got, want,
							shoptest.Types(t, e.store, catalog.StreamID(id)))
					}
				}
			})
		}
		wg.Wait()
	})

	// A reservation that lands after its checkout's release (a Lambda call
	// still running when the workflow compensated, or retried after it) is
	// refused: the release left a mark on the product even though nothing
	// was held yet.
	t.Run("a reservation landing after the release is refused", func(t *testing.T) {
		const checkoutID = "lr-c1"
		shoptest.CreateProduct(t, e.cmds, "lr-mug", "Product mug", price, "EUR", 5)
		line := domain.PricedLine{ProductID: "lr-mug", Name: "Product mug", UnitPrice: price, Currency: "EUR", Quantity: 2, LineTotal: 2 * price}
		if err := e.invoke(t, e.fns[config.ReleaseStock.Name], checkout.Release{CheckoutID: checkoutID, UserName: "lr-ada", Lines: []domain.PricedLine{line}}, nil); err != nil {
			t.Fatal(err)
		}
		err := e.invoke(t, e.fns[config.ReserveStock.Name], checkout.ReserveLine{CheckoutID: checkoutID, Line: line}, nil)
		if err == nil || !strings.Contains(err.Error(), errnames.ReservationReleased) {
			t.Fatalf("late reservation: %v, want %s", err, errnames.ReservationReleased)
		}
		if got := e.available(t, "lr-mug"); got != 5 {
			t.Errorf("lr-mug has %d available, want 5", got)
		}
	})

	t.Run("ordering crashes after its append; the redelivery completes the order", func(t *testing.T) {
		const user, checkoutID = "cr-ada", "cr-c1"
		shoptest.CreateProduct(t, e.cmds, "cr-mug", "Product mug", price, "EUR", 5)
		shoptest.AddToBasket(t, e.cmds, user, "cr-mug", 1)
		if x := e.run(t, checkoutInput(t, checkoutID, user, payment.CardApproved)); x.Status != sfntypes.ExecutionStatusSucceeded {
			t.Fatalf("execution %s %s", x.Status, aws.ToString(x.Cause))
		}
		// The crash switch exists only in faultinject builds
		// (lambdas/ordering/fault_faultinject.go).
		faulty := e.provision(t, lambda.Config{BuildTags: []string{"faultinject"}},
			map[string]any{"SHOPSTREAM_FAULT": "ordering-crash-after-append"}, config.Ordering)[config.Ordering.Name]
		_, err := e.placeOrder(t, faulty, user, 1)
		if err == nil || !strings.Contains(err.Error(), "Runtime.ExitError") || !strings.Contains(err.Error(), "exit status 3") {
			t.Fatalf("first delivery: %v, want the process to exit with status 3", err)
		}
		if got := shoptest.Types(t, e.store, ordering.StreamID(checkoutID)); !slices.Equal(got, []string{"OrderPlaced"}) {
			t.Fatalf("order stream after the crash %v", got)
		}
		if _, err := e.orders.Get(e.ctx, user, checkoutID); !errors.Is(err, readmodel.ErrNotFound) {
			t.Fatalf("row before the redelivery: %v", err)
		}
		// The queue redelivers after the visibility timeout; the Lambda
		// service gives it a fresh process (still with the fault set).
		if resp, err := e.placeOrder(t, faulty, user, 2); err != nil || len(resp.BatchItemFailures) != 0 {
			t.Fatalf("redelivery: %+v, %v", resp, err)
		}
		if got := shoptest.Types(t, e.store, ordering.StreamID(checkoutID)); !slices.Equal(got, []string{"OrderPlaced"}) {
			t.Errorf("order stream %v", got)
		}
		if row, err := e.orders.Get(e.ctx, user, checkoutID); err != nil || row.Version != 1 {
			t.Errorf("row %+v, %v", row, err)
		}
	})
}
