package logs

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Buckets. Events live in one nested bucket per group under bucketEvents,
// keyed by the group's 8-byte big-endian sequence number, so dropping the
// oldest is deleting from the front.
var (
	bucketGroups  = []byte("logs/groups")  // name → groupRecord
	bucketStreams = []byte("logs/streams") // group "\x00" stream → streamRecord
	bucketEvents  = []byte("logs/events")  // group → (seq → eventRecord)
)

type groupRecord struct {
	Name      string `json:"name"`
	Created   int64  `json:"created"` // epoch ms
	Retention int    `json:"retention,omitempty"`
	// Template is the logical id of the AWS::Logs::LogGroup it came from.
	Template string `json:"template,omitempty"`
}

type streamRecord struct {
	Name          string `json:"name"`
	Created       int64  `json:"created"`
	First         int64  `json:"first,omitempty"` // event timestamps, epoch ms
	Last          int64  `json:"last,omitempty"`
	LastIngestion int64  `json:"lastIngestion,omitempty"`
}

// event is one kept log event; on disk without Seq (it is the key).
type event struct {
	Seq       uint64 `json:"-"`
	Stream    string `json:"s"`
	Time      int64  `json:"t"` // epoch ms
	Ingestion int64  `json:"i"`
	Message   string `json:"m"`
	RequestID string `json:"r,omitempty"`
}

type group struct {
	rec     groupRecord
	streams map[string]*streamRecord
	events  []*event // in Seq order
	next    uint64   // the next Seq
	bytes   int64    // stored bytes, as DescribeLogGroups reports them

	// Not yet on disk: the group record, streams changed, events from
	// Seq persisted on, and events dropped (by cap or retention).
	dirty        bool
	dirtyStreams map[string]bool
	persisted    uint64
	dropped      []uint64
}

func newGroup(rec groupRecord) *group {
	return &group{rec: rec, streams: map[string]*streamRecord{}, dirtyStreams: map[string]bool{}, next: 1, persisted: 1, dirty: true}
}

// stream returns the named stream, creating it.
func (g *group) stream(name string, now time.Time) *streamRecord {
	st := g.streams[name]
	if st == nil {
		st = &streamRecord{Name: name, Created: now.UnixMilli()}
		g.streams[name] = st
		g.dirtyStreams[name] = true
	}
	return st
}

// add appends one event to st, unless it is older than the retention, and
// drops the oldest events beyond max. It reports whether it kept it.
func (g *group) add(st *streamRecord, ts, ingestion int64, msg, requestID string, max int) bool {
	if g.rec.Retention > 0 && ts < retentionCutoff(ingestion, g.rec.Retention) {
		return false
	}
	g.events = append(g.events, &event{Seq: g.next, Stream: st.Name, Time: ts, Ingestion: ingestion, Message: msg, RequestID: requestID})
	g.next++
	g.bytes += int64(len(msg))
	if st.First == 0 || ts < st.First {
		st.First = ts
	}
	if ts > st.Last {
		st.Last = ts
	}
	st.LastIngestion = ingestion
	g.dirtyStreams[st.Name] = true
	g.trim(max)
	return true
}

// trim drops the oldest events beyond max.
func (g *group) trim(max int) {
	if over := len(g.events) - max; over > 0 {
		g.drop(g.events[:over])
		// Reslicing keeps this O(1) per event; append moves the live
		// events to a new array once the old one fills.
		clear(g.events[:over])
		g.events = g.events[over:]
	}
}

func retentionCutoff(nowMs int64, days int) int64 {
	return nowMs - int64(days)*24*int64(time.Hour/time.Millisecond)
}

// prune drops the events older than the retention.
func (g *group) prune(now time.Time) {
	if g.rec.Retention <= 0 {
		return
	}
	cutoff := retentionCutoff(now.UnixMilli(), g.rec.Retention)
	keep := g.events[:0]
	var old []*event
	for _, e := range g.events {
		if e.Time < cutoff {
			old = append(old, e)
		} else {
			keep = append(keep, e)
		}
	}
	if len(old) > 0 {
		g.drop(old)
		clear(g.events[len(keep):])
		g.events = keep
	}
}

// drop forgets evs (still in g.events; the caller removes them).
func (g *group) drop(evs []*event) {
	for _, e := range evs {
		g.bytes -= int64(len(e.Message))
		if e.Seq < g.persisted {
			g.dropped = append(g.dropped, e.Seq)
		}
	}
}

func seqKey(seq uint64) []byte {
	var k [8]byte
	binary.BigEndian.PutUint64(k[:], seq)
	return k[:]
}

func streamKey(group, stream string) []byte { return []byte(group + "\x00" + stream) }

// load reads every group, stream and event back.
func (s *Service) load() error {
	return s.db.Update(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bucketGroups, bucketStreams, bucketEvents} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		err := tx.Bucket(bucketGroups).ForEach(func(k, v []byte) error {
			var rec groupRecord
			if err := json.Unmarshal(v, &rec); err != nil {
				return fmt.Errorf("group %s: %w", k, err)
			}
			g := newGroup(rec)
			g.dirty = false
			s.groups[rec.Name] = g
			return nil
		})
		if err != nil {
			return err
		}
		err = tx.Bucket(bucketStreams).ForEach(func(k, v []byte) error {
			var rec streamRecord
			if err := json.Unmarshal(v, &rec); err != nil {
				return fmt.Errorf("stream %q: %w", k, err)
			}
			name, _, _ := cutZero(k)
			if g := s.groups[name]; g != nil {
				g.streams[rec.Name] = &rec
			}
			return nil
		})
		if err != nil {
			return err
		}
		events := tx.Bucket(bucketEvents)
		for name, g := range s.groups {
			b := events.Bucket([]byte(name))
			if b == nil {
				continue
			}
			err := b.ForEach(func(k, v []byte) error {
				e := &event{Seq: binary.BigEndian.Uint64(k)}
				if err := json.Unmarshal(v, e); err != nil {
					return fmt.Errorf("group %s event %d: %w", name, e.Seq, err)
				}
				g.events = append(g.events, e)
				g.bytes += int64(len(e.Message))
				g.next = e.Seq + 1
				return nil
			})
			if err != nil {
				return err
			}
			g.persisted = g.next
			g.prune(s.now()) // what expired while the runtime was down
			g.trim(s.max)    // a cap lowered since
		}
		return nil
	})
}

func cutZero(k []byte) (string, string, bool) {
	for i, c := range k {
		if c == 0 {
			return string(k[:i]), string(k[i+1:]), true
		}
	}
	return string(k), "", false
}

// pending is one group's share of a flush.
type pending struct {
	name    string
	rec     *groupRecord
	streams []streamRecord
	events  []*event
	dropped []uint64
	next    uint64
	from    uint64 // the group's persisted mark before this flush
}

// flush writes what changed since the last flush in one transaction.
// Events are immutable once added, so they are written outside s.mu.
func (s *Service) flush() error {
	s.flushMu.Lock()
	defer s.flushMu.Unlock()
	gone, work := s.take()
	if len(work) == 0 && len(gone) == 0 {
		return nil
	}
	err := s.db.Update(func(tx *bolt.Tx) error {
		for _, name := range gone {
			if err := deleteGroup(tx, name); err != nil {
				return err
			}
		}
		for _, p := range work {
			if err := writePending(tx, p); err != nil {
				return fmt.Errorf("group %s: %w", p.name, err)
			}
		}
		return nil
	})
	if err != nil {
		s.unflushed(gone, work)
	}
	return err
}

// take collects what changed since the last flush and marks it flushed;
// unflushed puts it back if the write fails. flushMu must be held.
func (s *Service) take() (gone []string, work []pending) {
	s.mu.Lock()
	defer s.mu.Unlock()
	gone, s.gone = s.gone, nil
	for name, g := range s.groups {
		if !g.dirty && len(g.dirtyStreams) == 0 && g.persisted == g.next && len(g.dropped) == 0 {
			continue
		}
		p := pending{name: name, dropped: g.dropped, next: g.next, from: g.persisted}
		if g.dirty {
			rec := g.rec
			p.rec = &rec
		}
		for n := range g.dirtyStreams {
			p.streams = append(p.streams, *g.streams[n])
		}
		for i := len(g.events) - 1; i >= 0 && g.events[i].Seq >= g.persisted; i-- {
			p.events = append(p.events, g.events[i])
		}
		g.dirty, g.dirtyStreams, g.dropped, g.persisted = false, map[string]bool{}, nil, g.next
		work = append(work, p)
	}
	return gone, work
}

// unflushed marks what a failed flush took as pending again, so that the
// next flush (or Close's) writes it: nothing accepted is dropped because
// one write failed. flushMu is held, so no other flush moved the marks.
func (s *Service) unflushed(gone []string, work []pending) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.gone = append(gone, s.gone...)
	for _, p := range work {
		g := s.groups[p.name]
		if g == nil {
			continue // deleted since: s.gone has it
		}
		g.dirty = g.dirty || p.rec != nil
		for _, st := range p.streams {
			g.dirtyStreams[st.Name] = true
		}
		g.dropped = append(p.dropped, g.dropped...)
		g.persisted = min(g.persisted, p.from)
	}
}

func writePending(tx *bolt.Tx, p pending) error {
	if p.rec != nil {
		raw, err := json.Marshal(p.rec)
		if err != nil {
			return err
		}
		if err := tx.Bucket(bucketGroups).Put([]byte(p.name), raw); err != nil {
			return err
		}
	}
	for _, st := range p.streams {
		raw, err := json.Marshal(st)
		if err != nil {
			return err
		}
		if err := tx.Bucket(bucketStreams).Put(streamKey(p.name, st.Name), raw); err != nil {
			return err
		}
	}
	b, err := tx.Bucket(bucketEvents).CreateBucketIfNotExists([]byte(p.name))
	if err != nil {
		return err
	}
	for _, seq := range p.dropped {
		if err := b.Delete(seqKey(seq)); err != nil {
			return err
		}
	}
	for _, e := range p.events {
		raw, err := json.Marshal(e)
		if err != nil {
			return err
		}
		if err := b.Put(seqKey(e.Seq), raw); err != nil {
			return err
		}
	}
	return nil
}

// deleteGroup removes a group's record, streams and events.
func deleteGroup(tx *bolt.Tx, name string) error {
	if err := tx.Bucket(bucketGroups).Delete([]byte(name)); err != nil {
		return err
	}
	streams := tx.Bucket(bucketStreams)
	prefix := []byte(name + "\x00")
	c := streams.Cursor()
	var keys [][]byte
	for k, _ := c.Seek(prefix); k != nil && len(k) >= len(prefix) && string(k[:len(prefix)]) == string(prefix); k, _ = c.Next() {
		keys = append(keys, append([]byte(nil), k...))
	}
	for _, k := range keys {
		if err := streams.Delete(k); err != nil {
			return err
		}
	}
	if tx.Bucket(bucketEvents).Bucket([]byte(name)) != nil {
		return tx.Bucket(bucketEvents).DeleteBucket([]byte(name))
	}
	return nil
}
