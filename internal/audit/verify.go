package audit

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/shopstream/shopstream/eventstore"
	"github.com/shopstream/shopstream/internal/catalog"
	"github.com/shopstream/shopstream/internal/domain"
	"github.com/shopstream/shopstream/internal/ordering"
	"github.com/shopstream/shopstream/internal/readmodel"
	"github.com/shopstream/shopstream/internal/registry"
)

// Rows is what Verify compares against: every stored row of a read model.
type Rows[T any] interface {
	All(ctx context.Context) ([]T, error)
}

// Report is Verify's outcome.
type Report struct {
	Events   int // events read from the store
	Products int // product rows expected
	Orders   int // order rows expected
	// Drift lists every difference, one human-readable line each.
	Drift []string
}

// pageSize is how many events Verify and Replay read per ReadAll call.
const pageSize = 500

// eachPage calls fn with every page of the global log after position, in
// order, until the log ends or fn fails.
func eachPage(ctx context.Context, store eventstore.Store, position string, fn func([]eventstore.Event) error) error {
	for {
		page, err := store.ReadAll(ctx, position, pageSize)
		if err != nil {
			return fmt.Errorf("read events: %w", err)
		}
		if err := fn(page.Events); err != nil {
			return err
		}
		if page.Next == "" {
			return nil
		}
		position = page.Next
	}
}

// Verify folds every stream of the event store, builds the rows the read
// models should hold and compares them with the stored ones, and checks the
// stock invariant (every unit a product holds is reserved by a running or
// confirmed checkout; see CheckStock). Run it on a quiet system: a
// projection still catching up shows as drift.
func Verify(ctx context.Context, store eventstore.Store, reg *registry.Registry, products Rows[readmodel.Product], orders Rows[readmodel.Order]) (Report, error) {
	var r Report
	streams, order, n, undecoded, err := readStreams(ctx, store, reg)
	if err != nil {
		return r, fmt.Errorf("verify: %w", err)
	}
	r.Events, r.Drift = n, undecoded

	wantProducts := map[string]readmodel.Product{}
	wantOrders := map[string]readmodel.Order{}
	for _, id := range order {
		events := streams[id]
		switch {
		case strings.HasPrefix(id, catalog.StreamID("")):
			p, err := catalog.New(strings.TrimPrefix(id, catalog.StreamID("")))
			if err == nil {
				err = p.Apply(events...)
			}
			if err != nil {
				r.Drift = append(r.Drift, fmt.Sprintf("stream %s does not fold: %v", id, err))
				continue
			}
			wantProducts[p.ID()] = readmodel.ProductFrom(p)
		case strings.HasPrefix(id, ordering.StreamID("")):
			o, err := ordering.New(strings.TrimPrefix(id, ordering.StreamID("")))
			if err == nil {
				err = o.Apply(events...)
			}
			if err != nil {
				r.Drift = append(r.Drift, fmt.Sprintf("stream %s does not fold: %v", id, err))
				continue
			}
			if pl, placed := o.Placement(); placed {
				wantOrders[o.ID()] = readmodel.OrderFrom(o.ID(), pl, o.Version())
			}
		}
	}
	r.Products, r.Orders = len(wantProducts), len(wantOrders)
	stock, _ := stockDrift(streams, order)
	r.Drift = append(r.Drift, stock...)

	gotProducts, err := products.All(ctx)
	if err != nil {
		return r, fmt.Errorf("verify: %w", err)
	}
	r.Drift = append(r.Drift, compare("product", wantProducts, gotProducts, func(p readmodel.Product) string { return p.ProductID })...)
	gotOrders, err := orders.All(ctx)
	if err != nil {
		return r, fmt.Errorf("verify: %w", err)
	}
	r.Drift = append(r.Drift, compare("order", wantOrders, gotOrders, func(o readmodel.Order) string { return o.OrderID })...)
	return r, nil
}

// readStreams reads the whole log and returns every stream's decoded
// events in version order (the log's global order is ID order, which need
// not be version order within a millisecond), the stream ids in sorted
// order, the number of events decoded, and a drift line per event that
// does not decode.
func readStreams(ctx context.Context, store eventstore.Store, reg *registry.Registry) (map[string][]domain.Event, []string, int, []string, error) {
	raw := map[string][]eventstore.Event{}
	err := eachPage(ctx, store, "", func(events []eventstore.Event) error {
		for _, e := range events {
			raw[e.StreamID] = append(raw[e.StreamID], e)
		}
		return nil
	})
	if err != nil {
		return nil, nil, 0, nil, err
	}
	streams := make(map[string][]domain.Event, len(raw))
	order := make([]string, 0, len(raw))
	var drift []string
	n := 0
	for id, events := range raw {
		order = append(order, id)
		sort.Slice(events, func(i, j int) bool { return events[i].Version < events[j].Version })
		for _, e := range events {
			d, err := reg.Decode(e)
			if err != nil {
				drift = append(drift, fmt.Sprintf("event %s of %s does not decode: %v", e.ID, e.StreamID, err))
				continue
			}
			streams[id] = append(streams[id], d)
			n++
		}
	}
	sort.Strings(order)
	sort.Strings(drift)
	return streams, order, n, drift, nil
}

// compare lists the differences between the rows the events imply and the
// stored rows, field by field, in key order.
func compare[T any](kind string, want map[string]T, got []T, key func(T) string) []string {
	var drift []string
	stored := map[string]T{}
	for _, g := range got {
		stored[key(g)] = g
	}
	keys := make([]string, 0, len(want)+len(stored))
	for k := range want {
		keys = append(keys, k)
	}
	for k := range stored {
		if _, ok := want[k]; !ok {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		w, inEvents := want[k]
		g, inTable := stored[k]
		switch {
		case !inTable:
			drift = append(drift, fmt.Sprintf("%s %s: missing from the read model", kind, k))
		case !inEvents:
			drift = append(drift, fmt.Sprintf("%s %s: in the read model but not in the event store", kind, k))
		default:
			for _, d := range fieldDiff(w, g) {
				drift = append(drift, fmt.Sprintf("%s %s: %s", kind, k, d))
			}
		}
	}
	return drift
}

// fieldDiff compares two rows by their JSON fields (what clients see, plus
// the version and deletion markers).
func fieldDiff(want, got any) []string {
	w, g := flat(want), flat(got)
	names := make([]string, 0, len(w))
	for n := range w {
		names = append(names, n)
	}
	sort.Strings(names)
	var out []string
	for _, n := range names {
		if w[n] != g[n] {
			out = append(out, fmt.Sprintf("%s: events say %s, read model has %s", n, w[n], g[n]))
		}
	}
	return out
}

func flat(v any) map[string]string {
	raw, _ := json.Marshal(v)
	var m map[string]json.RawMessage
	_ = json.Unmarshal(raw, &m)
	out := map[string]string{}
	for k, v := range m {
		out[k] = string(v)
	}
	// Fields hidden from clients still matter for convergence.
	switch r := v.(type) {
	case readmodel.Product:
		out["deleted"] = fmt.Sprint(r.Deleted)
	case readmodel.Order:
		out["orderKey"] = r.OrderKey
	}
	return out
}

// Print writes r to w; it returns true when there is no drift.
func (r Report) Print(w io.Writer) bool {
	for _, d := range r.Drift {
		fmt.Fprintln(w, "DRIFT", d)
	}
	fmt.Fprintf(w, "%d events, %d products, %d orders checked: %d differences\n", r.Events, r.Products, r.Orders, len(r.Drift))
	return len(r.Drift) == 0
}
