package main

// The checkout workflow's paths, end to end through the real task Lambda
// binaries: each task is built for the host and started in aws-lambda-go's
// RPC mode, with its environment pointing at an event store and an orders
// table on moto_server, and a small driver calls them in the order, with
// the payloads, retries and catches of workflows/checkout.go. The state
// machine itself is the local runtime's to run (internal/local/stepfunctions
// and tests/); this test is about what the tasks do to the streams.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/rpc"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda/messages"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	ddbstore "github.com/shopstream/shopstream/eventstore/dynamodb"
	"github.com/shopstream/shopstream/internal/basket"
	"github.com/shopstream/shopstream/internal/catalog"
	"github.com/shopstream/shopstream/internal/checkout"
	"github.com/shopstream/shopstream/internal/checkout/errnames"
	"github.com/shopstream/shopstream/internal/config"
	"github.com/shopstream/shopstream/internal/lambdaenv"
	"github.com/shopstream/shopstream/internal/ordering"
	"github.com/shopstream/shopstream/internal/payment"
	"github.com/shopstream/shopstream/internal/readmodel"
	"github.com/shopstream/shopstream/internal/readmodel/readmodeltest"
	"github.com/shopstream/shopstream/internal/testutil/motoserver"
	"github.com/shopstream/shopstream/internal/testutil/shoptest"
)

// The functions the workflow paths run, by directory under lambdas/.
var pathFunctions = []string{"pricebasket", "reservestock", "authorizepayment", "confirmcheckout", "releasestock", "recordcheckoutfailed", "ordering"}

// lambdaFn is one task binary running in RPC mode.
type lambdaFn struct {
	t      *testing.T
	name   string
	cmd    *exec.Cmd
	client *rpc.Client
}

// startFunction runs the binary bin with env in RPC mode and connects to it.
func startFunction(t *testing.T, bin string, env []string) *lambdaFn {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	cmd := exec.Command(bin)
	cmd.Env = append(slices.Clip(env), "_LAMBDA_SERVER_PORT="+strconv.Itoa(port))
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	f := &lambdaFn{t: t, name: filepath.Base(bin), cmd: cmd}
	t.Cleanup(f.stop)
	deadline := time.Now().Add(20 * time.Second)
	for {
		c, err := rpc.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		if err == nil {
			f.client = c
			return f
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not start: %v", f.name, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (f *lambdaFn) stop() {
	if f.client != nil {
		f.client.Close()
	}
	if f.cmd.ProcessState == nil {
		_ = f.cmd.Process.Kill()
		_ = f.cmd.Wait()
	}
}

// taskError is a function error as Step Functions sees it: the name its
// Retry and Catch match, and the cause the Catch stores at $.error.
type taskError struct{ caught checkout.Error }

func (e *taskError) Error() string { return e.caught.Error + ": " + e.caught.Cause }

// invoke calls the function with in and decodes its result into out. A
// function error is a *taskError; a transport error means the process died.
func (f *lambdaFn) invoke(in, out any) error {
	payload, err := json.Marshal(in)
	if err != nil {
		f.t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	req := &messages.InvokeRequest{Payload: payload, RequestId: fmt.Sprint(time.Now().UnixNano()),
		Deadline: messages.InvokeRequest_Timestamp{Seconds: deadline.Unix(), Nanos: int64(deadline.Nanosecond())}}
	var resp messages.InvokeResponse
	if err := f.client.Call("Function.Invoke", req, &resp); err != nil {
		return fmt.Errorf("invoke %s: %w", f.name, err)
	}
	if resp.Error != nil {
		cause, _ := json.Marshal(map[string]string{"errorType": resp.Error.Type, "errorMessage": resp.Error.Message})
		return &taskError{checkout.Error{Error: resp.Error.Type, Cause: string(cause)}}
	}
	if out != nil {
		if err := json.Unmarshal(resp.Payload, out); err != nil {
			f.t.Fatalf("%s result %s: %v", f.name, resp.Payload, err)
		}
	}
	return nil
}

// driver calls the tasks as workflows/checkout.go wires them.
type driver struct {
	t   *testing.T
	fns map[string]*lambdaFn
	// transient counts the retried errors, by name.
	transient map[string]int
}

// retried invokes fn with in(attempt), retrying the error name up to
// attempts times; attempt is the retry count, as $$.State.RetryCount.
func (d *driver) retried(fn string, name string, attempts int, in func(attempt int) any, out any) error {
	for attempt := 0; ; attempt++ {
		err := d.fns[fn].invoke(in(attempt), out)
		var te *taskError
		if errors.As(err, &te) && te.caught.Error == name && attempt < attempts {
			d.transient[name]++
			continue
		}
		return err
	}
}

// run runs one checkout and returns the error that failed it (nil when it
// succeeded) and its final state.
func (d *driver) run(in checkout.Input) (checkout.State, *checkout.Error) {
	d.t.Helper()
	s := checkout.State{Input: in}
	caught := func(err error) *checkout.Error {
		var te *taskError
		if !errors.As(err, &te) {
			d.t.Fatalf("transport failure: %v", err)
		}
		return &te.caught
	}
	record := func(e *checkout.Error) (checkout.State, *checkout.Error) {
		if err := d.fns["recordcheckoutfailed"].invoke(checkout.RecordFailure{CheckoutID: s.CheckoutID, UserName: s.UserName, Error: e}, nil); err != nil {
			d.t.Fatalf("RecordCheckoutFailed: %v", err)
		}
		s.Error = e
		return s, e
	}
	releaseAndRecord := func(e *checkout.Error) (checkout.State, *checkout.Error) {
		err := d.retried("releasestock", errnames.StockConflict, 10, func(int) any {
			return checkout.Release{CheckoutID: s.CheckoutID, Lines: s.Priced.Lines, Error: e}
		}, nil)
		if err != nil {
			d.t.Logf("ReleaseStock failed (the workflow records the failure anyway): %v", err)
		}
		return record(e)
	}

	var priced checkout.Priced
	if err := d.fns["pricebasket"].invoke(s, &priced); err != nil {
		return record(caught(err))
	}
	s.Priced = &priced
	for _, l := range priced.Lines {
		var r checkout.Reservation
		err := d.retried("reservestock", errnames.StockConflict, 5, func(int) any {
			return checkout.ReserveLine{CheckoutID: s.CheckoutID, Line: l}
		}, &r)
		if err != nil {
			return releaseAndRecord(caught(err))
		}
		s.Reservations = append(s.Reservations, r)
	}
	var auth payment.Authorization
	if err := d.retried("authorizepayment", errnames.TransientPayment, 3, func(attempt int) any {
		in := s
		in.Attempt = attempt
		return in
	}, &auth); err != nil {
		return releaseAndRecord(caught(err))
	}
	s.Authorization = &auth
	var conf checkout.Confirmation
	if err := d.fns["confirmcheckout"].invoke(s, &conf); err != nil {
		return releaseAndRecord(caught(err))
	}
	s.Confirmation = &conf
	return s, nil
}

// buildFunctions builds the functions for the host into a temporary
// directory, as the local runtime does.
func buildFunctions(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	args := []string{"build", "-o", dir + string(os.PathSeparator)}
	for _, f := range pathFunctions {
		args = append(args, "./lambdas/"+f)
	}
	cmd := exec.Command("go", args...)
	cmd.Dir = filepath.Join("..", "..")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return dir
}

func TestWorkflowPaths(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the task Lambdas and starts moto_server")
	}
	ctx := context.Background()
	endpoint := motoserver.Start(t)
	bins := buildFunctions(t)
	db := dynamodb.NewFromConfig(motoserver.Config(endpoint))
	eventsTable := "events-" + strconv.FormatInt(time.Now().UnixNano(), 36)
	if err := ddbstore.CreateTable(ctx, db, eventsTable); err != nil {
		t.Fatal(err)
	}
	orders := readmodeltest.Orders(t, db)
	env := []string{
		config.EventsTable + "=" + eventsTable, config.OrdersTable + "=" + orders.Table,
		config.CatalogTable + "=unused-catalog", config.Stage + "=test",
		"AWS_ENDPOINT_URL=" + endpoint, "AWS_REGION=us-east-1", "AWS_ACCESS_KEY_ID=test", "AWS_SECRET_ACCESS_KEY=test",
		"AWS_EC2_METADATA_DISABLED=true", "PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir(),
	}
	fns := map[string]*lambdaFn{}
	for _, f := range pathFunctions {
		fns[f] = startFunction(t, filepath.Join(bins, f), env)
	}
	store := ddbstore.New(db, eventsTable)
	r := lambdaenv.Commands(db, eventsTable)

	// Fixtures, each path with its own customer and products.
	product := func(t *testing.T, id string, stock int64) {
		t.Helper()
		shoptest.CreateProduct(t, r, id, "Product "+id, 250, "EUR", stock)
	}
	add := func(t *testing.T, user, productID string, qty int64) {
		t.Helper()
		shoptest.AddToBasket(t, r, user, productID, qty)
	}
	types := func(t *testing.T, stream string) []string {
		t.Helper()
		return shoptest.Types(t, store, stream)
	}
	input := func(t *testing.T, checkoutID, user, card string) checkout.Input {
		tok, err := payment.Tokenize(payment.Card{Number: card, Expiry: "12/30", CVC: "123"}, time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC))
		if err != nil {
			t.Fatal(err)
		}
		return checkout.Input{CheckoutID: checkoutID, UserName: user, Payment: tok, Customer: basket.Customer{FirstName: "Ada", LastName: "Lovelace",
			Email: "ada@example.com", Address: "1 Analytical Way", PaymentMethod: "card", CardLast4: tok.Last4}}
	}
	// placeOrder delivers the checkout's BasketCheckedOut to the ordering
	// function as the bus and the queue would, on the given delivery.
	placeOrder := func(t *testing.T, fn *lambdaFn, user string, receiveCount int) (events.SQSEventResponse, error) {
		t.Helper()
		evs, err := store.Load(ctx, basket.StreamID(user), 1)
		if err != nil {
			t.Fatal(err)
		}
		last := evs[len(evs)-1]
		if last.Type != "BasketCheckedOut" {
			t.Fatalf("basket ends with %s", last.Type)
		}
		body, _ := json.Marshal(map[string]any{"version": "0", "id": "eb-" + last.ID, "detail-type": last.Type, "source": "shopstream.basket",
			"account": "000000000000", "region": "us-east-1", "time": last.Metadata.RecordedAt, "resources": []string{}, "detail": last})
		in := events.SQSEvent{Records: []events.SQSMessage{{MessageId: "m-" + last.ID, Body: string(body),
			Attributes: map[string]string{"ApproximateReceiveCount": strconv.Itoa(receiveCount)}}}}
		var resp events.SQSEventResponse
		err = fn.invoke(in, &resp)
		return resp, err
	}
	reason := func(t *testing.T, user string) basket.Reason {
		t.Helper()
		evs, _ := store.Load(ctx, basket.StreamID(user), 1)
		var failed basket.CheckoutFailed
		if err := json.Unmarshal(evs[len(evs)-1].Data, &failed); err != nil {
			t.Fatal(err)
		}
		return failed.Reason
	}
	newDriver := func(t *testing.T) *driver { return &driver{t: t, fns: fns, transient: map[string]int{}} }

	t.Run("happy path becomes one order", func(t *testing.T) {
		product(t, "hp-mug", 5)
		product(t, "hp-tea", 5)
		add(t, "hp-ada", "hp-mug", 2)
		add(t, "hp-ada", "hp-tea", 1)
		s, failed := newDriver(t).run(input(t, "hp-c1", "hp-ada", payment.CardApproved))
		if failed != nil {
			t.Fatalf("failed: %+v", failed)
		}
		if s.Confirmation.OrderID != "hp-c1" || s.Priced.Total != 3*250 || len(s.Reservations) != 2 {
			t.Fatalf("state = %+v", s)
		}
		want := []string{"BasketItemQuantitySet", "BasketItemQuantitySet", "CheckoutStarted", "BasketCheckedOut"}
		if got := types(t, basket.StreamID("hp-ada")); !reflect.DeepEqual(got, want) {
			t.Fatalf("basket stream = %v, want %v", got, want)
		}
		for _, p := range []string{"hp-mug", "hp-tea"} {
			if got := types(t, catalog.StreamID(p)); !reflect.DeepEqual(got, []string{"ProductCreated", "StockAdded", "StockReserved"}) {
				t.Fatalf("%s stream = %v", p, got)
			}
		}
		for i := range 2 { // the second delivery is a duplicate
			if resp, err := placeOrder(t, fns["ordering"], "hp-ada", i+1); err != nil || len(resp.BatchItemFailures) != 0 {
				t.Fatalf("delivery %d: %+v, %v", i+1, resp, err)
			}
		}
		if got := types(t, ordering.StreamID("hp-c1")); !reflect.DeepEqual(got, []string{"OrderPlaced"}) {
			t.Fatalf("order stream = %v", got)
		}
		row, err := orders.Get(ctx, "hp-ada", "hp-c1")
		if err != nil || row.Total != 750 || len(row.Lines) != 2 || row.Version != 1 {
			t.Fatalf("order row = %+v, %v", row, err)
		}
	})

	t.Run("declined card releases the stock and records the reason", func(t *testing.T) {
		product(t, "dc-mug", 5)
		add(t, "dc-ada", "dc-mug", 2)
		_, failed := newDriver(t).run(input(t, "dc-c1", "dc-ada", payment.CardDeclined))
		if failed == nil || failed.Error != errnames.PaymentDeclined {
			t.Fatalf("failure = %+v, want %s", failed, errnames.PaymentDeclined)
		}
		if got := types(t, catalog.StreamID("dc-mug")); !reflect.DeepEqual(got, []string{"ProductCreated", "StockAdded", "StockReserved", "StockReservationReleased"}) {
			t.Fatalf("product stream = %v", got)
		}
		if got := types(t, basket.StreamID("dc-ada")); got[len(got)-1] != "CheckoutFailed" {
			t.Fatalf("basket stream = %v", got)
		}
		if r := reason(t, "dc-ada"); r.Code != "payment_declined" || r.Message != "PaymentDeclinedError: card_declined" {
			t.Fatalf("reason = %+v", r)
		}
		if got := types(t, ordering.StreamID("dc-c1")); len(got) != 0 {
			t.Fatalf("order stream = %v", got)
		}
	})

	t.Run("out of stock releases the lines already reserved", func(t *testing.T) {
		product(t, "os-mug", 5)
		product(t, "os-tea", 1)
		add(t, "os-ada", "os-mug", 2)
		add(t, "os-ada", "os-tea", 2)
		_, failed := newDriver(t).run(input(t, "os-c1", "os-ada", payment.CardApproved))
		if failed == nil || failed.Error != errnames.OutOfStock {
			t.Fatalf("failure = %+v, want %s", failed, errnames.OutOfStock)
		}
		if got := types(t, catalog.StreamID("os-mug")); !reflect.DeepEqual(got, []string{"ProductCreated", "StockAdded", "StockReserved", "StockReservationReleased"}) {
			t.Fatalf("reserved product stream = %v", got)
		}
		if got := types(t, catalog.StreamID("os-tea")); !reflect.DeepEqual(got, []string{"ProductCreated", "StockAdded"}) {
			t.Fatalf("short product stream = %v", got)
		}
		if r := reason(t, "os-ada"); r.Code != "out_of_stock" {
			t.Fatalf("reason = %+v", r)
		}
	})

	t.Run("flaky card is retried and succeeds", func(t *testing.T) {
		product(t, "fl-mug", 5)
		add(t, "fl-ada", "fl-mug", 1)
		d := newDriver(t)
		s, failed := d.run(input(t, "fl-c1", "fl-ada", payment.CardFlaky))
		if failed != nil {
			t.Fatalf("failed: %+v", failed)
		}
		if d.transient[errnames.TransientPayment] != 1 || s.Authorization == nil {
			t.Fatalf("transient failures %v, authorization %+v", d.transient, s.Authorization)
		}
		if got := types(t, basket.StreamID("fl-ada")); got[len(got)-1] != "BasketCheckedOut" {
			t.Fatalf("basket stream = %v", got)
		}
	})

	t.Run("gateway down: retries run out, stock released", func(t *testing.T) {
		product(t, "gd-mug", 5)
		add(t, "gd-ada", "gd-mug", 1)
		d := newDriver(t)
		_, failed := d.run(input(t, "gd-c1", "gd-ada", payment.CardUnavailable))
		if failed == nil || failed.Error != errnames.TransientPayment || d.transient[errnames.TransientPayment] != 3 {
			t.Fatalf("failure = %+v after %v", failed, d.transient)
		}
		if got := types(t, catalog.StreamID("gd-mug")); got[len(got)-1] != "StockReservationReleased" {
			t.Fatalf("product stream = %v", got)
		}
		if r := reason(t, "gd-ada"); r.Code != "payment_unavailable" {
			t.Fatalf("reason = %+v", r)
		}
	})

	t.Run("unknown product fails pricing and is recorded", func(t *testing.T) {
		add(t, "up-ada", "up-ghost", 1)
		_, failed := newDriver(t).run(input(t, "up-c1", "up-ada", payment.CardApproved))
		if failed == nil || failed.Error != errnames.ProductUnavailable {
			t.Fatalf("failure = %+v", failed)
		}
		want := []string{"BasketItemQuantitySet", "CheckoutStarted", "CheckoutFailed"}
		if got := types(t, basket.StreamID("up-ada")); !reflect.DeepEqual(got, want) {
			t.Fatalf("basket stream = %v, want %v", got, want)
		}
		if r := reason(t, "up-ada"); r.Code != "product_unavailable" {
			t.Fatalf("reason = %+v", r)
		}
	})

	t.Run("basket held by another checkout records nothing", func(t *testing.T) {
		product(t, "bh-mug", 5)
		add(t, "bh-ada", "bh-mug", 1)
		first := input(t, "bh-c1", "bh-ada", payment.CardApproved)
		if err := fns["pricebasket"].invoke(checkout.State{Input: first}, nil); err != nil {
			t.Fatal(err)
		}
		_, failed := newDriver(t).run(input(t, "bh-c2", "bh-ada", payment.CardApproved))
		if failed == nil || failed.Error != errnames.CheckoutInProgress {
			t.Fatalf("failure = %+v", failed)
		}
		want := []string{"BasketItemQuantitySet", "CheckoutStarted"}
		if got := types(t, basket.StreamID("bh-ada")); !reflect.DeepEqual(got, want) {
			t.Fatalf("basket stream = %v, want %v (the other checkout still running)", got, want)
		}
	})

	t.Run("ordering crashes after its first append", func(t *testing.T) {
		product(t, "cr-mug", 5)
		add(t, "cr-ada", "cr-mug", 1)
		if _, failed := newDriver(t).run(input(t, "cr-c1", "cr-ada", payment.CardApproved)); failed != nil {
			t.Fatalf("failed: %+v", failed)
		}
		faulty := startFunction(t, filepath.Join(bins, "ordering"), append(env, "SHOPSTREAM_FAULT=ordering-crash-after-append"))
		if _, err := placeOrder(t, faulty, "cr-ada", 1); err == nil {
			t.Fatal("the first delivery did not crash the function")
		}
		if err := faulty.cmd.Wait(); err == nil || faulty.cmd.ProcessState.ExitCode() != 3 {
			t.Fatalf("exit: %v", err)
		}
		if got := types(t, ordering.StreamID("cr-c1")); !reflect.DeepEqual(got, []string{"OrderPlaced"}) {
			t.Fatalf("order stream after the crash = %v", got)
		}
		if _, err := orders.Get(ctx, "cr-ada", "cr-c1"); !errors.Is(err, readmodel.ErrNotFound) {
			t.Fatalf("row before redelivery: %v", err)
		}
		// The queue redelivers once the visibility timeout passes; Lambda
		// starts a fresh process (still with the fault set).
		restarted := startFunction(t, filepath.Join(bins, "ordering"), append(env, "SHOPSTREAM_FAULT=ordering-crash-after-append"))
		if resp, err := placeOrder(t, restarted, "cr-ada", 2); err != nil || len(resp.BatchItemFailures) != 0 {
			t.Fatalf("redelivery: %+v, %v", resp, err)
		}
		if got := types(t, ordering.StreamID("cr-c1")); !reflect.DeepEqual(got, []string{"OrderPlaced"}) {
			t.Fatalf("order stream = %v", got)
		}
		if row, err := orders.Get(ctx, "cr-ada", "cr-c1"); err != nil || row.Version != 1 {
			t.Fatalf("row = %+v, %v", row, err)
		}
	})
}
