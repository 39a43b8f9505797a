package main

import (
	"errors"
	"net/http"
	"strings"

	"github.com/shopstream/shopstream/eventstore"
	"github.com/shopstream/shopstream/internal/basket"
	"github.com/shopstream/shopstream/internal/httpapi"
)

// Paging of GET /basket.
const (
	defaultListLimit = 20
	maxListLimit     = 100
	// listReadBudget bounds the events one GET /basket reads from the
	// global log, so a page answers within the function's timeout however
	// few baskets the log holds: a page may then come back short, with a
	// cursor to go on from.
	listReadBudget = 5 * eventstore.MaxReadLimit
)

// basketSummary is one basket of the admin listing: its lines as the
// customer set them, unpriced (pricing every line of every basket would
// load every product stream; GET /basket/{userName} prices one).
type basketSummary struct {
	UserName string        `json:"userName"`
	Items    []basket.Item `json:"items"`
	Checkout *checkoutRef  `json:"checkout"`
	Version  int64         `json:"version"`
}

// list pages through every basket, oldest first, for admins.
//
// There is no read model of baskets, and the event store's table cannot
// be listed by stream (its partition key is the stream id, and a Scan is
// not granted on the append-only store). What exists is the global log
// (Store.ReadAll, a query of the byTime index): every basket stream's
// first event (version 1) is in it exactly once, so walking the log and
// keeping version-1 events of basket streams lists each basket once, in
// the order they were created, with the log position as the cursor. Each
// listed basket is then folded from its own stream for its current lines.
//
// It is the cheapest correct design here: no new table, projection or
// audit check, one Query grant on the index, and nothing to keep in sync.
// The price is that a full listing reads the whole log (every event of
// every stream), bounded per page by listReadBudget: fine for an admin
// screen. If baskets are listed often, a basket read model maintained by a
// projection (like the catalog's) is the next step. Like any ReadAll
// reader, a listing may miss a basket created with an id older than its
// cursor while it pages (see eventstore.Store.ReadAll).
func (a *API) list(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit, err := httpapi.Limit(q, defaultListLimit, maxListLimit)
	if err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	scope := httpapi.Scope("GET /basket")
	position, err := a.Cursors.OpenQuery(r, scope)
	if err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	if err := eventstore.ValidatePosition("list baskets", position); err != nil {
		httpapi.WriteError(w, r, httpapi.ErrBadCursor)
		return
	}
	users, next, err := a.basketHeads(r, position, limit)
	if err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	items := make([]basketSummary, 0, len(users))
	for _, user := range users {
		b, err := a.load(r.Context(), user)
		if err != nil {
			httpapi.WriteError(w, r, err)
			return
		}
		s := basketSummary{UserName: user, Items: b.Items(), Version: b.Version()}
		if s.Items == nil {
			s.Items = []basket.Item{}
		}
		if c, ok := b.Current(); ok {
			s.Checkout = &checkoutRef{CheckoutID: c.ID, Status: c.Status}
		}
		items = append(items, s)
	}
	httpapi.WriteSealedPage(w, r, a.Cursors, scope, items, next)
}

// basketHeads walks the global log from position and returns the user
// names of up to limit baskets created after it, and the position to go on
// from ("" when the log is read to its end).
func (a *API) basketHeads(r *http.Request, position string, limit int) (users []string, next string, err error) {
	read := 0
	for {
		page, err := a.Commands.Store.ReadAll(r.Context(), position, eventstore.MaxReadLimit)
		if errors.Is(err, eventstore.ErrInvalidArgument) {
			return nil, "", httpapi.ErrBadCursor
		}
		if err != nil {
			return nil, "", err
		}
		for _, e := range page.Events {
			read++
			position = e.ID
			if user, ok := strings.CutPrefix(e.StreamID, basket.StreamID("")); ok && e.Version == 1 {
				users = append(users, user)
				if len(users) == limit {
					// Whether baskets follow is for the next page to tell.
					return users, position, nil
				}
			}
		}
		if page.Next == "" {
			return users, "", nil
		}
		position = page.Next
		if read >= listReadBudget {
			return users, position, nil
		}
	}
}
