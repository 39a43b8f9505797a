// Package workflows defines the checkout workflow: a Step Functions
// Standard state machine whose executions are named after the checkout id.
//
//	PriceBasket ─► ReserveStock (Map over lines) ─► AuthorizePayment ─► ConfirmCheckout
//	     │                    └──────────┬──────────────────┘
//	     │ (any error)                   ▼ (any error)
//	     │                          ReleaseStock
//	     └──────────────────────► RecordCheckoutFailed ─► CheckoutFailed (Fail)
//
// Only the transient errors of package errnames are retried (plus the
// Lambda service's own transient errors); any other error ends the
// checkout as failed, after releasing whatever was reserved.
//
// The state each task sees (the contract with the task Lambdas):
//
//	execution input   {"checkoutId", "userName", ...}  (set by the basket API; card data
//	                  never beyond the last four digits, as execution input is stored)
//	PriceBasket       input: the state;                    result → $.priced  {"lines": [...], "total": ...}
//	ReserveStock      per line: {"checkoutId", "line"};    results → $.reservations
//	AuthorizePayment  input: the state;                    result → $.authorization
//	ConfirmCheckout   input: the state;                    result → $.confirmation {"orderId", ...}
//	ReleaseStock      input: {"checkoutId", "lines", "error"}; result discarded
//	RecordCheckoutFailed input: {"checkoutId", "userName", "error"}; result discarded
//
// "error" is the Catch output, {"Error": <name>, "Cause": <message>}; the
// Fail state reports the same name and cause, so DescribeExecution says why a
// checkout failed. Tasks receive their input as the Lambda payload and
// their return value is the result (the payload-only Lambda integration).
//
// The error names live in internal/checkout/errnames, which the task Lambdas import
// without the CDK. testdata/checkout.asl.json is the definition as
// synthesized; go test -update rewrites it.
package workflows
