package basket

import "github.com/shopstream/shopstream/internal/domain"

// Aggregate names this bounded context in event type descriptors.
const Aggregate = "basket"

// StreamID returns the event stream of userName's basket.
func StreamID(userName string) string { return "basket-" + userName }

// Item is a product and how many of it the customer wants.
type Item struct {
	ProductID string `json:"productId"`
	Quantity  int64  `json:"quantity"`
}

// Customer is who checks out and where the order goes. Card data beyond
// the last four digits never enters the domain.
type Customer struct {
	FirstName     string `json:"firstName"`
	LastName      string `json:"lastName"`
	Email         string `json:"email"`
	Address       string `json:"address"`
	PaymentMethod string `json:"paymentMethod"`
	CardLast4     string `json:"cardLast4"`
}

// Reason says why a checkout failed: a stable code and a human message.
type Reason struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// BasketItemQuantitySet: the customer wants Quantity of a product; 0
// removes it from the basket.
type BasketItemQuantitySet struct {
	UserName  string `json:"userName"`
	ProductID string `json:"productId"`
	Quantity  int64  `json:"quantity"`
}

// BasketItemRemoved: the customer removed a product from the basket.
type BasketItemRemoved struct {
	UserName  string `json:"userName"`
	ProductID string `json:"productId"`
}

// BasketCleared: the customer emptied the basket.
type BasketCleared struct {
	UserName string `json:"userName"`
}

// CheckoutStarted: the customer checked out Items; the basket is locked
// until the checkout's outcome is recorded.
type CheckoutStarted struct {
	UserName   string   `json:"userName"`
	CheckoutID string   `json:"checkoutId"`
	Customer   Customer `json:"customer"`
	Items      []Item   `json:"items"`
}

// BasketCheckedOut: the checkout succeeded: stock is reserved, payment
// authorised, and the priced lines become order OrderID. The basket is empty.
type BasketCheckedOut struct {
	UserName   string              `json:"userName"`
	CheckoutID string              `json:"checkoutId"`
	OrderID    string              `json:"orderId"`
	Lines      []domain.PricedLine `json:"lines"`
	Total      int64               `json:"total"`
	Currency   string              `json:"currency"`
}

// CheckoutFailed: the checkout failed (its stock released); the basket is
// usable again with its items.
type CheckoutFailed struct {
	UserName   string `json:"userName"`
	CheckoutID string `json:"checkoutId"`
	Reason     Reason `json:"reason"`
}

func (BasketItemQuantitySet) EventType() string { return "BasketItemQuantitySet" }
func (BasketItemRemoved) EventType() string     { return "BasketItemRemoved" }
func (BasketCleared) EventType() string         { return "BasketCleared" }
func (CheckoutStarted) EventType() string       { return "CheckoutStarted" }
func (BasketCheckedOut) EventType() string      { return "BasketCheckedOut" }
func (CheckoutFailed) EventType() string        { return "CheckoutFailed" }

// EventTypes describes every event the basket emits, at its current schema
// version.
func EventTypes() []domain.EventType {
	return []domain.EventType{
		domain.Describe[BasketItemQuantitySet](Aggregate, 1),
		domain.Describe[BasketItemRemoved](Aggregate, 1),
		domain.Describe[BasketCleared](Aggregate, 1),
		domain.Describe[CheckoutStarted](Aggregate, 1),
		domain.Describe[BasketCheckedOut](Aggregate, 1),
		domain.Describe[CheckoutFailed](Aggregate, 1),
	}
}
