package esm

import (
	"fmt"
	"sync"

	bolt "go.etcd.io/bbolt"

	"github.com/shopstream/shopstream/emulator/state"
)

// checkpointBucket holds, per mapping and shard, the sequence number of the
// last record handled (delivered, or given up on), under "<uuid>/<shard>",
// and the time a mapping first started under "<uuid>/started".
const checkpointBucket = "esm/checkpoints"

// checkpoints is a write-through cache of the bucket (or only a map when
// there is no state store).
type checkpoints struct {
	db *state.DB
	mu sync.Mutex
	m  map[string]string
}

func openCheckpoints(db *state.DB) (*checkpoints, error) {
	c := &checkpoints{db: db, m: map[string]string{}}
	if db == nil {
		return c, nil
	}
	err := db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists([]byte(checkpointBucket))
		if err != nil {
			return err
		}
		return b.ForEach(func(k, v []byte) error {
			c.m[string(k)] = string(v)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("esm: load checkpoints: %w", err)
	}
	return c, nil
}

func (c *checkpoints) get(key string) (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.m[key]
	return v, ok
}

func (c *checkpoints) set(key, value string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.db != nil {
		err := c.db.Update(func(tx *bolt.Tx) error {
			return tx.Bucket([]byte(checkpointBucket)).Put([]byte(key), []byte(value))
		})
		if err != nil {
			return fmt.Errorf("esm: save checkpoint %s: %w", key, err)
		}
	}
	c.m[key] = value
	return nil
}
