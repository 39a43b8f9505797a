package dynamodb

import (
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/shopstream/shopstream/eventstore"
)

func TestDecodeNamesTheBadAttribute(t *testing.T) {
	f := eventstore.NewFactory(func() time.Time { return time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC) }, nil)
	e, err := f.New("ProductCreated", 1, map[string]string{"name": "Mug"}, eventstore.Metadata{Actor: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	e.StreamID, e.Version = "product-1", 3

	tests := []struct {
		name   string
		change func(map[string]types.AttributeValue)
		want   string // in the error; "" means no error
	}{
		{"as written", func(map[string]types.AttributeValue) {}, ""},
		{"missing type", func(m map[string]types.AttributeValue) { delete(m, AttrType) }, "attribute type is missing"},
		{"missing data", func(m map[string]types.AttributeValue) { delete(m, AttrData) }, "attribute data is missing"},
		{"version not a number", func(m map[string]types.AttributeValue) {
			m[AttrVersion] = &types.AttributeValueMemberS{Value: "3"}
		}, "attribute version is *types.AttributeValueMemberS, want N"},
		{"schema version too big", func(m map[string]types.AttributeValue) {
			m[AttrSchemaVersion] = &types.AttributeValueMemberN{Value: "1e99"}
		}, "attribute schemaVersion"},
		{"id not a string", func(m map[string]types.AttributeValue) {
			m[AttrID] = &types.AttributeValueMemberB{Value: []byte("x")}
		}, "attribute id is *types.AttributeValueMemberB, want S"},
		{"bad recordedAt", func(m map[string]types.AttributeValue) {
			m[AttrRecordedAt] = &types.AttributeValueMemberS{Value: "yesterday"}
		}, "attribute recordedAt"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			item := encode(e)
			tt.change(item)
			got, err := decode(item)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("decode: %v", err)
				}
				if got.ID != e.ID || got.Version != 3 || string(got.Data) != string(e.Data) || !got.Metadata.RecordedAt.Equal(e.Metadata.RecordedAt) || got.Metadata.CausationID != "" {
					t.Fatalf("decode(encode(e)) = %+v, want %+v", got, e)
				}
				if _, ok := item[AttrCausationID]; ok {
					t.Errorf("empty causation id was stored")
				}
				if b := item[AttrTimeBucket].(*types.AttributeValueMemberS).Value; b != "2026-03" {
					t.Errorf("time bucket = %q, want 2026-03", b)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("decode: got error %v, want one containing %q", err, tt.want)
			}
		})
	}
}
