package main

import (
	"context"
	"net/http"

	"github.com/shopstream/shopstream/eventstore"
	"github.com/shopstream/shopstream/internal/catalog"
	"github.com/shopstream/shopstream/internal/command"
	"github.com/shopstream/shopstream/internal/domain"
	"github.com/shopstream/shopstream/internal/httpapi"
	"github.com/shopstream/shopstream/internal/readmodel"
)

// Lister pages through the catalog read model.
type Lister interface {
	List(ctx context.Context, category string, limit int32, cursor string) ([]readmodel.Product, string, error)
}

// API is the /product bounded context.
type API struct {
	Commands command.Runner
	Catalog  Lister
	// Cursors seals the listing's cursors (see httpapi.Cursors).
	Cursors httpapi.Cursors
}

// Paging limits of GET /product.
const (
	defaultLimit = 20
	maxLimit     = 100
)

// Routes returns the context's mux; paths are as API Gateway passes them.
// Anyone may read the catalog; only admins change it (prices and stock
// are the shop's, not its customers').
func (a *API) Routes() http.Handler {
	mux := httpapi.NewRouter()
	mux.Handle("POST /product", httpapi.AdminOnly(a.create))
	mux.Handle("GET /product", a.list, "limit", "cursor", "category")
	mux.Handle("GET /product/{id}", a.get)
	mux.Handle("PUT /product/{id}", httpapi.AdminOnly(a.update))
	mux.Handle("DELETE /product/{id}", httpapi.AdminOnly(a.delete))
	mux.Handle("POST /product/{id}/stock", httpapi.AdminOnly(a.addStock))
	return mux
}

type createRequest struct {
	Name        string `json:"name" required:"true"`
	Description string `json:"description"`
	Category    string `json:"category" required:"true"`
	Price       int64  `json:"price" required:"true"`
	Currency    string `json:"currency" required:"true"`
	ImageFile   string `json:"imageFile"`
	Stock       int64  `json:"stock"`
}

func (a *API) create(w http.ResponseWriter, r *http.Request) {
	var req createRequest
	if err := httpapi.Decode(w, r, &req); err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	if req.Stock != 0 {
		if err := domain.CheckQuantity("stock", req.Stock); err != nil {
			httpapi.WriteError(w, r, err)
			return
		}
	}
	id := a.Commands.Factory.NewID()
	d := catalog.Details{Name: req.Name, Description: req.Description, Category: req.Category, Price: req.Price, Currency: req.Currency, ImageFile: req.ImageFile}
	p, _, err := a.run(r, id, func(p *catalog.Product) ([]domain.Event, error) {
		created, err := p.Create(d)
		if err != nil || req.Stock == 0 {
			return created, err
		}
		// A two-step command: the stock is decided on the created product,
		// and both facts are appended together, atomically.
		if err := p.Apply(created...); err != nil {
			return nil, err
		}
		stocked, err := p.AddStock(req.Stock)
		return append(created, stocked...), err
	})
	if err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	httpapi.WriteJSON(w, http.StatusCreated, view(p))
}

func (a *API) list(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit, err := httpapi.Limit(q, defaultLimit, maxLimit)
	if err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	category := q.Get("category")
	if len(category) > catalog.MaxCategoryLength {
		httpapi.WriteError(w, r, domain.Invalid("category", "must be at most %d characters", catalog.MaxCategoryLength))
		return
	}
	// A cursor pages the category it was issued for (all of them for "").
	scope := httpapi.Scope("GET /product", "category="+category)
	start, err := a.Cursors.OpenQuery(r, scope)
	if err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	rows, next, err := a.Catalog.List(r.Context(), category, int32(limit), start)
	if err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	httpapi.WriteSealedPage(w, r, a.Cursors, scope, rows, next)
}

// get reads the product from its stream, not the read model, so a client
// sees its own writes at once (the read model lags by the projection).
func (a *API) get(w http.ResponseWriter, r *http.Request) {
	p, err := catalog.New(r.PathValue("id"))
	if err == nil {
		err = a.Commands.Load(r.Context(), catalog.StreamID(p.ID()), p)
	}
	if err == nil && !p.Exists() {
		err = domain.Rule(domain.CodeProductNotFound, "product %s does not exist", p.ID())
	}
	if err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	httpapi.WriteJSON(w, http.StatusOK, view(p))
}

type updateRequest struct {
	Name        *string `json:"name"`
	Description *string `json:"description"`
	Category    *string `json:"category"`
	Price       *int64  `json:"price"`
	Currency    *string `json:"currency"`
	ImageFile   *string `json:"imageFile"`
}

func (a *API) update(w http.ResponseWriter, r *http.Request) {
	var req updateRequest
	if err := httpapi.Decode(w, r, &req); err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	u := catalog.Update(req)
	p, _, err := a.run(r, r.PathValue("id"), func(p *catalog.Product) ([]domain.Event, error) { return p.Update(u) })
	if err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	httpapi.WriteJSON(w, http.StatusOK, view(p))
}

func (a *API) delete(w http.ResponseWriter, r *http.Request) {
	if _, _, err := a.run(r, r.PathValue("id"), (*catalog.Product).Delete); err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

type stockRequest struct {
	Quantity int64 `json:"quantity" required:"true"`
}

func (a *API) addStock(w http.ResponseWriter, r *http.Request) {
	var req stockRequest
	if err := httpapi.Decode(w, r, &req); err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	p, _, err := a.run(r, r.PathValue("id"), func(p *catalog.Product) ([]domain.Event, error) { return p.AddStock(req.Quantity) })
	if err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	httpapi.WriteJSON(w, http.StatusOK, view(p))
}

// run executes one command on the product's stream with the request's
// correlation metadata; the actor is the (admin) caller.
func (a *API) run(r *http.Request, id string, decide func(*catalog.Product) ([]domain.Event, error)) (*catalog.Product, []eventstore.Event, error) {
	caller, err := httpapi.AuthorizeAdmin(r)
	if err != nil {
		return nil, nil, err
	}
	meta := eventstore.Metadata{CorrelationID: httpapi.RequestID(r.Context()), Actor: caller.Actor()}
	return command.Run(r.Context(), a.Commands, catalog.StreamID(id), func() (*catalog.Product, error) { return catalog.New(id) }, meta, decide)
}

// view is the product as the API shows it: the same shape as a catalog
// read-model row, so GET /product and GET /product/{id} agree.
func view(p *catalog.Product) readmodel.Product { return readmodel.ProductFrom(p) }
