package stepfunctions

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/shopstream/shopstream/emulator/localtest"
	"github.com/shopstream/shopstream/emulator/stack"
)

// checkoutFakes are the checkout task functions, scripted per test; they
// record the payloads they receive.
type checkoutFakes struct {
	mu       sync.Mutex
	received map[string][]string
}

func (c *checkoutFakes) record(name string, payload []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.received == nil {
		c.received = map[string][]string{}
	}
	c.received[name] = append(c.received[name], string(payload))
}

func (c *checkoutFakes) calls(name string) []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.received[name]...)
}

// reserved is ReserveStock's answer for a line it reserved.
func reserved(productID string) stack.InvokeResult {
	return stack.InvokeResult{Payload: []byte(`{"reserved":true,"productId":"` + productID + `"}`)}
}

func lambdaError(errorType, message string) stack.InvokeResult {
	payload, _ := json.Marshal(map[string]string{"errorType": errorType, "errorMessage": message})
	return stack.InvokeResult{Payload: payload, FunctionError: "Unhandled"}
}

// TestCheckoutWorkflowAsTheCDKEmitsIt runs the checkout state machine of
// package workflows, as synthesized by the CDK, through its success and
// failure paths. It reads the workflow's own golden file (with its task
// ARNs in the local account), so the interpreter always runs today's
// workflow: `go test ./workflows -update` refreshes both.
func TestCheckoutWorkflowAsTheCDKEmitsIt(t *testing.T) {
	def, err := os.ReadFile(filepath.Join(localtest.ModuleRoot(t), "workflows", "testdata", "checkout.asl.json"))
	if err != nil {
		t.Fatal(err)
	}
	const input = `{"checkoutId":"co-1","userName":"ana","basketId":"b-1","payment":{"token":"tok_1","last4":"4242"}}`
	tests := []struct {
		name string
		// script returns each function's behaviour for this case.
		authorize  func(n int) stack.InvokeResult
		reserve    func(line string, n int) stack.InvokeResult
		wantStatus types.ExecutionStatus
		wantError  string
		wantOutput string
		wantCalls  map[string]int
	}{
		{
			name:       "checkout confirmed",
			wantStatus: types.ExecutionStatusSucceeded,
			wantOutput: `{"checkoutId":"co-1","userName":"ana","basketId":"b-1","payment":{"token":"tok_1","last4":"4242"},
			  "priced":{"lines":[{"productId":"a","quantity":1},{"productId":"b","quantity":2}],"total":30},
			  "reservations":{"lines":[{"reserved":true,"productId":"a"},{"reserved":true,"productId":"b"}],"failed":[]},
			  "authorization":{"authorizationId":"auth-1"},"confirmation":{"orderId":"o-1"}}`,
			wantCalls: map[string]int{"pricebasket": 1, "reservestock": 2, "authorizepayment": 1, "confirmcheckout": 1},
		},
		{
			name: "transient failures are retried",
			authorize: func(n int) stack.InvokeResult {
				if n < 2 {
					return lambdaError("TransientPaymentError", "gateway busy")
				}
				return stack.InvokeResult{Payload: []byte(`{"authorizationId":"auth-1"}`)}
			},
			reserve: func(line string, n int) stack.InvokeResult {
				if line == "b" && n < 3 {
					return lambdaError("StockConflictError", "concurrent append")
				}
				return reserved(line)
			},
			wantStatus: types.ExecutionStatusSucceeded,
			wantCalls:  map[string]int{"pricebasket": 1, "reservestock": 5, "authorizepayment": 3, "confirmcheckout": 1},
		},
		{
			name:       "payment declined releases the stock and records the failure",
			authorize:  func(int) stack.InvokeResult { return lambdaError("PaymentDeclinedError", "card declined") },
			wantStatus: types.ExecutionStatusFailed,
			wantError:  "PaymentDeclinedError",
			wantCalls:  map[string]int{"pricebasket": 1, "reservestock": 2, "authorizepayment": 1, "releasestock": 1, "recordcheckoutfailed": 1},
		},
		{
			name: "out of stock settles every line, then releases what was reserved",
			reserve: func(line string, _ int) stack.InvokeResult {
				if line == "b" {
					return lambdaError("OutOfStockError", "only 1 left")
				}
				return reserved(line)
			},
			wantStatus: types.ExecutionStatusFailed,
			wantError:  "OutOfStockError",
			wantCalls:  map[string]int{"pricebasket": 1, "reservestock": 2, "releasestock": 1, "recordcheckoutfailed": 1, "confirmcheckout": 0},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// At 0.01 the machine's 300 s timeout is 3 s of running time:
			// far more than these in-process fakes need on a loaded machine.
			e := newEnvWith(t, "", Options{TimeScale: 0.01})
			fakes := &checkoutFakes{}
			var mu sync.Mutex
			counts := map[string]int{}
			next := func(key string) int {
				mu.Lock()
				defer mu.Unlock()
				counts[key]++
				return counts[key] - 1
			}
			fixed := func(name, payload string) {
				e.fns.set(name, func(_ context.Context, p []byte) (stack.InvokeResult, error) {
					fakes.record(name, p)
					return stack.InvokeResult{Payload: []byte(payload)}, nil
				})
			}
			fixed("pricebasket", `{"lines":[{"productId":"a","quantity":1},{"productId":"b","quantity":2}],"total":30}`)
			fixed("confirmcheckout", `{"orderId":"o-1"}`)
			fixed("releasestock", `{"released":true}`)
			fixed("recordcheckoutfailed", `{"recorded":true}`)
			e.fns.set("authorizepayment", func(_ context.Context, p []byte) (stack.InvokeResult, error) {
				fakes.record("authorizepayment", p)
				if tt.authorize != nil {
					return tt.authorize(next("authorize")), nil
				}
				return stack.InvokeResult{Payload: []byte(`{"authorizationId":"auth-1"}`)}, nil
			})
			e.fns.set("reservestock", func(_ context.Context, p []byte) (stack.InvokeResult, error) {
				fakes.record("reservestock", p)
				var in struct {
					CheckoutID string `json:"checkoutId"`
					Line       struct {
						ProductID string `json:"productId"`
					} `json:"line"`
				}
				if err := json.Unmarshal(p, &in); err != nil || in.CheckoutID != "co-1" {
					t.Errorf("reservestock payload %s", p)
				}
				if tt.reserve != nil {
					return tt.reserve(in.Line.ProductID, next("reserve "+in.Line.ProductID)), nil
				}
				return reserved(in.Line.ProductID), nil
			})

			arn := e.createMachine(t, "Checkout", string(def))
			out := e.wait(t, e.start(t, arn, "co-1", input))
			if out.Status != tt.wantStatus || aws.ToString(out.Error) != tt.wantError {
				t.Fatalf("status %s error %q cause %q; want %s %q", out.Status, aws.ToString(out.Error), aws.ToString(out.Cause), tt.wantStatus, tt.wantError)
			}
			if tt.wantOutput != "" {
				jsonEqual(t, aws.ToString(out.Output), tt.wantOutput)
			}
			for name, n := range tt.wantCalls {
				if got := len(fakes.calls(name)); got != n {
					t.Errorf("%s called %d times, want %d", name, got, n)
				}
			}
			if tt.wantError == "" {
				return
			}
			// The failure's cause is the function's error payload, carried
			// by the Catch's ResultPath into the record and the Fail state.
			var cause struct{ ErrorType string }
			if err := json.Unmarshal([]byte(aws.ToString(out.Cause)), &cause); err != nil || cause.ErrorType != tt.wantError {
				t.Errorf("cause %q is not the function's error payload", aws.ToString(out.Cause))
			}
			recorded := fakes.calls("recordcheckoutfailed")
			if len(recorded) == 1 {
				var rec struct {
					CheckoutID string `json:"checkoutId"`
					UserName   string `json:"userName"`
					Error      struct{ Error, Cause string }
				}
				if err := json.Unmarshal([]byte(recorded[0]), &rec); err != nil || rec.CheckoutID != "co-1" || rec.UserName != "ana" || rec.Error.Error != tt.wantError {
					t.Errorf("recordcheckoutfailed payload %s", recorded[0])
				}
			}
		})
	}
}
