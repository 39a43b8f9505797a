package stepfunctions

import (
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
	k := make([]byte, 0, len(execARN)+9)
	k = append(k, execARN...)
	k = append(k, 0)
	return binary.BigEndian.AppendUint64(k, uint64(id))
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

// load reads machines, executions and histories back into memory.
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
		err = tx.Bucket(bucketExecutions).ForEach(func(k, v []byte) error {
			var rec executionRecord
			if err := json.Unmarshal(v, &rec); err != nil {
				return fmt.Errorf("stepfunctions: load execution %s: %w", k, err)
			}
			s.executions[rec.ARN] = &execution{rec: rec}
			return nil
		})
		if err != nil {
			return err
		}
		return tx.Bucket(bucketHistory).ForEach(func(k, v []byte) error {
			if len(k) < 9 {
				return nil
			}
			e := s.executions[string(k[:len(k)-9])]
			if e != nil {
				e.history = append(e.history, json.RawMessage(append([]byte(nil), v...)))
			}
			return nil
		})
	})
}
