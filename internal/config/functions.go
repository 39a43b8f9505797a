package config

import (
	"slices"
	"strings"
)

// Op is one kind of call a function's code makes on the resource a
// variable names. Each maps to the exact IAM actions that call needs
// (Actions); the stack grants those actions on exactly that resource
// (or, for Index, that index) and nothing else.
type Op string

// Event store operations (the eventstore/dynamodb adapter on EVENTS_TABLE).
// The store is append-only: no operation updates, deletes or scans it.
const (
	// OpLoad is Store.Load (and command.Runner.Load): Query on the table.
	OpLoad Op = "load-stream"
	// OpAppend is command.Run: Load, then Store.Append, which checks the
	// expected version with GetItem and writes with a conditional PutItem
	// (one event) or TransactWriteItems of conditional Puts (several). IAM
	// authorizes each Put of a transaction as dynamodb:PutItem; there is no
	// TransactWriteItems action, and the store writes no ConditionCheck
	// item, so dynamodb:ConditionCheckItem is not needed.
	OpAppend Op = "append-stream"
	// OpReadAll is Store.ReadAll: Query on the global index, whose
	// partition key is a month bucket rather than a stream id.
	OpReadAll Op = "read-global-log"
)

// Read-model table operations (internal/readmodel).
const (
	// OpQuery is a Query on the table, or on Use.Index when set.
	OpQuery Op = "query-rows"
	// OpScan is a paged Scan of the table (the listings without a key).
	OpScan Op = "scan-rows"
	// OpPut is the projections' conditional PutItem (putIfNewer).
	OpPut Op = "put-rows"
)

// Operations on the other resource kinds.
const (
	// OpPutEvents puts events on the bus, only with the sources of our own
	// event types (the stack adds an events:source condition).
	OpPutEvents Op = "put-events"
	// OpStartExecution starts executions of the state machine.
	OpStartExecution Op = "start-execution"
	// OpDescribeExecution describes the state machine's executions.
	OpDescribeExecution Op = "describe-execution"
	// OpSendMessage sends messages to the queue.
	OpSendMessage Op = "send-message"
	// OpReadSecret reads the secret's current value (once, at start).
	OpReadSecret Op = "read-secret"
)

// actions is the one table from operations to IAM actions: the stack
// grants these and its tests compare every role against them.
var actions = map[Op][]string{
	OpLoad:              {"dynamodb:Query"},
	OpAppend:            {"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query"},
	OpReadAll:           {"dynamodb:Query"},
	OpQuery:             {"dynamodb:Query"},
	OpScan:              {"dynamodb:Scan"},
	OpPut:               {"dynamodb:PutItem"},
	OpPutEvents:         {"events:PutEvents"},
	OpStartExecution:    {"states:StartExecution"},
	OpDescribeExecution: {"states:DescribeExecution"},
	OpSendMessage:       {"sqs:SendMessage"},
	OpReadSecret:        {"secretsmanager:GetSecretValue"},
}

// Actions returns the IAM actions op needs, sorted; nil for an unknown op.
func (o Op) Actions() []string { return slices.Clone(actions[o]) }

// Stream id prefixes, for scoping event-store operations to the streams a
// function touches (the dynamodb:LeadingKeys condition). They are the
// aggregates' StreamID("") (a test keeps them equal).
const (
	ProductStreams = "product-"
	BasketStreams  = "basket-"
	OrderStreams   = "order-"
)

// Use is one operation a function performs on the resource a variable
// names.
type Use struct {
	Op Op
	// Index is the secondary index an OpQuery reads; "" for the table.
	Index string
	// Streams limits an event-store operation to the streams whose ids
	// start with one of these prefixes; empty means any stream.
	Streams []string
}

func (u Use) String() string {
	s := string(u.Op)
	if u.Index != "" {
		s += " index " + u.Index
	}
	if len(u.Streams) > 0 {
		s += " on " + strings.Join(u.Streams, ",") + "*"
	}
	return s
}

// LoadStreams returns an OpLoad use on the streams with the given id
// prefixes.
func LoadStreams(prefixes ...string) Use { return Use{Op: OpLoad, Streams: prefixes} }

// AppendStreams returns an OpAppend use on the streams with the given id
// prefixes.
func AppendStreams(prefixes ...string) Use { return Use{Op: OpAppend, Streams: prefixes} }

// QueryIndex returns an OpQuery use on the named secondary index ("" for
// the table itself).
func QueryIndex(index string) Use { return Use{Op: OpQuery, Index: index} }

// Uses returns one use of each op.
func Uses(ops ...Op) []Use {
	out := make([]Use, len(ops))
	for i, o := range ops {
		out[i] = Use{Op: o}
	}
	return out
}

// Var is one environment variable a function needs and what it does with
// what the variable names. A variable without Uses is a plain value (only
// Stage): it names no resource and gets no grant.
type Var struct {
	Name string
	Uses []Use
}

// Function is one Lambda: its directory under lambdas/ and the variables it
// needs. It is the contract between the stack, which sets Vars and grants
// their Uses, and the function's main, which calls Load.
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

// Index names the read models' secondary indexes the functions query (the
// readmodel package's names; a test keeps them equal).
const (
	CatalogByCategoryIndex = "byCategory"
	OrdersByOrderIDIndex   = "byOrderId"
)

var stage = Var{Name: Stage}

// deploymentSecret is the key of the functions that seal paging cursors
// (the API functions) and tokenize cards (basketapi). The simulated
// gateway does not need it: test cards carry a marker in their token.
var deploymentSecret = Var{DeploymentSecretARN, Uses(OpReadSecret)}

// The functions of the stack. Every function gets STAGE, for logs and
// metrics. Each Use is a call the function's code makes: a grant nothing
// calls is a bug, as is a call nothing grants.
var (
	// CatalogAPI serves /product: appends product events, lists the read
	// model (a scan, or a query of the category index) with cursors sealed
	// by the deployment secret.
	CatalogAPI = Function{Name: "catalogapi", Vars: []Var{
		{EventsTable, []Use{AppendStreams(ProductStreams)}},
		{CatalogTable, []Use{{Op: OpScan}, QueryIndex(CatalogByCategoryIndex)}},
		deploymentSecret,
		stage,
	}}
	// BasketAPI serves /basket and /checkout: appends basket events, reads
	// product streams to price lines, lists baskets from the global log
	// (GET /basket), starts and describes checkout executions, and keys
	// card tokens and cursors with the deployment secret.
	BasketAPI = Function{Name: "basketapi", Vars: []Var{
		{EventsTable, []Use{AppendStreams(BasketStreams), LoadStreams(ProductStreams), {Op: OpReadAll}}},
		{CheckoutStateMachineARN, Uses(OpStartExecution, OpDescribeExecution)},
		deploymentSecret,
		stage,
	}}
	// OrderAPI serves /order from the read model (a customer's orders, one
	// order by id, every order) and /audit from the store; the secret
	// seals its cursors.
	OrderAPI = Function{Name: "orderapi", Vars: []Var{
		{EventsTable, []Use{LoadStreams(ProductStreams, BasketStreams, OrderStreams)}},
		{OrdersTable, []Use{{Op: OpQuery}, QueryIndex(OrdersByOrderIDIndex), {Op: OpScan}}},
		deploymentSecret,
		stage,
	}}
	// Publisher puts each new stored event on the bus. It reads the table's
	// stream through its event source mapping, which carries its own grant.
	Publisher = Function{Name: "publisher", Vars: []Var{
		{EventBusName, Uses(OpPutEvents)},
		stage,
	}}
	// Ordering consumes the order queue (through its event source mapping),
	// checks each BasketCheckedOut against its basket stream (only stored
	// facts become orders), appends OrderPlaced and writes the orders read
	// model.
	Ordering = Function{Name: "ordering", Vars: []Var{
		{EventsTable, []Use{AppendStreams(OrderStreams), LoadStreams(BasketStreams)}},
		{OrdersTable, Uses(OpPut)},
		stage,
	}}
	// CatalogProjection rewrites a product's catalog row from its stream on
	// every product event.
	CatalogProjection = Function{Name: "catalogprojection", Vars: []Var{
		{EventsTable, []Use{LoadStreams(ProductStreams)}},
		{CatalogTable, Uses(OpPut)},
		stage,
	}}
	// PriceBasket starts the checkout on the basket stream (appending
	// CheckoutStarted) and prices its items from the product streams.
	PriceBasket = Function{Name: "pricebasket", Vars: []Var{
		{EventsTable, []Use{AppendStreams(BasketStreams), LoadStreams(ProductStreams)}},
		stage,
	}}
	// ReserveStock appends a reservation to one product stream.
	ReserveStock = Function{Name: "reservestock", Vars: []Var{
		{EventsTable, []Use{AppendStreams(ProductStreams)}},
		stage,
	}}
	// AuthorizePayment calls the (simulated) payment gateway.
	AuthorizePayment = Function{Name: "authorizepayment", Vars: []Var{
		stage,
	}}
	// ConfirmCheckout appends BasketCheckedOut.
	ConfirmCheckout = Function{Name: "confirmcheckout", Vars: []Var{
		{EventsTable, []Use{AppendStreams(BasketStreams)}},
		stage,
	}}
	// ReleaseStock appends releases for a failed checkout's reservations.
	ReleaseStock = Function{Name: "releasestock", Vars: []Var{
		{EventsTable, []Use{AppendStreams(ProductStreams), LoadStreams(BasketStreams)}},
		stage,
	}}
	// RecordCheckoutFailed appends CheckoutFailed with the reason.
	RecordCheckoutFailed = Function{Name: "recordcheckoutfailed", Vars: []Var{
		{EventsTable, []Use{AppendStreams(BasketStreams)}},
		stage,
	}}
	// CheckoutSweeper unlocks checkouts whose execution ended without
	// finishing them: it describes the execution, appends CheckoutFailed
	// to the basket and releases the checkout's reservations.
	CheckoutSweeper = Function{Name: "checkoutsweeper", Vars: []Var{
		{EventsTable, []Use{AppendStreams(BasketStreams, ProductStreams)}},
		{CheckoutStateMachineARN, Uses(OpDescribeExecution)},
		stage,
	}}
)

// Functions returns every function of the stack, in a stable order.
func Functions() []Function {
	return []Function{
		CatalogAPI, BasketAPI, OrderAPI, Publisher, Ordering, CatalogProjection,
		PriceBasket, ReserveStock, AuthorizePayment, ConfirmCheckout, ReleaseStock, RecordCheckoutFailed,
		CheckoutSweeper,
	}
}
