package infra

// RunbookPath is the runbook, relative to the module root. Every alarm's
// description ends with "Runbook: " + RunbookPath + "#" + one of the
// anchors below, and a test checks that each anchor is a heading there.
const RunbookPath = "docs/runbook.md"

// Runbook sections, as GitHub spells a heading's anchor (lower case,
// spaces as '-', punctuation dropped).
const (
	RunbookOrderDLQ                = "order-dead-letter-queue"
	RunbookOrderDeliveryFailures   = "order-delivery-failures"
	RunbookPublishFailures         = "publish-failures"
	RunbookCatalogDeliveryFailures = "catalog-delivery-failures"
	RunbookProjectionFailures      = "catalog-projection-failures"
	RunbookCheckoutExecutions      = "checkout-executions-failed-timed-out-or-aborted"
	RunbookFunctionErrors          = "function-errors"
	RunbookFunctionThrottles       = "function-throttles"
	RunbookPublisherIteratorAge    = "publisher-iterator-age"
	RunbookAPI5XX                  = "api-5xx-errors"
	RunbookAPILatency              = "api-p99-latency"
	RunbookForgedEvents            = "forged-events"
	// RunbookSweepFailures is for the checkout sweeper's failure queue
	// (branch sweeper): its FailureQueue entry in NewStack names it.
	RunbookSweepFailures = "sweep-failures"
)

// RunbookAnchors returns every section an alarm may name.
func RunbookAnchors() []string {
	return []string{RunbookOrderDLQ, RunbookOrderDeliveryFailures, RunbookPublishFailures,
		RunbookCatalogDeliveryFailures, RunbookProjectionFailures, RunbookCheckoutExecutions,
		RunbookFunctionErrors, RunbookFunctionThrottles, RunbookPublisherIteratorAge, RunbookAPI5XX,
		RunbookAPILatency, RunbookForgedEvents, RunbookSweepFailures}
}

// runbookRef is the end of an alarm description naming anchor.
func runbookRef(anchor string) string { return " Runbook: " + RunbookPath + "#" + anchor }
