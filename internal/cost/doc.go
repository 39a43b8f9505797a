// Package cost turns the billable units a run of the stack consumed (its
// meters) into a price per order and per million orders, by service, from
// a dated table of public on-demand prices (prices.go). The cost bench
// (tests/e2e BenchmarkCostPerOrder, make bench-cost) reads the meters from
// the local runtime and prints Compute's report.
//
// It is stdlib only and knows nothing of how meters are read, so a
// variant of the stack (Step Functions Express instead of Standard) is
// costed by filling other fields of the same Meters.
package cost
