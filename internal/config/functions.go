package config

// Access is how a function uses the resource a variable names. The CDK
// construct turns it into the narrowest grant for that resource type.
type Access int

const (
	// Value is a plain value that names no resource: no grant.
	Value Access = iota
	// Read allows reading: table reads and queries, describing executions.
	Read
	// ReadWrite allows Read plus writing: table writes, starting executions,
	// putting events on the bus, sending to the queue.
	ReadWrite
)

// String returns the access level's name.
func (a Access) String() string {
	switch a {
	case Value:
		return "value"
	case Read:
		return "read"
	case ReadWrite:
		return "read-write"
	}
	return "unknown"
}

// Var is one environment variable a function needs and how it uses what the
// variable names.
type Var struct {
	Name   string
	Access Access
}

// Function is one Lambda: its directory under lambdas/ and the variables it
// needs. It is the contract between the stack, which sets Vars and grants
// their Access, and the function's main, which calls Load.
type Function struct {
	// Name is the function's directory under lambdas/ ("catalogapi").
	Name string
	Vars []Var
}

// Package is the function's Go package path relative to the module root
// ("./lambdas/catalogapi"); the stack stamps it on the function resource.
func (f Function) Package() string { return "./lambdas/" + f.Name }

// Names returns the names of f's variables, in order.
func (f Function) Names() []string {
	names := make([]string, len(f.Vars))
	for i, v := range f.Vars {
		names[i] = v.Name
	}
	return names
}

// Load reads f's variables from the process environment and fails with the
// missing names.
func (f Function) Load() (Config, error) { return Load(f.Names()...) }

// The functions of the stack. Every function gets STAGE, for logs and metrics.
var (
	// CatalogAPI serves /product: appends product events, lists the read model.
	CatalogAPI = Function{Name: "catalogapi", Vars: []Var{
		{EventsTable, ReadWrite}, {CatalogTable, Read}, {Stage, Value},
	}}
	// BasketAPI serves /basket and /checkout: appends basket events, prices
	// from the catalog, starts and describes checkout executions.
	BasketAPI = Function{Name: "basketapi", Vars: []Var{
		{EventsTable, ReadWrite}, {CatalogTable, Read}, {CheckoutStateMachineARN, ReadWrite}, {Stage, Value},
	}}
	// OrderAPI serves /order from the read model and /audit from the store.
	OrderAPI = Function{Name: "orderapi", Vars: []Var{
		{EventsTable, Read}, {OrdersTable, Read}, {Stage, Value},
	}}
	// Publisher puts each new stored event on the bus. It reads the table's
	// stream through its event source mapping, which carries its own grant.
	Publisher = Function{Name: "publisher", Vars: []Var{
		{EventBusName, ReadWrite}, {Stage, Value},
	}}
	// Ordering consumes the order queue (through its event source mapping),
	// appends OrderPlaced and writes the orders read model.
	Ordering = Function{Name: "ordering", Vars: []Var{
		{EventsTable, ReadWrite}, {OrdersTable, ReadWrite}, {Stage, Value},
	}}
	// CatalogProjection rewrites a product's catalog row from its stream on
	// every product event.
	CatalogProjection = Function{Name: "catalogprojection", Vars: []Var{
		{EventsTable, Read}, {CatalogTable, ReadWrite}, {Stage, Value},
	}}
	// PriceBasket starts the checkout on the basket stream (appending
	// CheckoutStarted) and prices its items from the product streams.
	PriceBasket = Function{Name: "pricebasket", Vars: []Var{
		{EventsTable, ReadWrite}, {Stage, Value},
	}}
	// ReserveStock appends a reservation to one product stream.
	ReserveStock = Function{Name: "reservestock", Vars: []Var{
		{EventsTable, ReadWrite}, {Stage, Value},
	}}
	// AuthorizePayment calls the (simulated) payment gateway.
	AuthorizePayment = Function{Name: "authorizepayment", Vars: []Var{
		{Stage, Value},
	}}
	// ConfirmCheckout appends BasketCheckedOut.
	ConfirmCheckout = Function{Name: "confirmcheckout", Vars: []Var{
		{EventsTable, ReadWrite}, {Stage, Value},
	}}
	// ReleaseStock appends releases for a failed checkout's reservations.
	ReleaseStock = Function{Name: "releasestock", Vars: []Var{
		{EventsTable, ReadWrite}, {Stage, Value},
	}}
	// RecordCheckoutFailed appends CheckoutFailed with the reason.
	RecordCheckoutFailed = Function{Name: "recordcheckoutfailed", Vars: []Var{
		{EventsTable, ReadWrite}, {Stage, Value},
	}}
)

// Functions returns every function of the stack, in a stable order.
func Functions() []Function {
	return []Function{
		CatalogAPI, BasketAPI, OrderAPI, Publisher, Ordering, CatalogProjection,
		PriceBasket, ReserveStock, AuthorizePayment, ConfirmCheckout, ReleaseStock, RecordCheckoutFailed,
	}
}
