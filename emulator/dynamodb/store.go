package dynamodb

import (
	"sort"

	"github.com/shopstream/shopstream/emulator/dynamodb/attr"
)

// entry is one item as seen by a store: its sort-key value (zero Value for
// hash-only keys), the table primary key string (identity, and tie-break in
// indexes), and the item itself. Items are immutable once stored: writes
// replace the entry's item, never mutate it.
type entry struct {
	rk   attr.Value
	tk   string
	item attr.Item
}

// partition holds the entries of one partition-key value, sorted by
// (rk, tk) so Query is a binary search plus a walk.
type partition struct {
	hash    attr.Value
	entries []*entry
}

// store is a sorted collection of partitions: the table itself or one
// secondary index. Scan order is partition-key order, kept in a sorted
// slice updated as partitions come and go (so readers never mutate it).
type store struct {
	parts map[string]*partition
	order []string // sorted partition keys
	count int
}

func newStore() *store { return &store{parts: map[string]*partition{}} }

func cmpEntry(rk attr.Value, tk string, e *entry) int {
	if c, ok := attr.Compare(rk, e.rk); ok && c != 0 {
		return c
	}
	switch {
	case tk < e.tk:
		return -1
	case tk > e.tk:
		return 1
	}
	return 0
}

// search returns the index of the first entry >= (rk, tk).
func (p *partition) search(rk attr.Value, tk string) int {
	return sort.Search(len(p.entries), func(i int) bool { return cmpEntry(rk, tk, p.entries[i]) <= 0 })
}

// put inserts or replaces the entry with e's (rk, tk).
func (s *store) put(hash attr.Value, e *entry) {
	hk := attr.KeyString(hash)
	p := s.parts[hk]
	if p == nil {
		p = &partition{hash: hash}
		s.parts[hk] = p
		j := sort.SearchStrings(s.order, hk)
		s.order = append(s.order, "")
		copy(s.order[j+1:], s.order[j:])
		s.order[j] = hk
	}
	i := p.search(e.rk, e.tk)
	if i < len(p.entries) && cmpEntry(e.rk, e.tk, p.entries[i]) == 0 {
		p.entries[i] = e
		return
	}
	p.entries = append(p.entries, nil)
	copy(p.entries[i+1:], p.entries[i:])
	p.entries[i] = e
	s.count++
}

// remove deletes the entry (hash, rk, tk) if present.
func (s *store) remove(hash attr.Value, rk attr.Value, tk string) {
	hk := attr.KeyString(hash)
	p := s.parts[hk]
	if p == nil {
		return
	}
	i := p.search(rk, tk)
	if i < len(p.entries) && cmpEntry(rk, tk, p.entries[i]) == 0 {
		p.entries = append(p.entries[:i], p.entries[i+1:]...)
		s.count--
		if len(p.entries) == 0 {
			delete(s.parts, hk)
			if j := sort.SearchStrings(s.order, hk); j < len(s.order) && s.order[j] == hk {
				s.order = append(s.order[:j], s.order[j+1:]...)
			}
		}
	}
}
