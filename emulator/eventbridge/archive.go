package eventbridge

import (
	"bytes"
	"encoding/json"
	"maps"
	"slices"
	"strings"

	bolt "go.etcd.io/bbolt"

	"github.com/shopstream/shopstream/emulator/awsapi"
	"github.com/shopstream/shopstream/emulator/eventbridge/pattern"
)

type archivedEvent struct {
	archive *archive
	seq     uint64
	event   json.RawMessage
}

func archivedKey(name string, seq uint64) []byte {
	return append([]byte(name+"\x00"), seqKey(seq)...)
}

// persistAccepted stores new deliveries and archived events in one
// transaction. The caller holds s.mu.
func (s *Service) persistAccepted(deliveries []*delivery, archived []archivedEvent) error {
	if len(deliveries) == 0 && len(archived) == 0 {
		return nil
	}
	counts := map[*archive]archive{}
	err := s.cfg.DB.Update(func(tx *bolt.Tx) error {
		ob := tx.Bucket(bucketOutbox)
		for _, d := range deliveries {
			raw, err := json.Marshal(d)
			if err != nil {
				return err
			}
			if err := ob.Put(seqKey(d.Seq), raw); err != nil {
				return err
			}
		}
		ab := tx.Bucket(bucketArchived)
		for _, e := range archived {
			if err := ab.Put(archivedKey(e.archive.Name, e.seq), e.event); err != nil {
				return err
			}
			c, ok := counts[e.archive]
			if !ok {
				c = *e.archive
			}
			c.EventCount++
			c.SizeBytes += len(e.event)
			counts[e.archive] = c
		}
		for _, c := range counts {
			raw, err := json.Marshal(&c)
			if err != nil {
				return err
			}
			if err := tx.Bucket(bucketArchives).Put([]byte(c.Name), raw); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	for a, c := range counts {
		a.EventCount, a.SizeBytes = c.EventCount, c.SizeBytes
	}
	return nil
}

// ArchivedEvents returns the events an archive holds, oldest first.
func (s *Service) ArchivedEvents(name string) ([]json.RawMessage, error) {
	var out []json.RawMessage
	prefix := []byte(name + "\x00")
	err := s.cfg.DB.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketArchived).Cursor()
		for k, v := c.Seek(prefix); k != nil && len(k) == len(prefix)+8 && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			out = append(out, append(json.RawMessage(nil), v...))
		}
		return nil
	})
	return out, err
}

// defineArchive creates or updates an archive of a bus. The caller holds
// s.mu.
func (s *Service) defineArchive(name, sourceARN, eventPattern, description string, retentionDays int) (*archive, error) {
	if !nameRE.MatchString(name) {
		return nil, validation("1 validation error detected: Value '%s' at 'archiveName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\.\\-_A-Za-z0-9]+", name)
	}
	if s.buses[busName(sourceARN)] == nil || busARN(busName(sourceARN)) != sourceARN {
		return nil, notFound("Event bus %s does not exist.", sourceARN)
	}
	if retentionDays < 0 {
		return nil, validation("RetentionDays must be 0 (indefinite) or more.")
	}
	a := &archive{Name: name, ARN: archiveARN(name), SourceARN: sourceARN, EventPattern: eventPattern,
		Description: description, RetentionDays: retentionDays, Created: s.cfg.Now()}
	if eventPattern != "" {
		p, err := pattern.Compile([]byte(eventPattern))
		if err != nil {
			return nil, awsapi.Errorf("InvalidEventPatternException", "%s", err.Error())
		}
		a.compiled = p
	}
	if old := s.archives[name]; old != nil {
		a.Created, a.EventCount, a.SizeBytes = old.Created, old.EventCount, old.SizeBytes
	}
	if err := s.put(bucketArchives, []byte(name), a); err != nil {
		return nil, err
	}
	s.archives[name] = a
	return a, nil
}

func (s *Service) createArchive(body []byte) (any, error) {
	var in struct {
		ArchiveName, EventSourceArn, EventPattern, Description string
		RetentionDays                                          int
	}
	if err := decodeInput(body, &in); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.archives[in.ArchiveName] != nil {
		return nil, awsapi.Errorf("ResourceAlreadyExistsException", "Archive %s already exists.", in.ArchiveName)
	}
	a, err := s.defineArchive(in.ArchiveName, in.EventSourceArn, in.EventPattern, in.Description, in.RetentionDays)
	if err != nil {
		return nil, err
	}
	return map[string]any{"ArchiveArn": a.ARN, "State": "ENABLED", "CreationTime": awsapi.EpochSeconds(a.Created)}, nil
}

func archiveOutput(a *archive) map[string]any {
	out := map[string]any{
		"ArchiveName": a.Name, "ArchiveArn": a.ARN, "EventSourceArn": a.SourceARN, "State": "ENABLED",
		"RetentionDays": a.RetentionDays, "EventCount": a.EventCount, "SizeBytes": a.SizeBytes,
		"CreationTime": awsapi.EpochSeconds(a.Created),
	}
	if a.EventPattern != "" {
		out["EventPattern"] = a.EventPattern
	}
	if a.Description != "" {
		out["Description"] = a.Description
	}
	return out
}

func (s *Service) describeArchive(body []byte) (any, error) {
	var in struct{ ArchiveName string }
	if err := decodeInput(body, &in); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.archives[in.ArchiveName]
	if a == nil {
		return nil, notFound("Archive %s does not exist.", in.ArchiveName)
	}
	return archiveOutput(a), nil
}

func (s *Service) listArchives(body []byte) (any, error) {
	var in struct{ NamePrefix, EventSourceArn string }
	if err := decodeInput(body, &in); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []map[string]any{}
	for _, name := range slices.Sorted(maps.Keys(s.archives)) {
		a := s.archives[name]
		if strings.HasPrefix(name, in.NamePrefix) && (in.EventSourceArn == "" || a.SourceARN == in.EventSourceArn) {
			out = append(out, archiveOutput(a))
		}
	}
	return map[string]any{"Archives": out}, nil
}
