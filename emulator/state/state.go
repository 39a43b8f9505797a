// Package state is the local runtime's persistence: one bbolt file in the
// data directory that every emulated service keeps its buckets in, so a
// restart (even after SIGKILL) loses nothing that was acknowledged.
//
// Services keep their working set in memory for speed and write through to
// their buckets; on start they load the buckets back.
//
// Besides state.db the directory holds two small files: state.id, written
// once a store exists, so an emptied state.db is told apart from a new one,
// and state.pid, the process that holds the store open, named when a second
// runtime is refused.
package state

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

// File names inside the data directory.
const (
	dbFile  = "state.db"
	idFile  = "state.id"
	pidFile = "state.pid"
)

// LockTimeout is how long Open waits for another process to release the
// store before it gives up with ErrInUse.
var LockTimeout = time.Second

// ErrInUse is returned (wrapped, naming the directory and holder) when
// another process holds the data directory's store.
var ErrInUse = errors.New("data directory in use")

// ErrDamaged is returned (wrapped, naming the file and what to do) when
// state.db is empty, truncated or unreadable.
var ErrDamaged = errors.New("state file damaged")

// stateError is a complete one-line message that still matches its kind
// (ErrInUse, ErrDamaged) under errors.Is.
type stateError struct {
	msg  string
	kind error
}

func (e *stateError) Error() string { return e.msg }
func (e *stateError) Unwrap() error { return e.kind }

// DB is the shared store. Use Update/View with bucket names prefixed by the
// service ("dynamodb/…", "sqs/…") so services never collide.
type DB struct {
	*bolt.DB
	tmp string // set for in-memory runs: removed on Close
}

// Open opens (or creates) dir/state.db. An empty dir gives an ephemeral store
// in a temporary file, removed on Close, for tests and --in-memory runs.
//
// Open returns an error wrapping ErrInUse if another process keeps the store
// open for longer than LockTimeout, and one wrapping ErrDamaged if the file is
// empty while dir/state.id says a store existed, shorter than its own header
// says, or has pages bbolt cannot read. It never resets a damaged store.
//
// Writes are not fsynced: a killed process loses nothing (the OS keeps the
// pages), only a host crash could, which is the trade a local emulator makes.
func Open(dir string) (*DB, error) {
	opts := &bolt.Options{NoSync: true, NoFreelistSync: true}
	if dir == "" {
		d, err := os.MkdirTemp("", "shopstream-state-*")
		if err != nil {
			return nil, fmt.Errorf("state: %w", err)
		}
		db, err := bolt.Open(filepath.Join(d, dbFile), 0o600, opts)
		if err != nil {
			_ = os.RemoveAll(d)
			return nil, fmt.Errorf("state: open %s: %w", d, err)
		}
		return &DB{DB: db, tmp: d}, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("state: %w", err)
	}
	path := filepath.Join(dir, dbFile)
	fi, err := os.Stat(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		// A new store; any state.id left over is replaced below.
	case err != nil:
		return nil, fmt.Errorf("state: %w", err)
	case fi.Size() == 0:
		if _, err := os.Stat(filepath.Join(dir, idFile)); err == nil {
			return nil, &stateError{kind: ErrDamaged, msg: fmt.Sprintf("state: %s is empty but %s says this directory held a store; "+
				"restore state.db from a backup, or delete state.db and state.id to start with an empty store",
				path, filepath.Join(dir, idFile))}
		}
	default:
		// Check an existing file read-only first: bbolt trusts its pages
		// and would fault or panic on a damaged one while opening for write.
		if err := check(dir, path, fi.Size()); err != nil {
			return nil, err
		}
	}
	opts.Timeout = LockTimeout
	db, err := openRecovered(path, opts)
	if err != nil {
		return nil, openError(dir, path, err)
	}
	if err := markOpen(dir, fi == nil || fi.Size() == 0); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("state: %w", err)
	}
	return &DB{DB: db}, nil
}

// check opens path read-only (waiting for the lock like Open), compares the
// file's size with what its meta page says it holds, and reads every bucket,
// key and value, turning bbolt's panics and memory faults into ErrDamaged.
func check(dir, path string, size int64) error {
	db, err := openRecovered(path, &bolt.Options{ReadOnly: true, Timeout: LockTimeout})
	if err != nil {
		return openError(dir, path, err)
	}
	defer db.Close()
	var need int64
	err = recovered(func() error {
		return db.View(func(tx *bolt.Tx) error {
			need = tx.Size()
			if need > size {
				return fmt.Errorf("truncated: %d bytes, its header says %d", size, need)
			}
			return tx.ForEach(func(_ []byte, b *bolt.Bucket) error { return walk(b) })
		})
	})
	if err != nil {
		return damaged(path, err)
	}
	return nil
}

// walk reads every key and value of b and its nested buckets.
func walk(b *bolt.Bucket) error {
	return b.ForEach(func(k, v []byte) error {
		if v == nil {
			if nb := b.Bucket(k); nb != nil {
				return walk(nb)
			}
		}
		return nil
	})
}

// openRecovered is bolt.Open with its panics and faults on a damaged file
// returned as errors.
func openRecovered(path string, opts *bolt.Options) (db *bolt.DB, err error) {
	err = recovered(func() error {
		var e error
		db, e = bolt.Open(path, 0o600, opts)
		return e
	})
	return db, err
}

// recovered runs f with memory faults turned into panics (bbolt reads its
// file through mmap) and panics into an error.
func recovered(f func() error) (err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%v", r)
		}
	}()
	return f()
}

func openError(dir, path string, err error) error {
	if errors.Is(err, bolterrors.ErrTimeout) {
		holder := "another process"
		if b, rerr := os.ReadFile(filepath.Join(dir, pidFile)); rerr == nil {
			if pid, perr := strconv.Atoi(strings.TrimSpace(string(b))); perr == nil {
				holder = "pid " + strconv.Itoa(pid)
			}
		}
		return &stateError{kind: ErrInUse, msg: fmt.Sprintf("state: data directory %s in use by %s; stop it, or pass another --data directory", dir, holder)}
	}
	if errors.Is(err, os.ErrPermission) {
		return fmt.Errorf("state: open %s: %w", path, err)
	}
	return damaged(path, err)
}

func damaged(path string, cause error) error {
	detail := strings.Join(strings.Fields(cause.Error()), " ")
	return &stateError{kind: ErrDamaged, msg: fmt.Sprintf("state: %s is damaged (%s); restore it from a backup, or move it away to start with an empty store",
		path, detail)}
}

// markOpen records this process as the store's holder and, for a new store
// (or one from before state.id existed), writes state.id.
func markOpen(dir string, created bool) error {
	if err := os.WriteFile(filepath.Join(dir, pidFile), []byte(strconv.Itoa(os.Getpid())+"\n"), 0o644); err != nil {
		return err
	}
	idPath := filepath.Join(dir, idFile)
	if _, err := os.Stat(idPath); err == nil && !created {
		return nil
	}
	var id [16]byte
	_, _ = rand.Read(id[:])
	line := fmt.Sprintf("%s created %s\n", hex.EncodeToString(id[:]), time.Now().UTC().Format(time.RFC3339))
	return os.WriteFile(idPath, []byte(line), 0o644)
}

// Close closes the store and removes an ephemeral one.
func (d *DB) Close() error {
	err := d.DB.Close()
	if d.tmp != "" {
		_ = os.RemoveAll(d.tmp)
	}
	return err
}
