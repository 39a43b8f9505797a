package dynamodb

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/oklog/ulid/v2"

	"github.com/shopstream/shopstream/eventstore"
)

// idTime returns the time encoded in a ULID event id. The id has been
// validated already.
func idTime(id string) time.Time {
	return ulid.Time(ulid.MustParseStrict(id).Time())
}

func bucketOf(t time.Time) string { return t.UTC().Format(bucketLayout) }

// key returns the primary key of version v of stream.
func key(stream string, v int64) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		AttrStreamID: &types.AttributeValueMemberS{Value: stream},
		AttrVersion:  number(v),
	}
}

func number(n int64) *types.AttributeValueMemberN {
	return &types.AttributeValueMemberN{Value: strconv.FormatInt(n, 10)}
}

// encode returns the item for an event whose StreamID and Version are set.
func encode(e eventstore.Event) map[string]types.AttributeValue {
	item := key(e.StreamID, e.Version)
	str := func(name, v string) {
		if v != "" { // optional metadata is left out rather than stored empty
			item[name] = &types.AttributeValueMemberS{Value: v}
		}
	}
	str(AttrID, e.ID)
	str(AttrTimeBucket, bucketOf(idTime(e.ID)))
	str(AttrType, e.Type)
	item[AttrSchemaVersion] = number(int64(e.SchemaVersion))
	str(AttrData, string(e.Data))
	str(AttrRecordedAt, e.Metadata.RecordedAt.UTC().Format(time.RFC3339Nano))
	str(AttrCorrelationID, e.Metadata.CorrelationID)
	str(AttrCausationID, e.Metadata.CausationID)
	str(AttrActor, e.Metadata.Actor)
	return item
}

// decode turns an item back into an event. It fails, naming the attribute,
// on items this package did not write.
func decode(item map[string]types.AttributeValue) (eventstore.Event, error) {
	d := decoder{item: item}
	e := eventstore.Event{
		StreamID:      d.str(AttrStreamID, true),
		Version:       d.num(AttrVersion),
		ID:            d.str(AttrID, true),
		Type:          d.str(AttrType, true),
		SchemaVersion: int(d.num(AttrSchemaVersion)),
		Data:          json.RawMessage(d.str(AttrData, true)),
		Metadata: eventstore.Metadata{
			CorrelationID: d.str(AttrCorrelationID, false),
			CausationID:   d.str(AttrCausationID, false),
			Actor:         d.str(AttrActor, false),
		},
	}
	if at := d.str(AttrRecordedAt, true); d.err == nil {
		t, err := time.Parse(time.RFC3339Nano, at)
		if err != nil {
			d.err = fmt.Errorf("attribute %s: %w", AttrRecordedAt, err)
		}
		e.Metadata.RecordedAt = t
	}
	if d.err != nil {
		return eventstore.Event{}, fmt.Errorf("decode item %s@%s: %w", e.StreamID, strconv.FormatInt(e.Version, 10), d.err)
	}
	return e, nil
}

// decoder reads typed attributes and keeps the first error.
type decoder struct {
	item map[string]types.AttributeValue
	err  error
}

func (d *decoder) str(name string, required bool) string {
	switch v := d.item[name].(type) {
	case *types.AttributeValueMemberS:
		return v.Value
	case nil:
		if required && d.err == nil {
			d.err = fmt.Errorf("attribute %s is missing", name)
		}
	default:
		if d.err == nil {
			d.err = fmt.Errorf("attribute %s is %T, want S", name, v)
		}
	}
	return ""
}

func (d *decoder) num(name string) int64 {
	v, ok := d.item[name].(*types.AttributeValueMemberN)
	if !ok {
		if d.err == nil {
			d.err = fmt.Errorf("attribute %s is %T, want N", name, d.item[name])
		}
		return 0
	}
	n, err := strconv.ParseInt(v.Value, 10, 64)
	if err != nil && d.err == nil {
		d.err = fmt.Errorf("attribute %s: %w", name, err)
	}
	return n
}
