package dynamodb

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"sort"
	"strings"

	"github.com/shopstream/shopstream/emulator/awsapi"
	"github.com/shopstream/shopstream/emulator/dynamodb/attr"
	"github.com/shopstream/shopstream/emulator/dynamodb/expr"
)

// check is one action on one resource a request needs permission for.
type check struct {
	action, resource string
	conds            awsapi.Conditions
}

// authorize checks every action and resource a request touches, as
// DynamoDB authorizes them (Service Authorization Reference, "Actions
// defined by Amazon DynamoDB"): the table's ARN, or the index's
// (table/<t>/index/<i>) for Query and Scan on an index, or the stream's;
// each table of a batch; each item's own action in a transaction, with
// dynamodb:EnclosingOperation; "*" for ListTables, DescribeEndpoints and
// ListStreams. Item operations carry dynamodb:LeadingKeys, the partition
// key values the request names (the queried index's for an index Query).
// A body too malformed to read is left for the operation to reject.
func (s *Service) authorize(ctx context.Context, op string, body []byte) error {
	if awsapi.PrincipalFrom(ctx).IsZero() {
		return nil // the administrator: nothing to check, nothing to parse
	}
	for _, c := range s.checks(op, body) {
		if err := awsapi.Authorize(ctx, c.action, c.resource, c.conds); err != nil {
			return err
		}
	}
	return nil
}

func (s *Service) checks(op string, body []byte) []check {
	var in struct {
		exprInput
		TableName              string
		IndexName              string
		StreamArn              string
		ShardIterator          string
		Key                    json.RawMessage
		Item                   json.RawMessage
		KeyConditionExpression string
		RequestItems           map[string]json.RawMessage
		TransactItems          []map[string]json.RawMessage
	}
	if err := json.Unmarshal(body, &in); err != nil {
		return nil
	}
	one := func(action, resource string, conds awsapi.Conditions) []check {
		return []check{{action: "dynamodb:" + action, resource: resource, conds: conds}}
	}
	switch op {
	case "ListTables", "DescribeEndpoints", "ListStreams":
		return one(op, "*", nil)
	case "CreateTable", "DescribeTable", "DeleteTable", "UpdateTable", "DescribeTimeToLive":
		return one(op, tableResource(in.TableName), nil)
	case "DescribeStream", "GetShardIterator":
		return one(op, in.StreamArn, nil)
	case "GetRecords":
		arn, _, _, err := decodeIterator(in.ShardIterator)
		if err != nil {
			return nil
		}
		return one(op, arn, nil)
	case "GetItem", "DeleteItem", "UpdateItem":
		return one(op, tableResource(in.TableName), s.leadingKeys(in.TableName, in.Key))
	case "PutItem":
		return one(op, tableResource(in.TableName), s.leadingKeys(in.TableName, in.Item))
	case "Scan":
		return one(op, indexResource(in.TableName, in.IndexName), nil)
	case "Query":
		return one(op, indexResource(in.TableName, in.IndexName), s.queryKeys(in.TableName, in.IndexName, in.KeyConditionExpression, &in.exprInput))
	case "BatchGetItem", "BatchWriteItem":
		return s.batchChecks(op, in.RequestItems)
	case "TransactWriteItems", "TransactGetItems":
		return s.transactChecks(op, in.TransactItems)
	}
	return nil
}

// tableResource is the ARN of a table named by name or ARN.
func tableResource(name string) string {
	if strings.HasPrefix(name, "arn:") {
		return name
	}
	return tableARN(name)
}

func indexResource(table, index string) string {
	if index == "" {
		return tableResource(table)
	}
	return tableResource(table) + "/index/" + index
}

func (s *Service) batchChecks(op string, items map[string]json.RawMessage) []check {
	tables := make([]string, 0, len(items))
	for t := range items {
		tables = append(tables, t)
	}
	sort.Strings(tables)
	var out []check
	for _, t := range tables {
		var keys []json.RawMessage
		if op == "BatchGetItem" {
			var get struct{ Keys []json.RawMessage }
			_ = json.Unmarshal(items[t], &get)
			keys = get.Keys
		} else {
			var writes []struct {
				PutRequest    *struct{ Item json.RawMessage }
				DeleteRequest *struct{ Key json.RawMessage }
			}
			_ = json.Unmarshal(items[t], &writes)
			for _, w := range writes {
				switch {
				case w.PutRequest != nil:
					keys = append(keys, w.PutRequest.Item)
				case w.DeleteRequest != nil:
					keys = append(keys, w.DeleteRequest.Key)
				}
			}
		}
		out = append(out, check{action: "dynamodb:" + op, resource: tableResource(t), conds: s.leadingKeys(t, keys...)})
	}
	return out
}

// transactChecks authorizes each item with its own action, as the
// underlying PutItem, UpdateItem, DeleteItem, ConditionCheckItem and
// GetItem (DynamoDB Developer Guide, "Using IAM with DynamoDB
// transactions").
func (s *Service) transactChecks(op string, items []map[string]json.RawMessage) []check {
	actions := map[string]string{"Put": "PutItem", "Update": "UpdateItem", "Delete": "DeleteItem", "ConditionCheck": "ConditionCheckItem", "Get": "GetItem"}
	var out []check
	for _, it := range items {
		for kind, raw := range it {
			action, ok := actions[kind]
			if !ok {
				continue
			}
			var w struct {
				TableName string
				Key       json.RawMessage
				Item      json.RawMessage
			}
			if json.Unmarshal(raw, &w) != nil {
				continue
			}
			key := w.Key
			if kind == "Put" {
				key = w.Item
			}
			conds := s.leadingKeys(w.TableName, key)
			if conds == nil {
				conds = awsapi.Conditions{}
			}
			conds["dynamodb:EnclosingOperation"] = []string{op}
			out = append(out, check{action: "dynamodb:" + action, resource: tableResource(w.TableName), conds: conds})
		}
	}
	return out
}

// leadingKeys is dynamodb:LeadingKeys: the partition key values of the
// given items or keys of the table (nil when the table or its keys are
// unknown: the operation reports that).
func (s *Service) leadingKeys(table string, items ...json.RawMessage) awsapi.Conditions {
	s.mu.RLock()
	t := s.tables[strings.TrimPrefix(table, arnPrefix+"table/")]
	var hash string
	if t != nil {
		hash = t.key.hash
	}
	s.mu.RUnlock()
	if hash == "" {
		return nil
	}
	var vals []string
	for _, raw := range items {
		var item attr.Item
		if len(raw) == 0 || json.Unmarshal(raw, &item) != nil {
			continue
		}
		if v, ok := item[hash]; ok {
			vals = append(vals, keyString(v))
		}
	}
	if len(vals) == 0 {
		return nil
	}
	return awsapi.Conditions{"dynamodb:LeadingKeys": vals}
}

// queryKeys is dynamodb:LeadingKeys of a Query: the value its key
// condition gives the queried table's or index's partition key.
func (s *Service) queryKeys(table, index, keyCond string, in *exprInput) awsapi.Conditions {
	s.mu.RLock()
	var hash string
	if t := s.tables[strings.TrimPrefix(table, arnPrefix+"table/")]; t != nil {
		hash = t.key.hash
		if index != "" {
			hash = ""
			if ix := t.byName[index]; ix != nil {
				hash = ix.key.hash
			}
		}
	}
	s.mu.RUnlock()
	if hash == "" || keyCond == "" {
		return nil
	}
	c, err := expr.ParseCondition(keyCond, "KeyConditionExpression", expr.NewEnv(in.ExpressionAttributeNames, in.ExpressionAttributeValues))
	if err != nil {
		return nil
	}
	var find func(expr.Cond) (attr.Value, bool)
	find = func(c expr.Cond) (attr.Value, bool) {
		switch c := c.(type) {
		case *expr.And:
			if v, ok := find(c.L); ok {
				return v, true
			}
			return find(c.R)
		case *expr.Compare:
			if c.Op != "=" {
				return attr.Value{}, false
			}
			for _, pair := range [][2]expr.Operand{{c.L, c.R}, {c.R, c.L}} {
				p, ok1 := pair[0].(*expr.PathOperand)
				v, ok2 := pair[1].(*expr.ValueOperand)
				if ok1 && ok2 && len(p.Path) == 1 && p.Path[0].Name == hash {
					return v.Value, true
				}
			}
		}
		return attr.Value{}, false
	}
	v, ok := find(c)
	if !ok {
		return nil
	}
	return awsapi.Conditions{"dynamodb:LeadingKeys": {keyString(v)}}
}

// keyString renders a key value as IAM sees it: strings and numbers as
// written, binary as base64.
func keyString(v attr.Value) string {
	if v.T == attr.B {
		return base64.StdEncoding.EncodeToString([]byte(v.Str))
	}
	return v.Str
}
