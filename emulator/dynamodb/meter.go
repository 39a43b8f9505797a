package dynamodb

import (
	"encoding/json"
	"net/http"
	"sync"
)

// meter totals consumed capacity units, computed as AWS bills them,
// whether or not a request asked for ReturnConsumedCapacity. It is what
// CloudWatch's ConsumedRead/WriteCapacityUnits would show; benchmarks read
// it to report write units per order.
type meter struct {
	mu           sync.Mutex
	read, writes float64
}

func (m *meter) add(units float64, write bool) {
	if m == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if write {
		m.writes += units
	} else {
		m.read += units
	}
}

// Units are consumed capacity units.
type Units struct {
	ReadUnits  float64 `json:"readUnits"`
	WriteUnits float64 `json:"writeUnits"`
}

// Consumed returns the units each table (with its indexes) has consumed
// since the service started, and their sum.
func (s *Service) Consumed() (total Units, byTable map[string]Units) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	byTable = map[string]Units{}
	for name, t := range s.tables {
		t.consumed.mu.Lock()
		u := Units{ReadUnits: t.consumed.read, WriteUnits: t.consumed.writes}
		t.consumed.mu.Unlock()
		byTable[name] = u
		total.ReadUnits += u.ReadUnits
		total.WriteUnits += u.WriteUnits
	}
	return total, byTable
}

// CapacityPath is where the endpoint serves Consumed as JSON. It is not an
// AWS API: it stands in for the CloudWatch metrics a deployed table has.
const CapacityPath = "/_shopstream/dynamodb/capacity"

func (s *Service) serveCapacity(w http.ResponseWriter, _ *http.Request) {
	total, byTable := s.Consumed()
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(struct {
		Units
		Tables map[string]Units `json:"tables"`
	}{total, byTable})
}
