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
	"github.com/aws/smithy-go"

	"github.com/shopstream/shopstream/eventstore"
	ddbstore "github.com/shopstream/shopstream/eventstore/dynamodb"
	"github.com/shopstream/shopstream/internal/catalog"
	"github.com/shopstream/shopstream/internal/publish"
	"github.com/shopstream/shopstream/internal/registry"
	"github.com/shopstream/shopstream/internal/testutil/localbus"
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
// call and rejects the entries reject picks (as EventBridge does under
// throttling: the call succeeds, the entry's result carries an ErrorCode),
// which neither EventBridge nor the emulator can be made to do on demand.
// Otherwise it follows PutEvents' rules as the emulator (localbus_test.go)
// and AWS apply them: a request of 1 to 10 entries totalling at most
// 256 KiB, or the whole call fails with ValidationException; an entry
// without Source, DetailType or Detail, or whose Detail is not a JSON
// object, fails alone; results come in the order of the entries, and only
// accepted entries reach the bus.
type fakeBus struct {
	calls  [][]types.PutEventsRequestEntry
	reject func(call int, e types.PutEventsRequestEntry) bool
	fail   func(call int) error // a whole-call failure
	put    []types.PutEventsRequestEntry
}

// EventBridge's PutEvents limits, kept apart from publish's constants so
// that the fake checks the publisher rather than agreeing with it.
const (
	putEventsMaxEntries = 10
	putEventsMaxBytes   = 256 * 1024
)

// entryBytes counts an entry as EventBridge documents it: the UTF-8 bytes
// of Source, DetailType, Detail and each resource, and 14 for a Time.
func entryBytes(e types.PutEventsRequestEntry) int {
	n := len(aws.ToString(e.Source)) + len(aws.ToString(e.DetailType)) + len(aws.ToString(e.Detail))
	for _, r := range e.Resources {
		n += len(r)
	}
	if e.Time != nil {
		n += 14
	}
	return n
}

func validationError(format string, args ...any) error {
	return &smithy.GenericAPIError{Code: "ValidationException", Message: fmt.Sprintf(format, args...), Fault: smithy.FaultClient}
}

func (b *fakeBus) PutEvents(_ context.Context, in *eventbridge.PutEventsInput, _ ...func(*eventbridge.Options)) (*eventbridge.PutEventsOutput, error) {
	call := len(b.calls)
	b.calls = append(b.calls, in.Entries)
	if n := len(in.Entries); n < 1 || n > putEventsMaxEntries {
		return nil, validationError("Value at 'entries' failed to satisfy constraint: Member must have length between 1 and %d (it has %d)", putEventsMaxEntries, n)
	}
	size := 0
	for _, e := range in.Entries {
		size += entryBytes(e)
	}
	if size > putEventsMaxBytes {
		return nil, validationError("Total size of the entries in the request is over the limit (%d bytes).", size)
	}
	if b.fail != nil {
		if err := b.fail(call); err != nil {
			return nil, err
		}
	}
	out := &eventbridge.PutEventsOutput{}
	failed := func(code, msg string) {
		out.FailedEntryCount++
		out.Entries = append(out.Entries, types.PutEventsResultEntry{ErrorCode: aws.String(code), ErrorMessage: aws.String(msg)})
	}
	for _, e := range in.Entries {
		var detail map[string]json.RawMessage
		switch {
		case aws.ToString(e.Source) == "" || aws.ToString(e.DetailType) == "" || aws.ToString(e.Detail) == "":
			failed("InvalidArgument", "Source, DetailType and Detail are required arguments.")
		case json.Unmarshal([]byte(aws.ToString(e.Detail)), &detail) != nil || detail == nil:
			failed("MalformedDetail", "Detail is malformed.")
		case b.reject != nil && b.reject(call, e):
			failed("ThrottlingException", "Rate exceeded")
		default:
			b.put = append(b.put, e)
			out.Entries = append(out.Entries, types.PutEventsResultEntry{EventId: aws.String(fmt.Sprint(len(b.put)))})
		}
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

// TestFakeBusAgreesWithEventBridge sends the same PutEvents requests to
// fakeBus and to the emulator's EventBridge: the fake must fail the same
// calls and the same entries, with the same codes.
func TestFakeBusAgreesWithEventBridge(t *testing.T) {
	ctx := context.Background()
	real := localbus.Start(t)
	if err := real.Create(ctx, "shopstream-bus"); err != nil {
		t.Fatal(err)
	}
	entry := func(detail string) types.PutEventsRequestEntry {
		return types.PutEventsRequestEntry{EventBusName: aws.String("shopstream-bus"), Source: aws.String("shopstream.catalog"),
			DetailType: aws.String("ProductCreated"), Detail: aws.String(detail), Time: aws.Time(t0)}
	}
	n := func(k int, detail string) []types.PutEventsRequestEntry {
		out := make([]types.PutEventsRequestEntry, k)
		for i := range out {
			out[i] = entry(detail)
		}
		return out
	}
	big := `{"pad":"` + strings.Repeat("x", 100*1024) + `"}`
	noSource := entry(`{}`)
	noSource.Source = nil
	tests := []struct {
		name    string
		entries []types.PutEventsRequestEntry
	}{
		{"ten", n(10, `{"a":1}`)},
		{"eleven", n(11, `{"a":1}`)},
		{"none", []types.PutEventsRequestEntry{}},
		{"two of 100 KiB", n(2, big)},
		{"three of 100 KiB", n(3, big)},
		{"bad entries fail alone", []types.PutEventsRequestEntry{entry(`{"a":1}`), noSource, entry(`[1]`), entry(`{nope`), entry(`{"b":2}`)}},
	}
	outcome := func(out *eventbridge.PutEventsOutput, err error) string {
		var ae smithy.APIError
		if errors.As(err, &ae) {
			return "call failed: " + ae.ErrorCode()
		}
		if err != nil {
			return "error: " + err.Error()
		}
		var codes []string
		for _, e := range out.Entries {
			codes = append(codes, aws.ToString(e.ErrorCode))
		}
		return fmt.Sprintf("%d failed %q", out.FailedEntryCount, codes)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := outcome(real.Client.PutEvents(ctx, &eventbridge.PutEventsInput{Entries: tt.entries}))
			got := outcome((&fakeBus{}).PutEvents(ctx, &eventbridge.PutEventsInput{Entries: tt.entries}))
			if got != want {
				t.Fatalf("fake: %s\nEventBridge: %s", got, want)
			}
		})
	}
}
