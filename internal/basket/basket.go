package basket

import (
	"fmt"
	"net/mail"
	"slices"
	"strings"

	"github.com/shopstream/shopstream/internal/domain"
)

// Status is where a checkout is; the values are the ones GET /checkout/{id}
// answers with.
type Status string

// Checkout statuses.
const (
	Running   Status = "RUNNING"
	Succeeded Status = "SUCCEEDED"
	Failed    Status = "FAILED"
)

// Checkout is one checkout of a basket as the events recorded it.
type Checkout struct {
	ID       string
	Status   Status
	Customer Customer
	Items    []Item
	OrderID  string // set when Succeeded
	Reason   Reason // set when Failed
}

// Completion is the outcome of a successful checkout, priced from the
// catalog by the workflow. OrderID must be domain.OrderIDFor(CheckoutID).
type Completion struct {
	CheckoutID string
	OrderID    string
	Lines      []domain.PricedLine
	Total      int64
	Currency   string
}

// Basket is the basket aggregate. The zero value is not usable; call New.
type Basket struct {
	userName  string
	version   int64
	items     []Item              // in the order first added
	current   string              // id of the checkout in progress, or ""
	checkouts map[string]Checkout // every checkout ever started, by id
}

// New returns userName's basket before any event: empty. Apply its
// stream's events to bring it up to date.
func New(userName string) (*Basket, error) {
	if err := domain.CheckID("userName", userName); err != nil {
		return nil, err
	}
	return &Basket{userName: userName, checkouts: map[string]Checkout{}}, nil
}

// UserName returns the basket's customer.
func (b *Basket) UserName() string { return b.userName }

// Version is the number of events applied: the expectedVersion for the
// next append (0 means the stream must not exist yet).
func (b *Basket) Version() int64 { return b.version }

// Items returns a copy of the basket's items in the order first added.
func (b *Basket) Items() []Item { return slices.Clone(b.items) }

// Current returns the checkout in progress, if any.
func (b *Basket) Current() (Checkout, bool) {
	if b.current == "" {
		return Checkout{}, false
	}
	return b.Checkout(b.current)
}

// Checkout returns the checkout with id, if this basket ever started it.
func (b *Basket) Checkout(id string) (Checkout, bool) {
	c, ok := b.checkouts[id]
	c.Items = slices.Clone(c.Items)
	return c, ok
}

// Apply folds events into the basket. Events are facts, so Apply checks no
// business rule; it fails only on an event that is not a basket event.
func (b *Basket) Apply(events ...domain.Event) error {
	for _, e := range events {
		switch e := e.(type) {
		case BasketItemQuantitySet:
			b.setQuantity(e.ProductID, e.Quantity)
		case BasketItemRemoved:
			b.setQuantity(e.ProductID, 0)
		case BasketCleared:
			b.items = nil
		case CheckoutStarted:
			b.current = e.CheckoutID
			b.checkouts[e.CheckoutID] = Checkout{ID: e.CheckoutID, Status: Running, Customer: e.Customer, Items: slices.Clone(e.Items)}
		case BasketCheckedOut:
			c := b.checkouts[e.CheckoutID]
			c.ID, c.Status, c.OrderID = e.CheckoutID, Succeeded, e.OrderID
			b.checkouts[e.CheckoutID] = c
			b.current, b.items = "", nil
		case CheckoutFailed:
			c := b.checkouts[e.CheckoutID]
			c.ID, c.Status, c.Reason = e.CheckoutID, Failed, e.Reason
			b.checkouts[e.CheckoutID] = c
			// A refused checkout (RefuseCheckout) never held the basket:
			// the one in progress, if any, keeps it.
			if b.current == e.CheckoutID {
				b.current = ""
			}
		default:
			return fmt.Errorf("basket: apply %T to basket %s: not a basket event", e, b.userName)
		}
		b.version++
	}
	return nil
}

func (b *Basket) setQuantity(productID string, quantity int64) {
	i := slices.IndexFunc(b.items, func(it Item) bool { return it.ProductID == productID })
	switch {
	case i < 0 && quantity > 0:
		b.items = append(b.items, Item{ProductID: productID, Quantity: quantity})
	case i >= 0 && quantity > 0:
		b.items[i].Quantity = quantity
	case i >= 0:
		b.items = slices.Delete(b.items, i, i+1)
		if len(b.items) == 0 {
			b.items = nil // one representation of "empty", whatever the history
		}
	}
}

func (b *Basket) quantity(productID string) int64 {
	for _, it := range b.items {
		if it.ProductID == productID {
			return it.Quantity
		}
	}
	return 0
}

// unlocked fails with checkout_in_progress while a checkout runs.
func (b *Basket) unlocked() error {
	if b.current != "" {
		return domain.Rule(domain.CodeCheckoutInProgress, "basket %s is being checked out (checkout %s)", b.userName, b.current)
	}
	return nil
}

// SetQuantity decides BasketItemQuantitySet; quantity 0 removes the item.
// Setting the quantity the basket already has decides nothing. A basket
// holds at most domain.MaxLines products (basket_full).
func (b *Basket) SetQuantity(productID string, quantity int64) ([]domain.Event, error) {
	if err := domain.CheckID("productId", productID); err != nil {
		return nil, err
	}
	if quantity != 0 {
		if err := domain.CheckQuantity("quantity", quantity); err != nil {
			return nil, domain.Invalid("quantity", "must be between 0 (remove) and %d", domain.MaxQuantity)
		}
	}
	if err := b.unlocked(); err != nil {
		return nil, err
	}
	current := b.quantity(productID)
	if current == quantity {
		return nil, nil
	}
	if current == 0 && len(b.items) >= domain.MaxLines {
		return nil, domain.Rule(domain.CodeBasketFull, "basket %s already holds %d products", b.userName, domain.MaxLines)
	}
	return []domain.Event{BasketItemQuantitySet{UserName: b.userName, ProductID: productID, Quantity: quantity}}, nil
}

// RemoveItem decides BasketItemRemoved; removing a product the basket does
// not hold decides nothing.
func (b *Basket) RemoveItem(productID string) ([]domain.Event, error) {
	if err := domain.CheckID("productId", productID); err != nil {
		return nil, err
	}
	if err := b.unlocked(); err != nil {
		return nil, err
	}
	if b.quantity(productID) == 0 {
		return nil, nil
	}
	return []domain.Event{BasketItemRemoved{UserName: b.userName, ProductID: productID}}, nil
}

// Clear decides BasketCleared; clearing an empty basket decides nothing.
func (b *Basket) Clear() ([]domain.Event, error) {
	if err := b.unlocked(); err != nil {
		return nil, err
	}
	if len(b.items) == 0 {
		return nil, nil
	}
	return []domain.Event{BasketCleared{UserName: b.userName}}, nil
}

// StartCheckout decides CheckoutStarted with a snapshot of the items. It
// fails with basket_empty on an empty basket and checkout_in_progress while
// another checkout runs; a checkout id the basket has already started
// decides nothing.
func (b *Basket) StartCheckout(checkoutID string, c Customer) ([]domain.Event, error) {
	if err := domain.CheckID("checkoutId", checkoutID); err != nil {
		return nil, err
	}
	if err := c.check(); err != nil {
		return nil, err
	}
	if _, ok := b.checkouts[checkoutID]; ok {
		return nil, nil
	}
	if err := b.unlocked(); err != nil {
		return nil, err
	}
	if len(b.items) == 0 {
		return nil, domain.Rule(domain.CodeBasketEmpty, "basket %s is empty", b.userName)
	}
	return []domain.Event{CheckoutStarted{UserName: b.userName, CheckoutID: checkoutID, Customer: c, Items: b.Items()}}, nil
}

// CompleteCheckout decides BasketCheckedOut for the checkout in progress.
// The lines must price exactly the items snapshotted when it started.
// Completing an already completed checkout decides nothing; completing any
// other checkout fails with checkout_not_current.
func (b *Basket) CompleteCheckout(c Completion) ([]domain.Event, error) {
	if err := domain.CheckID("checkoutId", c.CheckoutID); err != nil {
		return nil, err
	}
	if c.OrderID != domain.OrderIDFor(c.CheckoutID) {
		return nil, domain.Invalid("orderId", "must be domain.OrderIDFor(checkoutId) = %q", domain.OrderIDFor(c.CheckoutID))
	}
	if err := domain.CheckPricedLines(c.Lines, c.Total, c.Currency); err != nil {
		return nil, err
	}
	if done, ok := b.checkouts[c.CheckoutID]; ok && done.Status == Succeeded {
		return nil, nil
	}
	if err := b.isCurrent(c.CheckoutID); err != nil {
		return nil, err
	}
	if !samePurchase(b.checkouts[c.CheckoutID].Items, c.Lines) {
		return nil, domain.Invalid("lines", "must price exactly the items of checkout %s", c.CheckoutID)
	}
	return []domain.Event{BasketCheckedOut{UserName: b.userName, CheckoutID: c.CheckoutID, OrderID: c.OrderID,
		Lines: domain.ClonePricedLines(c.Lines), Total: c.Total, Currency: c.Currency}}, nil
}

// FailCheckout decides CheckoutFailed for the checkout in progress.
// Failing an already failed checkout decides nothing; failing any other
// checkout fails with checkout_not_current.
func (b *Basket) FailCheckout(checkoutID string, r Reason) ([]domain.Event, error) {
	if err := domain.CheckID("checkoutId", checkoutID); err != nil {
		return nil, err
	}
	if err := domain.CheckID("reason.code", r.Code); err != nil {
		return nil, err
	}
	if err := domain.CheckText("reason.message", r.Message, 0, MaxReasonLength); err != nil {
		return nil, err
	}
	if done, ok := b.checkouts[checkoutID]; ok && done.Status == Failed {
		return nil, nil
	}
	if err := b.isCurrent(checkoutID); err != nil {
		return nil, err
	}
	return []domain.Event{CheckoutFailed{UserName: b.userName, CheckoutID: checkoutID, Reason: r}}, nil
}

// RefuseCheckout decides CheckoutFailed for a checkout the basket never
// started, so that its start, should it still arrive (from a task that
// was running when its workflow ended), is refused instead of locking the
// basket for a checkout nothing will finish: StartCheckout of a known
// checkout decides nothing. A checkout the basket knows decides nothing
// here either; the one in progress, if any, is not touched.
func (b *Basket) RefuseCheckout(checkoutID string, r Reason) ([]domain.Event, error) {
	if err := domain.CheckID("checkoutId", checkoutID); err != nil {
		return nil, err
	}
	if err := domain.CheckID("reason.code", r.Code); err != nil {
		return nil, err
	}
	if err := domain.CheckText("reason.message", r.Message, 0, MaxReasonLength); err != nil {
		return nil, err
	}
	if _, ok := b.checkouts[checkoutID]; ok {
		return nil, nil
	}
	return []domain.Event{CheckoutFailed{UserName: b.userName, CheckoutID: checkoutID, Reason: r}}, nil
}

func (b *Basket) isCurrent(checkoutID string) error {
	if b.current == checkoutID {
		return nil
	}
	c, ok := b.checkouts[checkoutID]
	switch {
	case !ok:
		return domain.Rule(domain.CodeCheckoutNotCurrent, "basket %s never started checkout %s", b.userName, checkoutID)
	default:
		return domain.Rule(domain.CodeCheckoutNotCurrent, "checkout %s of basket %s already ended as %s", checkoutID, b.userName, c.Status)
	}
}

// samePurchase reports whether lines cover exactly items (product and
// quantity, in any order). Lines are known to have distinct products.
func samePurchase(items []Item, lines []domain.PricedLine) bool {
	if len(items) != len(lines) {
		return false
	}
	want := make(map[string]int64, len(items))
	for _, it := range items {
		want[it.ProductID] = it.Quantity
	}
	for _, l := range lines {
		if want[l.ProductID] != l.Quantity {
			return false
		}
	}
	return true
}

// Customer field limits, in characters.
const (
	MaxNameLength          = 100
	MaxEmailLength         = 254
	MaxAddressLength       = 500
	MaxPaymentMethodLength = 50
	MaxReasonLength        = 1000
)

// PaymentMethods are the payment methods a checkout accepts. Only cards
// are taken today; the field exists so others can be added.
var PaymentMethods = []string{"card"}

func (c Customer) check() error {
	for _, f := range []struct {
		field, value string
		max          int
		lines        bool
	}{
		{"firstName", c.FirstName, MaxNameLength, false},
		{"lastName", c.LastName, MaxNameLength, false},
		{"email", c.Email, MaxEmailLength, false},
		{"address", c.Address, MaxAddressLength, true},
		{"paymentMethod", c.PaymentMethod, MaxPaymentMethodLength, false},
	} {
		check := domain.CheckLine
		if f.lines {
			check = domain.CheckMultiline
		}
		if err := check(f.field, f.value, 1, f.max); err != nil {
			return err
		}
	}
	if !slices.Contains(PaymentMethods, c.PaymentMethod) {
		return domain.Invalid("paymentMethod", "must be one of: %s", strings.Join(PaymentMethods, ", "))
	}
	if a, err := mail.ParseAddress(c.Email); err != nil || a.Address != c.Email || a.Name != "" {
		return domain.Invalid("email", "must be a plain address such as ada@example.com")
	}
	if len(c.CardLast4) != 4 || !isDigits(c.CardLast4) {
		return domain.Invalid("cardLast4", "must be exactly 4 digits")
	}
	return nil
}

func isDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}
