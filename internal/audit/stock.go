package audit

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/shopstream/shopstream/eventstore"
	"github.com/shopstream/shopstream/internal/basket"
	"github.com/shopstream/shopstream/internal/catalog"
	"github.com/shopstream/shopstream/internal/domain"
	"github.com/shopstream/shopstream/internal/registry"
)

// checkoutState is where a checkout stands, as its basket stream says.
type checkoutState int

const (
	checkoutUnknown   checkoutState = iota // no basket stream started it
	checkoutRunning                        // CheckoutStarted, no outcome yet
	checkoutConfirmed                      // BasketCheckedOut
	checkoutFailed                         // CheckoutFailed
)

func (s checkoutState) String() string {
	return [...]string{"unknown to every basket", "running", "confirmed", "failed"}[s]
}

// CheckStock reads the whole event log and returns the breaches of the
// stock invariant (see stockDrift), one line each naming the product and
// the checkout, and the number of products checked.
func CheckStock(ctx context.Context, store eventstore.Store, reg *registry.Registry) ([]string, int, error) {
	streams, order, _, drift, err := readStreams(ctx, store, reg)
	if err != nil {
		return nil, 0, fmt.Errorf("check stock: %w", err)
	}
	stock, products := stockDrift(streams, order)
	return append(drift, stock...), products, nil
}

// stockDrift checks the stock invariant over the decoded streams: for every
// product, the units it holds are exactly the units reserved by checkouts
// that are running or confirmed. A checkout's state comes from its basket
// stream (CheckoutStarted, then BasketCheckedOut or CheckoutFailed). So a
// product breaks it by holding a reservation of a failed checkout (or of a
// checkout no basket started), which is stock lost, or by having released
// the reservation of a confirmed checkout, which is stock sold twice. It
// returns one line per breach, in product and checkout order, and the
// number of products checked.
func stockDrift(streams map[string][]domain.Event, order []string) ([]string, int) {
	checkouts := map[string]checkoutState{}
	for _, id := range order {
		if !strings.HasPrefix(id, basket.StreamID("")) {
			continue
		}
		for _, e := range streams[id] {
			switch e := e.(type) {
			case basket.CheckoutStarted:
				if checkouts[e.CheckoutID] == checkoutUnknown {
					checkouts[e.CheckoutID] = checkoutRunning
				}
			case basket.BasketCheckedOut:
				checkouts[e.CheckoutID] = checkoutConfirmed
			case basket.CheckoutFailed:
				checkouts[e.CheckoutID] = checkoutFailed
			}
		}
	}

	var drift []string
	products := 0
	for _, id := range order {
		if !strings.HasPrefix(id, catalog.StreamID("")) {
			continue
		}
		products++
		productID := strings.TrimPrefix(id, catalog.StreamID(""))
		held := map[string]int64{}     // by checkout: units held now
		released := map[string]int64{} // by checkout: units given back
		for _, e := range streams[id] {
			switch e := e.(type) {
			case catalog.StockReserved:
				held[e.CheckoutID] += e.Quantity
			case catalog.StockReservationReleased:
				released[e.CheckoutID] += e.Quantity
				delete(held, e.CheckoutID)
			}
		}
		var lines []string
		for c, q := range held {
			if s := checkouts[c]; s != checkoutRunning && s != checkoutConfirmed {
				lines = append(lines, fmt.Sprintf("stock product %s: holds %d units for checkout %s, which is %s", productID, q, c, s))
			}
		}
		for c, q := range released {
			if q > 0 && checkouts[c] == checkoutConfirmed {
				lines = append(lines, fmt.Sprintf("stock product %s: released %d units of checkout %s, which is confirmed", productID, q, c))
			}
		}
		sort.Strings(lines)
		drift = append(drift, lines...)
	}
	return drift, products
}
