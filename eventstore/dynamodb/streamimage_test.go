package dynamodb

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/shopstream/shopstream/eventstore"
)

// streamJSON renders an item as DynamoDB Streams delivers it to a Lambda
// (DynamoDB JSON), so the test decodes the wire shape, not a Go value.
func streamJSON(t *testing.T, item map[string]types.AttributeValue) map[string]events.DynamoDBAttributeValue {
	t.Helper()
	raw := map[string]map[string]any{}
	for name, v := range item {
		switch v := v.(type) {
		case *types.AttributeValueMemberS:
			raw[name] = map[string]any{"S": v.Value}
		case *types.AttributeValueMemberN:
			raw[name] = map[string]any{"N": v.Value}
		default:
			t.Fatalf("attribute %s: unexpected %T", name, v)
		}
	}
	b, err := json.Marshal(raw)
	if err != nil {
		t.Fatal(err)
	}
	var image map[string]events.DynamoDBAttributeValue
	if err := json.Unmarshal(b, &image); err != nil {
		t.Fatal(err)
	}
	return image
}

func TestDecodeStreamImage(t *testing.T) {
	f := eventstore.NewFactory(func() time.Time { return time.Date(2026, 11, 26, 5, 0, 0, 123, time.UTC) }, nil)
	e, err := f.New("ProductCreated", 1, map[string]string{"name": "Mug"}, eventstore.Metadata{CorrelationID: "req-1", Actor: "api:catalog"})
	if err != nil {
		t.Fatal(err)
	}
	e.StreamID, e.Version = "product-1", 7

	tests := []struct {
		name    string
		image   func() map[string]events.DynamoDBAttributeValue
		want    eventstore.Event
		wantOK  bool
		wantErr string
	}{
		{"event as written", func() map[string]events.DynamoDBAttributeValue { return streamJSON(t, encode(e)) }, e, true, ""},
		{"no image", func() map[string]events.DynamoDBAttributeValue { return nil }, eventstore.Event{}, false, ""},
		{"missing type", func() map[string]events.DynamoDBAttributeValue {
			item := encode(e)
			delete(item, AttrType)
			return streamJSON(t, item)
		}, eventstore.Event{}, false, "attribute type is missing"},
		{"version as string", func() map[string]events.DynamoDBAttributeValue {
			item := encode(e)
			item[AttrVersion] = &types.AttributeValueMemberS{Value: "7"}
			return streamJSON(t, item)
		}, eventstore.Event{}, false, "attribute version"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok, err := DecodeStreamImage(tt.image())
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if ok != tt.wantOK || !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %+v, %v; want %+v, %v", got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

func TestFromStreamConvertsEveryType(t *testing.T) {
	in := events.NewMapAttribute(map[string]events.DynamoDBAttributeValue{
		"s": events.NewStringAttribute("x"), "n": events.NewNumberAttribute("1.5"),
		"b": events.NewBinaryAttribute([]byte{1}), "bool": events.NewBooleanAttribute(true),
		"null": events.NewNullAttribute(), "ss": events.NewStringSetAttribute([]string{"a"}),
		"ns": events.NewNumberSetAttribute([]string{"2"}), "bs": events.NewBinarySetAttribute([][]byte{{3}}),
		"l": events.NewListAttribute([]events.DynamoDBAttributeValue{events.NewStringAttribute("y")}),
	})
	got, err := fromStream(in)
	if err != nil {
		t.Fatal(err)
	}
	want := &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{
		"s": &types.AttributeValueMemberS{Value: "x"}, "n": &types.AttributeValueMemberN{Value: "1.5"},
		"b": &types.AttributeValueMemberB{Value: []byte{1}}, "bool": &types.AttributeValueMemberBOOL{Value: true},
		"null": &types.AttributeValueMemberNULL{Value: true}, "ss": &types.AttributeValueMemberSS{Value: []string{"a"}},
		"ns": &types.AttributeValueMemberNS{Value: []string{"2"}}, "bs": &types.AttributeValueMemberBS{Value: [][]byte{{3}}},
		"l": &types.AttributeValueMemberL{Value: []types.AttributeValue{&types.AttributeValueMemberS{Value: "y"}}},
	}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %#v, want %#v", got, want)
	}
}
