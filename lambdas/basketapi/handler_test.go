package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
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
	"github.com/shopstream/shopstream/internal/command"
	"github.com/shopstream/shopstream/internal/domain"
	"github.com/shopstream/shopstream/internal/payment"
	"github.com/shopstream/shopstream/internal/registry"
	"github.com/shopstream/shopstream/internal/testutil/shoptest"
)

const smARN = "arn:aws:states:us-east-1:000000000000:stateMachine:Checkout"

// fakeWorkflows stands in for Step Functions at the edge of these unit
// tests, with its documented StartExecution semantics: a name is unique,
// and repeating it with the same input returns the same execution. The
// real service is exercised by the e2e tests.
type fakeWorkflows struct {
	mu     sync.Mutex
	inputs map[string]string
	status map[string]sfntypes.ExecutionStatus
	starts int
}

func (f *fakeWorkflows) StartExecution(_ context.Context, in *sfn.StartExecutionInput, _ ...func(*sfn.Options)) (*sfn.StartExecutionOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	name, input := aws.ToString(in.Name), aws.ToString(in.Input)
	if prev, ok := f.inputs[name]; ok && prev != input {
		return nil, &sfntypes.ExecutionAlreadyExists{Message: aws.String("Execution Already Exists")}
	}
	f.inputs[name] = input
	if _, ok := f.status[name]; !ok {
		f.status[name] = sfntypes.ExecutionStatusRunning
	}
	f.starts++
	return &sfn.StartExecutionOutput{ExecutionArn: aws.String(checkout.ExecutionARN(aws.ToString(in.StateMachineArn), name))}, nil
}

func (f *fakeWorkflows) DescribeExecution(_ context.Context, in *sfn.DescribeExecutionInput, _ ...func(*sfn.Options)) (*sfn.DescribeExecutionOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	arn := aws.ToString(in.ExecutionArn)
	name := arn[strings.LastIndex(arn, ":")+1:]
	input, ok := f.inputs[name]
	if !ok {
		return nil, &sfntypes.ExecutionDoesNotExist{Message: aws.String("Execution Does Not Exist")}
	}
	out := &sfn.DescribeExecutionOutput{ExecutionArn: in.ExecutionArn, Input: aws.String(input), Status: f.status[name]}
	if f.status[name] == sfntypes.ExecutionStatusFailed {
		out.Error, out.Cause = aws.String("CheckoutInProgressError"), aws.String(`{"errorMessage":"basket busy"}`)
	}
	return out, nil
}

type fixture struct {
	h     http.Handler
	api   *API
	store *memory.Store
	wf    *fakeWorkflows
}

var now = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

func newFixture(t *testing.T) *fixture {
	store := memory.New()
	wf := &fakeWorkflows{inputs: map[string]string{}, status: map[string]sfntypes.ExecutionStatus{}}
	api := &API{
		Commands:        command.Runner{Store: store, Registry: registry.Default(), Factory: eventstore.NewFactory(func() time.Time { return now }, nil)},
		Workflows:       wf,
		StateMachineARN: smARN,
		Stage:           "dev",
		Now:             func() time.Time { return now },
	}
	f := &fixture{h: api.Routes(), api: api, store: store, wf: wf}
	f.product(t, "mug", 1250, 10)
	f.product(t, "tea", 400, 10)
	return f
}

func (f *fixture) product(t *testing.T, id string, price, stock int64) {
	t.Helper()
	shoptest.CreateProduct(t, f.api.Commands, id, strings.ToUpper(id), price, "EUR", stock)
}

func (f *fixture) do(t *testing.T, method, path, body string, header ...string) (int, map[string]any) {
	t.Helper()
	r := httptest.NewRequest(method, path, strings.NewReader(body))
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
			t.Fatalf("%s %s: body %q: %v", method, path, w.Body.String(), err)
		}
	}
	return w.Code, out
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
	if code, body := f.do(t, "GET", "/basket/nobody", ""); code != 200 || len(body["items"].([]any)) != 0 {
		t.Fatalf("unknown basket: %d %v", code, body)
	}
}

func TestBasketBadInputChangesNothing(t *testing.T) {
	f := newFixture(t)
	before := f.events(t)
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
		{"wrong type", "POST", "/basket", `{"userName":"ann","items":[{"productId":"mug","quantity":"2"}]}`, 400, "invalid_field", "items.quantity"},
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
			if f.wf.starts != 0 {
				t.Fatal("bad input started a checkout")
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
	if body["executionArn"] != checkout.ExecutionARN(smARN, id) || body["statusUrl"] != "https://api.example.com/dev/checkout/"+id {
		t.Fatalf("response %v", body)
	}
	input := f.wf.inputs[id]
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
	f.wf.status[id] = sfntypes.ExecutionStatusFailed
	code, body := f.do(t, "GET", "/checkout/"+id, "")
	reason, _ := body["reason"].(map[string]any)
	if code != 200 || body["status"] != "FAILED" || reason["code"] != "payment_declined" {
		t.Fatalf("failed: %d %v", code, body)
	}

	// A checkout that failed before the basket recorded it reports the
	// execution's error.
	_, body = f.do(t, "POST", "/basket/checkout", checkoutBody("ann", payment.CardApproved))
	other := body["checkoutId"].(string)
	f.wf.status[other] = sfntypes.ExecutionStatusFailed
	code, body = f.do(t, "GET", "/checkout/"+other, "")
	if reason, _ := body["reason"].(map[string]any); code != 200 || body["status"] != "FAILED" || reason["code"] != "checkout_in_progress" {
		t.Fatalf("failed unrecorded: %d %v", code, body)
	}
}
