package main

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/shopstream/shopstream/eventstore"
	"github.com/shopstream/shopstream/internal/basket"
	"github.com/shopstream/shopstream/internal/catalog"
	"github.com/shopstream/shopstream/internal/command"
	"github.com/shopstream/shopstream/internal/domain"
	"github.com/shopstream/shopstream/internal/httpapi"
	"github.com/shopstream/shopstream/internal/payment"
)

// Workflows is the part of the Step Functions API the basket context uses.
type Workflows interface {
	StartExecution(ctx context.Context, in *sfn.StartExecutionInput, opts ...func(*sfn.Options)) (*sfn.StartExecutionOutput, error)
	DescribeExecution(ctx context.Context, in *sfn.DescribeExecutionInput, opts ...func(*sfn.Options)) (*sfn.DescribeExecutionOutput, error)
}

// API is the basket and checkout bounded context.
type API struct {
	Commands        command.Runner
	Workflows       Workflows
	StateMachineARN string
	Stage           string
	Now             func() time.Time
	// Cursors seals GET /basket's cursors (see httpapi.Cursors).
	Cursors httpapi.Cursors
	// Tokenizer turns the checkout's card into a payment token.
	Tokenizer payment.Tokenizer
}

// Routes returns the context's mux; paths are as API Gateway passes them.
// Every route needs a signed-in caller, who may act only on their own
// basket and checkouts unless they are an admin; listing every basket is
// for admins.
func (a *API) Routes() http.Handler {
	mux := httpapi.NewRouter()
	mux.Handle("GET /basket", httpapi.AdminOnly(a.list), "limit", "cursor")
	mux.Handle("GET /basket/{userName}", a.get)
	mux.Handle("POST /basket", a.setItems)
	mux.Handle("DELETE /basket/{userName}", a.clear)
	mux.Handle("POST /basket/checkout", a.checkout)
	mux.Handle("GET /checkout/{checkoutId}", a.status)
	return mux
}

// lineView is a basket line priced from the catalog as it is now; the
// checkout prices again, authoritatively, when it runs.
type lineView struct {
	ProductID string `json:"productId"`
	Name      string `json:"name,omitempty"`
	UnitPrice int64  `json:"unitPrice"`
	Currency  string `json:"currency,omitempty"`
	Quantity  int64  `json:"quantity"`
	LineTotal int64  `json:"lineTotal"`
	// Stock is the product's units not held by a checkout.
	Stock int64 `json:"stock"`
	// Available is true when the product exists (was not deleted since it
	// was added) and has stock.
	Available bool `json:"available"`
}

type basketView struct {
	UserName string     `json:"userName"`
	Items    []lineView `json:"items"`
	Total    int64      `json:"total"`
	Currency string     `json:"currency,omitempty"`
	// CurrencyMismatch is true when the lines are priced in more than one
	// currency (a product's currency changed since it was added): there is
	// no total, and checkout is refused until the basket is fixed.
	CurrencyMismatch bool `json:"currencyMismatch,omitempty"`
	// Checkout is the checkout in progress, if any.
	Checkout *checkoutRef `json:"checkout"`
}

type checkoutRef struct {
	CheckoutID string        `json:"checkoutId"`
	Status     basket.Status `json:"status"`
}

func (a *API) get(w http.ResponseWriter, r *http.Request) {
	user := r.PathValue("userName")
	if _, err := authorize(r, "userName", user); err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	b, err := a.load(r.Context(), user)
	a.writeBasket(w, r, b, err)
}

// authorize returns the caller if it may act for userName, the value of
// field: 401 without a caller, 400 for a malformed name, 403 for another
// user's name unless the caller is an admin. Nothing is read before it.
func authorize(r *http.Request, field, userName string) (httpapi.Caller, error) {
	if _, err := httpapi.Authenticate(r); err != nil {
		return httpapi.Caller{}, err
	}
	if err := domain.CheckID(field, userName); err != nil {
		return httpapi.Caller{}, err
	}
	return httpapi.AuthorizeUser(r, userName)
}

// decodeFor handles the start of a route whose body names the user it acts
// for: 401 without a caller (before the body is read), then the body
// decoded into req, then authorize on the userName it names (read by
// userName once decoded). It returns false when it has answered.
func decodeFor(w http.ResponseWriter, r *http.Request, req any, userName func() string) bool {
	if _, err := httpapi.Authenticate(r); err != nil {
		httpapi.WriteError(w, r, err)
		return false
	}
	if err := httpapi.Decode(w, r, req); err != nil {
		httpapi.WriteError(w, r, err)
		return false
	}
	if _, err := authorize(r, "userName", userName()); err != nil {
		httpapi.WriteError(w, r, err)
		return false
	}
	return true
}

// writeBasket writes the view of b, which a load or command returned with
// err; a failure of either is written as the error.
func (a *API) writeBasket(w http.ResponseWriter, r *http.Request, b *basket.Basket, err error) {
	var view basketView
	if err == nil {
		view, err = a.view(r.Context(), b)
	}
	if err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	httpapi.WriteJSON(w, http.StatusOK, view)
}

type itemRequest struct {
	ProductID string `json:"productId" required:"true"`
	Quantity  int64  `json:"quantity" required:"true"`
	// Price and ProductName are accepted for compatibility with clients of
	// the original course API and ignored: prices come from the catalog.
	Price       *float64 `json:"price,omitempty"`
	ProductName *string  `json:"productName,omitempty"`
}

type setItemsRequest struct {
	UserName string        `json:"userName" required:"true"`
	Items    []itemRequest `json:"items" required:"true"`
}

// setItems sets the quantity of each listed product (0 removes it), all in
// one atomic append. Every product must exist in the catalog, each item
// names its quantity (a missing or null one is a 400, never a removal),
// and a basket is in one currency (422 currency_mismatch).
func (a *API) setItems(w http.ResponseWriter, r *http.Request) {
	var req setItemsRequest
	if !decodeFor(w, r, &req, func() string { return req.UserName }) {
		return
	}
	if err := checkItems(req.Items); err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	for _, it := range req.Items {
		if it.Quantity > 0 {
			if err := a.checkProduct(r.Context(), it.ProductID); err != nil {
				httpapi.WriteError(w, r, err)
				return
			}
		}
	}
	b, _, err := a.run(r, req.UserName, func(b *basket.Basket) ([]domain.Event, error) {
		// Each change is decided on the basket as the previous ones left
		// it, and all are appended together (see command.Run).
		var all []domain.Event
		for _, it := range req.Items {
			evs, err := b.SetQuantity(it.ProductID, it.Quantity)
			if err != nil {
				return nil, err
			}
			if err := b.Apply(evs...); err != nil {
				return nil, err
			}
			all = append(all, evs...)
		}
		if err := a.sameCurrency(r.Context(), b, req.Items); err != nil {
			return nil, err
		}
		return all, nil
	})
	a.writeBasket(w, r, b, err)
}

// checkItems checks a POST /basket's items before anything is read: 1 to
// domain.MaxLines lines, each a valid product id named once, with a
// quantity from 0 to domain.MaxQuantity. A request is thereby bounded:
// it reads at most MaxLines products and appends at most MaxLines events.
func checkItems(items []itemRequest) error {
	if len(items) == 0 {
		return domain.Invalid("items", "must list at least one item")
	}
	if len(items) > domain.MaxLines {
		return domain.Invalid("items", "at most %d lines, got %d", domain.MaxLines, len(items))
	}
	first := make(map[string]int, len(items))
	for i, it := range items {
		if err := domain.CheckID(field(i, "productId"), it.ProductID); err != nil {
			return err
		}
		if j, named := first[it.ProductID]; named {
			return domain.Invalid(field(i, "productId"), "product %s is named twice (items[%d])", it.ProductID, j)
		}
		first[it.ProductID] = i
		if it.Quantity < 0 || it.Quantity > domain.MaxQuantity {
			return domain.Invalid(field(i, "quantity"), "must be between 0 (remove) and %d", domain.MaxQuantity)
		}
	}
	return nil
}

func (a *API) clear(w http.ResponseWriter, r *http.Request) {
	user := r.PathValue("userName")
	if _, err := authorize(r, "userName", user); err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	if _, _, err := a.run(r, user, (*basket.Basket).Clear); err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// sameCurrency fails with 422 currency_mismatch, naming the item, when an
// item the request adds is priced in another currency than the basket b
// (as the request left it). The basket's currency is that of its lines
// the request does not name, or else of the first item it adds.
func (a *API) sameCurrency(ctx context.Context, b *basket.Basket, items []itemRequest) error {
	named := map[string]bool{}
	for _, it := range items {
		named[it.ProductID] = true
	}
	var kept []basket.Item
	for _, it := range b.Items() {
		if !named[it.ProductID] {
			kept = append(kept, it)
		}
	}
	currency, _, err := a.currencies(ctx, kept)
	if err != nil {
		return err
	}
	for i, it := range items {
		if it.Quantity == 0 {
			continue
		}
		p, err := a.product(ctx, it.ProductID)
		if err != nil {
			return err
		}
		if !p.Exists() {
			continue
		}
		c := p.Details().Currency
		if currency == "" {
			currency = c
		}
		if c != currency {
			return httpapi.Errorf(http.StatusUnprocessableEntity, string(domain.CodeCurrencyMismatch), field(i, "productId"),
				"product %s is priced in %s; the basket is in %s", it.ProductID, c, currency)
		}
	}
	return nil
}

// currencies returns the currency of the first of items whose product
// exists, and whether any other such item's product is priced in another.
func (a *API) currencies(ctx context.Context, items []basket.Item) (first string, mixed bool, err error) {
	for _, it := range items {
		p, err := a.product(ctx, it.ProductID)
		if err != nil {
			return "", false, err
		}
		if !p.Exists() {
			continue
		}
		switch c := p.Details().Currency; {
		case first == "":
			first = c
		case c != first:
			mixed = true
		}
	}
	return first, mixed, nil
}

// checkProduct fails with product_not_found unless the product exists now.
func (a *API) checkProduct(ctx context.Context, id string) error {
	p, err := a.product(ctx, id)
	if err != nil {
		return err
	}
	if !p.Exists() {
		return domain.Rule(domain.CodeProductNotFound, "product %s does not exist", id)
	}
	return nil
}

// product folds a product from its stream: authoritative and consistent
// with writes just made, unlike the catalog read model.
func (a *API) product(ctx context.Context, id string) (*catalog.Product, error) {
	p, err := catalog.New(id)
	if err != nil {
		return nil, err
	}
	if err := a.Commands.Load(ctx, catalog.StreamID(id), p); err != nil {
		return nil, err
	}
	return p, nil
}

func (a *API) view(ctx context.Context, b *basket.Basket) (basketView, error) {
	v := basketView{UserName: b.UserName(), Items: []lineView{}}
	for _, it := range b.Items() {
		p, err := a.product(ctx, it.ProductID)
		if err != nil {
			return basketView{}, err
		}
		line := lineView{ProductID: it.ProductID, Quantity: it.Quantity, Available: p.Exists() && p.Available() > 0}
		if p.Exists() {
			d := p.Details()
			line.Name, line.UnitPrice, line.Currency = d.Name, d.Price, d.Currency
			line.LineTotal = d.Price * it.Quantity
			line.Stock = p.Available()
			if v.Currency == "" {
				v.Currency = d.Currency
			}
			if d.Currency != v.Currency {
				v.CurrencyMismatch = true
			}
			v.Total += line.LineTotal
		}
		v.Items = append(v.Items, line)
	}
	if v.CurrencyMismatch {
		// A sum over currencies means nothing: show none.
		v.Total, v.Currency = 0, ""
	}
	if c, ok := b.Current(); ok {
		v.Checkout = &checkoutRef{CheckoutID: c.ID, Status: c.Status}
	}
	return v, nil
}

func (a *API) load(ctx context.Context, userName string) (*basket.Basket, error) {
	b, err := basket.New(userName)
	if err != nil {
		return nil, err
	}
	if err := a.Commands.Load(ctx, basket.StreamID(userName), b); err != nil {
		return nil, err
	}
	return b, nil
}

// run executes one command on userName's basket, recording the caller as
// the actor; it re-checks that the caller may act for userName.
func (a *API) run(r *http.Request, userName string, decide func(*basket.Basket) ([]domain.Event, error)) (*basket.Basket, []eventstore.Event, error) {
	caller, err := httpapi.AuthorizeUser(r, userName)
	if err != nil {
		return nil, nil, err
	}
	meta := eventstore.Metadata{CorrelationID: httpapi.RequestID(r.Context()), Actor: caller.Actor()}
	return command.Run(r.Context(), a.Commands, basket.StreamID(userName), func() (*basket.Basket, error) { return basket.New(userName) }, meta, decide)
}

func field(i int, name string) string { return "items[" + strconv.Itoa(i) + "]." + name }
