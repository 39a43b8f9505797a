package sweeper

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/shopstream/shopstream/eventstore"
	"github.com/shopstream/shopstream/eventstore/memory"
	"github.com/shopstream/shopstream/internal/basket"
	"github.com/shopstream/shopstream/internal/catalog"
	"github.com/shopstream/shopstream/internal/checkout"
	"github.com/shopstream/shopstream/internal/domain"
	"github.com/shopstream/shopstream/internal/testutil/shoptest"
)

const machine = "arn:aws:states:us-east-1:000000000000:stateMachine:Checkout"

var ada = basket.Customer{FirstName: "Ada", LastName: "Lovelace", Email: "ada@example.com",
	Address: "12 St James's Square, London", PaymentMethod: "card", CardLast4: "4242"}

// executions is a fake Step Functions that knows one execution per ARN.
type executions map[string]types.ExecutionStatus

func (x executions) DescribeExecution(_ context.Context, in *sfn.DescribeExecutionInput, _ ...func(*sfn.Options)) (*sfn.DescribeExecutionOutput, error) {
	arn := aws.ToString(in.ExecutionArn)
	status, ok := x[arn]
	if !ok {
		return nil, errors.New("ExecutionDoesNotExist")
	}
	id := arn[len(arn)-2:]
	return &sfn.DescribeExecutionOutput{ExecutionArn: in.ExecutionArn, Status: status,
		Input: aws.String(`{"checkoutId":"` + id + `","userName":"ada","customer":{},"payment":{}}`)}, nil
}

// fixture: products a (5 reserved by checkout c1) and b (nothing reserved
// yet) with 10 units each; ada's basket holds both and checkout c1 runs.
func fixture(t *testing.T) (*memory.Store, *Sweeper, executions) {
	t.Helper()
	store := memory.New()
	r := shoptest.RunnerOn(store)
	for _, id := range []string{"a", "b"} {
		shoptest.CreateProduct(t, r, id, "P "+id, 100, "EUR", 10)
		shoptest.AddToBasket(t, r, "ada", id, 5)
	}
	shoptest.RunBasket(t, r, "ada", func(b *basket.Basket) ([]domain.Event, error) { return b.StartCheckout("c1", ada) })
	shoptest.RunProduct(t, r, "a", func(p *catalog.Product) ([]domain.Event, error) { return p.Reserve("c1", 5) })
	x := executions{}
	return store, &Sweeper{Commands: r, Executions: x, StateMachineARN: machine}, x
}

func arn(id string) string { return checkout.ExecutionARN(machine, id) }

func product(t *testing.T, store eventstore.Store, id string) *catalog.Product {
	t.Helper()
	p, _ := catalog.New(id)
	if err := shoptest.RunnerOn(store).Load(context.Background(), catalog.StreamID(id), p); err != nil {
		t.Fatal(err)
	}
	return p
}

func basketOf(t *testing.T, store eventstore.Store) *basket.Basket {
	t.Helper()
	b, _ := basket.New("ada")
	if err := shoptest.RunnerOn(store).Load(context.Background(), basket.StreamID("ada"), b); err != nil {
		t.Fatal(err)
	}
	return b
}

// streams returns the number of events of every stream the sweep may touch.
func streams(t *testing.T, store eventstore.Store) []int {
	return []int{len(shoptest.Events(t, store, basket.StreamID("ada"))),
		len(shoptest.Events(t, store, catalog.StreamID("a"))), len(shoptest.Events(t, store, catalog.StreamID("b")))}
}

func TestSweepUnlocksAnEndedCheckoutOnce(t *testing.T) {
	for status, code := range map[types.ExecutionStatus]string{
		types.ExecutionStatusTimedOut: checkout.ReasonTimedOut,
		types.ExecutionStatusAborted:  checkout.ReasonAborted,
		types.ExecutionStatusFailed:   checkout.ReasonFailed,
	} {
		t.Run(string(status), func(t *testing.T) {
			store, s, x := fixture(t)
			x[arn("c1")] = status
			got, err := s.Sweep(context.Background(), arn("c1"))
			if err != nil {
				t.Fatal(err)
			}
			if want := (Result{Failed: true, Reason: code, Released: 1, Marked: 1}); got != want {
				t.Fatalf("sweep = %+v, want %+v", got, want)
			}
			b := basketOf(t, store)
			if _, locked := b.Current(); locked {
				t.Fatal("basket still locked")
			}
			if c, _ := b.Checkout("c1"); c.Status != basket.Failed || c.Reason.Code != code {
				t.Fatalf("checkout %+v, want failed with %s", c, code)
			}
			for _, id := range []string{"a", "b"} {
				if p := product(t, store, id); p.Available() != 10 {
					t.Errorf("product %s has %d available, want 10", id, p.Available())
				}
			}
			// b's mark refuses c1's reservation still in flight.
			if _, err := product(t, store, "b").Reserve("c1", 5); err == nil {
				t.Error("b accepted c1's late reservation")
			}
			before := streams(t, store)
			again, err := s.Sweep(context.Background(), arn("c1"))
			if err != nil || again.Failed || again.Released != 0 || again.Marked != 0 {
				t.Fatalf("second sweep = %+v, %v; want nothing done", again, err)
			}
			if after := streams(t, store); !slices.Equal(before, after) {
				t.Fatalf("second sweep appended events: %v → %v", before, after)
			}
		})
	}
}

func TestSweepLeavesFinishedCheckoutsAlone(t *testing.T) {
	cases := map[string]struct {
		status  types.ExecutionStatus
		release bool // the workflow's ReleaseStock ran first
		finish  func(*basket.Basket) ([]domain.Event, error)
	}{
		"succeeded execution": {status: types.ExecutionStatusSucceeded},
		"confirmed checkout, then timed out": {status: types.ExecutionStatusTimedOut, finish: func(b *basket.Basket) ([]domain.Event, error) {
			return b.CompleteCheckout(basket.Completion{CheckoutID: "c1", OrderID: domain.OrderIDFor("c1"), Total: 1000, Currency: "EUR",
				Lines: []domain.PricedLine{
					{ProductID: "a", Name: "P a", UnitPrice: 100, Currency: "EUR", Quantity: 5, LineTotal: 500},
					{ProductID: "b", Name: "P b", UnitPrice: 100, Currency: "EUR", Quantity: 5, LineTotal: 500}}})
		}},
		"failure the workflow recorded after releasing": {status: types.ExecutionStatusFailed, release: true, finish: declined},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			store, s, x := fixture(t)
			if tc.release {
				if _, err := checkout.ReleaseStock(context.Background(), s.Commands, eventstore.Metadata{CorrelationID: "c1"}, "c1", []string{"a", "b"}); err != nil {
					t.Fatal(err)
				}
			}
			if tc.finish != nil {
				shoptest.RunBasket(t, s.Commands, "ada", tc.finish)
			}
			x[arn("c1")] = tc.status
			before := streams(t, store)
			got, err := s.Sweep(context.Background(), arn("c1"))
			if err != nil || got.Failed || got.Released != 0 || got.Marked != 0 {
				t.Fatalf("sweep = %+v, %v; want nothing done", got, err)
			}
			if after := streams(t, store); !slices.Equal(before, after) {
				t.Fatalf("sweep appended events: %v → %v", before, after)
			}
		})
	}
}

// declined records the failure the workflow records for a declined card.
func declined(b *basket.Basket) ([]domain.Event, error) {
	return b.FailCheckout("c1", checkout.FailureReason(&checkout.Error{Error: "PaymentDeclinedError"}))
}

// The workflow records a failure even when its own ReleaseStock failed
// (its Catch leads to RecordCheckoutFailed): the sweep gives the stock
// back, and keeps the workflow's reason.
func TestSweepReleasesAFailureTheWorkflowRecordedWithoutReleasing(t *testing.T) {
	store, s, x := fixture(t)
	shoptest.RunBasket(t, s.Commands, "ada", declined)
	x[arn("c1")] = types.ExecutionStatusFailed
	got, err := s.Sweep(context.Background(), arn("c1"))
	if err != nil {
		t.Fatal(err)
	}
	if want := (Result{Reason: checkout.ReasonFailed, Released: 1, Marked: 1}); got != want {
		t.Fatalf("sweep = %+v, want %+v", got, want)
	}
	for _, id := range []string{"a", "b"} {
		if p := product(t, store, id); p.Available() != 10 {
			t.Errorf("product %s has %d available, want 10", id, p.Available())
		}
	}
	if c, _ := basketOf(t, store).Checkout("c1"); c.Reason.Code != "payment_declined" {
		t.Errorf("checkout reason %q, want the workflow's payment_declined", c.Reason.Code)
	}
	before := streams(t, store)
	if again, err := s.Sweep(context.Background(), arn("c1")); err != nil || again.Released != 0 || again.Marked != 0 {
		t.Fatalf("second sweep = %+v, %v; want nothing done", again, err)
	}
	if after := streams(t, store); !slices.Equal(before, after) {
		t.Fatalf("second sweep appended events: %v → %v", before, after)
	}
}

// An execution can end while its PriceBasket task still runs (stopped,
// timed out): the sweep finds no checkout on the basket and refuses it,
// so the start landing afterwards cannot lock the basket; a checkout in
// progress keeps the basket.
func TestSweepRefusesACheckoutTheBasketNeverStarted(t *testing.T) {
	store := memory.New()
	r := shoptest.RunnerOn(store)
	shoptest.CreateProduct(t, r, "a", "P a", 100, "EUR", 10)
	shoptest.AddToBasket(t, r, "ada", "a", 5)
	x := executions{arn("c2"): types.ExecutionStatusAborted, arn("c3"): types.ExecutionStatusFailed}
	s := &Sweeper{Commands: r, Executions: x, StateMachineARN: machine}

	got, err := s.Sweep(context.Background(), arn("c2"))
	if err != nil || !got.Failed || got.Skipped == "" {
		t.Fatalf("sweep = %+v, %v; want the checkout refused", got, err)
	}
	// PriceBasket's StartCheckout lands late.
	shoptest.RunBasket(t, r, "ada", func(b *basket.Basket) ([]domain.Event, error) { return b.StartCheckout("c2", ada) })
	b := basketOf(t, store)
	if cur, locked := b.Current(); locked {
		t.Fatalf("basket locked by %+v after its execution was swept", cur)
	}
	if c, _ := b.Checkout("c2"); c.Status != basket.Failed || c.Reason.Code != checkout.ReasonAborted {
		t.Fatalf("checkout c2 %+v, want failed (aborted)", c)
	}

	// A checkout of the basket runs; an execution that never started its
	// own (PriceBasket found the basket busy) is swept: c4 keeps the basket.
	shoptest.RunBasket(t, r, "ada", func(b *basket.Basket) ([]domain.Event, error) { return b.StartCheckout("c4", ada) })
	if _, err := s.Sweep(context.Background(), arn("c3")); err != nil {
		t.Fatal(err)
	}
	if cur, locked := basketOf(t, store).Current(); !locked || cur.ID != "c4" {
		t.Fatalf("basket current = %+v, %v; want c4 still in progress", cur, locked)
	}
}

func TestSweepTrustsStepFunctionsNotTheEvent(t *testing.T) {
	store, s, x := fixture(t)
	x[arn("c1")] = types.ExecutionStatusRunning
	before := streams(t, store)
	if _, err := s.Sweep(context.Background(), arn("c1")); !errors.Is(err, ErrStillRunning) {
		t.Fatalf("running execution: err = %v, want ErrStillRunning", err)
	}
	other := "arn:aws:states:us-east-1:000000000000:execution:Other:c1"
	x[other] = types.ExecutionStatusTimedOut
	if got, err := s.Sweep(context.Background(), other); err != nil || got.Skipped == "" {
		t.Fatalf("another machine's execution: %+v, %v; want skipped", got, err)
	}
	if _, err := s.Sweep(context.Background(), arn("zz")); err == nil {
		t.Fatal("unknown execution: no error")
	}
	if after := streams(t, store); !slices.Equal(before, after) {
		t.Fatalf("appended events: %v → %v", before, after)
	}
}
