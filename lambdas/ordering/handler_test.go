package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/shopstream/shopstream/eventstore"
	"github.com/shopstream/shopstream/internal/basket"
	"github.com/shopstream/shopstream/internal/command"
	"github.com/shopstream/shopstream/internal/domain"
	"github.com/shopstream/shopstream/internal/ordering"
	"github.com/shopstream/shopstream/internal/readmodel"
	"github.com/shopstream/shopstream/internal/readmodel/readmodeltest"
	"github.com/shopstream/shopstream/internal/testutil/shoptest"
)

// t0 is the time of the runner's events.
var t0 = shoptest.Now

// clock returns a clock that advances a minute on every reading, so a
// redelivery that restamped placedAt would show.
func clock() func() time.Time {
	now := t0
	return func() time.Time { now = now.Add(time.Minute); return now }
}

func checkedOut(checkoutID string) basket.BasketCheckedOut {
	return basket.BasketCheckedOut{UserName: "ada", CheckoutID: checkoutID, OrderID: domain.OrderIDFor(checkoutID), Total: 1800, Currency: "EUR",
		Lines: []domain.PricedLine{{ProductID: "mug", Name: "Mug", UnitPrice: 900, Currency: "EUR", Quantity: 2, LineTotal: 1800}}}
}

// message returns an SQS message carrying e as the bus delivers it, on its
// receiveCount-th delivery. e is a fact: the basket stream holds it (it is
// appended unless the stream already has e's checkout), so the delivery
// carries the stored event.
func message(t testing.TB, r command.Runner, id string, e basket.BasketCheckedOut, receiveCount int) events.SQSMessage {
	t.Helper()
	return deliver(t, id, BasketSource, stored(t, r, e), receiveCount)
}

// stored returns the BasketCheckedOut of e's checkout in e's basket
// stream, appending e first if the stream has none.
func stored(t testing.TB, r command.Runner, e basket.BasketCheckedOut) eventstore.Event {
	t.Helper()
	ctx := context.Background()
	stream := basket.StreamID(e.UserName)
	existing, err := r.Store.Load(ctx, stream, 1)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range existing {
		if d, err := r.Registry.Decode(s); err == nil {
			if c, ok := d.(basket.BasketCheckedOut); ok && c.CheckoutID == e.CheckoutID {
				return s
			}
		}
	}
	encoded, err := r.Registry.Encode(r.Factory, eventstore.Metadata{CorrelationID: e.CheckoutID}, e)
	if err != nil {
		t.Fatal(err)
	}
	appended, err := r.Store.Append(ctx, stream, eventstore.Any, encoded...)
	if err != nil {
		t.Fatal(err)
	}
	return appended[0]
}

// deliver returns an SQS message carrying ev, as a rule delivers an event
// put on the bus with source.
func deliver(t testing.TB, id, source string, ev eventstore.Event, receiveCount int) events.SQSMessage {
	t.Helper()
	detail, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	body, err := json.Marshal(Envelope{Version: "0", ID: "eb-" + id, DetailType: "BasketCheckedOut", Source: source, Time: t0, Detail: detail})
	if err != nil {
		t.Fatal(err)
	}
	return events.SQSMessage{MessageId: id, Body: string(body), Attributes: map[string]string{"ApproximateReceiveCount": fmt.Sprint(receiveCount)}}
}

func failures(resp events.SQSEventResponse) []string {
	out := []string{}
	for _, f := range resp.BatchItemFailures {
		out = append(out, f.ItemIdentifier)
	}
	return out
}

// orderEvents returns the events of the order stream of checkoutID.
func orderEvents(t *testing.T, r command.Runner, checkoutID string) []eventstore.Event {
	t.Helper()
	return shoptest.Events(t, r.Store, ordering.StreamID(domain.OrderIDFor(checkoutID)))
}

func row(t *testing.T, orders readmodel.Orders, checkoutID string) readmodel.Order {
	t.Helper()
	got, err := orders.Get(context.Background(), "ada", domain.OrderIDFor(checkoutID))
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// failingRows is a read model that is down.
type failingRows struct{}

func (failingRows) Put(context.Context, readmodel.Order) (bool, error) {
	return false, errors.New("orders table unavailable")
}

// crash is what the fault seam panics with to stop a delivery midway.
type crash struct{}

func TestOrdering(t *testing.T) {
	client := readmodeltest.Client(t)

	t.Run("places the order and writes its row", func(t *testing.T) {
		r, orders := shoptest.Runner(), readmodeltest.Orders(t, client)
		p := &Placer{Commands: r, Orders: orders, Now: clock()}
		resp, err := p.Handle(context.Background(), events.SQSEvent{Records: []events.SQSMessage{message(t, r, "m1", checkedOut("c1"), 1)}})
		if err != nil || len(resp.BatchItemFailures) != 0 {
			t.Fatalf("resp %+v, err %v", resp, err)
		}
		evs := orderEvents(t, r, "c1")
		if len(evs) != 1 || evs[0].Type != "OrderPlaced" || evs[0].Metadata.CorrelationID != "c1" || evs[0].Metadata.CausationID == "" {
			t.Fatalf("order stream = %+v", evs)
		}
		e := checkedOut("c1")
		want := readmodel.Order{UserName: "ada", OrderKey: "2026-11-26T06:01:00Z#c1", OrderID: "c1", CheckoutID: "c1", OrderDate: "2026-11-26T06:01:00Z",
			Lines: e.Lines, Total: 1800, Currency: "EUR", Version: 1}
		if got := row(t, orders, "c1"); !reflect.DeepEqual(got, want) {
			t.Fatalf("row = %+v, want %+v", got, want)
		}
	})

	t.Run("duplicate deliveries place one order", func(t *testing.T) {
		r, orders := shoptest.Runner(), readmodeltest.Orders(t, client)
		p := &Placer{Commands: r, Orders: orders, Now: clock()}
		first := message(t, r, "m1", checkedOut("c1"), 1)
		// The same message twice in one batch (EventBridge at-least-once),
		// then redelivered in a later batch.
		batches := [][]events.SQSMessage{{first, first}, {message(t, r, "m1", checkedOut("c1"), 2)}}
		for i, b := range batches {
			resp, err := p.Handle(context.Background(), events.SQSEvent{Records: b})
			if err != nil || len(resp.BatchItemFailures) != 0 {
				t.Fatalf("batch %d: resp %+v, err %v", i, resp, err)
			}
		}
		if evs := orderEvents(t, r, "c1"); len(evs) != 1 {
			t.Fatalf("order stream has %d events, want 1", len(evs))
		}
		all, err := orders.All(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if len(all) != 1 || all[0].OrderDate != "2026-11-26T06:01:00Z" {
			t.Fatalf("rows = %+v, want one placed at the first delivery", all)
		}
	})

	t.Run("crash after the append, then redelivery", func(t *testing.T) {
		r, orders := shoptest.Runner(), readmodeltest.Orders(t, client)
		p := &Placer{Commands: r, Orders: orders, Now: clock(), AfterAppend: func(msg events.SQSMessage) {
			if msg.Attributes["ApproximateReceiveCount"] == "1" {
				panic(crash{})
			}
		}}
		func() {
			defer func() {
				if _, ok := recover().(crash); !ok {
					t.Fatal("the first delivery did not reach the fault seam")
				}
			}()
			_, _ = p.Handle(context.Background(), events.SQSEvent{Records: []events.SQSMessage{message(t, r, "m1", checkedOut("c1"), 1)}})
		}()
		if evs := orderEvents(t, r, "c1"); len(evs) != 1 {
			t.Fatalf("order stream has %d events after the crash, want 1", len(evs))
		}
		if _, err := orders.Get(context.Background(), "ada", "c1"); !errors.Is(err, readmodel.ErrNotFound) {
			t.Fatalf("row written before the crash: %v", err)
		}
		resp, err := p.Handle(context.Background(), events.SQSEvent{Records: []events.SQSMessage{message(t, r, "m1", checkedOut("c1"), 2)}})
		if err != nil || len(resp.BatchItemFailures) != 0 {
			t.Fatalf("redelivery: resp %+v, err %v", resp, err)
		}
		if evs := orderEvents(t, r, "c1"); len(evs) != 1 {
			t.Fatalf("order stream has %d events, want 1", len(evs))
		}
		all, _ := orders.All(context.Background())
		if len(all) != 1 || all[0].OrderDate != "2026-11-26T06:01:00Z" || all[0].Version != 1 {
			t.Fatalf("rows = %+v, want one with the first delivery's placedAt", all)
		}
	})

	t.Run("reports only the messages that failed", func(t *testing.T) {
		r, orders := shoptest.Runner(), readmodeltest.Orders(t, client)
		p := &Placer{Commands: r, Orders: orders, Now: clock()}
		wrongType := message(t, r, "wrong-type", checkedOut("c3"), 1)
		var env Envelope
		_ = json.Unmarshal([]byte(wrongType.Body), &env)
		env.DetailType = "CheckoutFailed"
		b, _ := json.Marshal(env)
		wrongType.Body = string(b)
		badLines := checkedOut("c4")
		badLines.Total = 1
		batch := []events.SQSMessage{
			message(t, r, "ok-1", checkedOut("c1"), 1),
			{MessageId: "garbage", Body: "{not json"},
			{MessageId: "no-detail", Body: `{"detail-type":"BasketCheckedOut","detail":"x"}`},
			wrongType,
			message(t, r, "bad-total", badLines, 1),
			message(t, r, "ok-2", checkedOut("c2"), 1),
		}
		resp, err := p.Handle(context.Background(), events.SQSEvent{Records: batch})
		if err != nil {
			t.Fatal(err)
		}
		if got, want := failures(resp), []string{"garbage", "no-detail", "wrong-type", "bad-total"}; !reflect.DeepEqual(got, want) {
			t.Fatalf("failures = %v, want %v", got, want)
		}
		for _, c := range []string{"c1", "c2"} {
			if row(t, orders, c).OrderID != c {
				t.Fatalf("order %s has no row", c)
			}
		}
		for _, c := range []string{"c3", "c4"} {
			if evs := orderEvents(t, r, c); len(evs) != 0 {
				t.Fatalf("bad message placed order %s", c)
			}
		}
	})

	t.Run("a read model outage fails the message; the retry completes it", func(t *testing.T) {
		r, orders := shoptest.Runner(), readmodeltest.Orders(t, client)
		now := clock()
		msg := message(t, r, "m1", checkedOut("c1"), 1)
		resp, _ := (&Placer{Commands: r, Orders: failingRows{}, Now: now}).Handle(context.Background(), events.SQSEvent{Records: []events.SQSMessage{msg}})
		if got := failures(resp); !reflect.DeepEqual(got, []string{"m1"}) {
			t.Fatalf("failures = %v", got)
		}
		resp, _ = (&Placer{Commands: r, Orders: orders, Now: now}).Handle(context.Background(), events.SQSEvent{Records: []events.SQSMessage{msg}})
		if len(resp.BatchItemFailures) != 0 || len(orderEvents(t, r, "c1")) != 1 || row(t, orders, "c1").Version != 1 {
			t.Fatalf("retry: %+v", resp)
		}
	})
}
