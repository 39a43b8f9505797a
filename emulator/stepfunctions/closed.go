package stepfunctions

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Closed executions live on disk only. Once an execution has closed and
// its status change events are handed to the bus, it leaves
// Service.executions; DescribeExecution, GetExecutionHistory,
// ListExecutions and StartExecution's name check read it from the store.
// So the runtime's memory holds only what runs, however long the history.
//
// AWS keeps a closed Standard execution (and its name) for 90 days; the
// retention sweeper deletes older ones and their history here too, in
// bounded batches, so a long-lived data directory stops growing.

// DefaultRetention is how long a closed execution is kept, as on AWS.
const DefaultRetention = 90 * 24 * time.Hour

const (
	// sweepEvery is how often (on the service's clock) the retention
	// sweeper looks for expired executions.
	sweepEvery = time.Hour
	// sweepBatch bounds the executions one write transaction deletes, so
	// a sweep never holds the store's writer for long.
	sweepBatch = 256
)

// evictClosed drops e from memory once it is closed and has nothing left
// to emit.
func (s *Service) evictClosed(e *execution) {
	e.mu.Lock()
	done := e.rec.Status != statusRunning && len(e.rec.PendingEvents) == 0 && !e.flushing
	arn := e.rec.ARN
	e.mu.Unlock()
	if !done {
		return
	}
	s.mu.Lock()
	if s.executions[arn] == e {
		delete(s.executions, arn)
	}
	s.mu.Unlock()
}

// listedExecution is the part of an execution record ListExecutions shows.
type listedExecution struct {
	ARN        string     `json:"arn"`
	MachineARN string     `json:"machineArn"`
	Name       string     `json:"name"`
	Status     string     `json:"status"`
	Start      time.Time  `json:"start"`
	Stop       *time.Time `json:"stop,omitempty"`
}

func listed(rec executionRecord) listedExecution {
	return listedExecution{ARN: rec.ARN, MachineARN: rec.MachineARN, Name: rec.Name, Status: rec.Status, Start: rec.Start, Stop: rec.Stop}
}

// listedExecutions returns the machine's executions with the status
// (any when ""): those in memory as they are now, the rest from the store.
// Execution keys start with the machine's name, so only that range is read.
func (s *Service) listedExecutions(machineARN, status string) ([]listedExecution, error) {
	m, err := s.machine(machineARN)
	if err != nil {
		return nil, err
	}
	// Memory first: an execution evicted after this snapshot was persisted
	// closed before it left, so the store read below still finds it.
	live := map[string]listedExecution{}
	s.mu.RLock()
	for arn, e := range s.executions {
		e.mu.Lock()
		if e.rec.MachineARN == machineARN {
			live[arn] = listed(e.rec)
		}
		e.mu.Unlock()
	}
	s.mu.RUnlock()
	var list []listedExecution
	keep := func(l listedExecution) {
		if status == "" || l.Status == status {
			list = append(list, l)
		}
	}
	prefix := []byte(executionARN(m.rec.Name, ""))
	err = s.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketExecutions).Cursor()
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			if _, ok := live[string(k)]; ok {
				continue
			}
			var l listedExecution
			if err := json.Unmarshal(v, &l); err != nil {
				return fmt.Errorf("execution %s: %w", k, err)
			}
			if l.MachineARN == machineARN { // not a deleted namesake's
				keep(l)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("stepfunctions: list executions: %w", err)
	}
	for _, l := range live {
		keep(l)
	}
	return list, nil
}

// sweepLoop deletes expired executions now and then every sweepEvery,
// until the service closes.
func (s *Service) sweepLoop() {
	defer s.running.Done()
	for {
		for {
			n, err := s.deleteExpired(sweepBatch)
			if err != nil {
				s.log.Error("stepfunctions: delete expired executions", "err", err)
				break
			}
			if n < sweepBatch || s.base.Err() != nil {
				break
			}
		}
		if s.clock.Sleep(s.base, sweepEvery) != nil {
			return
		}
	}
}

// deleteExpired deletes up to limit closed executions (with their
// history) that stopped more than the retention ago, and returns how many.
// A negative retention keeps them for good.
func (s *Service) deleteExpired(limit int) (int, error) {
	if s.retention < 0 {
		return 0, nil
	}
	cutoff := s.clock.Now().Add(-s.retention)
	var expired []string
	err := s.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketExecutions).Cursor()
		for k, v := c.First(); k != nil && len(expired) < limit; k, v = c.Next() {
			var r struct {
				Status        string            `json:"status"`
				Stop          *time.Time        `json:"stop"`
				PendingEvents []json.RawMessage `json:"pendingEvents"`
			}
			if err := json.Unmarshal(v, &r); err != nil {
				return fmt.Errorf("execution %s: %w", k, err)
			}
			if r.Status != statusRunning && r.Stop != nil && r.Stop.Before(cutoff) && len(r.PendingEvents) == 0 {
				expired = append(expired, string(k))
			}
		}
		return nil
	})
	if err != nil || len(expired) == 0 {
		return 0, err
	}
	// s.mu keeps StartExecution from reusing a name while its old
	// execution is half deleted.
	s.mu.Lock()
	defer s.mu.Unlock()
	deleted := 0
	err = s.db.Update(func(tx *bolt.Tx) error {
		for _, arn := range expired {
			if _, inMemory := s.executions[arn]; inMemory {
				continue
			}
			if err := deleteExecutionTx(tx, arn); err != nil {
				return err
			}
			deleted++
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return deleted, nil
}
