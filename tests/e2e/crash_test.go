package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestOrderingCrashAfterAppend runs a stack whose ordering Lambda exits
// right after appending OrderPlaced on each message's first delivery (a
// test-only fault, compiled in only with the faultinject build tag: see
// lambdas/ordering/fault_faultinject.go). SQS redelivers the message after
// its visibility timeout and the retry must find the order already placed.
func TestOrderingCrashAfterAppend(t *testing.T) {
	localOnly(t)
	h, err := startRuntime(runtimeOptions{
		buildTags: "faultinject",
		extraArgs: []string{"--function-env", "ordering:SHOPSTREAM_FAULT=ordering-crash-after-append"},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer h.stop()
	h.logOnFailure(t)
	c, u, user, st := h.checkedOut(t, "crash", 2)
	eventually(t, 90*time.Second, "order visible after the crash and redelivery", func() bool { return len(u.orders(user)) > 0 })
	// The order must have survived a crash, not merely been placed: a
	// build without the fault would pass everything else here.
	eventually(t, 10*time.Second, "the injected crash in the runtime's output", func() bool {
		return strings.Contains(h.logs.String(), "fault injected: exiting after the append")
	})
	h.waitQuiet(t)
	if orders := u.orders(user); len(orders) != 1 {
		t.Fatalf("orders: %v", orders)
	}
	if types := c.auditTypes("order-" + st["orderId"].(string)); len(types) != 1 {
		t.Fatalf("order stream: %v", types)
	}
}

// TestKilledRuntimeLosesNothing SIGKILLs the runtime while checkouts are in
// flight, starts it again on the same data directory, and checks that every
// accepted checkout ends as an order or a recorded failure with its stock
// released — none lost, none doubled.
func TestKilledRuntimeLosesNothing(t *testing.T) {
	localOnly(t)
	dir := t.TempDir()
	// Real time: a flaky card's checkout then waits a whole second in its
	// Retry, so it is certainly in flight when the runtime is killed.
	h, err := startRuntime(runtimeOptions{dataDir: dir, timeScale: "1"})
	if err != nil {
		t.Fatal(err)
	}
	c := h.client(t)
	const buyers, units = 8, 5
	mug := c.createProduct("Mug", 1250, units)
	users := make([]string, buyers)
	for i := range users {
		users[i] = fmt.Sprintf("%s-%d", unique(t, "kill"), i)
		h.as(t, users[i]).setBasket(users[i], map[string]int{mug: 1})
	}
	accepted := map[string]string{} // checkout id → user
	for i, u := range users {
		card := []string{cardApproved, cardFlaky, cardDeclined, cardFlaky}[i%4]
		code, out := h.as(t, u).do("POST", "/basket/checkout", checkoutRequest(u, card))
		if code == 202 {
			accepted[out["checkoutId"].(string)] = u
		}
	}
	if len(accepted) == 0 {
		t.Fatal("no checkout accepted")
	}
	running := 0
	for id := range accepted {
		if _, st := h.as(t, accepted[id]).do("GET", "/checkout/"+id, nil); st["status"] == "RUNNING" {
			running++
		}
	}
	if running == 0 {
		t.Fatal("no checkout was in flight when the runtime was to be killed")
	}
	t.Logf("killing the runtime with %d of %d accepted checkouts in flight", running, len(accepted))
	h.kill()

	first := h
	first.logOnFailure(t)
	h, err = startRuntime(runtimeOptions{dataDir: dir, timeScale: "1"})
	if err != nil {
		t.Fatal(err)
	}
	defer h.stop()
	h.logOnFailure(t)
	// The users and the signing keys are in the data directory: the
	// restarted runtime signs the same users in.
	c = h.client(t)
	ends := map[string]map[string]any{}
	for id, user := range accepted {
		ends[id] = h.as(t, user).waitCheckout(id)
	}
	// Orders come after the checkouts end; every one of them is in (and
	// no extra one is coming) once the stack is quiet.
	h.waitQuiet(t)
	succeeded := 0
	for id, user := range accepted {
		st := ends[id]
		switch st["status"] {
		case "SUCCEEDED":
			succeeded++
			if n := len(h.as(t, user).orders(user)); n != 1 {
				t.Fatalf("succeeded checkout %s has %d orders, want 1", id, n)
			}
			if types := c.auditTypes("order-" + st["orderId"].(string)); len(types) != 1 {
				t.Fatalf("order %s stream: %v", id, types)
			}
		case "FAILED":
			if st["reason"] == nil {
				t.Fatalf("checkout %s failed without a recorded reason: %v", id, st)
			}
			if n := len(h.as(t, user).orders(user)); n != 0 {
				t.Fatalf("failed checkout %s has %d orders", id, n)
			}
		}
	}
	if got, want := c.stock(mug), units-succeeded; got != want {
		t.Fatalf("stock %d, want %d (%d succeeded): reservations of failed checkouts must be released", got, want, succeeded)
	}
}
