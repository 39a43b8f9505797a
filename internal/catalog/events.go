package catalog

import "github.com/shopstream/shopstream/internal/domain"

// Aggregate names this bounded context in event type descriptors.
const Aggregate = "catalog"

// StreamID returns the event stream of the product with id productID.
func StreamID(productID string) string { return "product-" + productID }

// ProductCreated: a product was put in the catalog.
type ProductCreated struct {
	ProductID   string `json:"productId"`
	Name        string `json:"name"`
	Description string `json:"description"`
	Category    string `json:"category"`
	Price       int64  `json:"price"` // minor units of Currency
	Currency    string `json:"currency"`
	ImageFile   string `json:"imageFile"`
}

// ProductUpdated: some of a product's details changed. Only the fields that
// changed are present; Price and Currency are present together or not at all.
type ProductUpdated struct {
	ProductID   string  `json:"productId"`
	Name        *string `json:"name,omitempty"`
	Description *string `json:"description,omitempty"`
	Category    *string `json:"category,omitempty"`
	Price       *int64  `json:"price,omitempty"`
	Currency    *string `json:"currency,omitempty"`
	ImageFile   *string `json:"imageFile,omitempty"`
}

// ProductDeleted: a product was taken out of the catalog.
type ProductDeleted struct {
	ProductID string `json:"productId"`
}

// StockAdded: units of a product arrived.
type StockAdded struct {
	ProductID string `json:"productId"`
	Quantity  int64  `json:"quantity"`
}

// StockReserved: units were set aside for a checkout.
type StockReserved struct {
	ProductID  string `json:"productId"`
	CheckoutID string `json:"checkoutId"`
	Quantity   int64  `json:"quantity"`
}

// StockReservationReleased: a failed checkout gave its reserved units back.
// Quantity 0 (schema v2 on) marks a release where the checkout held nothing
// of the product yet: the checkout may reserve it no more.
type StockReservationReleased struct {
	ProductID  string `json:"productId"`
	CheckoutID string `json:"checkoutId"`
	Quantity   int64  `json:"quantity"`
}

func (ProductCreated) EventType() string           { return "ProductCreated" }
func (ProductUpdated) EventType() string           { return "ProductUpdated" }
func (ProductDeleted) EventType() string           { return "ProductDeleted" }
func (StockAdded) EventType() string               { return "StockAdded" }
func (StockReserved) EventType() string            { return "StockReserved" }
func (StockReservationReleased) EventType() string { return "StockReservationReleased" }

// EventTypes describes every event the catalog emits, at its current
// schema version.
func EventTypes() []domain.EventType {
	return []domain.EventType{
		domain.Describe[ProductCreated](Aggregate, 1),
		domain.Describe[ProductUpdated](Aggregate, 1),
		domain.Describe[ProductDeleted](Aggregate, 1),
		domain.Describe[StockAdded](Aggregate, 1),
		domain.Describe[StockReserved](Aggregate, 1),
		// v2 allows quantity 0 (a release mark); v1 data is valid v2 data.
		domain.Describe[StockReservationReleased](Aggregate, 2).WithUpcaster(1, sameData),
	}
}

// sameData is the upcaster of a version whose data is valid as it is in the
// next version (the next one only relaxes a constraint).
func sameData(data []byte) ([]byte, error) { return data, nil }
