// Package ordering is the order aggregate: one event stream per order
// ("order-<orderId>"), started by OrderPlaced when a basket is checked out.
//
// Exactly one order per checkout: the order id is
// domain.OrderIDFor(checkoutId), so every delivery of the same
// BasketCheckedOut decides on the same stream. The caller (the ordering
// Lambda, fed at least once by SQS) loads that stream, calls Place, and
// appends what it decides at Version() — NoStream for a new order. A
// redelivery finds the order placed and decides nothing; two deliveries
// racing both decide OrderPlaced, but only one NoStream append succeeds and
// the other gets eventstore.ErrConcurrency, reloads, and decides nothing.
package ordering
