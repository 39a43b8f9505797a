package dynamodb

import (
	"github.com/shopstream/shopstream/emulator/dynamodb/attr"
)

// Wire shapes shared by CreateTable, DescribeTable and CloudFormation.
type keyElem struct {
	AttributeName string
	KeyType       string // HASH or RANGE
}

type attrDef struct {
	AttributeName string
	AttributeType string
}

type projection struct {
	ProjectionType   string   `json:",omitempty"`
	NonKeyAttributes []string `json:",omitempty"`
}

type indexDef struct {
	IndexName  string
	KeySchema  []keyElem
	Projection projection
}

type streamSpec struct {
	StreamEnabled  bool
	StreamViewType string `json:",omitempty"`
}

// tableDef is what a table is made from and what is persisted about it.
type tableDef struct {
	TableName            string
	KeySchema            []keyElem
	AttributeDefinitions []attrDef
	GlobalIndexes        []indexDef `json:",omitempty"`
	LocalIndexes         []indexDef `json:",omitempty"`
	Stream               streamSpec
	BillingMode          string
	ReadCapacity         int64
	WriteCapacity        int64
	CreatedAt            float64 // epoch seconds
	StreamLabel          string  `json:",omitempty"`
	TableID              string
}

// keySchema names a primary key (table or index) and its attribute types.
type keySchema struct {
	hash, rng   string
	hashT, rngT attr.Type
}

// keyAttr is one attribute of a key schema.
type keyAttr struct {
	name string
	t    attr.Type
}

// attrs lists the key's attributes, partition key first; a key without a
// sort key has an empty second name.
func (k keySchema) attrs() [2]keyAttr {
	return [2]keyAttr{{k.hash, k.hashT}, {k.rng, k.rngT}}
}

// emptyKeyValue reports whether v is an empty string or binary, which no
// key attribute may hold.
func emptyKeyValue(v attr.Value) bool { return (v.T == attr.S || v.T == attr.B) && v.Str == "" }

// errEmptyKey is the error for a table key attribute holding an empty value.
func errEmptyKey(name string, v attr.Value) error {
	return validation("One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty %s value. Key: %s", map[attr.Type]string{attr.S: "string", attr.B: "binary"}[v.T], name)
}

// index is a secondary index with its own sorted store.
type index struct {
	def    indexDef
	key    keySchema
	global bool
	st     *store
	// include lists the non-key attributes projected (INCLUDE).
	include map[string]bool
	size    int64 // bytes of projected items, for DescribeTable
}

type table struct {
	def     tableDef
	key     keySchema
	st      *store
	indexes []*index
	byName  map[string]*index
	size    int64
	stream  *stream // nil when streams are disabled
	// consumed totals the capacity units the table's operations have
	// consumed since start (see Service.Consumed).
	consumed *meter
}

func (t *table) arn() string { return tableARN(t.def.TableName) }

func schemaOf(ks []keyElem, defs []attrDef) (keySchema, error) {
	types := map[string]attr.Type{}
	for _, d := range defs {
		types[d.AttributeName] = attr.ParseType(d.AttributeType)
	}
	var k keySchema
	for _, e := range ks {
		switch e.KeyType {
		case "HASH":
			if k.hash != "" {
				return k, validation("Invalid KeySchema: The second KeySchemaElement is not a RANGE key type")
			}
			k.hash, k.hashT = e.AttributeName, types[e.AttributeName]
		case "RANGE":
			k.rng, k.rngT = e.AttributeName, types[e.AttributeName]
		default:
			return k, validation("1 validation error detected: Value '%s' at 'keySchema.1.member.keyType' failed to satisfy constraint: Member must satisfy enum value set: [HASH, RANGE]", e.KeyType)
		}
	}
	if k.hash == "" {
		return k, validation("Invalid KeySchema: The first KeySchemaElement is not a HASH key type")
	}
	return k, nil
}

// newTable builds an empty table from its definition, validating it as
// CreateTable does.
func newTable(def tableDef) (*table, error) {
	if n := len(def.TableName); n < 3 || n > 255 {
		return nil, validation("1 validation error detected: Value '%s' at 'tableName' failed to satisfy constraint: Member must have length greater than or equal to 3", def.TableName)
	}
	for _, c := range def.TableName {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.') {
			return nil, validation("1 validation error detected: Value '%s' at 'tableName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+", def.TableName)
		}
	}
	defined := map[string]bool{}
	var defNames []string
	for _, d := range def.AttributeDefinitions {
		if t := attr.ParseType(d.AttributeType); t != attr.S && t != attr.N && t != attr.B {
			return nil, validation("1 validation error detected: Value '%s' at 'attributeDefinitions.1.member.attributeType' failed to satisfy constraint: Member must satisfy enum value set: [B, N, S]", d.AttributeType)
		}
		defined[d.AttributeName] = true
		defNames = append(defNames, d.AttributeName)
	}
	used := map[string]bool{}
	var usedNames []string
	checkKeys := func(ks []keyElem) error {
		for _, e := range ks {
			if !defined[e.AttributeName] {
				return validation("One or more parameter values were invalid: Some index key attributes are not defined in AttributeDefinitions. Keys: [%s], AttributeDefinitions: %v", e.AttributeName, defNames)
			}
			if !used[e.AttributeName] {
				used[e.AttributeName] = true
				usedNames = append(usedNames, e.AttributeName)
			}
		}
		return nil
	}
	key, err := schemaOf(def.KeySchema, def.AttributeDefinitions)
	if err != nil {
		return nil, err
	}
	if err := checkKeys(def.KeySchema); err != nil {
		return nil, err
	}
	t := &table{def: def, key: key, st: newStore(), byName: map[string]*index{}, consumed: &meter{}}
	add := func(d indexDef, global bool) error {
		if t.byName[d.IndexName] != nil || d.IndexName == "" {
			return validation("One or more parameter values were invalid: Duplicate index name: %s", d.IndexName)
		}
		if err := checkKeys(d.KeySchema); err != nil {
			return err
		}
		k, err := schemaOf(d.KeySchema, def.AttributeDefinitions)
		if err != nil {
			return err
		}
		if !global && (k.hash != key.hash || k.rng == "") {
			return validation("One or more parameter values were invalid: Index KeySchema does not have a range key for index: %s", d.IndexName)
		}
		switch d.Projection.ProjectionType {
		case "":
			d.Projection.ProjectionType = "ALL"
		case "ALL", "KEYS_ONLY", "INCLUDE":
		default:
			return validation("1 validation error detected: Value '%s' at 'projection.projectionType' failed to satisfy constraint: Member must satisfy enum value set: [ALL, INCLUDE, KEYS_ONLY]", d.Projection.ProjectionType)
		}
		ix := &index{def: d, key: k, global: global, st: newStore(), include: map[string]bool{}}
		for _, n := range d.Projection.NonKeyAttributes {
			ix.include[n] = true
		}
		t.indexes = append(t.indexes, ix)
		t.byName[d.IndexName] = ix
		return nil
	}
	for i, d := range def.GlobalIndexes {
		if err := add(d, true); err != nil {
			return nil, err
		}
		t.def.GlobalIndexes[i].Projection = t.byName[d.IndexName].def.Projection
	}
	for i, d := range def.LocalIndexes {
		if err := add(d, false); err != nil {
			return nil, err
		}
		t.def.LocalIndexes[i].Projection = t.byName[d.IndexName].def.Projection
	}
	if len(used) != len(defined) {
		return nil, validation("One or more parameter values were invalid: Number of attributes in KeySchema does not exactly match number of attributes defined in AttributeDefinitions")
	}
	if def.Stream.StreamEnabled {
		switch def.Stream.StreamViewType {
		case "KEYS_ONLY", "NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES":
		default:
			return nil, validation("One or more parameter values were invalid: StreamViewType is invalid: %q", def.Stream.StreamViewType)
		}
	}
	return t, nil
}

// primaryKey returns the key attributes of item and its identity string.
func (k keySchema) primaryKey(item attr.Item) (attr.Item, string) {
	key := attr.Item{k.hash: item[k.hash]}
	tk := attr.KeyString(item[k.hash])
	if k.rng != "" {
		key[k.rng] = item[k.rng]
		tk += "\x00" + attr.KeyString(item[k.rng])
	}
	return key, tk
}

// checkItemKeys validates the key attributes of an item being written.
func (k keySchema) checkItemKeys(item attr.Item) error {
	for _, n := range k.attrs() {
		if n.name == "" {
			continue
		}
		v, ok := item[n.name]
		if !ok {
			return validation("One or more parameter values were invalid: Missing the key %s in the item", n.name)
		}
		if v.T != n.t {
			return validation("One or more parameter values were invalid: Type mismatch for key %s expected: %s actual: %s", n.name, n.t, v.T)
		}
		if emptyKeyValue(v) {
			return errEmptyKey(n.name, v)
		}
	}
	return k.checkKeySize(item)
}

// Key size limits: 2048 bytes for a partition key, 1024 for a sort key.
const (
	maxHashKey  = 2048
	maxRangeKey = 1024
)

func (k keySchema) checkKeySize(item attr.Item) error {
	if item[k.hash].Size() > maxHashKey {
		return validation("One or more parameter values were invalid: Size of hashkey has exceeded the maximum size limit of %d bytes", maxHashKey)
	}
	if k.rng != "" && item[k.rng].Size() > maxRangeKey {
		return validation("One or more parameter values were invalid: Aggregated size of all range keys has exceeded the size limit of %d bytes", maxRangeKey)
	}
	return nil
}

// checkKey validates a Key parameter: exactly the key attributes.
func (k keySchema) checkKey(key attr.Item) error {
	want := 1
	if k.rng != "" {
		want = 2
	}
	if len(key) != want {
		return validation("The provided key element does not match the schema")
	}
	for _, n := range k.attrs() {
		if n.name == "" {
			continue
		}
		v, ok := key[n.name]
		if !ok || v.T != n.t {
			return validation("The provided key element does not match the schema")
		}
		if emptyKeyValue(v) {
			return errEmptyKey(n.name, v)
		}
	}
	return k.checkKeySize(key)
}

// has returns whether item belongs in ix (sparse indexes skip items
// without the index key attributes) or an error if it has them with the
// wrong type.
func (ix *index) has(item attr.Item) (bool, error) {
	for _, n := range ix.key.attrs() {
		if n.name == "" {
			continue
		}
		v, ok := item[n.name]
		if !ok {
			return false, nil
		}
		if v.T != n.t {
			return false, validation("One or more parameter values were invalid: Type mismatch for Index Key %s Expected: %s Actual: %s IndexName: %s", n.name, n.t, v.T, ix.def.IndexName)
		}
		if emptyKeyValue(v) {
			return false, validation("One or more parameter values are not valid. A value specified for a secondary index key is not supported. The AttributeValue for a key attribute cannot contain an empty string value. IndexName: %s, IndexKey: %s", ix.def.IndexName, n.name)
		}
	}
	return true, nil
}

// project returns the attributes of item the index stores.
func (ix *index) project(t *table, item attr.Item) attr.Item {
	if ix.def.Projection.ProjectionType == "ALL" {
		return item
	}
	out := attr.Item{}
	for _, n := range []string{t.key.hash, t.key.rng, ix.key.hash, ix.key.rng} {
		if v, ok := item[n]; ok && n != "" {
			out[n] = v
		}
	}
	for n := range ix.include {
		if v, ok := item[n]; ok {
			out[n] = v
		}
	}
	return out
}

// validateItemForIndexes checks index key types of an item being written.
func (t *table) validateIndexes(item attr.Item) error {
	for _, ix := range t.indexes {
		if _, err := ix.has(item); err != nil {
			return err
		}
	}
	return nil
}

// apply replaces old with item in the table and its indexes (either may be
// nil). Callers hold the service's write lock and have validated item.
func (t *table) apply(tk string, old, item attr.Item) {
	if old != nil {
		t.size -= int64(attr.ItemSize(old))
		t.st.remove(old[t.key.hash], old[t.key.rng], tk)
		for _, ix := range t.indexes {
			if ok, _ := ix.has(old); ok {
				ix.st.remove(old[ix.key.hash], old[ix.key.rng], tk)
				ix.size -= int64(attr.ItemSize(ix.project(t, old)))
			}
		}
	}
	if item != nil {
		t.size += int64(attr.ItemSize(item))
		t.st.put(item[t.key.hash], &entry{rk: item[t.key.rng], tk: tk, item: item})
		for _, ix := range t.indexes {
			if ok, _ := ix.has(item); ok {
				ix.st.put(item[ix.key.hash], &entry{rk: item[ix.key.rng], tk: tk, item: item})
				ix.size += int64(attr.ItemSize(ix.project(t, item)))
			}
		}
	}
}

// lookup returns the stored item with primary key key, or nil.
func (t *table) lookup(key attr.Item) (attr.Item, string) {
	_, tk := t.key.primaryKey(key)
	p := t.st.parts[attr.KeyString(key[t.key.hash])]
	if p == nil {
		return nil, tk
	}
	rk := key[t.key.rng]
	i := p.search(rk, tk)
	if i < len(p.entries) && cmpEntry(rk, tk, p.entries[i]) == 0 {
		return p.entries[i].item, tk
	}
	return nil, tk
}

func tableARN(name string) string { return arnPrefix + "table/" + name }
