// Package basket is the shopping-basket aggregate: one event stream per
// customer ("basket-<userName>") recording the items they want and the
// checkouts they started.
//
// A Basket folds its past events with Apply; its command methods decide new
// events without changing the basket. A command that changes nothing
// returns no events and no error.
//
// Checkout lifecycle: StartCheckout snapshots the items and locks the basket
// (item commands fail with checkout_in_progress) until the checkout workflow
// records its outcome. CompleteCheckout empties the basket; FailCheckout
// unlocks it with its items kept, so the customer can fix the cause (say,
// lower a quantity that was out of stock) and try again. Outcomes are
// idempotent per checkout id, because Step Functions retries tasks:
// repeating the recorded outcome decides nothing, while an outcome for any
// checkout that is not the one in progress is checkout_not_current.
package basket
