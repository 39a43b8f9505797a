package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/shopstream/shopstream/eventstore"
	"github.com/shopstream/shopstream/eventstore/memory"
	"github.com/shopstream/shopstream/internal/basket"
	"github.com/shopstream/shopstream/internal/checkout"
	"github.com/shopstream/shopstream/internal/checkout/errnames"
	"github.com/shopstream/shopstream/internal/command"
	"github.com/shopstream/shopstream/internal/domain"
	"github.com/shopstream/shopstream/internal/httpapi"
	"github.com/shopstream/shopstream/internal/payment"
	"github.com/shopstream/shopstream/internal/registry"
	"github.com/shopstream/shopstream/internal/testutil/localsfn"
	"github.com/shopstream/shopstream/internal/testutil/shoptest"
)

// fixture is the basket API over a memory event store and a real Step
// Functions endpoint (the emulator's, in-process) with a Hold machine for
// the checkout workflow: every checkout execution stays RUNNING until the
// test lets it succeed or fail. No hand-written fake stands in for Step
// Functions, so the handler meets its real rules for execution names.
type fixture struct {
	h     http.Handler
	api   *API
	store *memory.Store
	sfn   *localsfn.SFN
	wf    *localsfn.Hold
	// as signs the requests of do and send in (ann by default); nil sends
	// them anonymously.
	as *httpapi.Caller
}

// The callers of the tests: ann owns the basket the tests use.
var (
	ann   = &httpapi.Caller{UserName: "ann", Groups: []string{"shopper"}}
	cid   = &httpapi.Caller{UserName: "cid", Groups: []string{"shopper"}}
	admin = &httpapi.Caller{UserName: "bob", Groups: []string{"shopper", httpapi.AdminGroup}}
)

var now = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

func newFixture(t *testing.T) *fixture {
	store := memory.New()
	s := localsfn.Start(t)
	wf := s.Hold(t, "Checkout")
	api := &API{
		Commands:        command.Runner{Store: store, Registry: registry.Default(), Factory: eventstore.NewFactory(func() time.Time { return now }, nil)},
		Workflows:       s.Client,
		StateMachineARN: wf.ARN,
		Stage:           "dev",
		Now:             func() time.Time { return now },
		Cursors:         shoptest.Cursors,
		Tokenizer:       shoptest.Tokenizer,
	}
	f := &fixture{h: api.Routes(), api: api, store: store, sfn: s, wf: wf, as: ann}
	f.product(t, "mug", 1250, 10)
	f.product(t, "tea", 400, 10)
	return f
}

// input returns the input the checkout's execution was started with.
func (f *fixture) input(t *testing.T, checkoutID string) string {
	t.Helper()
	out, err := f.sfn.Client.DescribeExecution(context.Background(), &sfn.DescribeExecutionInput{ExecutionArn: aws.String(f.wf.ExecutionARN(checkoutID))})
	if err != nil {
		t.Fatalf("describe checkout %s: %v", checkoutID, err)
	}
	return aws.ToString(out.Input)
}

func (f *fixture) product(t *testing.T, id string, price, stock int64) {
	t.Helper()
	shoptest.CreateProduct(t, f.api.Commands, id, strings.ToUpper(id), price, "EUR", stock)
}

func (f *fixture) do(t *testing.T, method, path, body string, header ...string) (int, map[string]any) {
	t.Helper()
	code, out, err := f.send(method, path, body, header...)
	if err != nil {
		t.Fatal(err)
	}
	return code, out
}

// send serves one request; it is safe to call from several goroutines.
// header lists names and values; "Host" sets the request's host.
func (f *fixture) send(method, path, body string, header ...string) (int, map[string]any, error) {
	r := httptest.NewRequest(method, path, strings.NewReader(body))
	if f.as != nil {
		r = r.WithContext(httpapi.WithCaller(r.Context(), *f.as))
	}
	for i := 0; i+1 < len(header); i += 2 {
		if header[i] == "Host" {
			r.Host = header[i+1]
			continue
		}
		r.Header.Set(header[i], header[i+1])
	}
	w := httptest.NewRecorder()
	f.h.ServeHTTP(w, r)
	var out map[string]any
	if w.Body.Len() > 0 {
		if err := json.Unmarshal(w.Body.Bytes(), &out); err != nil {
			return 0, nil, fmt.Errorf("%s %s: body %q: %v", method, path, w.Body.String(), err)
		}
	}
	return w.Code, out, nil
}

func (f *fixture) events(t *testing.T) int {
	page, err := f.store.ReadAll(context.Background(), "", 10000)
	if err != nil {
		t.Fatal(err)
	}
	return len(page.Events)
}

func errOf(b map[string]any) (code, field string) {
	e, _ := b["error"].(map[string]any)
	code, _ = e["code"].(string)
	field, _ = e["field"].(string)
	return code, field
}

func TestBasketPricesFromCatalog(t *testing.T) {
	f := newFixture(t)
	code, body := f.do(t, "POST", "/basket", `{"userName":"ann","items":[{"productId":"mug","quantity":2,"price":0.01},{"productId":"tea","quantity":3}]}`)
	if code != 200 {
		t.Fatalf("set items: %d %v", code, body)
	}
	if body["total"].(float64) != 2*1250+3*400 || body["currency"] != "EUR" {
		t.Fatalf("basket %v: client price must be ignored", body)
	}
	code, body = f.do(t, "POST", "/basket", `{"userName":"ann","items":[{"productId":"tea","quantity":0}]}`)
	if code != 200 || len(body["items"].([]any)) != 1 {
		t.Fatalf("remove by quantity 0: %d %v", code, body)
	}
	code, body = f.do(t, "GET", "/basket/ann", "")
	if code != 200 || body["total"].(float64) != 2500 || body["checkout"] != nil {
		t.Fatalf("get: %d %v", code, body)
	}
	if code, _ := f.do(t, "DELETE", "/basket/ann", ""); code != 204 {
		t.Fatalf("delete: %d", code)
	}
	code, body = f.do(t, "GET", "/basket/ann", "")
	if code != 200 || len(body["items"].([]any)) != 0 {
		t.Fatalf("after delete: %d %v", code, body)
	}
	// An unknown customer simply has an empty basket.
	f.as = admin
	if code, body := f.do(t, "GET", "/basket/nobody", ""); code != 200 || len(body["items"].([]any)) != 0 {
		t.Fatalf("unknown basket: %d %v", code, body)
	}
}

func TestBasketBadInputChangesNothing(t *testing.T) {
	f := newFixture(t)
	shoptest.CreateProduct(t, f.api.Commands, "dollar", "DOLLAR", 100, "USD", 10)
	before := f.events(t)
	mixed := `{"userName":"ann","items":[{"productId":"mug","quantity":1},{"productId":"dollar","quantity":1}]}`
	many := make([]string, domain.MaxLines+1)
	for i := range many {
		many[i] = fmt.Sprintf(`{"productId":"p%d","quantity":1}`, i)
	}
	tests := []struct {
		name, method, path, body string
		wantStatus               int
		wantCode, wantField      string
	}{
		{"malformed", "POST", "/basket", `{"userName":"ann",`, 400, "malformed_json", ""},
		{"unknown field", "POST", "/basket", `{"userName":"ann","items":[],"coupon":"X"}`, 400, "unknown_field", "coupon"},
		{"no user", "POST", "/basket", `{"items":[{"productId":"mug","quantity":1}]}`, 400, "invalid_field", "userName"},
		{"bad user", "POST", "/basket", `{"userName":"a b","items":[{"productId":"mug","quantity":1}]}`, 400, "invalid_field", "userName"},
		{"no items", "POST", "/basket", `{"userName":"ann","items":[]}`, 400, "invalid_field", "items"},
		{"too many items", "POST", "/basket", `{"userName":"ann","items":[` + strings.Join(many, ",") + `]}`, 400, "invalid_field", "items"},
		{"negative", "POST", "/basket", `{"userName":"ann","items":[{"productId":"mug","quantity":-1}]}`, 400, "invalid_field", "items[0].quantity"},
		{"huge", "POST", "/basket", `{"userName":"ann","items":[{"productId":"mug","quantity":100000000}]}`, 400, "invalid_field", "items[0].quantity"},
		{"wrong type", "POST", "/basket", `{"userName":"ann","items":[{"productId":"mug","quantity":"2"}]}`, 400, "invalid_field", "items[0].quantity"},
		{"missing quantity", "POST", "/basket", `{"userName":"ann","items":[{"productId":"mug"}]}`, 400, "invalid_field", "items[0].quantity"},
		{"null quantity", "POST", "/basket", `{"userName":"ann","items":[{"productId":"mug","quantity":1},{"productId":"tea","quantity":null}]}`, 400, "invalid_field", "items[1].quantity"},
		{"duplicate key", "POST", "/basket", `{"userName":"ann","userName":"cid","items":[{"productId":"mug","quantity":1}]}`, 400, "duplicate_field", "userName"},
		{"items not an array", "POST", "/basket", `{"userName":"ann","items":{"productId":"mug"}}`, 400, "invalid_field", "items"},
		{"mixed currencies", "POST", "/basket", mixed, 422, "currency_mismatch", "items[1].productId"},
		{"product named twice", "POST", "/basket", `{"userName":"ann","items":[{"productId":"mug","quantity":1},{"productId":"tea","quantity":1},{"productId":"mug","quantity":2}]}`, 400, "invalid_field", "items[2].productId"},
		{"product added and removed", "POST", "/basket", `{"userName":"ann","items":[{"productId":"mug","quantity":1},{"productId":"mug","quantity":0}]}`, 400, "invalid_field", "items[1].productId"},
		{"unknown product named twice", "POST", "/basket", `{"userName":"ann","items":[{"productId":"nope","quantity":1},{"productId":"nope","quantity":1}]}`, 400, "invalid_field", "items[1].productId"},
		{"unknown parameter", "GET", "/basket/ann?verbose=1", "", 400, "unknown_parameter", "verbose"},
		{"dot segment", "GET", "/basket/..", "", 404, "not_found", ""},
		{"trailing slash", "GET", "/basket/ann/", "", 404, "not_found", ""},
		{"checkout bitcoin", "POST", "/basket/checkout", strings.Replace(checkoutBody("ann", payment.CardApproved), `"card"`, `"bitcoin"`, 1), 400, "invalid_field", "paymentMethod"},
		{"checkout missing card", "POST", "/basket/checkout", `{"userName":"ann","firstName":"Ann","lastName":"Lee","email":"ann@example.com","address":"1 Main St","paymentMethod":"card"}`, 400, "invalid_field", "cardInfo"},
		{"unknown product", "POST", "/basket", `{"userName":"ann","items":[{"productId":"mug","quantity":1},{"productId":"nope","quantity":1}]}`, 404, "product_not_found", ""},
		{"bad path user", "GET", "/basket/a%20b", "", 400, "invalid_field", "userName"},
		{"checkout bad card", "POST", "/basket/checkout", checkoutBody("ann", "4242424242424241"), 400, "invalid_field", "cardInfo.number"},
		{"checkout empty basket", "POST", "/basket/checkout", checkoutBody("ann", payment.CardApproved), 422, "basket_empty", ""},
		{"checkout bad email", "POST", "/basket/checkout", strings.Replace(checkoutBody("ann", payment.CardApproved), "ann@example.com", "not-an-email", 1), 400, "invalid_field", "email"},
		{"checkout missing name", "POST", "/basket/checkout", strings.Replace(checkoutBody("ann", payment.CardApproved), `"firstName":"Ann"`, `"firstName":""`, 1), 400, "invalid_field", "firstName"},
		{"status bad id", "GET", "/checkout/a%20b", "", 400, "invalid_field", "checkoutId"},
		{"status unknown", "GET", "/checkout/nope", "", 404, "checkout_not_found", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, body := f.do(t, tt.method, tt.path, tt.body)
			gotCode, gotField := errOf(body)
			if code != tt.wantStatus || gotCode != tt.wantCode || gotField != tt.wantField {
				t.Fatalf("%d %v, want %d %s %q", code, body, tt.wantStatus, tt.wantCode, tt.wantField)
			}
			if n := f.events(t); n != before {
				t.Fatalf("bad input wrote %d events", n-before)
			}
			if started := f.sfn.Executions(t, f.wf.ARN); len(started) != 0 {
				t.Fatalf("bad input started checkouts %v", started)
			}
		})
	}
}

// checkItems bounds a POST /basket before anything is read, and its
// errors name the field and why.
func TestCheckItems(t *testing.T) {
	item := func(id string, q int64) itemRequest { return itemRequest{ProductID: id, Quantity: q} }
	atMax := make([]itemRequest, domain.MaxLines)
	for i := range atMax {
		atMax[i] = item(fmt.Sprintf("p%d", i), 1)
	}
	tests := []struct {
		name  string
		items []itemRequest
		want  string // the error's text, "" for none
	}{
		{"one line", []itemRequest{item("mug", 1)}, ""},
		{"removal", []itemRequest{item("mug", 0), item("tea", 2)}, ""},
		{"at the line limit", atMax, ""},
		{"over the line limit", append(atMax, item("extra", 1)), fmt.Sprintf("items: at most %d lines, got %d", domain.MaxLines, domain.MaxLines+1)},
		{"none", nil, "items: must list at least one item"},
		{"named twice", []itemRequest{item("mug", 1), item("tea", 1), item("cup", 1), item("tea", 3)}, "items[3].productId: product tea is named twice (items[1])"},
		{"named three times", []itemRequest{item("mug", 1), item("mug", 0), item("mug", 2)}, "items[1].productId: product mug is named twice (items[0])"},
		{"bad id before a repeat", []itemRequest{item("mug", 1), item("a b", 1)}, "items[1].productId"},
		{"quantity", []itemRequest{item("mug", -1)}, "items[0].quantity"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := checkItems(tt.items)
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("checkItems: %v, want none", err)
			case tt.want != "" && (err == nil || !strings.HasPrefix(err.Error(), tt.want)):
				t.Fatalf("checkItems: %v, want %q", err, tt.want)
			}
		})
	}
}

func checkoutBody(user, card string) string {
	return fmt.Sprintf(`{"userName":%q,"firstName":"Ann","lastName":"Lee","email":"ann@example.com","address":"1 Main St","paymentMethod":"card","cardInfo":{"number":%q,"expiry":"12/30","cvc":"123"}}`, user, card)
}

func TestCheckoutStartsWorkflowWithoutCardData(t *testing.T) {
	f := newFixture(t)
	f.do(t, "POST", "/basket", `{"userName":"ann","items":[{"productId":"mug","quantity":2}]}`)
	before := f.events(t)

	code, body := f.do(t, "POST", "/basket/checkout", checkoutBody("ann", payment.CardApproved), "Idempotency-Key", "k1", "Host", "api.example.com")
	if code != 202 {
		t.Fatalf("checkout: %d %v", code, body)
	}
	id := body["checkoutId"].(string)
	if body["executionArn"] != checkout.ExecutionARN(f.wf.ARN, id) || body["statusUrl"] != "https://api.example.com/dev/checkout/"+id {
		t.Fatalf("response %v", body)
	}
	input := f.input(t, id)
	for _, secret := range []string{payment.CardApproved, `"123"`, "cvc"} {
		if strings.Contains(input, secret) {
			t.Fatalf("execution input carries card data %q: %s", secret, input)
		}
	}
	var in checkout.Input
	if err := json.Unmarshal([]byte(input), &in); err != nil || in.UserName != "ann" || in.Payment.Last4 != "4242" || in.Customer.CardLast4 != "4242" {
		t.Fatalf("input %s (%v)", input, err)
	}
	if f.events(t) != before {
		t.Fatal("the API appended events; the workflow locks the basket")
	}

	// A retry with the same key is the same checkout.
	code, again := f.do(t, "POST", "/basket/checkout", checkoutBody("ann", payment.CardApproved), "Idempotency-Key", "k1")
	if code != 202 || again["checkoutId"] != id {
		t.Fatalf("retry: %d %v", code, again)
	}
	// The same key with another request is refused.
	code, body = f.do(t, "POST", "/basket/checkout", checkoutBody("ann", "5555555555554444"), "Idempotency-Key", "k1")
	if c, _ := errOf(body); code != 409 || c != "idempotency_key_reused" {
		t.Fatalf("reused key: %d %v", code, body)
	}
	// Without a key, every request is a new checkout.
	_, b1 := f.do(t, "POST", "/basket/checkout", checkoutBody("ann", payment.CardApproved))
	_, b2 := f.do(t, "POST", "/basket/checkout", checkoutBody("ann", payment.CardApproved))
	if b1["checkoutId"] == b2["checkoutId"] || b1["checkoutId"] == id {
		t.Fatalf("keyless checkouts share an id: %v %v", b1, b2)
	}
}

func TestCheckoutStatus(t *testing.T) {
	f := newFixture(t)
	f.do(t, "POST", "/basket", `{"userName":"ann","items":[{"productId":"mug","quantity":1}]}`)
	_, body := f.do(t, "POST", "/basket/checkout", checkoutBody("ann", payment.CardApproved))
	id := body["checkoutId"].(string)

	if code, body := f.do(t, "GET", "/checkout/"+id, ""); code != 200 || body["status"] != "RUNNING" {
		t.Fatalf("running: %d %v", code, body)
	}
	// While it runs, the workflow has locked the basket.
	shoptest.RunBasket(t, f.api.Commands, "ann", func(b *basket.Basket) ([]domain.Event, error) {
		return b.StartCheckout(id, basket.Customer{FirstName: "Ann", LastName: "Lee", Email: "ann@example.com", Address: "1 Main St", PaymentMethod: "card", CardLast4: "4242"})
	})
	if code, body := f.do(t, "POST", "/basket", `{"userName":"ann","items":[{"productId":"tea","quantity":1}]}`); code != 409 {
		t.Fatalf("change during checkout: %d %v", code, body)
	}
	if code, body := f.do(t, "POST", "/basket/checkout", checkoutBody("ann", payment.CardApproved)); code != 409 {
		t.Fatalf("second checkout: %d %v", code, body)
	}
	shoptest.RunBasket(t, f.api.Commands, "ann", func(b *basket.Basket) ([]domain.Event, error) {
		return b.FailCheckout(id, basket.Reason{Code: "payment_declined", Message: "card_declined"})
	})
	f.wf.Fail(t, id, errnames.PaymentDeclined, "card_declined")
	code, body := f.do(t, "GET", "/checkout/"+id, "")
	reason, _ := body["reason"].(map[string]any)
	if code != 200 || body["status"] != "FAILED" || reason["code"] != "payment_declined" {
		t.Fatalf("failed: %d %v", code, body)
	}

	// A checkout that failed before the basket recorded it reports the
	// execution's error.
	_, body = f.do(t, "POST", "/basket/checkout", checkoutBody("ann", payment.CardApproved))
	other := body["checkoutId"].(string)
	f.wf.Fail(t, other, errnames.CheckoutInProgress, "basket busy")
	code, body = f.do(t, "GET", "/checkout/"+other, "")
	if reason, _ := body["reason"].(map[string]any); code != 200 || body["status"] != "FAILED" || reason["code"] != "checkout_in_progress" {
		t.Fatalf("failed unrecorded: %d %v", code, body)
	}
}

// otherCardSameLast4 is a valid card number that is not payment.CardApproved
// but ends in the same four digits.
const otherCardSameLast4 = "4000000000024242"

// TestCheckoutRetryGetsTheFirstAnswer: a request repeated with its
// Idempotency-Key gets the first request's 202 whatever became of the
// checkout since (Step Functions itself refuses a closed execution's name
// even with the same input), and the key used for another request is
// refused, also whatever became of the checkout.
func TestCheckoutRetryGetsTheFirstAnswer(t *testing.T) {
	ada := basket.Customer{FirstName: "Ann", LastName: "Lee", Email: "ann@example.com", Address: "1 Main St", PaymentMethod: "card", CardLast4: "4242"}
	// Each leaves the first checkout (id) as the workflow would have, with
	// the basket's events to match.
	outcomes := []struct {
		name string
		then func(t *testing.T, f *fixture, id string)
	}{
		{"running", func(t *testing.T, f *fixture, id string) {
			shoptest.RunBasket(t, f.api.Commands, "ann", func(b *basket.Basket) ([]domain.Event, error) { return b.StartCheckout(id, ada) })
		}},
		{"succeeded, basket now empty", func(t *testing.T, f *fixture, id string) {
			shoptest.RunBasket(t, f.api.Commands, "ann", func(b *basket.Basket) ([]domain.Event, error) { return b.StartCheckout(id, ada) })
			shoptest.RunBasket(t, f.api.Commands, "ann", func(b *basket.Basket) ([]domain.Event, error) {
				return b.CompleteCheckout(basket.Completion{CheckoutID: id, OrderID: domain.OrderIDFor(id), Total: 2500, Currency: "EUR",
					Lines: []domain.PricedLine{{ProductID: "mug", Name: "MUG", UnitPrice: 1250, Currency: "EUR", Quantity: 2, LineTotal: 2500}}})
			})
			if out := f.wf.Succeed(t, id); out.Status != sfntypes.ExecutionStatusSucceeded {
				t.Fatalf("execution %s", out.Status)
			}
		}},
		{"failed, recorded", func(t *testing.T, f *fixture, id string) {
			shoptest.RunBasket(t, f.api.Commands, "ann", func(b *basket.Basket) ([]domain.Event, error) { return b.StartCheckout(id, ada) })
			shoptest.RunBasket(t, f.api.Commands, "ann", func(b *basket.Basket) ([]domain.Event, error) {
				return b.FailCheckout(id, basket.Reason{Code: "payment_declined", Message: "card_declined"})
			})
			f.wf.Fail(t, id, errnames.PaymentDeclined, "card_declined")
		}},
		{"failed, another checkout holds the basket", func(t *testing.T, f *fixture, id string) {
			shoptest.RunBasket(t, f.api.Commands, "ann", func(b *basket.Basket) ([]domain.Event, error) { return b.StartCheckout("other", ada) })
			f.wf.Fail(t, id, errnames.CheckoutInProgress, "checkout other holds the basket")
		}},
	}
	first := checkoutBody("ann", payment.CardApproved)
	retries := []struct {
		name string
		body string
		want int // 202: the first answer; 409: idempotency_key_reused
	}{
		{"same request", first, 202},
		{"same request, re-encoded", `{ "cardInfo": {"cvc":"123", "expiry":"12/30", "number":"4242424242424242"},
			"paymentMethod":"card", "address":"1 Main St", "email":"ann@example.com", "lastName":"Lee", "firstName":"Ann", "userName":"ann" }`, 202},
		// Expiry and CVC never reach the checkout (see sameCheckout).
		{"same card, other cvc and expiry", strings.NewReplacer(`"cvc":"123"`, `"cvc":"999"`, `"12/30"`, `"11/29"`).Replace(first), 202},
		{"other card", checkoutBody("ann", "5555555555554444"), 409},
		{"other card, same last four", checkoutBody("ann", otherCardSameLast4), 409},
		{"other address", strings.Replace(first, "1 Main St", "2 Main St", 1), 409},
	}
	for _, o := range outcomes {
		for _, rt := range retries {
			t.Run(o.name+"/"+rt.name, func(t *testing.T) {
				f := newFixture(t)
				f.do(t, "POST", "/basket", `{"userName":"ann","items":[{"productId":"mug","quantity":2}]}`)
				code, want := f.do(t, "POST", "/basket/checkout", first, "Idempotency-Key", "k1", "Host", "api.example.com")
				if code != 202 {
					t.Fatalf("first: %d %v", code, want)
				}
				o.then(t, f, want["checkoutId"].(string))

				code, got := f.do(t, "POST", "/basket/checkout", rt.body, "Idempotency-Key", "k1", "Host", "api.example.com")
				switch c, _ := errOf(got); {
				case rt.want == 202 && (code != 202 || !reflect.DeepEqual(got, want)):
					t.Fatalf("retry: %d %v, want 202 %v", code, got, want)
				case rt.want == 409 && (code != 409 || c != "idempotency_key_reused"):
					t.Fatalf("retry: %d %v, want 409 idempotency_key_reused", code, got)
				}
				if started := f.sfn.Executions(t, f.wf.ARN); len(started) != 1 {
					t.Fatalf("executions %v, want the first only", started)
				}
			})
		}
	}
}

// racer is the real Step Functions client with a concurrent duplicate
// request slipped in between the handler's look-up of its key's checkout
// and its StartExecution: the interleaving 10 concurrent requests may or
// may not hit, made certain. It changes no answer of the service.
type racer struct {
	*sfn.Client
	duplicate func(ctx context.Context, in *sfn.StartExecutionInput) error
}

func (r *racer) StartExecution(ctx context.Context, in *sfn.StartExecutionInput, opts ...func(*sfn.Options)) (*sfn.StartExecutionOutput, error) {
	if d := r.duplicate; d != nil {
		r.duplicate = nil
		if err := d(ctx, in); err != nil {
			return nil, fmt.Errorf("the duplicate request: %w", err)
		}
	}
	return r.Client.StartExecution(ctx, in, opts...)
}

func TestCheckoutRetryRacingTheFirst(t *testing.T) {
	tests := []struct {
		name string
		// input is the duplicate's execution input, from the handler's.
		input func(string) string
		// closed lets the duplicate's execution succeed before the
		// handler's StartExecution.
		closed bool
		// keyless sends no Idempotency-Key: the name is the basket's slot,
		// so a clash is a concurrent checkout of the basket: 409
		// checkout_in_progress, never a 409 about a key.
		keyless bool
		want    int
	}{
		// Step Functions answers the handler's start with the running
		// execution (StartExecution is idempotent while it runs).
		{"same request, still running", func(in string) string { return in }, false, false, 202},
		// Step Functions answers ExecutionAlreadyExists; the handler
		// finds the same input in the execution.
		{"same request, already closed", func(in string) string { return in }, true, false, 202},
		{"other request, still running", func(in string) string { return strings.Replace(in, "1 Main St", "2 Main St", 1) }, false, false, 409},
		{"other request, already closed", func(in string) string { return strings.Replace(in, "1 Main St", "2 Main St", 1) }, true, false, 409},
		{"no key, name taken", func(in string) string { return strings.Replace(in, "1 Main St", "2 Main St", 1) }, false, true, 409},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			f.api.Workflows = &racer{Client: f.sfn.Client, duplicate: func(ctx context.Context, in *sfn.StartExecutionInput) error {
				dup := *in
				dup.Input = aws.String(tt.input(aws.ToString(in.Input)))
				if _, err := f.sfn.Client.StartExecution(ctx, &dup); err != nil {
					return err
				}
				if tt.closed {
					f.wf.Succeed(t, aws.ToString(in.Name))
				}
				return nil
			}}
			f.do(t, "POST", "/basket", `{"userName":"ann","items":[{"productId":"mug","quantity":2}]}`)
			header := []string{"Idempotency-Key", "k1"}
			if tt.keyless {
				header = nil
			}
			code, got := f.do(t, "POST", "/basket/checkout", checkoutBody("ann", payment.CardApproved), header...)
			id := keyedCheckoutID("ann", "k1")
			switch c, _ := errOf(got); {
			case tt.want == 500 && (code != 500 || c != "internal"):
				t.Fatalf("%d %v, want 500 internal", code, got)
			case tt.want == 202 && (code != 202 || got["checkoutId"] != id || got["executionArn"] != f.wf.ExecutionARN(id)):
				t.Fatalf("%d %v, want 202 for checkout %s", code, got, id)
			case tt.want == 409 && tt.keyless && (code != 409 || c != "checkout_in_progress"):
				t.Fatalf("%d %v, want 409 checkout_in_progress", code, got)
			case tt.want == 409 && !tt.keyless && (code != 409 || c != "idempotency_key_reused"):
				t.Fatalf("%d %v, want 409 idempotency_key_reused", code, got)
			}
			if started := f.sfn.Executions(t, f.wf.ARN); len(started) != 1 {
				t.Fatalf("executions %v, want one", started)
			}
		})
	}
}

func TestConcurrentIdenticalCheckoutsAreOne(t *testing.T) {
	f := newFixture(t)
	f.do(t, "POST", "/basket", `{"userName":"ann","items":[{"productId":"mug","quantity":2}]}`)
	const n = 10
	type answer struct {
		code int
		body map[string]any
		err  error
	}
	answers := make([]answer, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			code, body, err := f.send("POST", "/basket/checkout", checkoutBody("ann", payment.CardApproved), "Idempotency-Key", "k1")
			answers[i] = answer{code, body, err}
		}()
	}
	wg.Wait()
	id := keyedCheckoutID("ann", "k1")
	for i, a := range answers {
		if a.err != nil || a.code != 202 || a.body["checkoutId"] != id || a.body["executionArn"] != f.wf.ExecutionARN(id) {
			t.Errorf("request %d: %d %v (%v), want 202 for checkout %s", i, a.code, a.body, a.err, id)
		}
	}
	if started := f.sfn.Executions(t, f.wf.ARN); !reflect.DeepEqual(started, []string{id}) {
		t.Fatalf("executions %v, want just %s", started, id)
	}
}

func TestBasketIsInOneCurrency(t *testing.T) {
	f := newFixture(t)
	shoptest.CreateProduct(t, f.api.Commands, "dollar", "DOLLAR", 100, "USD", 0)
	if code, body := f.do(t, "POST", "/basket", `{"userName":"ann","items":[{"productId":"dollar","quantity":1}]}`); code != 200 {
		t.Fatalf("%d %v", code, body)
	}
	code, body := f.do(t, "POST", "/basket", `{"userName":"ann","items":[{"productId":"mug","quantity":1}]}`)
	if c, field := errOf(body); code != 422 || c != "currency_mismatch" || field != "items[0].productId" {
		t.Fatalf("%d %v", code, body)
	}
	// Replacing the line in one request is fine: the basket ends in EUR.
	code, body = f.do(t, "POST", "/basket", `{"userName":"ann","items":[{"productId":"dollar","quantity":0},{"productId":"mug","quantity":1}]}`)
	if code != 200 || body["currency"] != "EUR" || body["total"] != 1250.0 {
		t.Fatalf("%d %v", code, body)
	}
}

func TestBasketLineShowsStock(t *testing.T) {
	f := newFixture(t)
	shoptest.CreateProduct(t, f.api.Commands, "gone", "GONE", 100, "EUR", 0)
	code, body := f.do(t, "POST", "/basket", `{"userName":"ann","items":[{"productId":"mug","quantity":1},{"productId":"gone","quantity":1}]}`)
	if code != 200 {
		t.Fatalf("%d %v", code, body)
	}
	items := body["items"].([]any)
	mug, gone := items[0].(map[string]any), items[1].(map[string]any)
	if mug["available"] != true || mug["stock"] != 10.0 || gone["available"] != false || gone["stock"] != 0.0 {
		t.Fatalf("items %v", items)
	}
}

func TestSecondCheckoutWithoutKeyIsRefused(t *testing.T) {
	f := newFixture(t)
	f.do(t, "POST", "/basket", `{"userName":"ann","items":[{"productId":"mug","quantity":2}]}`)
	code, first := f.do(t, "POST", "/basket/checkout", checkoutBody("ann", payment.CardApproved))
	if code != 202 {
		t.Fatalf("first: %d %v", code, first)
	}
	// The workflow is held before it locks the basket: the basket alone
	// cannot tell that a checkout runs.
	code, second := f.do(t, "POST", "/basket/checkout", checkoutBody("ann", payment.CardApproved))
	if c, _ := errOf(second); code != 409 || c != "checkout_in_progress" {
		t.Fatalf("second: %d %v", code, second)
	}
	if started := f.sfn.Executions(t, f.wf.ARN); len(started) != 1 {
		t.Fatalf("executions %v, want one", started)
	}
	// Once the first has failed without locking the basket, the next
	// checkout takes the next slot.
	f.wf.Fail(t, first["checkoutId"].(string), "BasketEmptyError", "gone")
	code, third := f.do(t, "POST", "/basket/checkout", checkoutBody("ann", payment.CardApproved))
	if code != 202 || third["checkoutId"] == first["checkoutId"] {
		t.Fatalf("third: %d %v", code, third)
	}
}
