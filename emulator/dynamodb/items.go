package dynamodb

import (
	"encoding/json"
	"math"
	"strings"

	"github.com/shopstream/shopstream/emulator/awsapi"
	"github.com/shopstream/shopstream/emulator/dynamodb/attr"
	"github.com/shopstream/shopstream/emulator/dynamodb/expr"
)

// MaxItemSize is DynamoDB's item size limit.
const MaxItemSize = 400 * 1024

// exprInput is the placeholder part of every expression-taking request.
type exprInput struct {
	ExpressionAttributeNames  map[string]string
	ExpressionAttributeValues map[string]attr.Value
	// Legacy (pre-expression) parameters are rejected by name.
	Expected            json.RawMessage
	AttributeUpdates    json.RawMessage
	KeyConditions       json.RawMessage
	QueryFilter         json.RawMessage
	ScanFilter          json.RawMessage
	ConditionalOperator json.RawMessage
}

// env validates the placeholders and returns an expression environment.
func (in *exprInput) env() (*expr.Env, error) {
	for _, p := range [...]struct {
		name string
		raw  json.RawMessage
	}{{"Expected", in.Expected}, {"AttributeUpdates", in.AttributeUpdates}, {"KeyConditions", in.KeyConditions},
		{"QueryFilter", in.QueryFilter}, {"ScanFilter", in.ScanFilter}, {"ConditionalOperator", in.ConditionalOperator}} {
		if len(p.raw) > 0 && string(p.raw) != "null" {
			return nil, validation("The legacy parameter %s is not supported by the local runtime; use expressions instead", p.name)
		}
	}
	if in.ExpressionAttributeValues != nil && len(in.ExpressionAttributeValues) == 0 {
		return nil, validation("ExpressionAttributeValues must not be empty")
	}
	if in.ExpressionAttributeNames != nil && len(in.ExpressionAttributeNames) == 0 {
		return nil, validation("ExpressionAttributeNames must not be empty")
	}
	for k := range in.ExpressionAttributeNames {
		if !strings.HasPrefix(k, "#") || len(k) < 2 {
			return nil, validation("ExpressionAttributeNames contains invalid key: Syntax error; key: %q", k)
		}
	}
	for k, v := range in.ExpressionAttributeValues {
		if !strings.HasPrefix(k, ":") || len(k) < 2 {
			return nil, validation("ExpressionAttributeValues contains invalid key: Syntax error; key: %q", k)
		}
		if err := v.Validate(); err != nil {
			return nil, validation("ExpressionAttributeValues contains invalid value: %s for key %s", err.Error(), k)
		}
		in.ExpressionAttributeValues[k] = v
	}
	return expr.NewEnv(in.ExpressionAttributeNames, in.ExpressionAttributeValues), nil
}

// finish rejects placeholders given without expressions or left unused.
func finish(env *expr.Env, anyExpr bool) error {
	if !anyExpr {
		if env.Values != nil {
			return validation("ExpressionAttributeValues can only be specified when using expressions")
		}
		if env.Names != nil {
			return validation("ExpressionAttributeNames can only be specified when using expressions")
		}
		return nil
	}
	return env.CheckUnused()
}

// conditionOnly parses the placeholders and an optional
// ConditionExpression of a write that takes no other expression.
func (in *exprInput) conditionOnly(src string) (expr.Cond, error) {
	env, err := in.env()
	if err != nil {
		return nil, err
	}
	cond, err := condition(src, "ConditionExpression", env)
	if err != nil {
		return nil, err
	}
	return cond, finish(env, cond != nil)
}

// condition parses an optional condition expression.
func condition(src, kind string, env *expr.Env) (expr.Cond, error) {
	if src == "" {
		return nil, nil
	}
	return expr.ParseCondition(src, kind, env)
}

// capacity accumulates one operation's consumed capacity on one table, for
// ReturnConsumedCapacity and for the table's running totals.
type capacity struct {
	mode    string // NONE, TOTAL or INDEXES
	table   string
	tableU  float64
	indexes map[string]float64
	global  map[string]bool
	writes  bool // the units are write units (addWrite was called)
	meter   *meter
}

func newCapacity(mode string, t *table) *capacity {
	c := &capacity{mode: mode, table: t.def.TableName, indexes: map[string]float64{}, global: map[string]bool{}, meter: t.consumed}
	for _, ix := range t.indexes {
		c.global[ix.def.IndexName] = ix.global
	}
	return c
}

func writeUnits(size int) float64 { return math.Max(1, math.Ceil(float64(size)/1024)) }

func readUnits(size int, consistent bool) float64 {
	u := math.Max(1, math.Ceil(float64(size)/4096))
	if !consistent {
		u /= 2
	}
	return u
}

// addWrite bills a write of old → new (either may be nil) to the table and
// every index whose entries change; factor is 2 inside transactions.
func (c *capacity) addWrite(t *table, old, new attr.Item, factor float64) {
	c.writes = true
	c.tableU += factor * writeUnits(max(attr.ItemSize(old), attr.ItemSize(new)))
	for _, ix := range t.indexes {
		inOld, _ := ix.has(old)
		inNew, _ := ix.has(new)
		if !inOld && !inNew {
			continue
		}
		u := writeUnits(max(attr.ItemSize(ix.project(t, old)), attr.ItemSize(ix.project(t, new))))
		if inOld && inNew && !(attr.Equal(old[ix.key.hash], new[ix.key.hash]) && attr.Equal(old[ix.key.rng], new[ix.key.rng])) {
			u *= 2 // an index key change is a delete plus a put
		}
		c.indexes[ix.def.IndexName] += factor * u
	}
}

// out is called exactly once per operation and table, when the response
// is built: it settles the units into the table's running totals and
// returns the ConsumedCapacity element, or nil when none was asked for.
func (c *capacity) out() any {
	if c == nil {
		return nil
	}
	total := c.tableU
	for _, u := range c.indexes {
		total += u
	}
	c.meter.add(total, c.writes)
	if c.mode != "TOTAL" && c.mode != "INDEXES" {
		return nil
	}
	out := map[string]any{"TableName": c.table, "CapacityUnits": total}
	if c.mode == "INDEXES" {
		out["Table"] = map[string]float64{"CapacityUnits": c.tableU}
		gsi, lsi := map[string]any{}, map[string]any{}
		for n, u := range c.indexes {
			if c.global[n] {
				gsi[n] = map[string]float64{"CapacityUnits": u}
			} else {
				lsi[n] = map[string]float64{"CapacityUnits": u}
			}
		}
		if len(gsi) > 0 {
			out["GlobalSecondaryIndexes"] = gsi
		}
		if len(lsi) > 0 {
			out["LocalSecondaryIndexes"] = lsi
		}
	}
	return out
}

// conditionFailed is ConditionalCheckFailedException, carrying the old
// item when the request asked for it.
func conditionFailed(old attr.Item, returnOld string) error {
	e := awsapi.Errorf("ConditionalCheckFailedException", "%s", errConditionFailed)
	if returnOld == "ALL_OLD" && old != nil {
		e.Extra = map[string]any{"Item": old}
	}
	return e
}

// checkNewItem validates an item about to be stored.
func checkNewItem(t *table, item attr.Item, update bool) error {
	if err := t.key.checkItemKeys(item); err != nil {
		return err
	}
	if err := t.validateIndexes(item); err != nil {
		return err
	}
	if attr.ItemSize(item) > MaxItemSize {
		if update {
			return validation("Item size to update has exceeded the maximum allowed size")
		}
		return validation("Item size has exceeded the maximum allowed size")
	}
	return nil
}

// locate validates key against t (for a put, key is the whole new item
// and is checked as one) and returns the item stored under it with its
// table key; callers hold s.mu.
func locate(t *table, key attr.Item, put bool) (old attr.Item, tk string, err error) {
	if put {
		err = checkNewItem(t, key, false)
	} else {
		err = t.key.checkKey(key)
	}
	if err != nil {
		return nil, "", err
	}
	old, tk = t.lookup(key)
	return old, tk, nil
}

// current is locate for a single-item write: it also fails with
// ConditionalCheckFailedException when cond rejects the stored item.
func current(t *table, key attr.Item, put bool, cond expr.Cond, returnOld string) (attr.Item, string, error) {
	old, tk, err := locate(t, key, put)
	if err != nil {
		return nil, "", err
	}
	if cond != nil && !expr.Eval(cond, old) {
		// AWS bills a rejected conditional write the write units of the
		// stored item (at least one), as if it had been written.
		t.consumed.add(writeUnits(attr.ItemSize(old)), true)
		return nil, "", conditionFailed(old, returnOld)
	}
	return old, tk, nil
}

// written bills a single-item write of old → new and builds its response,
// with attrs as Attributes when there are any.
func written(t *table, capacityMode string, old, new, attrs attr.Item) map[string]any {
	c := newCapacity(capacityMode, t)
	c.addWrite(t, old, new, 1)
	out := map[string]any{}
	if len(attrs) > 0 {
		out["Attributes"] = attrs
	}
	return withCapacity(out, c.out())
}

// withCapacity adds the ConsumedCapacity element cc to out when there is
// one (see capacity.out).
func withCapacity(out map[string]any, cc any) map[string]any {
	if cc != nil {
		out["ConsumedCapacity"] = cc
	}
	return out
}

// allOld is the Attributes of a put or delete: the old item when
// ReturnValues asked for it.
func allOld(returnValues string, old attr.Item) attr.Item {
	if returnValues == "ALL_OLD" {
		return old
	}
	return nil
}

func validateReturnValues(rv string, allowed ...string) error {
	if rv == "" || rv == "NONE" {
		return nil
	}
	for _, a := range allowed {
		if rv == a {
			return nil
		}
	}
	if len(allowed) == 1 {
		return validation("ReturnValues can only be ALL_OLD or NONE")
	}
	return validation("1 validation error detected: Value '%s' at 'returnValues' failed to satisfy constraint: Member must satisfy enum value set: [ALL_NEW, UPDATED_OLD, ALL_OLD, NONE, UPDATED_NEW]", rv)
}

type putInput struct {
	exprInput
	TableName                           string
	Item                                attr.Item
	ConditionExpression                 string
	ReturnValues                        string
	ReturnConsumedCapacity              string
	ReturnValuesOnConditionCheckFailure string
}

// preparePut validates a Put (standalone or inside a batch/transaction)
// before any lock is taken.
func (in *putInput) prepare() (expr.Cond, error) {
	if in.Item == nil {
		return nil, validation("1 validation error detected: Value null at 'item' failed to satisfy constraint: Member must not be null")
	}
	if err := attr.ValidateItem(in.Item); err != nil {
		return nil, validation("%s", err.Error())
	}
	return in.conditionOnly(in.ConditionExpression)
}

func (s *Service) putItem(body []byte) (any, error) {
	var in putInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if err := validateReturnValues(in.ReturnValues, "ALL_OLD"); err != nil {
		return nil, err
	}
	cond, err := in.prepare()
	if err != nil {
		return nil, err
	}
	return s.putOrDelete(singleWrite{table: in.TableName, key: in.Item, new: in.Item, cond: cond,
		returnValues: in.ReturnValues, returnOnFail: in.ReturnValuesOnConditionCheckFailure, capacityMode: in.ReturnConsumedCapacity})
}

// singleWrite is a validated PutItem or DeleteItem.
type singleWrite struct {
	table string
	key   attr.Item // the new item for a put, the Key for a delete
	new   attr.Item // nil for a delete
	cond  expr.Cond

	returnValues, returnOnFail, capacityMode string
}

// putOrDelete applies a PutItem or DeleteItem; deleting an absent item
// writes nothing (but is still billed, as in AWS).
func (s *Service) putOrDelete(w singleWrite) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, err := s.table(w.table)
	if err != nil {
		return nil, err
	}
	old, tk, err := current(t, w.key, w.new != nil, w.cond, w.returnOnFail)
	if err != nil {
		return nil, err
	}
	if old != nil || w.new != nil {
		if err := s.commit([]write{{t, tk, old, w.new}}); err != nil {
			return nil, err
		}
	}
	return written(t, w.capacityMode, old, w.new, allOld(w.returnValues, old)), nil
}

type keyInput struct {
	exprInput
	TableName                           string
	Key                                 attr.Item
	ConditionExpression                 string
	ProjectionExpression                string
	AttributesToGet                     []string
	ConsistentRead                      bool
	ReturnValues                        string
	ReturnConsumedCapacity              string
	ReturnValuesOnConditionCheckFailure string
	UpdateExpression                    string
}

func (in *keyInput) validKey() error {
	if in.Key == nil {
		return validation("1 validation error detected: Value null at 'key' failed to satisfy constraint: Member must not be null")
	}
	if err := attr.ValidateItem(in.Key); err != nil {
		return validation("%s", err.Error())
	}
	return nil
}

// projection parses ProjectionExpression (or legacy AttributesToGet).
func projectionPaths(src string, toGet []string, env *expr.Env) ([]expr.Path, error) {
	if src != "" && len(toGet) > 0 {
		return nil, validation("Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {AttributesToGet} Expression parameters: {ProjectionExpression}")
	}
	if len(toGet) > 0 {
		paths := make([]expr.Path, len(toGet))
		for i, n := range toGet {
			paths[i] = expr.Path{{Name: n}}
		}
		return paths, nil
	}
	if src == "" {
		return nil, nil
	}
	return expr.ParseProjection(src, env)
}

func (s *Service) getItem(body []byte) (any, error) {
	var in keyInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if err := in.validKey(); err != nil {
		return nil, err
	}
	env, err := in.env()
	if err != nil {
		return nil, err
	}
	paths, err := projectionPaths(in.ProjectionExpression, in.AttributesToGet, env)
	if err != nil {
		return nil, err
	}
	if err := finish(env, in.ProjectionExpression != ""); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	t, err := s.table(in.TableName)
	if err != nil {
		return nil, err
	}
	if err := t.key.checkKey(in.Key); err != nil {
		return nil, err
	}
	item, _ := t.lookup(in.Key)
	var out response
	if item != nil {
		out.item("Item", expr.Project(item, paths))
	}
	c := newCapacity(in.ReturnConsumedCapacity, t)
	c.tableU = readUnits(attr.ItemSize(item), in.ConsistentRead)
	if cc := c.out(); cc != nil {
		out.value("ConsumedCapacity", cc)
	}
	return out.done(), nil
}

func (s *Service) deleteItem(body []byte) (any, error) {
	var in keyInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if err := validateReturnValues(in.ReturnValues, "ALL_OLD"); err != nil {
		return nil, err
	}
	cond, err := in.prepareDelete()
	if err != nil {
		return nil, err
	}
	return s.putOrDelete(singleWrite{table: in.TableName, key: in.Key, cond: cond,
		returnValues: in.ReturnValues, returnOnFail: in.ReturnValuesOnConditionCheckFailure, capacityMode: in.ReturnConsumedCapacity})
}

// prepareDelete validates a Delete or ConditionCheck and parses its
// condition.
func (in *keyInput) prepareDelete() (expr.Cond, error) {
	if err := in.validKey(); err != nil {
		return nil, err
	}
	return in.conditionOnly(in.ConditionExpression)
}

// prepareUpdate parses an update's condition and update expressions.
func (in *keyInput) prepareUpdate() (expr.Cond, *expr.Update, error) {
	if err := in.validKey(); err != nil {
		return nil, nil, err
	}
	env, err := in.env()
	if err != nil {
		return nil, nil, err
	}
	var u *expr.Update
	if in.UpdateExpression != "" {
		if u, err = expr.ParseUpdate(in.UpdateExpression, env); err != nil {
			return nil, nil, err
		}
	}
	cond, err := condition(in.ConditionExpression, "ConditionExpression", env)
	if err != nil {
		return nil, nil, err
	}
	return cond, u, finish(env, cond != nil || u != nil)
}

// updated computes an UpdateItem's new item; callers hold s.mu.
func updated(t *table, key, old attr.Item, u *expr.Update) (attr.Item, error) {
	if u != nil {
		for _, p := range u.Paths() {
			if p[0].Name == t.key.hash || p[0].Name == t.key.rng {
				return nil, validation("One or more parameter values were invalid: Cannot update attribute %s. This attribute is part of the key", p[0].Name)
			}
		}
	}
	base := old
	if base == nil {
		base = key
	}
	if u == nil {
		return base, nil
	}
	return expr.Apply(u, base)
}

func (s *Service) updateItem(body []byte) (any, error) {
	var in keyInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if err := validateReturnValues(in.ReturnValues, "ALL_OLD", "ALL_NEW", "UPDATED_OLD", "UPDATED_NEW"); err != nil {
		return nil, err
	}
	cond, u, err := in.prepareUpdate()
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t, err := s.table(in.TableName)
	if err != nil {
		return nil, err
	}
	old, tk, err := current(t, in.Key, false, cond, in.ReturnValuesOnConditionCheckFailure)
	if err != nil {
		return nil, err
	}
	item, err := updated(t, in.Key, old, u)
	if err != nil {
		return nil, err
	}
	if err := checkNewItem(t, item, true); err != nil {
		return nil, err
	}
	if err := s.commit([]write{{t, tk, old, item}}); err != nil {
		return nil, err
	}
	var attrs attr.Item
	switch in.ReturnValues {
	case "ALL_OLD":
		attrs = old
	case "ALL_NEW":
		attrs = item
	case "UPDATED_OLD", "UPDATED_NEW":
		src := item
		if in.ReturnValues == "UPDATED_OLD" {
			src = old
		}
		if u != nil && src != nil {
			attrs = expr.Project(src, u.Paths())
		}
	}
	return written(t, in.ReturnConsumedCapacity, old, item, attrs), nil
}
