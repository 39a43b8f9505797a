package main

import (
	"context"
	"errors"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/shopstream/shopstream/eventstore"
	"github.com/shopstream/shopstream/internal/config"
	"github.com/shopstream/shopstream/internal/domain"
	"github.com/shopstream/shopstream/internal/httpapi"
	"github.com/shopstream/shopstream/internal/readmodel"
)

// OrderReader reads the orders read model.
type OrderReader interface {
	ListByUser(ctx context.Context, userName, datePrefix string, limit int32, cursor string) ([]readmodel.Order, string, error)
	List(ctx context.Context, limit int32, cursor string) ([]readmodel.Order, string, error)
	Get(ctx context.Context, userName, orderID string) (readmodel.Order, error)
}

// StreamReader reads one page of a stream of the event store.
type StreamReader interface {
	LoadRange(ctx context.Context, stream string, fromVersion int64, limit int) ([]eventstore.Event, bool, error)
}

// API is the read side: orders and the audit trail.
type API struct {
	Events StreamReader
	Orders OrderReader
	// Cursors seals the listings' cursors (see httpapi.Cursors).
	Cursors httpapi.Cursors
}

// Paging limits.
const (
	defaultLimit      = 20
	maxLimit          = 100
	defaultAuditLimit = 100
	maxAuditLimit     = eventstore.MaxLoadLimit
)

// Routes returns the context's mux; paths are as API Gateway passes them.
// A customer reads their own orders; admins read anyone's, every order and
// the audit trail.
func (a *API) Routes() http.Handler {
	mux := httpapi.NewRouter()
	mux.Handle("GET /order", httpapi.AdminOnly(a.listAll), "limit", "cursor")
	mux.Handle("GET /order/{userName}", a.list, "orderDate", "limit", "cursor")
	mux.Handle("GET /order/{userName}/{orderId}", a.get)
	mux.Handle("GET /audit/{streamId}", httpapi.AdminOnly(a.audit), "from", "limit", "cursor")
	return mux
}

// authorize checks the {userName} of the path: 401 without a caller, 400
// for a malformed name, 403 for another user's unless the caller is an
// admin. Nothing is read before it.
func authorize(r *http.Request) (string, error) {
	user := r.PathValue("userName")
	if _, err := httpapi.Authenticate(r); err != nil {
		return "", err
	}
	if err := domain.CheckID("userName", user); err != nil {
		return "", err
	}
	_, err := httpapi.AuthorizeUser(r, user)
	return user, err
}

// listAll pages through every customer's orders (a scan of the read
// model, in no particular order), for admins.
func (a *API) listAll(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit, err := httpapi.Limit(q, defaultLimit, maxLimit)
	if err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	scope := httpapi.Scope("GET /order")
	start, err := a.Cursors.OpenQuery(r, scope)
	if err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	rows, next, err := a.Orders.List(r.Context(), int32(limit), start)
	if err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	httpapi.WriteSealedPage(w, r, a.Cursors, scope, rows, next)
}

// orderDate accepts a year, month or day prefix of an RFC 3339 date.
var orderDate = regexp.MustCompile(`^\d{4}(-\d{2}(-\d{2})?)?$`)

// checkOrderDate checks ?orderDate=: YYYY, YYYY-MM or YYYY-MM-DD naming a
// real year, month or day (2026-13 and 2026-02-30 are not).
func checkOrderDate(s string) error {
	if !orderDate.MatchString(s) {
		return domain.Invalid("orderDate", "must be YYYY, YYYY-MM or YYYY-MM-DD")
	}
	layout := "2006-01-02"[:len(s)]
	if _, err := time.Parse(layout, s); err != nil {
		return domain.Invalid("orderDate", "must be a real date, got %q", s)
	}
	return nil
}

func (a *API) list(w http.ResponseWriter, r *http.Request) {
	user, err := authorize(r)
	if err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	q := r.URL.Query()
	date := q.Get("orderDate")
	if q.Has("orderDate") {
		if err := checkOrderDate(date); err != nil {
			httpapi.WriteError(w, r, err)
			return
		}
	}
	limit, err := httpapi.Limit(q, defaultLimit, maxLimit)
	if err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	// A cursor pages the user and date prefix it was issued for.
	scope := httpapi.Scope("GET /order/{userName}", "userName="+user, "orderDate="+date)
	start, err := a.Cursors.OpenQuery(r, scope)
	if err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	rows, next, err := a.Orders.ListByUser(r.Context(), user, date, int32(limit), start)
	if err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	httpapi.WriteSealedPage(w, r, a.Cursors, scope, rows, next)
}

// get answers one order of the path's user: the read model finds an order
// only under its own customer, so the path's user (checked against the
// caller) is its owner.
func (a *API) get(w http.ResponseWriter, r *http.Request) {
	user, err := authorize(r)
	if err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	id := r.PathValue("orderId")
	if err := domain.CheckID("orderId", id); err != nil {
		httpapi.WriteError(w, r, err)
		return
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

// AuditStreams are the stream id prefixes /audit reads: every aggregate's,
// which are also the streams this function's role may query.
var AuditStreams = []string{config.ProductStreams, config.BasketStreams, config.OrderStreams}

// audit returns one page of a stream's events in version order: at most
// ?limit= of them, from ?from= (default 1) or from where ?cursor= (the
// previous page's nextCursor) left off. It reads that one page from the
// store (LoadRange), never the whole stream. The page names the next one
// twice: nextCursor, sealed like every listing's, and nextFrom, the
// version it starts at (null and "" on the last page).
func (a *API) audit(w http.ResponseWriter, r *http.Request) {
	stream := r.PathValue("streamId")
	if err := domain.CheckID("streamId", stream); err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	if !slices.ContainsFunc(AuditStreams, func(p string) bool { return strings.HasPrefix(stream, p) }) {
		httpapi.WriteError(w, r, domain.Invalid("streamId", "must start with one of %s", strings.Join(AuditStreams, ", ")))
		return
	}
	q := r.URL.Query()
	limit, err := httpapi.Limit(q, defaultAuditLimit, maxAuditLimit)
	if err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	scope := httpapi.Scope("GET /audit/{streamId}", "streamId="+stream)
	from, err := a.auditFrom(r, scope)
	if err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	events, more, err := a.Events.LoadRange(r.Context(), stream, from, limit)
	if err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	if len(events) == 0 && from == 1 {
		httpapi.WriteError(w, r, httpapi.Errorf(http.StatusNotFound, "stream_not_found", "", "stream %s has no events", stream))
		return
	}
	var next *int64
	cursor := ""
	if more {
		n := events[len(events)-1].Version + 1
		next = &n
		if cursor, err = a.Cursors.Seal(scope, strconv.FormatInt(n, 10)); err != nil {
			httpapi.WriteError(w, r, err)
			return
		}
	}
	if events == nil {
		events = []eventstore.Event{}
	}
	httpapi.WriteJSON(w, http.StatusOK, map[string]any{"streamId": stream, "events": events, "nextFrom": next, "nextCursor": cursor})
}

// auditFrom returns the version an audit page starts at: ?from= (a
// version, 1 or more), the version sealed in ?cursor= for this stream, or
// 1. A request may give one of the two, not both.
func (a *API) auditFrom(r *http.Request, scope string) (int64, error) {
	q := r.URL.Query()
	position, err := a.Cursors.OpenQuery(r, scope)
	if err != nil {
		return 0, err
	}
	if position != "" {
		if q.Has("from") {
			return 0, domain.Invalid("cursor", "cannot be combined with from: a cursor already says where the page starts")
		}
		n, err := strconv.ParseInt(position, 10, 64)
		if err != nil || n < 1 {
			// Sealed by us, so only a key shared with another listing's
			// positions could get here: refuse it like a forged one.
			return 0, httpapi.ErrBadCursor
		}
		return n, nil
	}
	if !q.Has("from") {
		return 1, nil
	}
	n, err := strconv.ParseInt(q.Get("from"), 10, 64)
	if err != nil || n < 1 {
		return 0, domain.Invalid("from", "must be a version, 1 or more")
	}
	return n, nil
}
