package readmodel

import (
	"encoding/base64"
	"encoding/json"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/shopstream/shopstream/internal/domain"
)

// ErrBadCursor means a paging cursor was not one this package issued. It
// is a validation error on the "cursor" field, so the HTTP edge answers it
// with a 400 naming the field like any other bad input.
var ErrBadCursor error = &domain.ValidationError{Field: "cursor", Reason: "is not a cursor this API returned"}

// Cursors are DynamoDB's LastEvaluatedKey, restricted to string and number
// attributes (all our keys are), as base64 JSON. They are positions, not
// what clients see: the HTTP routes seal them with httpapi.Cursors (an
// HMAC over the route, the query and the position), so a cursor from
// another listing or a forged one never reaches DynamoDB as an
// ExclusiveStartKey. Decoding still checks the shape.
func encodeCursor(key map[string]types.AttributeValue) (string, error) {
	if key == nil {
		return "", nil
	}
	plain := map[string][2]string{}
	for k, v := range key {
		switch v := v.(type) {
		case *types.AttributeValueMemberS:
			plain[k] = [2]string{"S", v.Value}
		case *types.AttributeValueMemberN:
			plain[k] = [2]string{"N", v.Value}
		default:
			return "", fmt.Errorf("readmodel: cursor key %s has an unsupported type", k)
		}
	}
	raw, err := json.Marshal(plain)
	if err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(raw), nil
}

func decodeCursor(cursor string) (map[string]types.AttributeValue, error) {
	if cursor == "" {
		return nil, nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(cursor)
	if err != nil {
		return nil, ErrBadCursor
	}
	var plain map[string][2]string
	if err := json.Unmarshal(raw, &plain); err != nil || len(plain) == 0 || len(plain) > 4 {
		return nil, ErrBadCursor
	}
	key := map[string]types.AttributeValue{}
	for k, v := range plain {
		switch v[0] {
		case "S":
			key[k] = &types.AttributeValueMemberS{Value: v[1]}
		case "N":
			key[k] = &types.AttributeValueMemberN{Value: v[1]}
		default:
			return nil, ErrBadCursor
		}
	}
	return key, nil
}
