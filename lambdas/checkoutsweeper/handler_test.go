package main

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/shopstream/shopstream/internal/basket"
	"github.com/shopstream/shopstream/internal/checkout"
	"github.com/shopstream/shopstream/internal/domain"
	"github.com/shopstream/shopstream/internal/sweeper"
	"github.com/shopstream/shopstream/internal/testutil/shoptest"
)

const machine = "arn:aws:states:us-east-1:000000000000:stateMachine:Checkout"

// timedOut is a Step Functions that reports every execution TIMED_OUT
// with ada's checkout c1 as its input.
type timedOut struct{}

func (timedOut) DescribeExecution(_ context.Context, in *sfn.DescribeExecutionInput, _ ...func(*sfn.Options)) (*sfn.DescribeExecutionOutput, error) {
	return &sfn.DescribeExecutionOutput{ExecutionArn: in.ExecutionArn, Status: types.ExecutionStatusTimedOut,
		Input: aws.String(`{"checkoutId":"c1","userName":"ada"}`)}, nil
}

func TestHandleSweepsTheEventsExecution(t *testing.T) {
	r := shoptest.Runner()
	shoptest.CreateProduct(t, r, "a", "P a", 100, "EUR", 10)
	shoptest.AddToBasket(t, r, "ada", "a", 1)
	shoptest.RunBasket(t, r, "ada", func(b *basket.Basket) ([]domain.Event, error) {
		return b.StartCheckout("c1", basket.Customer{FirstName: "Ada", LastName: "Lovelace", Email: "ada@example.com",
			Address: "12 St James's Square, London", PaymentMethod: "card", CardLast4: "4242"})
	})
	h := &Handler{Sweeper: &sweeper.Sweeper{Commands: r, Executions: timedOut{}, StateMachineARN: machine}}
	detail, _ := json.Marshal(map[string]any{"executionArn": checkout.ExecutionARN(machine, "c1"), "status": "TIMED_OUT"})
	got, err := h.Handle(context.Background(), events.CloudWatchEvent{Source: "aws.states", Detail: detail})
	if err != nil || !got.Failed || got.Reason != checkout.ReasonTimedOut {
		t.Fatalf("Handle = %+v, %v; want the checkout failed as timed_out", got, err)
	}
	// An event that names no execution is dropped: retrying cannot mend it.
	got, err = h.Handle(context.Background(), events.CloudWatchEvent{Source: "aws.states", Detail: []byte(`{"status":"TIMED_OUT"}`)})
	if err != nil || got.Skipped == "" || got.Failed {
		t.Fatalf("event without executionArn: %+v, %v; want skipped", got, err)
	}
}
