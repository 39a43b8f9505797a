package dynamodb

import (
	"crypto/sha256"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/shopstream/shopstream/emulator/awsapi"
)

type throughput struct {
	ReadCapacityUnits  flexInt
	WriteCapacityUnits flexInt
}

// flexInt accepts a JSON number or a numeric string: CloudFormation
// templates carry either.
type flexInt int64

func (f *flexInt) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	if s == "" || s == "null" {
		*f = 0
		return nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return fmt.Errorf("capacity units %s: not an integer", b)
	}
	*f = flexInt(n)
	return nil
}

type createIndexInput struct {
	IndexName             string
	KeySchema             []keyElem
	Projection            projection
	ProvisionedThroughput *throughput
}

type createTableInput struct {
	TableName              string
	KeySchema              []keyElem
	AttributeDefinitions   []attrDef
	GlobalSecondaryIndexes []createIndexInput
	LocalSecondaryIndexes  []createIndexInput
	StreamSpecification    *streamSpec
	BillingMode            string
	ProvisionedThroughput  *throughput
}

// definition turns a CreateTable request into a table definition.
func (in createTableInput) definition(now time.Time) tableDef {
	def := tableDef{
		TableName:            in.TableName,
		KeySchema:            in.KeySchema,
		AttributeDefinitions: in.AttributeDefinitions,
		BillingMode:          in.BillingMode,
		CreatedAt:            float64(now.UnixMilli()) / 1000,
	}
	if def.BillingMode == "" {
		def.BillingMode = "PROVISIONED"
	}
	if p := in.ProvisionedThroughput; p != nil && def.BillingMode == "PROVISIONED" {
		def.ReadCapacity, def.WriteCapacity = int64(p.ReadCapacityUnits), int64(p.WriteCapacityUnits)
	}
	for _, ix := range in.GlobalSecondaryIndexes {
		def.GlobalIndexes = append(def.GlobalIndexes, indexDef{ix.IndexName, ix.KeySchema, ix.Projection})
	}
	for _, ix := range in.LocalSecondaryIndexes {
		def.LocalIndexes = append(def.LocalIndexes, indexDef{ix.IndexName, ix.KeySchema, ix.Projection})
	}
	if in.StreamSpecification != nil {
		def.Stream = *in.StreamSpecification
	}
	sum := sha256.Sum256([]byte(fmt.Sprint(in.TableName, now.UnixNano())))
	def.TableID = fmt.Sprintf("%x-%x-%x-%x-%x", sum[0:4], sum[4:6], sum[6:8], sum[8:10], sum[10:16])
	if def.Stream.StreamEnabled {
		def.StreamLabel = now.UTC().Format("2006-01-02T15:04:05.000")
	}
	return def
}

// create validates def and adds the table; callers hold s.mu.
func (s *Service) create(def tableDef) (*table, error) {
	if s.tables[def.TableName] != nil {
		return nil, awsapi.Errorf("ResourceInUseException", "Table already exists: %s", def.TableName)
	}
	t, err := newTable(def)
	if err != nil {
		return nil, err
	}
	if def.Stream.StreamEnabled {
		t.stream = newStream(t)
	}
	if err := s.saveTable(t); err != nil {
		return nil, fmt.Errorf("dynamodb: save table %s: %w", def.TableName, err)
	}
	s.tables[def.TableName] = t
	return t, nil
}

func (s *Service) createTable(body []byte) (any, error) {
	var in createTableInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	switch in.BillingMode {
	case "PAY_PER_REQUEST":
	case "", "PROVISIONED":
		if in.ProvisionedThroughput == nil {
			return nil, validation("One or more parameter values were invalid: ReadCapacityUnits and WriteCapacityUnits must both be specified when BillingMode is PROVISIONED")
		}
	default:
		return nil, validation("1 validation error detected: Value '%s' at 'billingMode' failed to satisfy constraint: Member must satisfy enum value set: [PROVISIONED, PAY_PER_REQUEST]", in.BillingMode)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t, err := s.create(in.definition(s.clock()))
	if err != nil {
		return nil, err
	}
	d := t.describe()
	d["TableStatus"] = "ACTIVE"
	return map[string]any{"TableDescription": d}, nil
}

// describedTable is table for the control-plane calls, whose
// ResourceNotFoundException names the table (and which take an empty name
// as one more unknown table).
func (s *Service) describedTable(name string) (*table, error) {
	t := s.tables[name]
	if t == nil {
		return nil, awsapi.Errorf("ResourceNotFoundException", "Requested resource not found: Table: %s not found", name)
	}
	return t, nil
}

func (s *Service) describeTable(body []byte) (any, error) {
	var in struct{ TableName string }
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	t, err := s.describedTable(in.TableName)
	if err != nil {
		return nil, err
	}
	return map[string]any{"Table": t.describe()}, nil
}

func (s *Service) describeTTL(body []byte) (any, error) {
	var in struct{ TableName string }
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if _, err := s.table(in.TableName); err != nil {
		return nil, err
	}
	return map[string]any{"TimeToLiveDescription": map[string]string{"TimeToLiveStatus": "DISABLED"}}, nil
}

func (s *Service) listTables(body []byte) (any, error) {
	var in struct {
		ExclusiveStartTableName string
		Limit                   int
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if in.Limit < 0 || in.Limit > 100 {
		return nil, validation("1 validation error detected: Value '%d' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 100", in.Limit)
	}
	if in.Limit == 0 {
		in.Limit = 100
	}
	names := s.TableNames()
	i := sort.SearchStrings(names, in.ExclusiveStartTableName)
	if i < len(names) && names[i] == in.ExclusiveStartTableName {
		i++
	}
	names = names[i:]
	out := map[string]any{"TableNames": names}
	if len(names) > in.Limit {
		out["TableNames"] = names[:in.Limit]
		out["LastEvaluatedTableName"] = names[in.Limit-1]
	}
	return out, nil
}

func (s *Service) deleteTable(body []byte) (any, error) {
	var in struct{ TableName string }
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t, err := s.describedTable(in.TableName)
	if err != nil {
		return nil, err
	}
	if err := s.dropTable(in.TableName); err != nil {
		return nil, fmt.Errorf("dynamodb: delete table %s: %w", in.TableName, err)
	}
	delete(s.tables, in.TableName)
	if t.stream != nil {
		close(t.stream.notify) // wake waiters; their next read finds no stream
	}
	d := t.describe()
	d["TableStatus"] = "DELETING"
	return map[string]any{"TableDescription": d}, nil
}

// updateTable accepts billing and throughput changes (which change nothing
// locally) and reports the table; index and stream changes are not
// emulated and say so.
func (s *Service) updateTable(body []byte) (any, error) {
	var in struct {
		TableName                   string
		BillingMode                 string
		ProvisionedThroughput       *throughput
		GlobalSecondaryIndexUpdates []any
		StreamSpecification         *streamSpec
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t, err := s.table(in.TableName)
	if err != nil {
		return nil, err
	}
	if len(in.GlobalSecondaryIndexUpdates) > 0 || in.StreamSpecification != nil {
		return nil, validation("UpdateTable: changing indexes or streams is not supported by the local runtime; recreate the table")
	}
	if in.BillingMode != "" {
		t.def.BillingMode = in.BillingMode
	}
	if p := in.ProvisionedThroughput; p != nil {
		t.def.ReadCapacity, t.def.WriteCapacity = int64(p.ReadCapacityUnits), int64(p.WriteCapacityUnits)
	}
	if err := s.saveTable(t); err != nil {
		return nil, fmt.Errorf("dynamodb: update table %s: %w", in.TableName, err)
	}
	return map[string]any{"TableDescription": t.describe()}, nil
}

// describe renders the TableDescription; callers hold s.mu.
func (t *table) describe() map[string]any {
	d := map[string]any{
		"TableName":            t.def.TableName,
		"TableArn":             t.arn(),
		"TableId":              t.def.TableID,
		"TableStatus":          "ACTIVE",
		"CreationDateTime":     t.def.CreatedAt,
		"KeySchema":            t.def.KeySchema,
		"AttributeDefinitions": t.def.AttributeDefinitions,
		"ItemCount":            t.st.count,
		"TableSizeBytes":       t.size,
		"ProvisionedThroughput": map[string]any{
			"ReadCapacityUnits": t.def.ReadCapacity, "WriteCapacityUnits": t.def.WriteCapacity, "NumberOfDecreasesToday": 0,
		},
		"BillingModeSummary": map[string]any{"BillingMode": t.def.BillingMode},
	}
	var gsis, lsis []any
	for _, ix := range t.indexes {
		desc := map[string]any{
			"IndexName":      ix.def.IndexName,
			"KeySchema":      ix.def.KeySchema,
			"Projection":     ix.def.Projection,
			"IndexArn":       t.arn() + "/index/" + ix.def.IndexName,
			"ItemCount":      ix.st.count,
			"IndexSizeBytes": ix.size,
		}
		if ix.global {
			desc["IndexStatus"] = "ACTIVE"
			desc["ProvisionedThroughput"] = map[string]any{"ReadCapacityUnits": t.def.ReadCapacity, "WriteCapacityUnits": t.def.WriteCapacity, "NumberOfDecreasesToday": 0}
			gsis = append(gsis, desc)
		} else {
			lsis = append(lsis, desc)
		}
	}
	if gsis != nil {
		d["GlobalSecondaryIndexes"] = gsis
	}
	if lsis != nil {
		d["LocalSecondaryIndexes"] = lsis
	}
	if t.stream != nil {
		d["StreamSpecification"] = t.def.Stream
		d["LatestStreamArn"] = t.stream.arn
		d["LatestStreamLabel"] = t.stream.label
	}
	return d
}
