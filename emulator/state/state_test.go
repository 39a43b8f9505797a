package state

import (
	"errors"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// fill creates dir's store with enough data to span many pages.
func fill(t *testing.T, dir string) {
	t.Helper()
	db, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, name := range []string{"dynamodb/Events", "sqs/queue"} {
			b, err := tx.CreateBucketIfNotExists([]byte(name))
			if err != nil {
				return err
			}
			for i := 0; i < 2000; i++ {
				if err := b.Put([]byte(fmt.Sprintf("key-%05d", i)), []byte(strings.Repeat("v", 200))); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestOpenDamaged(t *testing.T) {
	tests := []struct {
		name   string
		damage func(t *testing.T, path string)
		want   string // in the error, after the file's path
	}{
		{"empty", func(t *testing.T, path string) {
			if err := os.Truncate(path, 0); err != nil {
				t.Fatal(err)
			}
		}, "is empty but"},
		{"truncated to half", func(t *testing.T, path string) {
			fi, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.Truncate(path, fi.Size()/2); err != nil {
				t.Fatal(err)
			}
		}, "is damaged (truncated:"},
		{"truncated to one page", func(t *testing.T, path string) {
			if err := os.Truncate(path, 4096); err != nil {
				t.Fatal(err)
			}
		}, "is damaged ("},
		{"4 KB scribbled mid-file", func(t *testing.T, path string) {
			fi, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			junk := make([]byte, 4096)
			rand.New(rand.NewSource(1)).Read(junk)
			f, err := os.OpenFile(path, os.O_WRONLY, 0)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if _, err := f.WriteAt(junk, fi.Size()/2); err != nil {
				t.Fatal(err)
			}
		}, "is damaged ("},
		{"meta pages scribbled", func(t *testing.T, path string) {
			f, err := os.OpenFile(path, os.O_WRONLY, 0)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if _, err := f.WriteAt(make([]byte, 8192), 0); err != nil {
				t.Fatal(err)
			}
		}, "is damaged ("},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			fill(t, dir)
			path := filepath.Join(dir, "state.db")
			tt.damage(t, path)
			before, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			db, err := Open(dir)
			if err == nil {
				db.Close()
				t.Fatal("Open succeeded on a damaged file")
			}
			msg := err.Error()
			t.Log(msg)
			if !errors.Is(err, ErrDamaged) || !strings.Contains(msg, path+" "+tt.want) {
				t.Errorf("error = %q, want ErrDamaged and %q", msg, path+" "+tt.want)
			}
			if strings.Contains(msg, "\n") || !strings.Contains(msg, "restore") {
				t.Errorf("error = %q, want one line that says what to do", msg)
			}
			after, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if string(before) != string(after) {
				t.Error("Open changed the damaged file")
			}
		})
	}
}

func TestOpenNewAndReopen(t *testing.T) {
	dir := t.TempDir()
	fill(t, dir)
	if _, err := os.Stat(filepath.Join(dir, "state.id")); err != nil {
		t.Fatalf("no marker after creating the store: %v", err)
	}
	db, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.View(func(tx *bolt.Tx) error {
		if n := tx.Bucket([]byte("sqs/queue")).Stats().KeyN; n != 2000 {
			return fmt.Errorf("reopened store has %d keys, want 2000", n)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// An empty state.db with no state.id is a store whose first start was
// interrupted (or one from before the marker): it is created afresh.
func TestOpenEmptyWithoutMarker(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "state.db"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	db, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	if _, err := os.Stat(filepath.Join(dir, "state.id")); err != nil {
		t.Fatalf("no marker after creating the store: %v", err)
	}
}

func TestOpenInUse(t *testing.T) {
	dir := t.TempDir()
	db, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	start := time.Now()
	second, err := Open(dir)
	if err == nil {
		second.Close()
		t.Fatal("a second Open of the same directory succeeded")
	}
	if took := time.Since(start); took > LockTimeout+time.Second {
		t.Errorf("second Open took %v", took)
	}
	want := fmt.Sprintf("data directory %s in use by pid %d", dir, os.Getpid())
	if !errors.Is(err, ErrInUse) || !strings.Contains(err.Error(), want) {
		t.Errorf("error = %q, want ErrInUse and %q", err, want)
	}
}
