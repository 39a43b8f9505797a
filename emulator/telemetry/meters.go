package telemetry

// MetersNamespace is the custom CloudWatch namespace of shopstream's own
// billing meters: the units AWS bills that no AWS/* metric counts, so the
// cost bench (tests/e2e BenchmarkCostPerOrder) can read every billable
// unit through one API. They are local-only: a deployed stack has none.
//
//	StateTransitions  AWS/States has no such metric      dim StateMachineArn
//	BilledEvents      PutEvents entries, 64 KB chunks    dim EventBusName
//	Requests          SQS billed requests, 64 KB chunks  dim QueueName
//	BilledDuration    Lambda ms, rounded up per invoke   dim FunctionName
//	GBSeconds         BilledDuration × memory (GB)       dim FunctionName
//
// Logs ingestion (AWS/Logs IncomingBytes) and SQS empty receives
// (AWS/SQS NumberOfEmptyReceives) are AWS's own metrics.
const MetersNamespace = "Shopstream/Meters"
