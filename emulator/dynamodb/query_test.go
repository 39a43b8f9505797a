package dynamodb_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// newOrders creates a table shaped like shopstream's orders read model,
// with a sparse GSI (KEYS_ONLY), a GSI with INCLUDE and an LSI, and fills
// it: user u1 has orders 0..9, u2 has 0..2; only even orders have a
// coupon (the sparse index key).
func newOrders(t *testing.T, c *ddb.Client) {
	t.Helper()
	createTable(t, c, "orders", "userName", types.ScalarAttributeTypeS, "orderKey", types.ScalarAttributeTypeS, func(in *ddb.CreateTableInput) {
		in.AttributeDefinitions = append(in.AttributeDefinitions,
			types.AttributeDefinition{AttributeName: aws.String("orderId"), AttributeType: types.ScalarAttributeTypeS},
			types.AttributeDefinition{AttributeName: aws.String("coupon"), AttributeType: types.ScalarAttributeTypeS},
			types.AttributeDefinition{AttributeName: aws.String("total"), AttributeType: types.ScalarAttributeTypeN})
		key := func(h, r string) []types.KeySchemaElement {
			ks := []types.KeySchemaElement{{AttributeName: aws.String(h), KeyType: types.KeyTypeHash}}
			if r != "" {
				ks = append(ks, types.KeySchemaElement{AttributeName: aws.String(r), KeyType: types.KeyTypeRange})
			}
			return ks
		}
		in.GlobalSecondaryIndexes = []types.GlobalSecondaryIndex{
			{IndexName: aws.String("byOrderId"), KeySchema: key("orderId", ""), Projection: &types.Projection{ProjectionType: types.ProjectionTypeInclude, NonKeyAttributes: []string{"total"}}},
			{IndexName: aws.String("byCoupon"), KeySchema: key("coupon", "orderId"), Projection: &types.Projection{ProjectionType: types.ProjectionTypeKeysOnly}},
		}
		in.LocalSecondaryIndexes = []types.LocalSecondaryIndex{
			{IndexName: aws.String("byTotal"), KeySchema: key("userName", "total"), Projection: &types.Projection{ProjectionType: types.ProjectionTypeKeysOnly}},
		}
	})
	ctx := context.Background()
	for _, u := range []struct {
		name string
		n    int
	}{{"u1", 10}, {"u2", 3}} {
		for i := 0; i < u.n; i++ {
			js := fmt.Sprintf(`{"userName":{"S":%q},"orderKey":{"S":"2026-11-%02dT00:00:00Z#o%d"},"orderId":{"S":"%s-o%d"},"total":{"N":"%d.5"},"note":{"S":"n%d"}`,
				u.name, i+1, i, u.name, i, 100-i, i)
			if i%2 == 0 {
				js += `,"coupon":{"S":"SAVE"}`
			}
			if _, err := c.PutItem(ctx, &ddb.PutItemInput{TableName: aws.String("orders"), Item: item(t, js+"}")}); err != nil {
				t.Fatal(err)
			}
		}
	}
}

func TestQuery(t *testing.T) {
	e := start(t, nil)
	ctx := context.Background()
	c := e.Client
	newOrders(t, c)
	attr := func(m map[string]types.AttributeValue, n string) string {
		switch v := m[n].(type) {
		case *types.AttributeValueMemberS:
			return v.Value
		case *types.AttributeValueMemberN:
			return v.Value
		}
		return "-"
	}
	tests := []struct {
		name   string
		in     ddb.QueryInput
		values string
		want   string // attribute "orderId" (or "count=N") of each item, in order
		keys   string // sorted attribute names of the first item
	}{
		{"partition", ddb.QueryInput{KeyConditionExpression: aws.String("userName = :u")}, `{":u":{"S":"u2"}}`, "u2-o0 u2-o1 u2-o2", ""},
		{"newest first", ddb.QueryInput{KeyConditionExpression: aws.String("userName = :u"), ScanIndexForward: aws.Bool(false)}, `{":u":{"S":"u2"}}`, "u2-o2 u2-o1 u2-o0", ""},
		{"begins_with", ddb.QueryInput{KeyConditionExpression: aws.String("userName = :u AND begins_with(orderKey, :p)")}, `{":u":{"S":"u1"},":p":{"S":"2026-11-1"}}`, "u1-o9", ""},
		{"between", ddb.QueryInput{KeyConditionExpression: aws.String("userName = :u AND orderKey BETWEEN :a AND :b")}, `{":u":{"S":"u1"},":a":{"S":"2026-11-02"},":b":{"S":"2026-11-04"}}`, "u1-o1 u1-o2", ""},
		{"less than", ddb.QueryInput{KeyConditionExpression: aws.String("userName = :u AND orderKey < :a")}, `{":u":{"S":"u1"},":a":{"S":"2026-11-03"}}`, "u1-o0 u1-o1", ""},
		{"greater or equal, reversed operands", ddb.QueryInput{KeyConditionExpression: aws.String(":a <= orderKey AND userName = :u")}, `{":u":{"S":"u1"},":a":{"S":"2026-11-09"}}`, "u1-o8 u1-o9", ""},
		{"filter", ddb.QueryInput{KeyConditionExpression: aws.String("userName = :u"), FilterExpression: aws.String("attribute_exists(coupon) AND #t > :t"),
			ExpressionAttributeNames: map[string]string{"#t": "total"}}, `{":u":{"S":"u1"},":t":{"N":"95"}}`, "u1-o0 u1-o2 u1-o4", ""},
		{"count", ddb.QueryInput{KeyConditionExpression: aws.String("userName = :u"), Select: types.SelectCount}, `{":u":{"S":"u1"}}`, "count=10", ""},
		{"projection", ddb.QueryInput{KeyConditionExpression: aws.String("userName = :u"), ProjectionExpression: aws.String("orderId, note")}, `{":u":{"S":"u2"}}`, "u2-o0 u2-o1 u2-o2", "note orderId"},
		{"gsi include", ddb.QueryInput{IndexName: aws.String("byOrderId"), KeyConditionExpression: aws.String("orderId = :o")}, `{":o":{"S":"u1-o3"}}`, "u1-o3", "orderId orderKey total userName"},
		{"sparse gsi keys only", ddb.QueryInput{IndexName: aws.String("byCoupon"), KeyConditionExpression: aws.String("coupon = :c AND begins_with(orderId, :u)")}, `{":c":{"S":"SAVE"},":u":{"S":"u2"}}`, "u2-o0 u2-o2", "coupon orderId orderKey userName"},
		{"lsi by number", ddb.QueryInput{IndexName: aws.String("byTotal"), KeyConditionExpression: aws.String("userName = :u AND #t < :t"), ExpressionAttributeNames: map[string]string{"#t": "total"}}, `{":u":{"S":"u1"},":t":{"N":"93"}}`, "- -", "orderKey total userName"},
		{"lsi fetches attributes", ddb.QueryInput{IndexName: aws.String("byTotal"), KeyConditionExpression: aws.String("userName = :u AND #t < :t"), ExpressionAttributeNames: map[string]string{"#t": "total"}, Select: types.SelectAllAttributes}, `{":u":{"S":"u1"},":t":{"N":"93"}}`, "u1-o9 u1-o8", "note orderId orderKey total userName"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := tt.in
			in.TableName = aws.String("orders")
			in.ExpressionAttributeValues = item(t, tt.values)
			out, err := c.Query(ctx, &in)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, it := range out.Items {
				got = append(got, attr(it, "orderId"))
			}
			gotS := strings.Join(got, " ")
			if in.Select == types.SelectCount {
				gotS = fmt.Sprintf("count=%d", out.Count)
			}
			if gotS != tt.want {
				t.Errorf("items = %s, want %s", gotS, tt.want)
			}
			if tt.keys != "" && len(out.Items) > 0 {
				var names []string
				for n := range out.Items[0] {
					names = append(names, n)
				}
				if got := strings.Join(sortStrings(names), " "); got != tt.keys {
					t.Errorf("attributes = %s, want %s", got, tt.keys)
				}
			}
		})
	}
}

func sortStrings(s []string) []string {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
	return s
}

// TestPagination walks Query and Scan pages with Limit and
// ExclusiveStartKey, on the table and on an index, and checks every item
// is seen exactly once.
func TestPagination(t *testing.T) {
	e := start(t, nil)
	ctx := context.Background()
	c := e.Client
	newOrders(t, c)
	cases := []struct {
		name     string
		query    bool
		index    string
		backward bool
		want     int
	}{
		{"query table", true, "", false, 10},
		{"query table newest first", true, "", true, 10},
		{"query lsi", true, "byTotal", false, 10},
		{"query lsi backwards", true, "byTotal", true, 10},
		{"scan table", false, "", false, 13},
		{"scan sparse gsi", false, "byCoupon", false, 7},
	}
	for _, tc := range cases {
		for _, limit := range []int32{1, 3, 100} {
			t.Run(fmt.Sprintf("%s/limit=%d", tc.name, limit), func(t *testing.T) {
				seen := map[string]bool{}
				var start map[string]types.AttributeValue
				pages, last := 0, ""
				for {
					var items []map[string]types.AttributeValue
					var lek map[string]types.AttributeValue
					if tc.query {
						in := &ddb.QueryInput{TableName: aws.String("orders"), KeyConditionExpression: aws.String("userName = :u"),
							ExpressionAttributeValues: item(t, `{":u":{"S":"u1"}}`), Limit: aws.Int32(limit), ExclusiveStartKey: start,
							ScanIndexForward: aws.Bool(!tc.backward)}
						if tc.index != "" {
							in.IndexName = aws.String(tc.index)
						}
						out, err := c.Query(ctx, in)
						if err != nil {
							t.Fatal(err)
						}
						items, lek = out.Items, out.LastEvaluatedKey
					} else {
						in := &ddb.ScanInput{TableName: aws.String("orders"), Limit: aws.Int32(limit), ExclusiveStartKey: start}
						if tc.index != "" {
							in.IndexName = aws.String(tc.index)
						}
						out, err := c.Scan(ctx, in)
						if err != nil {
							t.Fatal(err)
						}
						items, lek = out.Items, out.LastEvaluatedKey
					}
					pages++
					for _, it := range items {
						if tc.query && tc.index == "" {
							k := it["orderKey"].(*types.AttributeValueMemberS).Value
							if last != "" && (k < last) != tc.backward {
								t.Fatalf("order broken: %s after %s", k, last)
							}
							last = k
						}
						k := show(map[string]types.AttributeValue{"u": it["userName"], "k": it["orderKey"]})
						if seen[k] {
							t.Fatalf("item %s returned twice", k)
						}
						seen[k] = true
					}
					if lek == nil {
						break
					}
					if pages > 100 {
						t.Fatal("pagination does not end")
					}
					start = lek
				}
				if len(seen) != tc.want {
					t.Errorf("saw %d items in %d pages, want %d", len(seen), pages, tc.want)
				}
			})
		}
	}
}

// TestPageSizeLimit checks a Query stops at 1 MB of data with a
// LastEvaluatedKey even without a Limit.
func TestPageSizeLimit(t *testing.T) {
	e := start(t, nil)
	ctx := context.Background()
	c := e.Client
	createTable(t, c, "blobs", "pk", types.ScalarAttributeTypeS, "sk", types.ScalarAttributeTypeN)
	blob := strings.Repeat("x", 300*1024)
	for i := 0; i < 5; i++ {
		_, err := c.PutItem(ctx, &ddb.PutItemInput{TableName: aws.String("blobs"), Item: map[string]types.AttributeValue{
			"pk": &types.AttributeValueMemberS{Value: "p"}, "sk": &types.AttributeValueMemberN{Value: fmt.Sprint(i)}, "b": &types.AttributeValueMemberS{Value: blob}}})
		if err != nil {
			t.Fatal(err)
		}
	}
	out, err := c.Query(ctx, &ddb.QueryInput{TableName: aws.String("blobs"), KeyConditionExpression: aws.String("pk = :p"), ExpressionAttributeValues: item(t, `{":p":{"S":"p"}}`)})
	if err != nil {
		t.Fatal(err)
	}
	if out.Count != 4 || out.LastEvaluatedKey == nil {
		t.Errorf("first page: Count %d, LastEvaluatedKey %v; want 4 items (1 MB reached on the 4th) and a key", out.Count, out.LastEvaluatedKey)
	}
}

func TestReturnValuesAndCapacity(t *testing.T) {
	e := start(t, nil)
	ctx := context.Background()
	c := e.Client
	newOrders(t, c)
	key := item(t, `{"userName":{"S":"u2"},"orderKey":{"S":"2026-11-01T00:00:00Z#o0"}}`)
	tests := []struct {
		rv   types.ReturnValue
		want string
	}{
		{types.ReturnValueAllOld, `{"coupon":{"S":"SAVE"},"note":{"S":"n0"},"orderId":{"S":"u2-o0"},"orderKey":{"S":"2026-11-01T00:00:00Z#o0"},"total":{"N":"100.5"},"userName":{"S":"u2"}}`},
		{types.ReturnValueUpdatedOld, `{"note":{"S":"v1"}}`},
		{types.ReturnValueUpdatedNew, `{"note":{"S":"v3"}}`},
		{types.ReturnValueAllNew, `{"coupon":{"S":"SAVE"},"note":{"S":"v4"},"orderId":{"S":"u2-o0"},"orderKey":{"S":"2026-11-01T00:00:00Z#o0"},"total":{"N":"100.5"},"userName":{"S":"u2"}}`},
	}
	for i, tt := range tests {
		out, err := c.UpdateItem(ctx, &ddb.UpdateItemInput{TableName: aws.String("orders"), Key: key, UpdateExpression: aws.String("SET note = :n"),
			ExpressionAttributeValues: item(t, fmt.Sprintf(`{":n":{"S":"v%d"}}`, i+1)), ReturnValues: tt.rv})
		if err != nil {
			t.Fatal(err)
		}
		if got := show(out.Attributes); got != tt.want {
			t.Errorf("%s: Attributes = %s, want %s", tt.rv, got, tt.want)
		}
	}

	// Capacity: 1 WCU per started KB (writes), 4 KB per RCU, half for
	// eventually consistent reads; transactions double.
	small := item(t, `{"userName":{"S":"cap"},"orderKey":{"S":"k"}}`)
	bigItem := item(t, `{"userName":{"S":"cap"},"orderKey":{"S":"k2"}}`)
	bigItem["pad"] = &types.AttributeValueMemberS{Value: strings.Repeat("p", 5000)}
	put := func(it map[string]types.AttributeValue) float64 {
		out, err := c.PutItem(ctx, &ddb.PutItemInput{TableName: aws.String("orders"), Item: it, ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal})
		if err != nil {
			t.Fatal(err)
		}
		return aws.ToFloat64(out.ConsumedCapacity.CapacityUnits)
	}
	get := func(k map[string]types.AttributeValue, consistent bool) float64 {
		out, err := c.GetItem(ctx, &ddb.GetItemInput{TableName: aws.String("orders"), Key: k, ConsistentRead: aws.Bool(consistent), ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal})
		if err != nil {
			t.Fatal(err)
		}
		return aws.ToFloat64(out.ConsumedCapacity.CapacityUnits)
	}
	checks := []struct {
		name string
		got  float64
		want float64
	}{
		{"put small item", put(small), 1},
		{"put 5 KB item", put(bigItem), 5},
		{"eventually consistent get of 5 KB", get(map[string]types.AttributeValue{"userName": bigItem["userName"], "orderKey": bigItem["orderKey"]}, false), 1},
		{"strongly consistent get of 5 KB", get(map[string]types.AttributeValue{"userName": bigItem["userName"], "orderKey": bigItem["orderKey"]}, true), 2},
		{"get of missing item", get(item(t, `{"userName":{"S":"none"},"orderKey":{"S":"k"}}`), false), 0.5},
	}
	tw, err := c.TransactWriteItems(ctx, &ddb.TransactWriteItemsInput{ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal, TransactItems: []types.TransactWriteItem{
		{Put: &types.Put{TableName: aws.String("orders"), Item: item(t, `{"userName":{"S":"cap"},"orderKey":{"S":"t1"}}`)}},
		{Put: &types.Put{TableName: aws.String("orders"), Item: item(t, `{"userName":{"S":"cap"},"orderKey":{"S":"t2"}}`)}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	checks = append(checks, struct {
		name string
		got  float64
		want float64
	}{"transaction of two small puts", aws.ToFloat64(tw.ConsumedCapacity[0].CapacityUnits), 4})
	for _, ck := range checks {
		if ck.got != ck.want {
			t.Errorf("%s: %v capacity units, want %v", ck.name, ck.got, ck.want)
		}
	}
	// INDEXES breaks a write down per index: the sparse and include GSIs
	// and the LSI each hold the new order.
	out, err := c.PutItem(ctx, &ddb.PutItemInput{TableName: aws.String("orders"), ReturnConsumedCapacity: types.ReturnConsumedCapacityIndexes,
		Item: item(t, `{"userName":{"S":"cap"},"orderKey":{"S":"k3"},"orderId":{"S":"x"},"coupon":{"S":"C"},"total":{"N":"1"}}`)})
	if err != nil {
		t.Fatal(err)
	}
	cc := out.ConsumedCapacity
	if aws.ToFloat64(cc.CapacityUnits) != 4 || aws.ToFloat64(cc.Table.CapacityUnits) != 1 || len(cc.GlobalSecondaryIndexes) != 2 || len(cc.LocalSecondaryIndexes) != 1 {
		t.Errorf("INDEXES capacity = total %v table %v gsis %d lsis %d; want 4, 1, 2, 1", aws.ToFloat64(cc.CapacityUnits), aws.ToFloat64(cc.Table.CapacityUnits), len(cc.GlobalSecondaryIndexes), len(cc.LocalSecondaryIndexes))
	}
}

func TestBatchAndTransactGet(t *testing.T) {
	e := start(t, nil)
	ctx := context.Background()
	c := e.Client
	createTable(t, c, "kvs", "k", types.ScalarAttributeTypeS, "", "")
	var reqs []types.WriteRequest
	for i := 0; i < 5; i++ {
		reqs = append(reqs, types.WriteRequest{PutRequest: &types.PutRequest{Item: item(t, fmt.Sprintf(`{"k":{"S":"k%d"},"v":{"N":"%d"},"x":{"S":"y"}}`, i, i))}})
	}
	if _, err := c.BatchWriteItem(ctx, &ddb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{"kvs": reqs}}); err != nil {
		t.Fatal(err)
	}
	_, err := c.BatchWriteItem(ctx, &ddb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{"kvs": {
		{DeleteRequest: &types.DeleteRequest{Key: item(t, `{"k":{"S":"k0"}}`)}},
	}}})
	if err != nil {
		t.Fatal(err)
	}
	bg, err := c.BatchGetItem(ctx, &ddb.BatchGetItemInput{RequestItems: map[string]types.KeysAndAttributes{"kvs": {
		Keys:                 []map[string]types.AttributeValue{item(t, `{"k":{"S":"k0"}}`), item(t, `{"k":{"S":"k1"}}`), item(t, `{"k":{"S":"k4"}}`)},
		ProjectionExpression: aws.String("k, v"),
	}}})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, it := range bg.Responses["kvs"] {
		got = append(got, show(it))
	}
	if s := strings.Join(sortStrings(got), " "); s != `{"k":{"S":"k1"},"v":{"N":"1"}} {"k":{"S":"k4"},"v":{"N":"4"}}` {
		t.Errorf("BatchGetItem = %s", s)
	}
	tg, err := c.TransactGetItems(ctx, &ddb.TransactGetItemsInput{TransactItems: []types.TransactGetItem{
		{Get: &types.Get{TableName: aws.String("kvs"), Key: item(t, `{"k":{"S":"k2"}}`)}},
		{Get: &types.Get{TableName: aws.String("kvs"), Key: item(t, `{"k":{"S":"k0"}}`)}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if len(tg.Responses) != 2 || show(tg.Responses[0].Item) != `{"k":{"S":"k2"},"v":{"N":"2"},"x":{"S":"y"}}` || tg.Responses[1].Item != nil {
		t.Errorf("TransactGetItems = %+v", tg.Responses)
	}
}

// TestParallelScan: segments partition the table; together they return
// every item exactly once.
func TestParallelScan(t *testing.T) {
	e := start(t, nil)
	ctx := context.Background()
	newOrders(t, e.Client)
	seen := map[string]int{}
	for seg := int32(0); seg < 4; seg++ {
		var start map[string]types.AttributeValue
		for {
			out, err := e.Client.Scan(ctx, &ddb.ScanInput{TableName: aws.String("orders"), Segment: aws.Int32(seg), TotalSegments: aws.Int32(4), Limit: aws.Int32(2), ExclusiveStartKey: start})
			if err != nil {
				t.Fatal(err)
			}
			for _, it := range out.Items {
				seen[show(map[string]types.AttributeValue{"u": it["userName"], "k": it["orderKey"]})]++
			}
			if start = out.LastEvaluatedKey; start == nil {
				break
			}
		}
	}
	if len(seen) != 13 {
		t.Errorf("segments returned %d distinct items, want 13", len(seen))
	}
	for k, n := range seen {
		if n != 1 {
			t.Errorf("%s returned %d times", k, n)
		}
	}
	_, err := e.Client.Scan(ctx, &ddb.ScanInput{TableName: aws.String("orders"), Segment: aws.Int32(4), TotalSegments: aws.Int32(4)})
	if code, _ := apiErr(err); code != "ValidationException" {
		t.Errorf("segment out of range: %v", err)
	}
}
