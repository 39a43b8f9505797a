package dynamodb

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"

	"github.com/shopstream/shopstream/eventstore"
)

func TestWrapMapsConflicts(t *testing.T) {
	reasons := func(codes ...string) []types.CancellationReason {
		out := make([]types.CancellationReason, len(codes))
		for i, c := range codes {
			out[i] = types.CancellationReason{Code: aws.String(c)}
		}
		return out
	}
	// The SDK returns service errors inside an *smithy.OperationError.
	op := func(err error) error {
		return &smithy.OperationError{ServiceID: "DynamoDB", OperationName: "PutItem", Err: err}
	}
	tests := []struct {
		name     string
		err      error
		conflict bool
	}{
		{"conditional check failed", op(&types.ConditionalCheckFailedException{Message: aws.String("The conditional request failed")}), true},
		{"transaction cancelled by a condition", op(&types.TransactionCanceledException{CancellationReasons: reasons("None", "ConditionalCheckFailed")}), true},
		{"transaction cancelled by a conflicting transaction", op(&types.TransactionCanceledException{CancellationReasons: reasons("TransactionConflict", "None")}), true},
		{"transaction cancelled by throttling", op(&types.TransactionCanceledException{CancellationReasons: reasons("ThrottlingError", "None")}), false},
		{"transaction cancelled by validation", op(&types.TransactionCanceledException{CancellationReasons: reasons("ValidationError")}), false},
		{"transaction cancelled without reasons", op(&types.TransactionCanceledException{}), false},
		{"transaction already in progress", op(&types.TransactionInProgressException{}), false},
		{"provisioned throughput exceeded", op(&types.ProvisionedThroughputExceededException{}), false},
		{"request limit exceeded", op(&types.RequestLimitExceeded{}), false},
		{"throttling", op(&smithy.GenericAPIError{Code: "ThrottlingException", Message: "Rate exceeded"}), false},
		{"validation", op(&smithy.GenericAPIError{Code: "ValidationException", Message: "Item size has exceeded the maximum allowed size"}), false},
		{"resource not found", op(&types.ResourceNotFoundException{}), false},
		{"deadline", op(context.DeadlineExceeded), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := wrap("append", "order-1", tt.err)
			if got := errors.Is(err, eventstore.ErrConcurrency); got != tt.conflict {
				t.Errorf("errors.Is(wrap(%v), ErrConcurrency) = %v, want %v", tt.err, got, tt.conflict)
			}
			var se *eventstore.Error
			if !errors.As(err, &se) || se.Op != "append" || se.Stream != "order-1" {
				t.Errorf("wrap(%v) = %#v, want an *eventstore.Error for append of order-1", tt.err, err)
			}
			if !errors.Is(err, tt.err) {
				t.Errorf("wrap(%v) lost the SDK error", tt.err)
			}
		})
	}
}
