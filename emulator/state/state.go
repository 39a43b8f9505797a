// Package state is the local runtime's persistence: one bbolt file in the
// data directory that every emulated service keeps its buckets in, so a
// restart (even after SIGKILL) loses nothing that was acknowledged.
//
// Services keep their working set in memory for speed and write through to
// their buckets; on start they load the buckets back.
package state

import (
	"fmt"
	"os"
	"path/filepath"

	bolt "go.etcd.io/bbolt"
)

// DB is the shared store. Use Update/View with bucket names prefixed by the
// service ("dynamodb/…", "sqs/…") so services never collide.
type DB struct {
	*bolt.DB
	tmp string // set for in-memory runs: removed on Close
}

// Open opens (or creates) dir/state.db. An empty dir gives an ephemeral store
// in a temporary file, removed on Close, for tests and --in-memory runs.
//
// Writes are not fsynced: a killed process loses nothing (the OS keeps the
// pages), only a host crash could, which is the trade a local emulator makes.
func Open(dir string) (*DB, error) {
	var tmp string
	if dir == "" {
		d, err := os.MkdirTemp("", "shopstream-state-*")
		if err != nil {
			return nil, fmt.Errorf("state: %w", err)
		}
		dir, tmp = d, d
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("state: %w", err)
	}
	db, err := bolt.Open(filepath.Join(dir, "state.db"), 0o600, &bolt.Options{NoSync: true, NoFreelistSync: true})
	if err != nil {
		return nil, fmt.Errorf("state: open %s: %w", dir, err)
	}
	return &DB{DB: db, tmp: tmp}, nil
}

// Close closes the store and removes an ephemeral one.
func (d *DB) Close() error {
	err := d.DB.Close()
	if d.tmp != "" {
		_ = os.RemoveAll(d.tmp)
	}
	return err
}
