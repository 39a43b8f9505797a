// Package schemas holds the JSON Schema (draft 2020-12) of every event type
// at every schema version, embedded in the binary: <Type>/v<N>.json, with
// building blocks shared through defs.json. A stored event must stay valid
// against the schema of its version forever, so a published version is
// never edited: a change is a new version plus an upcaster in the event's
// domain.EventType. testdata/<Type>/v<N>.json holds one example per version.
package schemas

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"regexp"
	"slices"
	"strconv"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

//go:embed defs.json */v*.json
var files embed.FS

// base is the URL the schemas' $id values live under; nothing is fetched
// from it.
const base = "https://shopstream.example/schemas/"

// ErrUnknown means there is no schema for the event type and version.
var ErrUnknown = errors.New("schemas: no schema for this event type and version")

// Ref names one schema: an event type at a schema version.
type Ref struct {
	Type    string
	Version int
}

var schemaFile = regexp.MustCompile(`^([A-Za-z]+)/v([1-9][0-9]*)\.json$`)

var compiled = sync.OnceValues(compile)

func compile() (map[Ref]*jsonschema.Schema, error) {
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	c.UseLoader(noLoader{}) // every $ref resolves inside the embedded files
	refs := map[Ref]string{}
	err := fs.WalkDir(files, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := files.ReadFile(p)
		if err != nil {
			return err
		}
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
		if err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
		if err := c.AddResource(base+p, doc); err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
		if m := schemaFile.FindStringSubmatch(p); m != nil {
			v, _ := strconv.Atoi(m[2])
			refs[Ref{m[1], v}] = base + p
		} else if p != "defs.json" {
			return fmt.Errorf("%s: not named <Type>/v<N>.json", p)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("schemas: load: %w", err)
	}
	out := make(map[Ref]*jsonschema.Schema, len(refs))
	for r, url := range refs {
		s, err := c.Compile(url)
		if err != nil {
			return nil, fmt.Errorf("schemas: compile %s v%d: %w", r.Type, r.Version, err)
		}
		out[r] = s
	}
	return out, nil
}

type noLoader struct{}

func (noLoader) Load(url string) (any, error) {
	return nil, fmt.Errorf("schemas: %s is not embedded", url)
}

// Validate checks data, the JSON payload of an event, against the schema of
// eventType at version. It returns an error wrapping ErrUnknown when there is
// no such schema, and one naming the failing locations when data does not
// conform.
func Validate(eventType string, version int, data []byte) error {
	all, err := compiled()
	if err != nil {
		return err
	}
	s, ok := all[Ref{eventType, version}]
	if !ok {
		return fmt.Errorf("validate %s v%d: %w", eventType, version, ErrUnknown)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		return fmt.Errorf("schemas: validate %s v%d: not JSON: %w", eventType, version, err)
	}
	if err := s.Validate(doc); err != nil {
		return fmt.Errorf("schemas: validate %s v%d: %w", eventType, version, err)
	}
	return nil
}

// Refs returns every embedded schema, sorted by type then version.
func Refs() ([]Ref, error) {
	all, err := compiled()
	if err != nil {
		return nil, err
	}
	out := make([]Ref, 0, len(all))
	for r := range all {
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b Ref) int {
		if a.Type != b.Type {
			if a.Type < b.Type {
				return -1
			}
			return 1
		}
		return a.Version - b.Version
	})
	return out, nil
}
