package e2e

import (
	"context"
	"encoding/json"
	"fmt"
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
	c := h.client(t)
	user := unique(t, "redeliver")
	u := h.as(t, user)
	mug := c.createProduct("Mug", 1250, 5)
	u.setBasket(user, map[string]int{mug: 1})
	st := u.waitCheckout(u.checkout(user, cardApproved))
	if st["status"] != "SUCCEEDED" {
		t.Fatalf("checkout: %v", st)
	}
	eventually(t, 30*time.Second, "order visible", func() bool { return len(u.orders(user)) == 1 })

	// Deliver the BasketCheckedOut fact again, twice, exactly as the
	// publisher put it on the bus the first time.
	audit := c.must(200, "GET", "/audit/basket-"+user, nil)
	var checkedOut []byte
	for _, e := range audit["events"].([]any) {
		if e.(map[string]any)["type"] == "BasketCheckedOut" {
			checkedOut, _ = json.Marshal(e)
		}
	}
	if checkedOut == nil {
		t.Fatal("no BasketCheckedOut in the basket's audit trail")
	}
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

// TestBadInputChangesNothing sends every class of bad input to every route
// and checks that each answers 4xx naming the field, and that no stream
// changed.
func TestBadInputChangesNothing(t *testing.T) {
	c := stack(t).client(t)
	user := unique(t, "bad")
	mug := c.createProduct("Mug", 1250, 5)
	c.setBasket(user, map[string]int{mug: 1})
	before := map[string][]string{"product-" + mug: c.auditTypes("product-" + mug), "basket-" + user: c.auditTypes("basket-" + user)}

	long := strings.Repeat("x", 5000)
	huge := strings.Repeat("a", 300<<10)
	tests := []struct {
		method, path string
		body         any
		wantStatus   int
		wantField    string
	}{
		{"POST", "/product", `{"name":`, 400, ""},
		{"POST", "/product", `{"name":"a","category":"c","price":"12","currency":"EUR"}`, 400, "price"},
		{"POST", "/product", `{"name":"a","category":"c","price":12,"currency":"EUR","sku":"x"}`, 400, "sku"},
		{"POST", "/product", `{"name":"a","category":"c","price":-12,"currency":"EUR"}`, 400, "price"},
		{"POST", "/product", `{"name":"` + long + `","category":"c","price":12,"currency":"EUR"}`, 400, "name"},
		{"POST", "/product", `{"name":"` + huge + `"}`, 413, ""},
		{"GET", "/product?limit=-1", nil, 400, "limit"},
		{"GET", "/product/no-such-product", nil, 404, ""},
		{"PUT", "/product/" + mug, `{"price":5}`, 400, "currency"},
		{"PUT", "/product/" + mug, `[1,2]`, 400, ""},
		{"DELETE", "/product/no-such-product", nil, 404, ""},
		{"POST", "/product/" + mug + "/stock", `{"quantity":-1}`, 400, "quantity"},
		{"POST", "/product/" + mug + "/stock", `{"quantity":1e15}`, 400, "quantity"},
		{"GET", "/basket/" + url(long), nil, 400, "userName"},
		{"POST", "/basket", fmt.Sprintf(`{"userName":%q,"items":[{"productId":%q,"quantity":-2}]}`, user, mug), 400, "items[0].quantity"},
		{"POST", "/basket", fmt.Sprintf(`{"userName":%q,"items":[{"productId":%q,"quantity":100000000}]}`, user, mug), 400, "items[0].quantity"},
		{"POST", "/basket", fmt.Sprintf(`{"userName":%q,"items":[{"productId":"nope","quantity":1}]}`, user), 404, ""},
		{"POST", "/basket", fmt.Sprintf(`{"userName":%q,"items":"all"}`, user), 400, "items"},
		{"DELETE", "/basket/" + url("a b"), nil, 400, "userName"},
		{"POST", "/basket/checkout", strings.Replace(mustJSON(checkoutRequest(user, cardApproved)), cardApproved, "1234", 1), 400, "cardInfo.number"},
		{"POST", "/basket/checkout", strings.Replace(mustJSON(checkoutRequest(user, cardApproved)), "ann@example.com", "nope", 1), 400, "email"},
		{"POST", "/basket/checkout", checkoutRequest(unique(t, "empty"), cardApproved), 422, ""},
		{"GET", "/checkout/no-such-checkout", nil, 404, ""},
		{"GET", "/order/" + user + "?orderDate=today", nil, 400, "orderDate"},
		{"GET", "/order/" + user + "/no-such-order", nil, 404, ""},
		{"GET", "/audit/" + url("a b"), nil, 400, "streamId"},
		{"GET", "/no-such-route", nil, 403, ""},
	}
	for _, tt := range tests {
		name := fmt.Sprintf("%s %s", tt.method, tt.path)
		if len(name) > 60 {
			name = name[:60]
		}
		t.Run(name, func(t *testing.T) {
			c := c.withToken(c.token)
			c.t = t
			code, out := c.do(tt.method, tt.path, tt.body)
			if code != tt.wantStatus {
				t.Fatalf("%d %v, want %d", code, out, tt.wantStatus)
			}
			if tt.wantField != "" {
				e, _ := out["error"].(map[string]any)
				if e["field"] != tt.wantField {
					t.Fatalf("error %v does not name field %q", out, tt.wantField)
				}
			}
		})
	}
	for stream, types := range before {
		if got := c.auditTypes(stream); strings.Join(got, ",") != strings.Join(types, ",") {
			t.Fatalf("bad input changed %s: %v → %v", stream, types, got)
		}
	}
}

func url(s string) string { return strings.ReplaceAll(s, " ", "%20") }

func mustJSON(v any) string {
	raw, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(raw)
}
