// Package e2e drives the whole pipeline through its REST API: products,
// baskets, checkouts, orders and audit trails, with the failure modes a
// user cares about (declined payment, out of stock, contention,
// redelivery, crashes, a killed runtime, bad input).
//
// By default each test run synthesizes the CDK app and starts the local
// runtime (cmd/shopstream-local) as a child process on loopback ports.
// Set SHOPSTREAM_E2E_API_URL (and AWS credentials/region plus the stack's
// resource variables) to run the same tests against a deployed stack; the
// tests that kill or reconfigure the runtime skip there.
//
// All tests skip under -short: they need Node (for the synth) and a
// running stack.
package e2e
