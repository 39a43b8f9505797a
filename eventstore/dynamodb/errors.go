package dynamodb

import (
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/shopstream/shopstream/eventstore"
)

// wrap returns err inside an *eventstore.Error for op. A lost optimistic
// concurrency race also matches eventstore.ErrConcurrency; the SDK error
// stays reachable with errors.As either way.
func wrap(op, stream string, err error) error {
	if isConflict(err) {
		err = fmt.Errorf("%w: %w", eventstore.ErrConcurrency, err)
	}
	return &eventstore.Error{Op: op, Stream: stream, Err: err}
}

// isConflict reports whether err means another writer got to the stream
// first: a failed condition on a PutItem, or a cancelled transaction whose
// reasons include a failed condition or a conflicting transaction on the
// same item. Throttling and every other error are not conflicts.
func isConflict(err error) bool {
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		return true
	}
	var tce *types.TransactionCanceledException
	if errors.As(err, &tce) {
		for _, r := range tce.CancellationReasons {
			switch aws.ToString(r.Code) {
			case "ConditionalCheckFailed", "TransactionConflict":
				return true
			}
		}
	}
	return false
}
