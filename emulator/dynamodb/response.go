package dynamodb

import (
	"bytes"
	"encoding/json"
	"strconv"

	"github.com/shopstream/shopstream/emulator/dynamodb/attr"
)

// response builds a JSON object directly, so hot paths (GetItem, Query,
// Scan) do not pay for encoding/json reflecting over items and then
// re-validating their Marshaler output.
type response struct {
	b bytes.Buffer
}

func (r *response) key(name string) {
	if r.b.Len() == 0 {
		r.b.WriteByte('{')
	} else {
		r.b.WriteByte(',')
	}
	r.b.WriteByte('"')
	r.b.WriteString(name)
	r.b.WriteString(`":`)
}

func (r *response) item(name string, item attr.Item) {
	r.key(name)
	attr.EncodeItem(&r.b, item)
}

func (r *response) items(name string, items []attr.Item) {
	r.key(name)
	r.b.WriteByte('[')
	for i, it := range items {
		if i > 0 {
			r.b.WriteByte(',')
		}
		attr.EncodeItem(&r.b, it)
	}
	r.b.WriteByte(']')
}

func (r *response) int(name string, n int) {
	r.key(name)
	r.b.WriteString(strconv.Itoa(n))
}

// value encodes anything else with encoding/json.
func (r *response) value(name string, v any) {
	raw, err := json.Marshal(v)
	if err != nil {
		raw = []byte("null")
	}
	r.key(name)
	r.b.Write(raw)
}

func (r *response) done() json.RawMessage {
	if r.b.Len() == 0 {
		return json.RawMessage("{}")
	}
	r.b.WriteByte('}')
	return r.b.Bytes()
}
