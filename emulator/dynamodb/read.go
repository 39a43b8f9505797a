package dynamodb

import (
	"encoding/json"
	"hash/fnv"
	"sort"
	"strings"

	"github.com/shopstream/shopstream/emulator/dynamodb/attr"
	"github.com/shopstream/shopstream/emulator/dynamodb/expr"
)

// maxPage is the 1 MB of item data one Query or Scan page evaluates.
const maxPage = 1 << 20

type readInput struct {
	exprInput
	TableName              string
	IndexName              string
	KeyConditionExpression string
	FilterExpression       string
	ProjectionExpression   string
	AttributesToGet        []string
	Select                 string
	Limit                  *int
	ExclusiveStartKey      attr.Item
	ScanIndexForward       *bool
	ConsistentRead         bool
	ReturnConsumedCapacity string
	Segment                *int
	TotalSegments          *int
}

// readPlan is a validated Query or Scan.
type readPlan struct {
	in     *readInput
	t      *table
	ix     *index // nil for the table itself
	key    keySchema
	st     *store
	filter expr.Cond
	paths  []expr.Path
	sel    string
	limit  int
	// Query only: the partition and the sort-key condition.
	hash  attr.Value
	rcond *rangeCond
	// start is the ExclusiveStartKey's position, if any.
	start *entry
}

// rangeCond is a Query's sort-key condition.
type rangeCond struct {
	op   string // = < <= > >= BETWEEN begins_with
	a, b attr.Value
}

// bounds returns the entries of p the condition can match: [lo, hi).
func (r *rangeCond) bounds(p *partition) (int, int) {
	n := len(p.entries)
	if r == nil {
		return 0, n
	}
	ge := func(v attr.Value) int {
		return sort.Search(n, func(i int) bool { c, _ := attr.Compare(p.entries[i].rk, v); return c >= 0 })
	}
	gt := func(v attr.Value) int {
		return sort.Search(n, func(i int) bool { c, _ := attr.Compare(p.entries[i].rk, v); return c > 0 })
	}
	switch r.op {
	case "=":
		return ge(r.a), gt(r.a)
	case "<":
		return 0, ge(r.a)
	case "<=":
		return 0, gt(r.a)
	case ">":
		return gt(r.a), n
	case ">=":
		return ge(r.a), n
	case "BETWEEN":
		return ge(r.a), gt(r.b)
	default:
		lo := ge(r.a)
		hi := lo + sort.Search(n-lo, func(i int) bool { return !strings.HasPrefix(p.entries[lo+i].rk.Str, r.a.Str) })
		return lo, hi
	}
}

// plan validates the parts Query and Scan share; callers hold s.mu.
func (s *Service) plan(in *readInput, env *expr.Env, isQuery bool) (*readPlan, error) {
	t, err := s.table(in.TableName)
	if err != nil {
		return nil, err
	}
	p := &readPlan{in: in, t: t, key: t.key, st: t.st, limit: -1}
	if in.IndexName != "" {
		p.ix = t.byName[in.IndexName]
		if p.ix == nil {
			return nil, validation("The table does not have the specified index: %s", in.IndexName)
		}
		p.key, p.st = p.ix.key, p.ix.st
		if p.ix.global && in.ConsistentRead {
			return nil, validation("Consistent reads are not supported on global secondary indexes")
		}
	}
	if in.Limit != nil {
		if *in.Limit < 1 {
			return nil, validation("1 validation error detected: Value '%d' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1", *in.Limit)
		}
		p.limit = *in.Limit
	}
	p.sel = in.Select
	switch in.Select {
	case "":
		switch {
		case in.ProjectionExpression != "" || len(in.AttributesToGet) > 0:
			p.sel = "SPECIFIC_ATTRIBUTES"
		case p.ix != nil:
			p.sel = "ALL_PROJECTED_ATTRIBUTES"
		default:
			p.sel = "ALL_ATTRIBUTES"
		}
	case "ALL_ATTRIBUTES":
		if p.ix != nil && p.ix.global && p.ix.def.Projection.ProjectionType != "ALL" {
			return nil, validation("One or more parameter values were invalid: Select type ALL_ATTRIBUTES is not supported for global secondary index %s because its projection type is not ALL", p.ix.def.IndexName)
		}
	case "ALL_PROJECTED_ATTRIBUTES":
		if p.ix == nil {
			return nil, validation("One or more parameter values were invalid: Select type ALL_PROJECTED_ATTRIBUTES is supported only for index queries")
		}
	case "COUNT", "SPECIFIC_ATTRIBUTES":
	default:
		return nil, validation("1 validation error detected: Value '%s' at 'select' failed to satisfy constraint: Member must satisfy enum value set: [SPECIFIC_ATTRIBUTES, COUNT, ALL_ATTRIBUTES, ALL_PROJECTED_ATTRIBUTES]", in.Select)
	}
	if in.ProjectionExpression != "" && p.sel != "SPECIFIC_ATTRIBUTES" {
		return nil, validation("One or more parameter values were invalid: Cannot specify the ProjectionExpression when choosing to get %s", p.sel)
	}
	if p.paths, err = projectionPaths(in.ProjectionExpression, in.AttributesToGet, env); err != nil {
		return nil, err
	}
	if isQuery {
		if err := p.keyCondition(env); err != nil {
			return nil, err
		}
	}
	if p.filter, err = condition(in.FilterExpression, "FilterExpression", env); err != nil {
		return nil, err
	}
	if isQuery && p.filter != nil {
		for _, path := range expr.CondPaths(p.filter) {
			if n := path[0].Name; len(path) == 1 && (n == p.key.hash || n == p.key.rng) {
				return nil, validation("Filter Expression can only contain non-primary key attributes: Primary key attribute: %s", n)
			}
		}
	}
	if err := finish(env, in.ProjectionExpression != "" || in.FilterExpression != "" || in.KeyConditionExpression != ""); err != nil {
		return nil, err
	}
	if in.ExclusiveStartKey != nil {
		if err := p.startKey(); err != nil {
			return nil, err
		}
	}
	return p, nil
}

func (p *readPlan) startKey() error {
	esk := p.in.ExclusiveStartKey
	bad := validation("The provided starting key is invalid: The provided key element does not match the schema")
	if err := attr.ValidateItem(esk); err != nil {
		return validation("%s", err.Error())
	}
	names := []string{p.t.key.hash, p.t.key.rng, p.key.hash, p.key.rng}
	for _, n := range names {
		if n == "" {
			continue
		}
		if _, ok := esk[n]; !ok {
			return bad
		}
	}
	if err := p.t.key.checkKey(attr.Item(projectNames(esk, p.t.key.hash, p.t.key.rng))); err != nil {
		return bad
	}
	if len(esk) > len(projectNames(esk, names...)) {
		return bad
	}
	_, tk := p.t.key.primaryKey(esk)
	p.start = &entry{rk: esk[p.key.rng], tk: tk, item: esk}
	if p.hash.T != attr.Invalid && !attr.Equal(esk[p.key.hash], p.hash) {
		return validation("The provided starting key is invalid: The provided starting key is outside query boundaries based on provided conditions")
	}
	return nil
}

func projectNames(item attr.Item, names ...string) attr.Item {
	out := attr.Item{}
	for _, n := range names {
		if v, ok := item[n]; ok && n != "" {
			out[n] = v
		}
	}
	return out
}

// keyCondition analyses KeyConditionExpression into a partition and an
// optional sort-key condition, with DynamoDB's errors for the rest.
func (p *readPlan) keyCondition(env *expr.Env) error {
	const kind = "KeyConditionExpression"
	if p.in.KeyConditionExpression == "" {
		return validation("Either the KeyConditions or KeyConditionExpression parameter must be specified in the request.")
	}
	c, err := expr.ParseCondition(p.in.KeyConditionExpression, kind, env)
	if err != nil {
		return err
	}
	var parts []expr.Cond
	var flatten func(expr.Cond) error
	flatten = func(c expr.Cond) error {
		switch c := c.(type) {
		case *expr.And:
			if err := flatten(c.L); err != nil {
				return err
			}
			return flatten(c.R)
		case *expr.Or:
			return validation("Invalid operator used in KeyConditionExpression: OR")
		case *expr.Not:
			return validation("Invalid operator used in KeyConditionExpression: NOT")
		case *expr.In:
			return validation("Invalid operator used in KeyConditionExpression: IN")
		}
		parts = append(parts, c)
		return nil
	}
	if err := flatten(c); err != nil {
		return err
	}
	if len(parts) > 2 {
		return validation("Conditions can be of length 1 or 2 only")
	}
	keyName := func(o expr.Operand) string {
		if po, ok := o.(*expr.PathOperand); ok && len(po.Path) == 1 {
			return po.Path[0].Name
		}
		return ""
	}
	value := func(o expr.Operand) (attr.Value, bool) {
		vo, ok := o.(*expr.ValueOperand)
		if !ok {
			return attr.Value{}, false
		}
		return vo.Value, true
	}
	flip := map[string]string{"=": "=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}
	unsupported := validation("Query key condition not supported")
	for _, c := range parts {
		var name string
		var rc rangeCond
		switch c := c.(type) {
		case *expr.Compare:
			if c.Op == "<>" {
				return unsupported
			}
			name, rc.op = keyName(c.L), c.Op
			v, ok := value(c.R)
			if name == "" {
				name, rc.op = keyName(c.R), flip[c.Op]
				v, ok = value(c.L)
			}
			if name == "" || !ok {
				return unsupported
			}
			rc.a = v
		case *expr.Between:
			name, rc.op = keyName(c.X), "BETWEEN"
			a, ok1 := value(c.Lo)
			b, ok2 := value(c.Hi)
			if name == "" || !ok1 || !ok2 {
				return unsupported
			}
			if x, _ := attr.Compare(a, b); x > 0 {
				return validation("Invalid KeyConditionExpression: The BETWEEN operator requires upper bound to be greater than or equal to lower bound; lower bound operand: AttributeValue: {%s:%s}, upper bound operand: AttributeValue: {%s:%s}", a.T, a.Str, b.T, b.Str)
			}
			rc.a, rc.b = a, b
		case *expr.Func:
			if c.Name != "begins_with" {
				return validation("Invalid operator used in KeyConditionExpression: %s", c.Name)
			}
			name, rc.op = keyName(c.Args[0]), "begins_with"
			v, ok := value(c.Args[1])
			if name == "" || !ok {
				return unsupported
			}
			rc.a = v
		default:
			return unsupported
		}
		switch name {
		case p.key.hash:
			if rc.op != "=" {
				return unsupported
			}
			if rc.a.T != p.key.hashT {
				return validation("One or more parameter values were invalid: Condition parameter type does not match schema type")
			}
			if p.hash.T != attr.Invalid {
				return unsupported
			}
			p.hash = rc.a
		case p.key.rng:
			if rc.a.T != p.key.rngT || (rc.op == "BETWEEN" && rc.b.T != p.key.rngT) || (rc.op == "begins_with" && rc.a.T == attr.N) {
				return validation("One or more parameter values were invalid: Condition parameter type does not match schema type")
			}
			if p.rcond != nil {
				return unsupported
			}
			rc := rc
			p.rcond = &rc
		default:
			if p.key.rng != "" && p.hash.T == attr.Invalid && len(parts) == 1 {
				return validation("Query condition missed key schema element: %s", p.key.hash)
			}
			return validation("Query condition missed key schema element: %s", orElse(p.key.rng, p.key.hash))
		}
	}
	if p.hash.T == attr.Invalid {
		return validation("Query condition missed key schema element: %s", p.key.hash)
	}
	return nil
}

func orElse(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// page is one Query or Scan result page.
type page struct {
	items   []attr.Item
	count   int
	scanned int
	size    int
	lastKey attr.Item
}

// visit evaluates one stored entry; it reports false when the page is full.
func (p *readPlan) visit(pg *page, e *entry) bool {
	pg.scanned++
	stored := e.item
	if p.ix != nil && (p.ix.global || (p.sel != "ALL_ATTRIBUTES" && p.paths == nil)) {
		stored = p.ix.project(p.t, e.item)
	}
	pg.size += attr.ItemSize(stored)
	if p.filter == nil || expr.Eval(p.filter, stored) {
		pg.count++
		if p.sel != "COUNT" {
			pg.items = append(pg.items, expr.Project(stored, p.paths))
		}
	}
	if (p.limit > 0 && pg.scanned >= p.limit) || pg.size >= maxPage {
		pg.lastKey = projectNames(e.item, p.t.key.hash, p.t.key.rng, p.key.hash, p.key.rng)
		return false
	}
	return true
}

func (s *Service) query(body []byte) (any, error) {
	var in readInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	env, err := in.env()
	if err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	p, err := s.plan(&in, env, true)
	if err != nil {
		return nil, err
	}
	pg := &page{}
	if part := p.st.parts[attr.KeyString(p.hash)]; part != nil {
		lo, hi := p.rcond.bounds(part)
		forward := in.ScanIndexForward == nil || *in.ScanIndexForward
		if p.start != nil {
			i := part.search(p.start.rk, p.start.tk) // first >= start
			if forward {
				if i < len(part.entries) && cmpEntry(p.start.rk, p.start.tk, part.entries[i]) == 0 {
					i++
				}
				lo = max(lo, i)
			} else {
				hi = min(hi, i)
			}
		}
		// Like DynamoDB, a page that stops on its Limit or the 1 MB cap
		// carries a LastEvaluatedKey even when nothing follows; only an
		// exhausted range ends without one.
		if forward {
			for i := lo; i < hi && p.visit(pg, part.entries[i]); i++ {
			}
		} else {
			for i := hi - 1; i >= lo && p.visit(pg, part.entries[i]); i-- {
			}
		}
	}
	return p.result(pg), nil
}

func (p *readPlan) result(pg *page) json.RawMessage {
	var out response
	out.int("Count", pg.count)
	out.int("ScannedCount", pg.scanned)
	if p.sel != "COUNT" {
		out.items("Items", pg.items)
	}
	if pg.lastKey != nil {
		out.item("LastEvaluatedKey", pg.lastKey)
	}
	c := newCapacity(p.in.ReturnConsumedCapacity, p.t)
	u := readUnits(pg.size, p.in.ConsistentRead)
	if p.ix != nil {
		c.indexes[p.ix.def.IndexName] = u
	} else {
		c.tableU = u
	}
	if cc := c.out(); cc != nil {
		out.value("ConsumedCapacity", cc)
	}
	return out.done()
}

func (s *Service) scan(body []byte) (any, error) {
	var in readInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if (in.Segment == nil) != (in.TotalSegments == nil) {
		return nil, validation("The TotalSegments parameter is required but was not present in the request when Segment parameter is present")
	}
	if in.TotalSegments != nil && (*in.TotalSegments < 1 || *in.TotalSegments > 1000000 || *in.Segment < 0 || *in.Segment >= *in.TotalSegments) {
		return nil, validation("The Segment parameter is zero-based and must be less than parameter TotalSegments: Segment: %d is not less than TotalSegments: %d", *in.Segment, *in.TotalSegments)
	}
	env, err := in.env()
	if err != nil {
		return nil, err
	}
	if in.KeyConditionExpression != "" {
		return nil, validation("KeyConditionExpression is not valid for Scan")
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	p, err := s.plan(&in, env, false)
	if err != nil {
		return nil, err
	}
	pg := &page{}
	order := p.st.order
	first := 0
	if p.start != nil {
		hk := attr.KeyString(p.start.item[p.key.hash])
		first = sort.SearchStrings(order, hk)
	}
	full := false
	for pi := first; pi < len(order) && !full; pi++ {
		hk := order[pi]
		if in.TotalSegments != nil && segmentOf(hk, *in.TotalSegments) != *in.Segment {
			continue
		}
		part := p.st.parts[hk]
		i := 0
		if p.start != nil && pi == first && attr.KeyString(p.start.item[p.key.hash]) == hk {
			i = part.search(p.start.rk, p.start.tk)
			if i < len(part.entries) && cmpEntry(p.start.rk, p.start.tk, part.entries[i]) == 0 {
				i++
			}
		}
		for ; i < len(part.entries); i++ {
			if !p.visit(pg, part.entries[i]) {
				full = true
				break
			}
		}
	}
	return p.result(pg), nil
}

func segmentOf(hk string, total int) int {
	h := fnv.New32a()
	_, _ = h.Write([]byte(hk))
	return int(h.Sum32() % uint32(total))
}
