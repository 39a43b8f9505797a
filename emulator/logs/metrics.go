package logs

import (
	"time"

	"github.com/shopstream/shopstream/emulator/telemetry"
)

// recordIncoming records CloudWatch Logs' own metrics for events a group
// accepted (namespace AWS/Logs, dimension LogGroupName): IncomingLogEvents
// and IncomingBytes, the uncompressed bytes of their messages, which is
// what ingestion is billed by. Events dropped as expired count in neither.
func (s *Service) recordIncoming(group string, events, bytes int, at time.Time) {
	if events == 0 {
		return
	}
	dims := map[string]string{"LogGroupName": group}
	s.metrics.Record(telemetry.Datum{Namespace: "AWS/Logs", Name: "IncomingLogEvents", Dimensions: dims, Value: float64(events), Unit: "Count", Time: at})
	s.metrics.Record(telemetry.Datum{Namespace: "AWS/Logs", Name: "IncomingBytes", Dimensions: dims, Value: float64(bytes), Unit: "Bytes", Time: at})
}
