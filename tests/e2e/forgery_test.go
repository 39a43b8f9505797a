package e2e

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"

	"github.com/shopstream/shopstream/internal/testutil/awstest"
)

// putEvent puts one event on the stack's bus through the EventBridge API of
// the local endpoint, with the test's (admin) credentials, which may put
// any source: a compromised admin, or a bug in another producer.
func (h *stackHandle) putEvent(t *testing.T, source, detailType string, detail any) {
	t.Helper()
	if h.AWSURL == "" || h.logs == nil {
		t.Skip("forging events needs the local runtime's endpoint and its log")
	}
	bus := h.Outputs["EventBusName"]
	if bus == "" {
		t.Fatal("no EventBusName output")
	}
	body, err := json.Marshal(detail)
	if err != nil {
		t.Fatal(err)
	}
	eb := eventbridge.NewFromConfig(awstest.Config(h.AWSURL))
	out, err := eb.PutEvents(context.Background(), &eventbridge.PutEventsInput{Entries: []ebtypes.PutEventsRequestEntry{{
		EventBusName: aws.String(bus), Source: aws.String(source), DetailType: aws.String(detailType), Detail: aws.String(string(body)),
	}}})
	if err != nil || out.FailedEntryCount != 0 {
		t.Fatalf("PutEvents: %v %+v", err, out)
	}
}

// securityEvents returns the ordering function's forged_event log lines
// that name checkoutID.
func (h *stackHandle) securityEvents(checkoutID string) []string {
	var out []string
	for _, line := range strings.Split(h.logs.String(), "\n") {
		if strings.Contains(line, `"security":"forged_event"`) && strings.Contains(line, `"checkout":"`+checkoutID+`"`) {
			out = append(out, line)
		}
	}
	return out
}

// forgedMetrics counts the ForgedEvents EMF lines that name checkoutID.
func (h *stackHandle) forgedMetrics(checkoutID string) int {
	n := 0
	for _, line := range strings.Split(h.logs.String(), "\n") {
		if strings.Contains(line, `"CloudWatchMetrics"`) && strings.Contains(line, `"ForgedEvents":1`) && strings.Contains(line, `"checkout":"`+checkoutID+`"`) {
			n++
		}
	}
	return n
}

// Issue 11: only our own events place orders. Events put on the bus by
// anyone but the publisher, or with a body the event store does not hold,
// never become orders; the second kind is recorded as a security event.
func TestForgedCheckoutsPlaceNoOrder(t *testing.T) {
	h := stack(t)
	h.logOnFailure(t)
	c, u, user, st := h.checkedOut(t, "forgery", 2)
	eventually(t, 30*time.Second, "order visible", func() bool { return len(u.orders(user)) == 1 })
	genuine := checkedOutEvent(c, user)
	checkoutID := genuine["data"].(map[string]any)["checkoutId"].(string)
	mug := genuine["data"].(map[string]any)["lines"].([]any)[0].(map[string]any)["productId"].(string)

	// forge returns a copy of the genuine event with its data changed by f.
	forge := func(f func(data map[string]any)) map[string]any {
		b, _ := json.Marshal(genuine)
		var e map[string]any
		_ = json.Unmarshal(b, &e)
		f(e["data"].(map[string]any))
		return e
	}
	ghost := unique(t, "ghost-checkout")
	fiveHundredMugs := func(d map[string]any) {
		d["lines"] = []any{map[string]any{"productId": mug, "name": "Mug", "unitPrice": 1, "currency": "EUR", "quantity": 500, "lineTotal": 500}}
		d["total"] = 500
	}

	t.Run("another source", func(t *testing.T) {
		// The measurement of the issue: a stranger's BasketCheckedOut for
		// 500 mugs at 0.01. The rule matches our source, so it never
		// reaches the order queue.
		stranger := unique(t, "stranger-checkout")
		h.putEvent(t, "not.shopstream", "BasketCheckedOut", forge(func(d map[string]any) {
			d["checkoutId"], d["orderId"] = stranger, stranger
			fiveHundredMugs(d)
		}))
		h.waitQuiet(t)
		if types := c.auditTypes("order-" + stranger); types != nil {
			t.Fatalf("a stranger's event placed order %s: %v", stranger, types)
		}
		if lines := h.securityEvents(stranger); len(lines) != 0 {
			t.Fatalf("the ordering function saw the stranger's event: %v", lines)
		}
	})

	t.Run("our source, a checkout that does not exist", func(t *testing.T) {
		h.putEvent(t, "shopstream.basket", "BasketCheckedOut", forge(func(d map[string]any) {
			d["checkoutId"], d["orderId"] = ghost, ghost
			fiveHundredMugs(d)
		}))
		eventually(t, 30*time.Second, "the security event for "+ghost, func() bool { return len(h.securityEvents(ghost)) > 0 })
		h.waitQuiet(t)
		if types := c.auditTypes("order-" + ghost); types != nil {
			t.Fatalf("a forged checkout placed order %s: %v", ghost, types)
		}
		line := h.securityEvents(ghost)[0]
		for _, want := range []string{`"level":"WARN"`, `"source":"shopstream.basket"`, `"mismatch":["checkout"]`} {
			if !strings.Contains(line, want) {
				t.Errorf("security event %s lacks %s", line, want)
			}
		}
		if h.forgedMetrics(ghost) != 1 {
			t.Errorf("no ForgedEvents metric for %s", ghost)
		}
	})

	t.Run("our source, a genuine checkout with a changed total", func(t *testing.T) {
		before := len(h.securityEvents(checkoutID))
		h.putEvent(t, "shopstream.basket", "BasketCheckedOut", forge(func(d map[string]any) { d["total"] = 1 }))
		eventually(t, 30*time.Second, "the security event for "+checkoutID, func() bool { return len(h.securityEvents(checkoutID)) > before })
		h.waitQuiet(t)
		line := h.securityEvents(checkoutID)[before]
		if !strings.Contains(line, `"mismatch":["total"]`) {
			t.Errorf("security event %s does not name the total", line)
		}
		if h.forgedMetrics(checkoutID) < 1 {
			t.Errorf("no ForgedEvents metric for %s", checkoutID)
		}
	})

	// Nothing above added an order or changed the genuine one; every
	// forged message was acknowledged (waitQuiet saw the queues, their
	// dead-letter queues included, empty).
	orders := u.orders(user)
	if len(orders) != 1 {
		t.Fatalf("%d orders, want the genuine one: %v", len(orders), orders)
	}
	if total := orders[0].(map[string]any)["total"]; total != float64(2500) {
		t.Fatalf("order total %v, want 2500", total)
	}
	if types := c.auditTypes("order-" + st["orderId"].(string)); len(types) != 1 {
		t.Fatalf("order stream: %v", types)
	}
}
