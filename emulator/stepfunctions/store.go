package stepfunctions

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// Bucket names in the shared state store.
var (
	bucketMachines   = []byte("sfn/machines")   // machine ARN → machineRecord
	bucketExecutions = []byte("sfn/executions") // execution ARN → executionRecord
	bucketHistory    = []byte("sfn/history")    // execution ARN + 0x00 + big-endian id → event JSON
)

func (s *Service) initBuckets() error {
	return s.db.Update(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bucketMachines, bucketExecutions, bucketHistory} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return nil
	})
}

func historyKey(execARN string, id int64) []byte {
	return binary.BigEndian.AppendUint64(historyPrefix(execARN), uint64(id))
}

func (s *Service) putJSON(bucket []byte, key string, v any) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("stepfunctions: encode %s: %w", key, err)
	}
	return s.db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucket).Put([]byte(key), raw)
	})
}

func (s *Service) deleteKey(bucket []byte, key string) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucket).Delete([]byte(key))
	})
}

// persistEvent writes one history event, with the execution record when
// it changed in the same transaction.
func (s *Service) persistEvent(execARN string, id int64, event []byte, rec *executionRecord) error {
	var recRaw []byte
	if rec != nil {
		var err error
		if recRaw, err = json.Marshal(rec); err != nil {
			return fmt.Errorf("stepfunctions: encode execution: %w", err)
		}
	}
	return s.db.Update(func(tx *bolt.Tx) error {
		if err := tx.Bucket(bucketHistory).Put(historyKey(execARN, id), event); err != nil {
			return err
		}
		if recRaw != nil {
			return tx.Bucket(bucketExecutions).Put([]byte(execARN), recRaw)
		}
		return nil
	})
}

// load reads the machines back into memory, and the executions that still
// need this process: RUNNING ones and closed ones whose status change
// events are not yet emitted. Other closed executions stay on disk only
// (see closed.go).
func (s *Service) load() error {
	return s.db.View(func(tx *bolt.Tx) error {
		err := tx.Bucket(bucketMachines).ForEach(func(k, v []byte) error {
			var rec machineRecord
			if err := json.Unmarshal(v, &rec); err != nil {
				return fmt.Errorf("stepfunctions: load machine %s: %w", k, err)
			}
			m, err := newMachine(rec)
			if err != nil {
				return fmt.Errorf("stepfunctions: load machine %s: %w", k, err)
			}
			s.machines[rec.ARN] = m
			s.setLogging(rec)
			return nil
		})
		if err != nil {
			return err
		}
		return tx.Bucket(bucketExecutions).ForEach(func(k, v []byte) error {
			var rec executionRecord
			if err := json.Unmarshal(v, &rec); err != nil {
				return fmt.Errorf("stepfunctions: load execution %s: %w", k, err)
			}
			if rec.Status != statusRunning && len(rec.PendingEvents) == 0 {
				return nil
			}
			s.executions[rec.ARN] = &execution{rec: rec, events: countHistory(tx, rec.ARN)}
			return nil
		})
	})
}

// historyPrefix is the key prefix of an execution's history events.
func historyPrefix(execARN string) []byte { return append([]byte(execARN), 0) }

// countHistory is how many history events an execution has stored.
func countHistory(tx *bolt.Tx, execARN string) int64 {
	var n int64
	prefix := historyPrefix(execARN)
	c := tx.Bucket(bucketHistory).Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		n++
	}
	return n
}

// readHistory returns an execution's stored history events, oldest first.
func (s *Service) readHistory(execARN string) ([]json.RawMessage, error) {
	var events []json.RawMessage
	prefix := historyPrefix(execARN)
	err := s.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketHistory).Cursor()
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			events = append(events, json.RawMessage(append([]byte(nil), v...)))
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("stepfunctions: read history of %s: %w", execARN, err)
	}
	return events, nil
}

// readExecution returns the stored record of an execution; ok is false
// when there is none.
func (s *Service) readExecution(arn string) (rec executionRecord, ok bool, err error) {
	err = s.db.View(func(tx *bolt.Tx) error {
		raw := tx.Bucket(bucketExecutions).Get([]byte(arn))
		if raw == nil {
			return nil
		}
		ok = true
		return json.Unmarshal(raw, &rec)
	})
	if err != nil {
		return executionRecord{}, false, fmt.Errorf("stepfunctions: read execution %s: %w", arn, err)
	}
	return rec, ok, nil
}

// deleteExecutionTx removes an execution's record and its history.
func deleteExecutionTx(tx *bolt.Tx, arn string) error {
	if err := tx.Bucket(bucketExecutions).Delete([]byte(arn)); err != nil {
		return err
	}
	prefix := historyPrefix(arn)
	c := tx.Bucket(bucketHistory).Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Seek(prefix) {
		if err := c.Delete(); err != nil {
			return err
		}
	}
	return nil
}
