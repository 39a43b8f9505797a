package e2e

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"

	"github.com/shopstream/shopstream/internal/testutil/awstest"
)

// publish puts an event on the stack's bus as the publisher does.
func (h *stackHandle) publish(t *testing.T, source, detailType string, detail []byte) {
	t.Helper()
	bus := h.Outputs["EventBusName"]
	if bus == "" {
		bus = os.Getenv("EVENT_BUS_NAME")
	}
	if bus == "" {
		t.Skip("no EventBusName output and no EVENT_BUS_NAME")
	}
	var eb *eventbridge.Client
	if h.AWSURL != "" {
		eb = eventbridge.NewFromConfig(awstest.Config(h.AWSURL))
	} else {
		t.Skip("redelivery against a deployed stack needs AWS credentials; not wired")
	}
	out, err := eb.PutEvents(context.Background(), &eventbridge.PutEventsInput{Entries: []ebtypes.PutEventsRequestEntry{{
		EventBusName: aws.String(bus), Source: aws.String(source), DetailType: aws.String(detailType), Detail: aws.String(string(detail)),
	}}})
	if err != nil || out.FailedEntryCount != 0 {
		t.Fatalf("PutEvents: %v %+v", err, out)
	}
}

func TestRedeliveredCheckoutMakesOneOrder(t *testing.T) {
	h := stack(t)
	c, u, user, st := h.checkedOut(t, "redeliver", 1)
	eventually(t, 30*time.Second, "order visible", func() bool { return len(u.orders(user)) == 1 })

	// Deliver the BasketCheckedOut fact again, twice, exactly as the
	// publisher put it on the bus the first time.
	checkedOut, _ := json.Marshal(checkedOutEvent(c, user))
	orderID := st["orderId"].(string)
	placed := h.placedLines(orderID)
	h.publish(t, "shopstream.basket", "BasketCheckedOut", checkedOut)
	h.publish(t, "shopstream.basket", "BasketCheckedOut", checkedOut)

	// Both redeliveries reach the ordering function (which logs each
	// placement, new or not), and then nothing is left to happen.
	eventually(t, 30*time.Second, "the ordering function handles both redeliveries", func() bool { return h.placedLines(orderID) >= placed+2 })
	h.waitQuiet(t)
	if orders := u.orders(user); len(orders) != 1 {
		t.Fatalf("%d orders after redelivery, want 1: %v", len(orders), orders)
	}
	if types := c.auditTypes("order-" + orderID); len(types) != 1 {
		t.Fatalf("order stream after redelivery: %v", types)
	}
}

// placedLines counts the ordering function's "order placed" log lines
// for an order in the runtime's output: one per message it handled for the
// order, whether that placed it or found it placed.
func (h *stackHandle) placedLines(orderID string) int {
	if h.logs == nil {
		return 0 // a deployed stack: its logs are not here
	}
	n := 0
	for _, line := range strings.Split(h.logs.String(), "\n") {
		if strings.Contains(line, "order placed") && strings.Contains(line, orderID) {
			n++
		}
	}
	return n
}

func url(s string) string { return strings.ReplaceAll(s, " ", "%20") }

func mustJSON(v any) string {
	raw, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(raw)
}
