// Package readmodel stores the query-side views the projections maintain:
// the catalog (one row per product) and the orders (one row per order).
//
// Rows are derived data. Each carries the version of the stream it was
// built from, and writes are conditional on that version, so a projection
// may see events twice or out of order and the table still converges to the
// fold of the stream. `shopstream-audit verify` rebuilds every row from the
// event store and compares.
package readmodel
