package eventbridge

import "github.com/shopstream/shopstream/emulator/telemetry"

// billedChunk is the size AWS bills a published event by: each 64 KB
// chunk of an entry's payload is one custom event.
const billedChunk = 64 * 1024

// meterPublished counts what AWS bills for one PutEvents entry it accepted
// (telemetry.MetersNamespace BilledEvents, dimension EventBusName). Only
// PutEvents is metered: the events AWS services put on the default bus
// (ServiceEvents) are free, and deliveries to targets are not billed.
func (s *Service) meterPublished(e putEventsEntry) {
	chunks := max(1, (entrySize(e)+billedChunk-1)/billedChunk)
	s.cfg.Metrics.Record(telemetry.Datum{Namespace: telemetry.MetersNamespace, Name: "BilledEvents",
		Dimensions: map[string]string{"EventBusName": busName(e.EventBusName)}, Value: float64(chunks), Unit: "Count", Time: s.cfg.Now()})
}
