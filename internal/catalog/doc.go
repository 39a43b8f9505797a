// Package catalog is the product aggregate: one event stream per product
// ("product-<id>") recording its details, its stock and the stock reserved
// for checkouts.
//
// A Product folds its past events with Apply. Its command methods (Create,
// Update, Delete, AddStock, Reserve, Release) decide the new events without
// changing the product; the caller appends them to the stream at
// Version() and then applies them. A command that changes nothing returns no
// events and no error, which is how retries stay harmless. To decide
// several commands for one append (say, create with initial stock), note
// Version() first, then apply each decision before deciding the next.
//
// Stock: Available is what has been added minus what is reserved. A
// reservation made for a checkout that succeeds stays in place (the stock
// was sold); one made for a checkout that fails is released. Each checkout
// id reserves at most once and releases at most once, across any number of
// retries: a reservation retried after its release is a no-op. A release
// that comes before any reservation for its checkout is also a no-op and
// leaves no trace, so the checkout workflow releases only after its reserve
// steps have finished.
package catalog
