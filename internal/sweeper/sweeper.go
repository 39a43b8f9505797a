// Package sweeper unlocks checkouts whose workflow execution ended without
// finishing them: timed out, stopped, or failed before recording the
// failure. Step Functions' status change events (TIMED_OUT, ABORTED,
// FAILED) trigger it; the event is only a hint: the execution's status and
// input are read back from Step Functions, and the basket and product
// streams decide what is left to do, so a forged or repeated event changes
// nothing.
package sweeper

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/shopstream/shopstream/eventstore"
	"github.com/shopstream/shopstream/internal/basket"
	"github.com/shopstream/shopstream/internal/checkout"
	"github.com/shopstream/shopstream/internal/command"
	"github.com/shopstream/shopstream/internal/domain"
)

// Actor is the metadata actor of the events the sweeper appends.
const Actor = "sweeper:checkout"

// Executions is the part of the Step Functions client the sweeper calls.
type Executions interface {
	DescribeExecution(ctx context.Context, in *sfn.DescribeExecutionInput, opts ...func(*sfn.Options)) (*sfn.DescribeExecutionOutput, error)
}

// Sweeper sweeps the executions of one state machine.
type Sweeper struct {
	Commands        command.Runner
	Executions      Executions
	StateMachineARN string
}

// Result is what one sweep did.
type Result struct {
	// Failed is true when this sweep recorded CheckoutFailed.
	Failed   bool   `json:"failed"`
	Reason   string `json:"reason,omitempty"`
	Released int    `json:"released"`
	Marked   int    `json:"marked"`
	// Skipped says why nothing was to be done, when nothing was.
	Skipped string `json:"skipped,omitempty"`
}

// ErrStillRunning is returned for an execution Step Functions still
// reports RUNNING: the event came early (DescribeExecution is eventually
// consistent) or is not genuine; the invocation fails so that it is
// retried, and in the end lands in the failure queue.
var ErrStillRunning = errors.New("sweeper: execution is still running")

// Sweep unlocks the checkout of executionARN if its execution ended while
// the checkout was in progress: it records CheckoutFailed with the
// execution's end (checkout.EndedReason), then releases every product
// reservation the checkout holds (marking the products it holds nothing
// of, so a reservation still in flight is refused). Recording first means
// a confirmation still in flight can no longer complete the checkout once
// its stock is being released. A checkout that failed earlier is released
// too (the workflow records a failure even when its own ReleaseStock
// failed); one that succeeded is left alone. A checkout the basket never
// started is refused (basket.RefuseCheckout), so a start still in flight
// cannot lock the basket. A sweep interrupted between its steps finishes
// on the next run, and a sweep run again appends nothing.
func (s *Sweeper) Sweep(ctx context.Context, executionARN string) (Result, error) {
	prefix := strings.Replace(s.StateMachineARN, ":stateMachine:", ":execution:", 1) + ":"
	if !strings.HasPrefix(executionARN, prefix) {
		return Result{Skipped: "not an execution of the checkout state machine"}, nil
	}
	desc, err := s.Executions.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: aws.String(executionARN)})
	if err != nil {
		return Result{}, fmt.Errorf("sweeper: describe %s: %w", executionARN, err)
	}
	status := string(desc.Status)
	if status == "RUNNING" {
		return Result{}, fmt.Errorf("%w: %s", ErrStillRunning, executionARN)
	}
	reason, ok := checkout.EndedReason(status)
	if !ok {
		return Result{Skipped: "execution " + status}, nil
	}
	var in checkout.Input
	if err := json.Unmarshal([]byte(aws.ToString(desc.Input)), &in); err != nil || in.CheckoutID == "" || in.UserName == "" {
		return Result{Skipped: "execution input names no checkout"}, nil
	}

	meta := eventstore.Metadata{CorrelationID: in.CheckoutID, Actor: Actor}
	var (
		c       basket.Checkout
		started bool
	)
	_, stored, err := command.Run(ctx, s.Commands, basket.StreamID(in.UserName),
		func() (*basket.Basket, error) { return basket.New(in.UserName) }, meta,
		func(b *basket.Basket) ([]domain.Event, error) {
			if c, started = b.Checkout(in.CheckoutID); !started {
				// The execution ended before its PriceBasket task
				// started the checkout, or that task is still running:
				// refuse its start, should it still land.
				return b.RefuseCheckout(in.CheckoutID, reason)
			}
			if c.Status != basket.Running {
				return nil, nil
			}
			return b.FailCheckout(in.CheckoutID, reason)
		})
	if err != nil {
		return Result{}, fmt.Errorf("sweeper: fail checkout %s: %w", in.CheckoutID, err)
	}
	out := Result{Failed: len(stored) > 0, Reason: reason.Code}
	switch {
	case !started:
		out.Skipped = "the basket never started the checkout (a late start is now refused)"
		return out, nil
	case c.Status == basket.Succeeded:
		return Result{Skipped: "the checkout succeeded"}, nil
	}
	// Failed, by this sweep or earlier (by the workflow or a sweep cut
	// short): release what the checkout may still hold. The workflow's
	// own ReleaseStock may have failed before it recorded the failure, so
	// a failure it recorded is no proof that the stock is back; releasing
	// again appends nothing where it is.
	ids := make([]string, len(c.Items))
	for i, it := range c.Items {
		ids[i] = it.ProductID
	}
	rel, err := checkout.ReleaseStock(ctx, s.Commands, meta, in.CheckoutID, ids)
	if err != nil {
		return out, fmt.Errorf("sweeper: checkout %s: %w", in.CheckoutID, err)
	}
	out.Released, out.Marked = rel.Released, rel.Marked
	return out, nil
}
