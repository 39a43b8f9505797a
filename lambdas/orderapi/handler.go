package main

import (
	"context"
	"errors"
	"net/http"
	"regexp"
	"strconv"

	"github.com/shopstream/shopstream/eventstore"
	"github.com/shopstream/shopstream/internal/domain"
	"github.com/shopstream/shopstream/internal/httpapi"
	"github.com/shopstream/shopstream/internal/readmodel"
)

// OrderReader reads the orders read model.
type OrderReader interface {
	ListByUser(ctx context.Context, userName, datePrefix string, limit int32, cursor string) ([]readmodel.Order, string, error)
	Get(ctx context.Context, userName, orderID string) (readmodel.Order, error)
}

// StreamReader reads one stream of the event store.
type StreamReader interface {
	Load(ctx context.Context, stream string, fromVersion int64) ([]eventstore.Event, error)
}

// API is the read side: orders and the audit trail.
type API struct {
	Events StreamReader
	Orders OrderReader
}

// Paging limits.
const (
	defaultLimit      = 20
	maxLimit          = 100
	defaultAuditLimit = 100
	maxAuditLimit     = 1000
)

// Routes returns the context's mux; paths are as API Gateway passes them.
func (a *API) Routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /order/{userName}", a.list)
	mux.HandleFunc("GET /order/{userName}/{orderId}", a.get)
	mux.HandleFunc("GET /audit/{streamId}", a.audit)
	return mux
}

// orderDate accepts a year, month or day prefix of an RFC 3339 date.
var orderDate = regexp.MustCompile(`^\d{4}(-\d{2}(-\d{2})?)?$`)

func (a *API) list(w http.ResponseWriter, r *http.Request) {
	user := r.PathValue("userName")
	q := r.URL.Query()
	if err := domain.CheckID("userName", user); err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	date := q.Get("orderDate")
	if date != "" && !orderDate.MatchString(date) {
		httpapi.WriteError(w, r, domain.Invalid("orderDate", "must be YYYY, YYYY-MM or YYYY-MM-DD"))
		return
	}
	limit, err := httpapi.Limit(q, defaultLimit, maxLimit)
	if err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	rows, next, err := a.Orders.ListByUser(r.Context(), user, date, int32(limit), q.Get("cursor"))
	if err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	httpapi.WritePage(w, rows, next)
}

func (a *API) get(w http.ResponseWriter, r *http.Request) {
	user, id := r.PathValue("userName"), r.PathValue("orderId")
	for _, c := range []error{domain.CheckID("userName", user), domain.CheckID("orderId", id)} {
		if c != nil {
			httpapi.WriteError(w, r, c)
			return
		}
	}
	row, err := a.Orders.Get(r.Context(), user, id)
	if errors.Is(err, readmodel.ErrNotFound) {
		err = httpapi.Errorf(http.StatusNotFound, "order_not_found", "", "order %s of %s does not exist", id, user)
	}
	if err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	httpapi.WriteJSON(w, http.StatusOK, row)
}

// audit returns a stream's events in version order, from ?from= (default
// 1), at most ?limit= of them, with the next page's from.
func (a *API) audit(w http.ResponseWriter, r *http.Request) {
	stream := r.PathValue("streamId")
	if err := domain.CheckID("streamId", stream); err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	q := r.URL.Query()
	from := int64(1)
	if s := q.Get("from"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 1 {
			httpapi.WriteError(w, r, domain.Invalid("from", "must be a version, 1 or more"))
			return
		}
		from = n
	}
	limit, err := httpapi.Limit(q, defaultAuditLimit, maxAuditLimit)
	if err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	events, err := a.Events.Load(r.Context(), stream, from)
	if err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	if len(events) == 0 && from == 1 {
		httpapi.WriteError(w, r, httpapi.Errorf(http.StatusNotFound, "stream_not_found", "", "stream %s has no events", stream))
		return
	}
	var next *int64
	if len(events) > limit {
		events = events[:limit]
		n := events[limit-1].Version + 1
		next = &n
	}
	if events == nil {
		events = []eventstore.Event{}
	}
	httpapi.WriteJSON(w, http.StatusOK, map[string]any{"streamId": stream, "events": events, "nextFrom": next})
}
