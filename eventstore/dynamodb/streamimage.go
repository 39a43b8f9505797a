package dynamodb

import (
	"fmt"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/shopstream/shopstream/eventstore"
)

// DecodeStreamImage turns the NEW_IMAGE of a DynamoDB stream record of the
// event table, as a Lambda receives it, into the stored event. ok is false
// when there is no image to decode (a REMOVE record, or a stream that does
// not carry new images); every item this package writes is an event, so any
// other image that does not decode is an error naming the bad attribute.
func DecodeStreamImage(image map[string]events.DynamoDBAttributeValue) (e eventstore.Event, ok bool, err error) {
	if len(image) == 0 {
		return eventstore.Event{}, false, nil
	}
	item := make(map[string]types.AttributeValue, len(image))
	for name, v := range image {
		av, err := fromStream(v)
		if err != nil {
			return eventstore.Event{}, false, fmt.Errorf("decode stream image: attribute %s: %w", name, err)
		}
		item[name] = av
	}
	e, err = decode(item)
	if err != nil {
		return eventstore.Event{}, false, fmt.Errorf("decode stream image: %w", err)
	}
	return e, true, nil
}

// fromStream converts the Lambda event form of an attribute value into the
// SDK's, so the package's one decoder reads both.
func fromStream(v events.DynamoDBAttributeValue) (types.AttributeValue, error) {
	switch v.DataType() {
	case events.DataTypeString:
		return &types.AttributeValueMemberS{Value: v.String()}, nil
	case events.DataTypeNumber:
		return &types.AttributeValueMemberN{Value: v.Number()}, nil
	case events.DataTypeBinary:
		return &types.AttributeValueMemberB{Value: v.Binary()}, nil
	case events.DataTypeBoolean:
		return &types.AttributeValueMemberBOOL{Value: v.Boolean()}, nil
	case events.DataTypeNull:
		return &types.AttributeValueMemberNULL{Value: true}, nil
	case events.DataTypeStringSet:
		return &types.AttributeValueMemberSS{Value: v.StringSet()}, nil
	case events.DataTypeNumberSet:
		return &types.AttributeValueMemberNS{Value: v.NumberSet()}, nil
	case events.DataTypeBinarySet:
		return &types.AttributeValueMemberBS{Value: v.BinarySet()}, nil
	case events.DataTypeList:
		list := v.List()
		out := make([]types.AttributeValue, len(list))
		for i, el := range list {
			av, err := fromStream(el)
			if err != nil {
				return nil, fmt.Errorf("[%d]: %w", i, err)
			}
			out[i] = av
		}
		return &types.AttributeValueMemberL{Value: out}, nil
	case events.DataTypeMap:
		m := v.Map()
		out := make(map[string]types.AttributeValue, len(m))
		for k, el := range m {
			av, err := fromStream(el)
			if err != nil {
				return nil, fmt.Errorf(".%s: %w", k, err)
			}
			out[k] = av
		}
		return &types.AttributeValueMemberM{Value: out}, nil
	}
	return nil, fmt.Errorf("unsupported data type %v", v.DataType())
}
