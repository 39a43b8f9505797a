package esm

import (
	"strings"

	"github.com/shopstream/shopstream/emulator/telemetry"
)

// recordIteratorAge records Lambda's IteratorAge for a stream batch about
// to be invoked (namespace AWS/Lambda, dimension FunctionName): the age,
// in milliseconds, of the batch's last record.
func (s *Service) recordIteratorAge(m *mapping, recs []streamRecord) {
	if s.cfg.Metrics == nil || len(recs) == 0 {
		return
	}
	now := s.cfg.Now()
	age := now.Sub(recs[len(recs)-1].created)
	name := m.functionARN
	if i := strings.LastIndex(name, ":function:"); i >= 0 {
		name, _, _ = strings.Cut(name[i+len(":function:"):], ":") // without a qualifier
	}
	s.cfg.Metrics.Record(telemetry.Datum{Namespace: "AWS/Lambda", Name: "IteratorAge", Dimensions: map[string]string{"FunctionName": name},
		Value: float64(max(age.Milliseconds(), 0)), Unit: "Milliseconds", Time: now})
}
