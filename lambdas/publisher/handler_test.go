package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge/types"

	"github.com/shopstream/shopstream/eventstore"
	ddbstore "github.com/shopstream/shopstream/eventstore/dynamodb"
	"github.com/shopstream/shopstream/internal/catalog"
	"github.com/shopstream/shopstream/internal/publish"
	"github.com/shopstream/shopstream/internal/registry"
)

var t0 = time.Date(2026, 11, 26, 6, 0, 0, 0, time.UTC)

// stored returns n stored product events, product-p<i> at version 1.
func stored(t testing.TB, n int) []eventstore.Event {
	t.Helper()
	f := eventstore.NewFactory(func() time.Time { return t0 }, nil)
	out := make([]eventstore.Event, n)
	for i := range out {
		id := fmt.Sprintf("p%d", i)
		events, err := registry.Default().Encode(f, eventstore.Metadata{CorrelationID: "req-" + id, Actor: "api:catalog"},
			catalog.ProductCreated{ProductID: id, Name: "Mug", Category: "kitchen", Price: 900, Currency: "EUR"})
		if err != nil {
			t.Fatal(err)
		}
		events[0].StreamID, events[0].Version = catalog.StreamID(id), 1
		out[i] = events[0]
	}
	return out
}

// record returns the stream record of e as the event store table's stream
// delivers it to a Lambda (DynamoDB JSON, NEW_IMAGE).
func record(t testing.TB, name string, seq int, e eventstore.Event) events.DynamoDBEventRecord {
	t.Helper()
	s := func(v string) map[string]string { return map[string]string{"S": v} }
	n := func(v int64) map[string]string { return map[string]string{"N": fmt.Sprint(v)} }
	image := map[string]any{
		ddbstore.AttrStreamID: s(e.StreamID), ddbstore.AttrVersion: n(e.Version), ddbstore.AttrID: s(e.ID),
		ddbstore.AttrTimeBucket: s("2026-11"), ddbstore.AttrType: s(e.Type), ddbstore.AttrSchemaVersion: n(int64(e.SchemaVersion)),
		ddbstore.AttrData: s(string(e.Data)), ddbstore.AttrRecordedAt: s(e.Metadata.RecordedAt.Format(time.RFC3339Nano)),
		ddbstore.AttrCorrelationID: s(e.Metadata.CorrelationID), ddbstore.AttrActor: s(e.Metadata.Actor),
	}
	change := map[string]any{"Keys": map[string]any{ddbstore.AttrStreamID: s(e.StreamID), ddbstore.AttrVersion: n(e.Version)},
		"SequenceNumber": fmt.Sprintf("%021d", seq), "StreamViewType": "NEW_IMAGE"}
	if name != "REMOVE" {
		change["NewImage"] = image
	}
	raw, err := json.Marshal(map[string]any{"eventID": fmt.Sprint(seq), "eventName": name, "eventSource": "aws:dynamodb", "dynamodb": change})
	if err != nil {
		t.Fatal(err)
	}
	var rec events.DynamoDBEventRecord
	if err := json.Unmarshal(raw, &rec); err != nil {
		t.Fatal(err)
	}
	return rec
}

func inserts(t testing.TB, evs []eventstore.Event) events.DynamoDBEvent {
	var in events.DynamoDBEvent
	for i, e := range evs {
		in.Records = append(in.Records, record(t, "INSERT", 100+i, e))
	}
	return in
}

// fakeBus is EventBridge at the edge of the unit test: it records every
// call and rejects the entries reject picks.
type fakeBus struct {
	calls  [][]types.PutEventsRequestEntry
	reject func(call int, e types.PutEventsRequestEntry) bool
	fail   func(call int) error // a whole-call failure
	put    []types.PutEventsRequestEntry
}

func (b *fakeBus) PutEvents(_ context.Context, in *eventbridge.PutEventsInput, _ ...func(*eventbridge.Options)) (*eventbridge.PutEventsOutput, error) {
	call := len(b.calls)
	b.calls = append(b.calls, in.Entries)
	if len(in.Entries) > publish.MaxBatchEntries {
		return nil, errors.New("ValidationException: too many entries")
	}
	if b.fail != nil {
		if err := b.fail(call); err != nil {
			return nil, err
		}
	}
	out := &eventbridge.PutEventsOutput{}
	for _, e := range in.Entries {
		if b.reject != nil && b.reject(call, e) {
			out.FailedEntryCount++
			out.Entries = append(out.Entries, types.PutEventsResultEntry{ErrorCode: aws.String("ThrottlingException"), ErrorMessage: aws.String("slow down")})
			continue
		}
		b.put = append(b.put, e)
		out.Entries = append(out.Entries, types.PutEventsResultEntry{EventId: aws.String(fmt.Sprint(len(b.put)))})
	}
	return out, nil
}

func (b *fakeBus) sizes() []int {
	var out []int
	for _, c := range b.calls {
		out = append(out, len(c))
	}
	return out
}

// streamsOf returns the stream ids in the details of entries.
func streamsOf(t *testing.T, entries []types.PutEventsRequestEntry) []string {
	t.Helper()
	var out []string
	for _, e := range entries {
		var se eventstore.Event
		if err := json.Unmarshal([]byte(aws.ToString(e.Detail)), &se); err != nil {
			t.Fatal(err)
		}
		out = append(out, se.StreamID)
	}
	return out
}

func newPublisher(bus publish.Bus, waits *[]time.Duration) *Publisher {
	return &Publisher{BusName: "shopstream-bus", Registry: registry.Default(), Bus: publish.Sender{Bus: bus, Attempts: 3,
		Sleep: func(_ context.Context, d time.Duration) error { *waits = append(*waits, d); return nil }}}
}

func TestPublishesInBatchesOfTen(t *testing.T) {
	evs := stored(t, 25)
	bus := &fakeBus{}
	var waits []time.Duration
	resp, err := newPublisher(bus, &waits).Handle(context.Background(), inserts(t, evs))
	if err != nil || len(resp.BatchItemFailures) != 0 {
		t.Fatalf("resp %+v, err %v", resp, err)
	}
	if got := bus.sizes(); !reflect.DeepEqual(got, []int{10, 10, 5}) {
		t.Fatalf("PutEvents calls carried %v entries, want [10 10 5]", got)
	}
	if len(waits) != 0 {
		t.Fatalf("waited %v without a failure", waits)
	}
	for i, e := range bus.put {
		var detail eventstore.Event
		if err := json.Unmarshal([]byte(aws.ToString(e.Detail)), &detail); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(detail, evs[i]) {
			t.Fatalf("entry %d detail = %+v, want %+v", i, detail, evs[i])
		}
		if aws.ToString(e.Source) != "shopstream.catalog" || aws.ToString(e.DetailType) != "ProductCreated" ||
			aws.ToString(e.EventBusName) != "shopstream-bus" || !aws.ToTime(e.Time).Equal(t0) {
			t.Fatalf("entry %d = source %s, detail-type %s, bus %s, time %v", i, aws.ToString(e.Source), aws.ToString(e.DetailType), aws.ToString(e.EventBusName), aws.ToTime(e.Time))
		}
	}
}

func TestBatchesStayUnderTheSizeLimit(t *testing.T) {
	evs := stored(t, 4)
	for i := range evs {
		// About 100 KB of data each: two fit in a request, three do not.
		evs[i].Data = json.RawMessage(`{"productId":"p","name":"` + strings.Repeat("x", 100*1024) + `"}`)
	}
	bus := &fakeBus{}
	var waits []time.Duration
	if resp, _ := newPublisher(bus, &waits).Handle(context.Background(), inserts(t, evs)); len(resp.BatchItemFailures) != 0 {
		t.Fatalf("failures %+v", resp.BatchItemFailures)
	}
	if got := bus.sizes(); !reflect.DeepEqual(got, []int{2, 2}) {
		t.Fatalf("PutEvents calls carried %v entries, want [2 2]", got)
	}
	for _, c := range bus.calls {
		total := 0
		for _, e := range c {
			total += publish.Size(e)
		}
		if total > publish.MaxBatchSize {
			t.Fatalf("a request of %d bytes", total)
		}
	}
}

func TestFailedEntriesAreRetried(t *testing.T) {
	evs := stored(t, 12)
	tests := []struct {
		name      string
		bus       *fakeBus
		wantCalls []int // entries per call
		wantWaits []time.Duration
	}{
		{"rejected entries, first attempt", &fakeBus{reject: func(call int, e types.PutEventsRequestEntry) bool {
			return call < 2 && (strings.Contains(*e.Detail, `"product-p3"`) || strings.Contains(*e.Detail, `"product-p11"`))
		}}, []int{10, 2, 2}, []time.Duration{100 * time.Millisecond}},
		{"whole call fails once", &fakeBus{fail: func(call int) error {
			if call == 0 {
				return errors.New("connection reset")
			}
			return nil
		}}, []int{10, 2, 10}, []time.Duration{100 * time.Millisecond}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var waits []time.Duration
			resp, err := newPublisher(tt.bus, &waits).Handle(context.Background(), inserts(t, evs))
			if err != nil || len(resp.BatchItemFailures) != 0 {
				t.Fatalf("resp %+v, err %v", resp, err)
			}
			if got := tt.bus.sizes(); !reflect.DeepEqual(got, tt.wantCalls) {
				t.Fatalf("calls carried %v entries, want %v", got, tt.wantCalls)
			}
			if !reflect.DeepEqual(waits, tt.wantWaits) {
				t.Fatalf("waits %v, want %v", waits, tt.wantWaits)
			}
			// Every event reached the bus exactly once.
			got := streamsOf(t, tt.bus.put)
			seen := map[string]int{}
			for _, s := range got {
				seen[s]++
			}
			for _, e := range evs {
				if seen[e.StreamID] != 1 {
					t.Fatalf("%s put %d times", e.StreamID, seen[e.StreamID])
				}
			}
		})
	}
}

func TestReportsTheEarliestFailedRecord(t *testing.T) {
	evs := stored(t, 15)
	alwaysReject := func(ids ...string) func(int, types.PutEventsRequestEntry) bool {
		return func(_ int, e types.PutEventsRequestEntry) bool {
			for _, id := range ids {
				if strings.Contains(*e.Detail, `"product-`+id+`"`) {
					return true
				}
			}
			return false
		}
	}
	undecodable := inserts(t, evs)
	delete(undecodable.Records[6].Change.NewImage, ddbstore.AttrType)
	unknownType := stored(t, 15)
	unknownType[2].Type = "ProductTeleported"

	tests := []struct {
		name    string
		in      events.DynamoDBEvent
		bus     *fakeBus
		wantSeq string
		wantPut int // entries on the bus in the end
	}{
		{"rejected on every attempt", inserts(t, evs), &fakeBus{reject: alwaysReject("p12", "p4")}, fmt.Sprintf("%021d", 104), 13},
		{"undecodable image", undecodable, &fakeBus{}, fmt.Sprintf("%021d", 106), 14},
		{"unknown event type, before a rejected one", inserts(t, unknownType), &fakeBus{reject: alwaysReject("p9")}, fmt.Sprintf("%021d", 102), 13},
		{"bus down", inserts(t, evs), &fakeBus{fail: func(int) error { return errors.New("unavailable") }}, fmt.Sprintf("%021d", 100), 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var waits []time.Duration
			resp, err := newPublisher(tt.bus, &waits).Handle(context.Background(), tt.in)
			if err != nil {
				t.Fatal(err)
			}
			want := []events.DynamoDBBatchItemFailure{{ItemIdentifier: tt.wantSeq}}
			if !reflect.DeepEqual(resp.BatchItemFailures, want) {
				t.Fatalf("failures = %+v, want %+v", resp.BatchItemFailures, want)
			}
			if len(tt.bus.put) != tt.wantPut {
				t.Fatalf("%d entries on the bus, want %d", len(tt.bus.put), tt.wantPut)
			}
			if tt.bus.reject != nil || tt.bus.fail != nil {
				// Bounded: Attempts tries, with a doubling wait between.
				if !reflect.DeepEqual(waits, []time.Duration{100 * time.Millisecond, 200 * time.Millisecond}) {
					t.Fatalf("waits = %v", waits)
				}
			}
		})
	}
}

func TestOnlyInsertsArePublished(t *testing.T) {
	evs := stored(t, 3)
	in := events.DynamoDBEvent{Records: []events.DynamoDBEventRecord{
		record(t, "MODIFY", 1, evs[0]),
		record(t, "INSERT", 2, evs[1]),
		record(t, "REMOVE", 3, evs[2]),
	}}
	bus := &fakeBus{}
	var waits []time.Duration
	resp, err := newPublisher(bus, &waits).Handle(context.Background(), in)
	if err != nil || len(resp.BatchItemFailures) != 0 {
		t.Fatalf("resp %+v, err %v", resp, err)
	}
	if got := streamsOf(t, bus.put); !reflect.DeepEqual(got, []string{"product-p1"}) {
		t.Fatalf("published %v, want only the INSERT", got)
	}
	// An empty batch makes no call.
	bus = &fakeBus{}
	if _, err := newPublisher(bus, &waits).Handle(context.Background(), events.DynamoDBEvent{}); err != nil || len(bus.calls) != 0 {
		t.Fatalf("empty batch: %d calls, %v", len(bus.calls), err)
	}
}

func TestOversizedEventIsReportedNotDropped(t *testing.T) {
	evs := stored(t, 2)
	evs[1].Data = json.RawMessage(`{"name":"` + strings.Repeat("x", publish.MaxBatchSize) + `"}`)
	bus := &fakeBus{}
	var waits []time.Duration
	resp, _ := newPublisher(bus, &waits).Handle(context.Background(), inserts(t, evs))
	if want := []events.DynamoDBBatchItemFailure{{ItemIdentifier: fmt.Sprintf("%021d", 101)}}; !reflect.DeepEqual(resp.BatchItemFailures, want) {
		t.Fatalf("failures = %+v, want %+v", resp.BatchItemFailures, want)
	}
	if len(bus.put) != 1 {
		t.Fatalf("%d entries put, want the one that fits", len(bus.put))
	}
}
