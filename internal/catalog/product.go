package catalog

import (
	"fmt"

	"github.com/shopstream/shopstream/internal/domain"
)

// Field limits, in characters.
const (
	MaxNameLength        = 200
	MaxDescriptionLength = 2000
	MaxCategoryLength    = 100
	MaxImageFileLength   = 500
)

// Details are a product's descriptive fields.
type Details struct {
	Name        string
	Description string // optional
	Category    string
	Price       int64 // minor units of Currency
	Currency    string
	ImageFile   string // optional
}

func (d Details) check() error {
	return firstError(
		checkName(d.Name),
		checkDescription(d.Description),
		checkCategory(d.Category),
		domain.CheckPrice("price", d.Price),
		domain.CheckCurrency("currency", d.Currency),
		checkImageFile(d.ImageFile),
	)
}

// Names and categories are one line; a description may have several
// ('\n' only). None may carry control or bidi formatting characters.
func checkName(v string) error { return domain.CheckLine("name", v, 1, MaxNameLength) }
func checkDescription(v string) error {
	return domain.CheckMultiline("description", v, 0, MaxDescriptionLength)
}
func checkCategory(v string) error { return domain.CheckLine("category", v, 1, MaxCategoryLength) }

// checkImageFile: a plain file name (mug.png), never a path or a URL.
func checkImageFile(v string) error { return domain.CheckImageFile("imageFile", v, MaxImageFileLength) }

func firstError(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// Update is a partial change of Details: nil fields stay as they are. Price
// and Currency must be given together, since a price means nothing without
// its currency.
type Update struct {
	Name        *string
	Description *string
	Category    *string
	Price       *int64
	Currency    *string
	ImageFile   *string
}

// reservation is what a checkout holds of the product. A released
// reservation stays as a mark: the checkout has given this product up, and
// a Reserve arriving later (a sibling Map iteration, a Lambda retry still
// in flight when the workflow compensated) is refused, so it can never
// hold stock that no release will return. Release leaves the mark even
// when nothing was held yet, which is what makes the order of a late
// reservation and its release irrelevant.
//
// Marks are one small entry per checkout that touched the product, kept
// for the product's life: a held reservation must stay to make Reserve
// idempotent, and a released one must stay at least as long as the
// checkout's execution can still run (workflows.ExecutionTimeoutMinutes).
// The aggregate sees no clock and no checkout outcome, so it cannot expire
// them itself; the snapshots planned for hot products carry the map, and
// pruning entries older than the execution timeout belongs there (the
// snapshot knows the recorded-at time of the events it folds).
type reservation struct {
	quantity int64
	released bool
}

// Product is the catalog aggregate. The zero value is not usable; call New.
type Product struct {
	id           string
	version      int64
	created      bool
	deleted      bool
	details      Details
	available    int64
	reservations map[string]reservation // by checkout id, kept after release as a mark
}

// New returns the product with id before any event: it does not exist yet.
// Apply its stream's events to bring it up to date.
func New(id string) (*Product, error) {
	if err := domain.CheckID("productId", id); err != nil {
		return nil, err
	}
	return &Product{id: id, reservations: map[string]reservation{}}, nil
}

// ID returns the product id.
func (p *Product) ID() string { return p.id }

// Version is the number of events applied: the expectedVersion for the
// next append (0 means the stream must not exist yet).
func (p *Product) Version() int64 { return p.version }

// Exists reports whether the product was created and not deleted.
func (p *Product) Exists() bool { return p.created && !p.deleted }

// Deleted reports whether the product was deleted.
func (p *Product) Deleted() bool { return p.deleted }

// Details returns the product's descriptive fields.
func (p *Product) Details() Details { return p.details }

// Available is the stock that can still be reserved.
func (p *Product) Available() int64 { return p.available }

// Reserved returns the quantity reserved for checkoutID and whether that
// reservation is still held (not released).
func (p *Product) Reserved(checkoutID string) (quantity int64, held bool) {
	r, ok := p.reservations[checkoutID]
	return r.quantity, ok && !r.released
}

// Apply folds events into the product. Events are facts, so Apply checks no
// business rule; it fails only on an event that is not a product event.
func (p *Product) Apply(events ...domain.Event) error {
	for _, e := range events {
		switch e := e.(type) {
		case ProductCreated:
			p.created = true
			p.details = Details{Name: e.Name, Description: e.Description, Category: e.Category,
				Price: e.Price, Currency: e.Currency, ImageFile: e.ImageFile}
		case ProductUpdated:
			d := &p.details
			set(&d.Name, e.Name)
			set(&d.Description, e.Description)
			set(&d.Category, e.Category)
			set(&d.Price, e.Price)
			set(&d.Currency, e.Currency)
			set(&d.ImageFile, e.ImageFile)
		case ProductDeleted:
			p.deleted = true
		case StockAdded:
			p.available += e.Quantity
		case StockReserved:
			p.available -= e.Quantity
			p.reservations[e.CheckoutID] = reservation{quantity: e.Quantity}
		case StockReservationReleased:
			// Quantity is 0 for a mark left where nothing was held (v2).
			p.available += e.Quantity
			p.reservations[e.CheckoutID] = reservation{quantity: e.Quantity, released: true}
		default:
			return fmt.Errorf("catalog: apply %T to product %s: not a product event", e, p.id)
		}
		p.version++
	}
	return nil
}

func set[T any](dst *T, v *T) {
	if v != nil {
		*dst = *v
	}
}

// live returns the rule error for a command on a product that does not
// exist or was deleted.
func (p *Product) live() error {
	switch {
	case !p.created:
		return domain.Rule(domain.CodeProductNotFound, "product %s does not exist", p.id)
	case p.deleted:
		return domain.Rule(domain.CodeProductDeleted, "product %s was deleted", p.id)
	}
	return nil
}

// Create decides ProductCreated. It fails with product_exists if the
// product was ever created (ids are never reused, not even after delete).
func (p *Product) Create(d Details) ([]domain.Event, error) {
	if err := d.check(); err != nil {
		return nil, err
	}
	if p.created {
		return nil, domain.Rule(domain.CodeProductExists, "product %s already exists", p.id)
	}
	return []domain.Event{ProductCreated{ProductID: p.id, Name: d.Name, Description: d.Description,
		Category: d.Category, Price: d.Price, Currency: d.Currency, ImageFile: d.ImageFile}}, nil
}

// Update decides ProductUpdated carrying only the fields that change; an
// update that changes nothing decides no event.
func (p *Product) Update(u Update) ([]domain.Event, error) {
	if err := u.check(); err != nil {
		return nil, err
	}
	if err := p.live(); err != nil {
		return nil, err
	}
	e := ProductUpdated{ProductID: p.id}
	d := p.details
	e.Name = changed(u.Name, d.Name)
	e.Description = changed(u.Description, d.Description)
	e.Category = changed(u.Category, d.Category)
	e.ImageFile = changed(u.ImageFile, d.ImageFile)
	if u.Price != nil && (*u.Price != d.Price || *u.Currency != d.Currency) {
		e.Price, e.Currency = ptr(*u.Price), ptr(*u.Currency)
	}
	if e == (ProductUpdated{ProductID: p.id}) {
		return nil, nil
	}
	return []domain.Event{e}, nil
}

func (u Update) check() error {
	if (u.Price == nil) != (u.Currency == nil) {
		if u.Price == nil {
			return domain.Invalid("price", "is required when currency is given")
		}
		return domain.Invalid("currency", "is required when price is given")
	}
	return firstError(
		given(u.Name, checkName),
		given(u.Description, checkDescription),
		given(u.Category, checkCategory),
		given(u.Price, func(v int64) error { return domain.CheckPrice("price", v) }),
		given(u.Currency, func(v string) error { return domain.CheckCurrency("currency", v) }),
		given(u.ImageFile, checkImageFile),
	)
}

// given runs check on *v when v is set.
func given[T any](v *T, check func(T) error) error {
	if v == nil {
		return nil
	}
	return check(*v)
}

// changed returns a copy of *v when it is set and differs from current.
func changed[T comparable](v *T, current T) *T {
	if v == nil || *v == current {
		return nil
	}
	return ptr(*v)
}

func ptr[T any](v T) *T { return &v }

// Delete decides ProductDeleted. Stock still reserved for running checkouts
// stays reserved and can still be released.
func (p *Product) Delete() ([]domain.Event, error) {
	if err := p.live(); err != nil {
		return nil, err
	}
	return []domain.Event{ProductDeleted{ProductID: p.id}}, nil
}

// AddStock decides StockAdded.
func (p *Product) AddStock(quantity int64) ([]domain.Event, error) {
	if err := domain.CheckQuantity("quantity", quantity); err != nil {
		return nil, err
	}
	if err := p.live(); err != nil {
		return nil, err
	}
	return []domain.Event{StockAdded{ProductID: p.id, Quantity: quantity}}, nil
}

// Reserve decides StockReserved for checkoutID. It returns an
// *OutOfStockError when fewer than quantity units are available, and a
// *ReservationReleasedError once the checkout released this product (even
// if it never held any of it): a released checkout is failing, and what it
// reserves now would never be released. A checkout that already holds its
// reservation decides no event; asking again with a different quantity is
// a reservation_conflict.
func (p *Product) Reserve(checkoutID string, quantity int64) ([]domain.Event, error) {
	if err := firstError(domain.CheckID("checkoutId", checkoutID), domain.CheckQuantity("quantity", quantity)); err != nil {
		return nil, err
	}
	if r, ok := p.reservations[checkoutID]; ok {
		if r.released {
			return nil, &ReservationReleasedError{ProductID: p.id, CheckoutID: checkoutID}
		}
		if r.quantity != quantity {
			return nil, domain.Rule(domain.CodeReservationConflict,
				"checkout %s already reserved %d of product %s, not %d", checkoutID, r.quantity, p.id, quantity)
		}
		return nil, nil
	}
	if err := p.live(); err != nil {
		return nil, err
	}
	if quantity > p.available {
		return nil, &OutOfStockError{ProductID: p.id, Available: p.available, Requested: quantity}
	}
	return []domain.Event{StockReserved{ProductID: p.id, CheckoutID: checkoutID, Quantity: quantity}}, nil
}

// Release decides StockReservationReleased for checkoutID: with the held
// quantity, or with quantity 0 when the checkout holds nothing of the
// product yet, as a mark that refuses its later Reserve (a reservation
// still in flight when the release runs). Releasing again decides no
// event. A product that does not exist or was deleted refuses every
// Reserve already, so it gets no mark; a reservation held on a deleted
// product is still released: compensation must always be able to finish.
func (p *Product) Release(checkoutID string) ([]domain.Event, error) {
	if err := domain.CheckID("checkoutId", checkoutID); err != nil {
		return nil, err
	}
	r, ok := p.reservations[checkoutID]
	switch {
	case ok && r.released:
		return nil, nil
	case !ok && p.live() != nil:
		return nil, nil
	}
	return []domain.Event{StockReservationReleased{ProductID: p.id, CheckoutID: checkoutID, Quantity: r.quantity}}, nil
}
