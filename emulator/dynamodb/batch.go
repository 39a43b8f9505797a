package dynamodb

import (
	"crypto/sha256"
	"encoding/json"
	"errors"
	"sort"
	"strings"
	"time"

	"github.com/shopstream/shopstream/emulator/awsapi"
	"github.com/shopstream/shopstream/emulator/dynamodb/attr"
	"github.com/shopstream/shopstream/emulator/dynamodb/expr"
)

// Batch and transaction size limits.
const (
	maxBatchWrite = 25
	maxBatchGet   = 100
	maxTransact   = 100
)

// capacities collects per-table consumed capacity for multi-table calls.
type capacities struct {
	mode   string
	tables map[string]*capacity
}

func (cs *capacities) of(t *table) *capacity {
	if cs.tables == nil {
		cs.tables = map[string]*capacity{}
	}
	c := cs.tables[t.def.TableName]
	if c == nil {
		c = newCapacity(cs.mode, t)
		cs.tables[t.def.TableName] = c
	}
	return c
}

// out settles every table's units (see capacity.out) and returns the
// ConsumedCapacity list, or nil when none was asked for.
func (cs *capacities) out() any {
	names := make([]string, 0, len(cs.tables))
	for n := range cs.tables {
		names = append(names, n)
	}
	sort.Strings(names)
	out := make([]any, 0, len(names))
	for _, n := range names {
		if cc := cs.tables[n].out(); cc != nil {
			out = append(out, cc)
		}
	}
	if cs.mode != "TOTAL" && cs.mode != "INDEXES" {
		return nil
	}
	return out
}

type writeRequest struct {
	PutRequest    *struct{ Item attr.Item }
	DeleteRequest *struct{ Key attr.Item }
}

func (s *Service) batchWrite(body []byte) (any, error) {
	var in struct {
		RequestItems           map[string][]writeRequest
		ReturnConsumedCapacity string
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	n := 0
	for _, reqs := range in.RequestItems {
		n += len(reqs)
	}
	if n == 0 {
		return nil, validation("1 validation error detected: Value null at 'requestItems' failed to satisfy constraint: Member must have length greater than or equal to 1")
	}
	if n > maxBatchWrite {
		return nil, validation("Too many items requested for the BatchWriteItem call")
	}
	for _, reqs := range in.RequestItems {
		for _, r := range reqs {
			var item attr.Item
			switch {
			case r.PutRequest != nil && r.DeleteRequest == nil:
				item = r.PutRequest.Item
			case r.DeleteRequest != nil && r.PutRequest == nil:
				item = r.DeleteRequest.Key
			default:
				return nil, validation("Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes")
			}
			if err := attr.ValidateItem(item); err != nil {
				return nil, validation("%s", err.Error())
			}
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	cs := &capacities{mode: in.ReturnConsumedCapacity}
	var writes []write
	seen := map[string]bool{}
	names := make([]string, 0, len(in.RequestItems))
	for name := range in.RequestItems {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		t, err := s.table(name)
		if err != nil {
			return nil, err
		}
		for _, r := range in.RequestItems[name] {
			w := write{t: t}
			var key attr.Item
			if r.PutRequest != nil {
				w.new, key = r.PutRequest.Item, r.PutRequest.Item
			} else {
				key = r.DeleteRequest.Key
			}
			if w.old, w.tk, err = locate(t, key, r.PutRequest != nil); err != nil {
				return nil, err
			}
			if seen[name+"\x00"+w.tk] {
				return nil, validation("Provided list of item keys contains duplicates")
			}
			seen[name+"\x00"+w.tk] = true
			cs.of(t).addWrite(t, w.old, w.new, 1)
			if w.old != nil || w.new != nil {
				writes = append(writes, w)
			}
		}
	}
	if err := s.commit(writes); err != nil {
		return nil, err
	}
	return withCapacity(map[string]any{"UnprocessedItems": map[string]any{}}, cs.out()), nil
}

type batchGetTable struct {
	exprInput
	Keys                 []attr.Item
	ProjectionExpression string
	AttributesToGet      []string
	ConsistentRead       bool
}

func (s *Service) batchGet(body []byte) (any, error) {
	var in struct {
		RequestItems           map[string]*batchGetTable
		ReturnConsumedCapacity string
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	n := 0
	paths := map[string][]expr.Path{}
	for name, r := range in.RequestItems {
		n += len(r.Keys)
		for _, k := range r.Keys {
			if err := attr.ValidateItem(k); err != nil {
				return nil, validation("%s", err.Error())
			}
		}
		env, err := r.env()
		if err != nil {
			return nil, err
		}
		if paths[name], err = projectionPaths(r.ProjectionExpression, r.AttributesToGet, env); err != nil {
			return nil, err
		}
		if err := finish(env, r.ProjectionExpression != ""); err != nil {
			return nil, err
		}
	}
	if n == 0 {
		return nil, validation("1 validation error detected: Value null at 'requestItems' failed to satisfy constraint: Member must have length greater than or equal to 1")
	}
	if n > maxBatchGet {
		return nil, validation("Too many items requested for the BatchGetItem call")
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	cs := &capacities{mode: in.ReturnConsumedCapacity}
	resp := map[string][]attr.Item{}
	for name, r := range in.RequestItems {
		t, err := s.table(name)
		if err != nil {
			return nil, err
		}
		items := []attr.Item{}
		seen := map[string]bool{}
		for _, k := range r.Keys {
			if err := t.key.checkKey(k); err != nil {
				return nil, err
			}
			item, tk := t.lookup(k)
			if seen[tk] {
				return nil, validation("Provided list of item keys contains duplicates")
			}
			seen[tk] = true
			cs.of(t).tableU += readUnits(attr.ItemSize(item), r.ConsistentRead)
			if item != nil {
				items = append(items, expr.Project(item, paths[name]))
			}
		}
		resp[name] = items
	}
	return withCapacity(map[string]any{"Responses": resp, "UnprocessedKeys": map[string]any{}}, cs.out()), nil
}

// transactAction is one TransactWriteItems element, parsed.
type transactAction struct {
	kind string // Put, Update, Delete, ConditionCheck
	in   keyInput
	item attr.Item // Put
	cond expr.Cond
	upd  *expr.Update
}

func (s *Service) transactWrite(body []byte) (any, error) {
	var in struct {
		TransactItems          []map[string]json.RawMessage
		ReturnConsumedCapacity string
		ClientRequestToken     string
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if len(in.TransactItems) == 0 || len(in.TransactItems) > maxTransact {
		return nil, validation("1 validation error detected: Value '[...]' at 'transactItems' failed to satisfy constraint: Member must have length less than or equal to 100")
	}
	actions := make([]transactAction, len(in.TransactItems))
	for i, raw := range in.TransactItems {
		if len(raw) != 1 {
			return nil, validation("TransactItems can only contain one of Check, Put, Update or Delete")
		}
		a := &actions[i]
		for kind, body := range raw {
			a.kind = kind
			var err error
			switch kind {
			case "Put":
				var p putInput
				if err := decode(body, &p); err != nil {
					return nil, err
				}
				a.cond, err = p.prepare()
				a.item = p.Item
				a.in = keyInput{TableName: p.TableName, ReturnValuesOnConditionCheckFailure: p.ReturnValuesOnConditionCheckFailure}
			case "Update":
				if err := decode(body, &a.in); err != nil {
					return nil, err
				}
				if a.in.UpdateExpression == "" {
					return nil, validation("1 validation error detected: Value null at 'transactItems.%d.member.update.updateExpression' failed to satisfy constraint: Member must not be null", i+1)
				}
				a.cond, a.upd, err = a.in.prepareUpdate()
			case "Delete", "ConditionCheck":
				if err := decode(body, &a.in); err != nil {
					return nil, err
				}
				if kind == "ConditionCheck" && a.in.ConditionExpression == "" {
					return nil, validation("1 validation error detected: Value null at 'transactItems.%d.member.conditionCheck.conditionExpression' failed to satisfy constraint: Member must not be null", i+1)
				}
				a.cond, err = a.in.prepareDelete()
			default:
				return nil, validation("TransactItems can only contain one of Check, Put, Update or Delete")
			}
			if err != nil {
				return nil, err
			}
		}
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	// A retried request with the same ClientRequestToken within the
	// idempotency window succeeds without writing again; the same token
	// on a different request is an error, as in AWS.
	if in.ClientRequestToken != "" {
		if err := s.tokens.check(in.ClientRequestToken, body, s.clock()); err != nil {
			if err == errTokenReplay {
				return map[string]any{}, nil
			}
			return nil, err
		}
	}
	cs := &capacities{mode: in.ReturnConsumedCapacity}
	writes := make([]write, len(actions))
	seen := map[string]bool{}
	for i := range actions {
		a := &actions[i]
		t, err := s.table(a.in.TableName)
		if err != nil {
			return nil, err
		}
		key := a.in.Key
		if a.kind == "Put" {
			key = a.item
		}
		old, tk, err := locate(t, key, a.kind == "Put")
		if err != nil {
			return nil, err
		}
		if seen[a.in.TableName+"\x00"+tk] {
			return nil, validation("Transaction request cannot include multiple operations on one item")
		}
		seen[a.in.TableName+"\x00"+tk] = true
		writes[i] = write{t: t, tk: tk, old: old, new: old}
	}
	reasons := make([]map[string]any, len(actions))
	failed := false
	for i := range actions {
		a, w := &actions[i], &writes[i]
		reasons[i] = map[string]any{"Code": "None"}
		if a.cond != nil && !expr.Eval(a.cond, w.old) {
			failed = true
			reasons[i] = map[string]any{"Code": "ConditionalCheckFailed", "Message": errConditionFailed}
			if a.in.ReturnValuesOnConditionCheckFailure == "ALL_OLD" && w.old != nil {
				reasons[i]["Item"] = w.old
			}
			continue
		}
		switch a.kind {
		case "Put":
			w.new = a.item
		case "Delete":
			w.new = nil
		case "Update":
			item, err := updated(w.t, a.in.Key, w.old, a.upd)
			if err == nil {
				err = checkNewItem(w.t, item, true)
			}
			if err != nil {
				failed = true
				msg := err.Error()
				if ae, ok := toAPIError(err).(*awsapi.Error); ok {
					msg = ae.Message
				}
				reasons[i] = map[string]any{"Code": "ValidationError", "Message": msg}
				continue
			}
			w.new = item
		}
		if a.kind == "ConditionCheck" {
			cs.of(w.t).tableU += 2 * readUnits(attr.ItemSize(w.old), true)
		} else {
			cs.of(w.t).addWrite(w.t, w.old, w.new, 2)
		}
	}
	if failed {
		codes := make([]string, len(reasons))
		for i, r := range reasons {
			codes[i] = r["Code"].(string)
		}
		return nil, &awsapi.Error{
			Type:    "TransactionCanceledException",
			Message: "Transaction cancelled, please refer cancellation reasons for specific reasons [" + strings.Join(codes, ", ") + "]",
			Status:  400,
			Extra:   map[string]any{"CancellationReasons": reasons},
		}
	}
	var commit []write
	for i, w := range writes {
		if actions[i].kind != "ConditionCheck" && (w.old != nil || w.new != nil) {
			commit = append(commit, w)
		}
	}
	if err := s.commit(commit); err != nil {
		return nil, err
	}
	if in.ClientRequestToken != "" {
		s.tokens.remember(in.ClientRequestToken, body, s.clock())
	}
	return withCapacity(map[string]any{}, cs.out()), nil
}

func (s *Service) transactGet(body []byte) (any, error) {
	var in struct {
		TransactItems []struct {
			Get *keyInput
		}
		ReturnConsumedCapacity string
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if len(in.TransactItems) == 0 || len(in.TransactItems) > maxTransact {
		return nil, validation("1 validation error detected: Value '[...]' at 'transactItems' failed to satisfy constraint: Member must have length less than or equal to 100")
	}
	paths := make([][]expr.Path, len(in.TransactItems))
	for i, ti := range in.TransactItems {
		if ti.Get == nil {
			return nil, validation("1 validation error detected: Value null at 'transactItems.%d.member.get' failed to satisfy constraint: Member must not be null", i+1)
		}
		if err := ti.Get.validKey(); err != nil {
			return nil, err
		}
		env, err := ti.Get.env()
		if err != nil {
			return nil, err
		}
		if paths[i], err = projectionPaths(ti.Get.ProjectionExpression, nil, env); err != nil {
			return nil, err
		}
		if err := finish(env, ti.Get.ProjectionExpression != ""); err != nil {
			return nil, err
		}
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	cs := &capacities{mode: in.ReturnConsumedCapacity}
	resp := make([]map[string]any, len(in.TransactItems))
	seen := map[string]bool{}
	for i, ti := range in.TransactItems {
		t, err := s.table(ti.Get.TableName)
		if err != nil {
			return nil, err
		}
		if err := t.key.checkKey(ti.Get.Key); err != nil {
			return nil, err
		}
		item, tk := t.lookup(ti.Get.Key)
		if seen[t.def.TableName+"\x00"+tk] {
			return nil, validation("Transaction request cannot include multiple operations on one item")
		}
		seen[t.def.TableName+"\x00"+tk] = true
		cs.of(t).tableU += 2 * readUnits(attr.ItemSize(item), true)
		resp[i] = map[string]any{}
		if item != nil {
			resp[i]["Item"] = expr.Project(item, paths[i])
		}
	}
	return withCapacity(map[string]any{"Responses": resp}, cs.out()), nil
}

// tokenWindow is how long a ClientRequestToken makes a transaction
// idempotent.
const tokenWindow = 10 * time.Minute

var errTokenReplay = errors.New("dynamodb: replayed transaction")

// tokens remembers committed TransactWriteItems tokens; callers hold s.mu.
type tokens map[string]tokenUse

type tokenUse struct {
	sum [32]byte
	at  time.Time
}

// check returns errTokenReplay for a repeat of a committed request,
// IdempotentParameterMismatchException for a different request under the
// same token, and nil for a new token.
func (ts tokens) check(token string, body []byte, now time.Time) error {
	use, ok := ts[token]
	if !ok || now.Sub(use.at) > tokenWindow {
		return nil
	}
	if use.sum != requestSum(body) {
		return awsapi.Errorf("IdempotentParameterMismatchException", "The request with the same client token was already used for a different request")
	}
	return errTokenReplay
}

func (ts tokens) remember(token string, body []byte, now time.Time) {
	for k, u := range ts {
		if now.Sub(u.at) > tokenWindow {
			delete(ts, k)
		}
	}
	ts[token] = tokenUse{requestSum(body), now}
}

// requestSum hashes a request's canonical JSON (object keys sorted), so
// a retry whose SDK serialized its maps in another order still matches.
func requestSum(body []byte) [32]byte {
	var v any
	if err := json.Unmarshal(body, &v); err == nil {
		if canon, err := json.Marshal(v); err == nil {
			body = canon
		}
	}
	return sha256.Sum256(body)
}
