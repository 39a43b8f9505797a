package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/shopstream/shopstream/eventstore"
	"github.com/shopstream/shopstream/internal/basket"
	"github.com/shopstream/shopstream/internal/command"
	"github.com/shopstream/shopstream/internal/domain"
	"github.com/shopstream/shopstream/internal/readmodel/readmodeltest"
	"github.com/shopstream/shopstream/internal/registry"
	"github.com/shopstream/shopstream/internal/testutil/shoptest"
)

// checkOut runs a real checkout of two mugs on user's basket (the basket
// aggregate's own commands, on the runner's store) and returns the stored
// BasketCheckedOut.
func checkOut(t *testing.T, r command.Runner, user, checkoutID string) eventstore.Event {
	t.Helper()
	shoptest.AddToBasket(t, r, user, "mug", 2)
	shoptest.RunBasket(t, r, user, func(b *basket.Basket) ([]domain.Event, error) {
		return b.StartCheckout(checkoutID, basket.Customer{FirstName: "Ada", LastName: "L", Email: "ada@example.com",
			Address: "1 Main St", PaymentMethod: "card", CardLast4: "4242"})
	})
	e := checkedOut(checkoutID)
	done := shoptest.RunBasket(t, r, user, func(b *basket.Basket) ([]domain.Event, error) {
		return b.CompleteCheckout(basket.Completion{CheckoutID: checkoutID, OrderID: e.OrderID, Lines: e.Lines, Total: e.Total, Currency: e.Currency})
	})
	if len(done) != 1 || done[0].Type != "BasketCheckedOut" {
		t.Fatalf("checkout appended %+v", done)
	}
	return done[0]
}

// edit returns ev with its data changed by f.
func edit(t *testing.T, ev eventstore.Event, f func(*basket.BasketCheckedOut)) eventstore.Event {
	t.Helper()
	var data basket.BasketCheckedOut
	if err := json.Unmarshal(ev.Data, &data); err != nil {
		t.Fatal(err)
	}
	f(&data)
	raw, err := json.Marshal(data)
	if err != nil {
		t.Fatal(err)
	}
	ev.Data = raw
	return ev
}

// securityLines returns the JSON lines of a security log: the slog records
// and the EMF records.
func securityLines(t *testing.T, out *bytes.Buffer) (logs, metrics []map[string]any) {
	t.Helper()
	sc := bufio.NewScanner(bytes.NewReader(out.Bytes()))
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("security output line %q is not JSON: %v", sc.Text(), err)
		}
		if _, ok := m["_aws"]; ok {
			metrics = append(metrics, m)
		} else {
			logs = append(logs, m)
		}
	}
	return logs, metrics
}

func TestOnlyStoredCheckoutsBecomeOrders(t *testing.T) {
	client := readmodeltest.Client(t)
	ctx := context.Background()

	t.Run("a genuine checkout becomes its order", func(t *testing.T) {
		r, orders := shoptest.Runner(), readmodeltest.Orders(t, client)
		var sec bytes.Buffer
		p := &Placer{Commands: r, Orders: orders, Now: clock(), Security: &SecurityLog{W: &sec, Stage: "test", Now: clock()}}
		ev := checkOut(t, r, "ada", "c1")
		resp, err := p.Handle(ctx, events.SQSEvent{Records: []events.SQSMessage{deliver(t, "m1", BasketSource, ev, 1)}})
		if err != nil || len(resp.BatchItemFailures) != 0 {
			t.Fatalf("resp %+v, err %v", resp, err)
		}
		evs := orderEvents(t, r, "c1")
		if len(evs) != 1 || evs[0].Type != "OrderPlaced" || evs[0].Metadata.CausationID != ev.ID {
			t.Fatalf("order stream = %+v, want OrderPlaced caused by %s", evs, ev.ID)
		}
		if got := row(t, orders, "c1"); got.Total != 1800 || !reflect.DeepEqual(got.Lines, checkedOut("c1").Lines) {
			t.Fatalf("row = %+v", got)
		}
		if sec.Len() != 0 {
			t.Fatalf("security events for a genuine checkout:\n%s", sec.String())
		}
	})

	for _, tt := range []struct {
		name     string
		source   string
		forge    func(t *testing.T, genuine eventstore.Event) eventstore.Event
		checkout string
		mismatch []string
	}{
		{"an event of our name from another source", "not.shopstream",
			func(t *testing.T, g eventstore.Event) eventstore.Event { return g }, "c1", []string{"source"}},
		{"no such checkout", BasketSource, func(t *testing.T, g eventstore.Event) eventstore.Event {
			g.ID = "01KAZZZZZZZZZZZZZZZZZZZZZZ"
			return edit(t, g, func(e *basket.BasketCheckedOut) {
				e.CheckoutID, e.OrderID = "ghost", domain.OrderIDFor("ghost")
				e.Lines = []domain.PricedLine{{ProductID: "mug", Name: "Mug", UnitPrice: 1, Currency: "EUR", Quantity: 500, LineTotal: 500}}
				e.Total = 500
			})
		}, "ghost", []string{"checkout"}},
		{"changed total", BasketSource, func(t *testing.T, g eventstore.Event) eventstore.Event {
			return edit(t, g, func(e *basket.BasketCheckedOut) { e.Total = 1 })
		}, "c1", []string{"total"}},
		{"changed lines", BasketSource, func(t *testing.T, g eventstore.Event) eventstore.Event {
			return edit(t, g, func(e *basket.BasketCheckedOut) {
				e.Lines[0].Quantity, e.Lines[0].UnitPrice, e.Lines[0].LineTotal = 500, 1, 500
				e.Total = 500
			})
		}, "c1", []string{"lines", "total"}},
		{"another user's checkout", BasketSource, func(t *testing.T, g eventstore.Event) eventstore.Event {
			g.StreamID = basket.StreamID("mallory")
			return edit(t, g, func(e *basket.BasketCheckedOut) { e.UserName = "mallory" })
		}, "c1", []string{"checkout"}},
		{"another user in the data only", BasketSource, func(t *testing.T, g eventstore.Event) eventstore.Event {
			return edit(t, g, func(e *basket.BasketCheckedOut) { e.UserName = "mallory" })
		}, "c1", []string{"stream", "checkout"}},
		{"the genuine data under a new event id", BasketSource, func(t *testing.T, g eventstore.Event) eventstore.Event {
			g.ID = "01KAZZZZZZZZZZZZZZZZZZZZZZ"
			return g
		}, "c1", []string{"eventId"}},
		{"the genuine event at another version", BasketSource, func(t *testing.T, g eventstore.Event) eventstore.Event {
			g.Version = 1
			return g
		}, "c1", []string{"version"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r, orders := shoptest.Runner(), readmodeltest.Orders(t, client)
			var sec bytes.Buffer
			p := &Placer{Commands: r, Orders: orders, Now: clock(), Security: &SecurityLog{W: &sec, Stage: "test", Now: clock()}}
			genuine := checkOut(t, r, "ada", "c1")
			msg := deliver(t, "forged-1", tt.source, tt.forge(t, genuine), 1)
			resp, err := p.Handle(ctx, events.SQSEvent{Records: []events.SQSMessage{msg}})
			if err != nil || len(resp.BatchItemFailures) != 0 {
				t.Fatalf("resp %+v, err %v: a forged message must be acknowledged, not retried", resp, err)
			}
			for _, c := range []string{"c1", "ghost"} {
				if evs := orderEvents(t, r, c); len(evs) != 0 {
					t.Fatalf("a forged message placed order %s: %+v", c, evs)
				}
			}
			if all, err := orders.All(ctx); err != nil || len(all) != 0 {
				t.Fatalf("order rows %+v, %v", all, err)
			}
			logs, metrics := securityLines(t, &sec)
			if len(logs) != 1 || len(metrics) != 1 {
				t.Fatalf("security output, want one log line and one metric:\n%s", sec.String())
			}
			l := logs[0]
			var mismatch []string
			for _, m := range l["mismatch"].([]any) {
				mismatch = append(mismatch, m.(string))
			}
			if l["level"] != "WARN" || l["security"] != "forged_event" || l["source"] != tt.source || l["checkout"] != tt.checkout ||
				l["message"] != "forged-1" || !slices.Equal(mismatch, tt.mismatch) {
				t.Errorf("security log %v, want source %q, checkout %q, mismatch %v", l, tt.source, tt.checkout, tt.mismatch)
			}
			m := metrics[0]
			directive := m["_aws"].(map[string]any)["CloudWatchMetrics"].([]any)[0].(map[string]any)
			if directive["Namespace"] != MetricNamespace || !reflect.DeepEqual(directive["Metrics"], []any{map[string]any{"Name": ForgedEventsMetric, "Unit": "Count"}}) ||
				!reflect.DeepEqual(directive["Dimensions"], []any{[]any{"Stage"}}) || m[ForgedEventsMetric] != float64(1) || m["Stage"] != "test" {
				t.Errorf("metric %v", m)
			}
			if _, ok := m["_aws"].(map[string]any)["Timestamp"].(float64); !ok {
				t.Errorf("metric without a timestamp: %v", m)
			}
			// The genuine event still becomes its order.
			resp, err = p.Handle(ctx, events.SQSEvent{Records: []events.SQSMessage{deliver(t, "m1", BasketSource, genuine, 1)}})
			if err != nil || len(resp.BatchItemFailures) != 0 || len(orderEvents(t, r, "c1")) != 1 {
				t.Fatalf("genuine after forged: resp %+v, err %v", resp, err)
			}
		})
	}

	t.Run("a store that cannot be read fails the message, to retry", func(t *testing.T) {
		r, orders := shoptest.Runner(), readmodeltest.Orders(t, client)
		genuine := checkOut(t, r, "ada", "c1")
		down := r
		down.Store = unreadable{r.Store}
		var sec bytes.Buffer
		p := &Placer{Commands: down, Orders: orders, Now: clock(), Security: &SecurityLog{W: &sec, Stage: "test", Now: clock()}}
		resp, _ := p.Handle(ctx, events.SQSEvent{Records: []events.SQSMessage{deliver(t, "m1", BasketSource, genuine, 1)}})
		if got := failures(resp); !reflect.DeepEqual(got, []string{"m1"}) || sec.Len() != 0 {
			t.Fatalf("failures %v, security output %q: want a retry and no security event", got, sec.String())
		}
		p.Commands = r
		resp, _ = p.Handle(ctx, events.SQSEvent{Records: []events.SQSMessage{deliver(t, "m1", BasketSource, genuine, 2)}})
		if len(resp.BatchItemFailures) != 0 || len(orderEvents(t, r, "c1")) != 1 {
			t.Fatalf("retry: %+v", resp)
		}
	})
}

// unreadable is an event store whose reads fail, as during an outage.
type unreadable struct{ eventstore.Store }

func (unreadable) Load(context.Context, string, int64) ([]eventstore.Event, error) {
	return nil, errors.New("event store unavailable")
}

// BasketSource is what the publisher sets on basket events.
func TestBasketSourceIsThePublishers(t *testing.T) {
	got, err := registry.Default().Source(basket.BasketCheckedOut{}.EventType())
	if err != nil || got != BasketSource {
		t.Fatalf("registry source %q, %v; want %q", got, err, BasketSource)
	}
}

func TestForgedErrorNamesWhatDiffers(t *testing.T) {
	err := error(&ForgedError{Source: "shopstream.basket", CheckoutID: "c1", UserName: "ada", EventID: "E", Mismatch: []string{"lines", "total"}})
	for _, want := range []string{"c1", "lines,total", "shopstream.basket"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%q does not name %q", err, want)
		}
	}
}
