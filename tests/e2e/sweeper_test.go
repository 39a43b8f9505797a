package e2e

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/shopstream/shopstream/internal/checkout"
	"github.com/shopstream/shopstream/internal/testutil/awstest"
)

// cardHanging is a valid card, approved by the simulated gateway, whose
// checkouts hang in AuthorizePayment in hangingRuntime (the faultinject
// build of lambdas/authorizepayment, keyed by its last four digits).
const cardHanging = "4111111111111111"

// hangingRuntime starts a runtime whose AuthorizePayment hangs for
// checkouts paid with cardHanging. At --time-scale 0.01 the checkout machine's
// 300-second timeout is 3 seconds of the runtime's running time, well
// within the function's own 10-second timeout.
func hangingRuntime(t *testing.T) *stackHandle {
	t.Helper()
	localOnly(t)
	h, err := startRuntime(runtimeOptions{
		buildTags: "faultinject",
		timeScale: "0.01",
		extraArgs: []string{"--function-env", "authorizepayment:SHOPSTREAM_FAULT=authorize-hang:" + cardHanging[len(cardHanging)-4:]},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(h.stop)
	h.logOnFailure(t)
	return h
}

// stuckCheckout has a new shopper check out two units of a new product
// with cardHanging, waits until the checkout holds the stock (it is then in
// AuthorizePayment, where it hangs) and returns the admin and shopper
// clients, the shopper, the product and the checkout id.
func (h *stackHandle) stuckCheckout(t *testing.T, prefix string) (admin, shopper *client, user, product, checkoutID string) {
	t.Helper()
	admin = h.client(t)
	user = unique(t, prefix)
	shopper = h.as(t, user)
	product = admin.createProduct("Mug", 1250, 5)
	shopper.setBasket(user, map[string]int{product: 2})
	checkoutID = shopper.checkout(user, cardHanging)
	eventually(t, 30*time.Second, "the checkout's reservation", func() bool {
		return count(admin.auditTypes("product-"+product), "StockReserved") == 1
	})
	return admin, shopper, user, product, checkoutID
}

func (h *stackHandle) executions() *sfn.Client {
	return sfn.NewFromConfig(awstest.Config(h.AWSURL))
}

func (h *stackHandle) executionStatus(t *testing.T, checkoutID string) sfntypes.ExecutionStatus {
	t.Helper()
	out, err := h.executions().DescribeExecution(context.Background(), &sfn.DescribeExecutionInput{
		ExecutionArn: aws.String(checkout.ExecutionARN(h.Outputs["CheckoutStateMachineArn"], checkoutID)),
	})
	if err != nil {
		t.Fatalf("DescribeExecution: %v", err)
	}
	return out.Status
}

// requireSwept checks, through the API and the audit trail, that the
// checkout's failure was recorded with reason code, its stock given back
// exactly once, and the basket usable again: a new checkout of it succeeds.
func requireSwept(t *testing.T, admin, shopper *client, user, product, checkoutID, code string) {
	t.Helper()
	var failure struct {
		CheckoutID string `json:"checkoutId"`
		Reason     struct {
			Code string `json:"code"`
		} `json:"reason"`
	}
	eventually(t, 60*time.Second, "CheckoutFailed recorded by the sweeper", func() bool {
		for _, e := range admin.auditEvents("basket-" + user) {
			if e["type"] == "CheckoutFailed" {
				eventData(admin, e, &failure)
				return true
			}
		}
		return false
	})
	if failure.CheckoutID != checkoutID || failure.Reason.Code != code {
		t.Fatalf("CheckoutFailed %+v, want checkout %s with reason %s", failure, checkoutID, code)
	}
	st := shopper.waitCheckout(checkoutID)
	if reason, _ := st["reason"].(map[string]any); st["status"] != "FAILED" || reason["code"] != code {
		t.Fatalf("GET /checkout: %v, want FAILED with %s", st, code)
	}
	types := admin.auditTypes("product-" + product)
	if count(types, "StockReserved") != 1 || count(types, "StockReservationReleased") != 1 {
		t.Fatalf("product audit %v, want one reservation and its release", types)
	}
	eventually(t, 30*time.Second, "the stock back in the catalog", func() bool { return admin.stock(product) == 5 })
	if types := admin.auditTypes("basket-" + user); count(types, "CheckoutFailed") != 1 {
		t.Fatalf("basket audit %v, want one CheckoutFailed", types)
	}
	// The basket is unlocked: it can be changed and checked out.
	shopper.setBasket(user, map[string]int{product: 1})
	if second := shopper.waitCheckout(shopper.checkout(user, cardApproved)); second["status"] != "SUCCEEDED" {
		t.Fatalf("second checkout: %v", second)
	}
	if got := admin.stock(product); got != 4 {
		t.Fatalf("stock %d after the second checkout, want 4", got)
	}
}

// Checkouts that end without finishing unlock through the sweeper: one
// that outlives its execution's timeout ends TIMED_OUT, one stopped with
// StopExecution ends ABORTED; Step Functions' status change event drives
// the sweeper, which records the failure and releases the stock.
func TestEndedCheckoutsAreSwept(t *testing.T) {
	h := hangingRuntime(t)
	t.Run("timed out", func(t *testing.T) {
		admin, shopper, user, product, id := h.stuckCheckout(t, "timedout")
		eventually(t, 60*time.Second, "the execution timed out", func() bool {
			return h.executionStatus(t, id) == sfntypes.ExecutionStatusTimedOut
		})
		requireSwept(t, admin, shopper, user, product, id, checkout.ReasonTimedOut)
	})
	t.Run("stopped", func(t *testing.T) {
		admin, shopper, user, product, id := h.stuckCheckout(t, "aborted")
		_, err := h.executions().StopExecution(context.Background(), &sfn.StopExecutionInput{
			ExecutionArn: aws.String(checkout.ExecutionARN(h.Outputs["CheckoutStateMachineArn"], id)),
			Error:        aws.String("Operator"), Cause: aws.String("stopped by an e2e test"),
		})
		if err != nil {
			t.Fatalf("StopExecution: %v", err)
		}
		if got := h.executionStatus(t, id); got != sfntypes.ExecutionStatusAborted {
			t.Fatalf("execution %s after StopExecution, want ABORTED", got)
		}
		requireSwept(t, admin, shopper, user, product, id, checkout.ReasonAborted)
	})
}
