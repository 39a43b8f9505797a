// Package infra holds the CDK constructs of the shopstream stack, one per
// concern: the tables, the event bus and its publisher, ordering, the
// catalog projection, the REST API, and the Go functions they all use. The
// checkout state machine lives in package workflows.
//
// Every Lambda is described by a config.Function: the construct that
// creates it sets exactly that function's environment variables and grants
// exactly the access each one states (see Resources), so a function's
// permissions and its config parser read the same list.
//
// Functions are built by a local Go bundling step (see Bundler): synthesis
// needs Go and Node, never Docker.
package infra
