package dynamodb_test

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/shopstream/shopstream/internal/testutil/motoserver"
)

// crossStep is one request sent to both moto_server and the emulator; it
// returns a normalized rendering of the result or the error code.
type crossStep struct {
	name string
	run  func(t *testing.T, c *ddb.Client) string
}

// motoDisagreements are steps where moto_server's answer differs from
// AWS's documented behaviour and the emulator follows AWS. The value says
// why; the test logs both answers instead of failing.
var motoDisagreements = map[string]string{
	"condition on value":               "moto returns numbers as sent (1.50); DynamoDB trims leading and trailing zeros and returns 1.5",
	"query unused value":               "moto does not reject unused ExpressionAttributeValues in Query; DynamoDB answers ValidationException",
	"query syntax error":               "moto fails with an untyped server error on 'pk == :p'; DynamoDB answers ValidationException (syntax error)",
	"query limit equal to the matches": "moto omits LastEvaluatedKey when the Limit happens to take the last match; DynamoDB returns it whenever a page stops on its Limit (the next page is empty)",
	"filter on sort key":               "moto applies a FilterExpression on the sort key; DynamoDB rejects it (Filter Expression can only contain non-primary key attributes)",
}

func rendered(items []map[string]types.AttributeValue, sorted bool) string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = show(it)
	}
	if sorted {
		sort.Strings(out)
	}
	return strings.Join(out, "\n")
}

func errOr(err error, ok string) string {
	if err != nil {
		code, _ := apiErr(err)
		return "error " + code
	}
	return ok
}

func crossSteps(t *testing.T) []crossStep {
	ctx := context.Background()
	tbl := aws.String("cross")
	put := func(js, cond, values string) func(*testing.T, *ddb.Client) string {
		return func(t *testing.T, c *ddb.Client) string {
			in := &ddb.PutItemInput{TableName: tbl, Item: item(t, js), ReturnValues: types.ReturnValueAllOld}
			if cond != "" {
				in.ConditionExpression = aws.String(cond)
			}
			in.ExpressionAttributeValues = item(t, values)
			out, err := c.PutItem(ctx, in)
			if err != nil {
				return errOr(err, "")
			}
			return "old " + show(out.Attributes)
		}
	}
	update := func(key, upd, cond, values string, names map[string]string) func(*testing.T, *ddb.Client) string {
		return func(t *testing.T, c *ddb.Client) string {
			in := &ddb.UpdateItemInput{TableName: tbl, Key: item(t, key), UpdateExpression: aws.String(upd), ReturnValues: types.ReturnValueAllNew,
				ExpressionAttributeValues: item(t, values), ExpressionAttributeNames: names}
			if cond != "" {
				in.ConditionExpression = aws.String(cond)
			}
			out, err := c.UpdateItem(ctx, in)
			if err != nil {
				return errOr(err, "")
			}
			return "new " + show(out.Attributes)
		}
	}
	query := func(in ddb.QueryInput, values string) func(*testing.T, *ddb.Client) string {
		return func(t *testing.T, c *ddb.Client) string {
			in := in
			in.TableName = tbl
			in.ExpressionAttributeValues = item(t, values)
			out, err := c.Query(ctx, &in)
			if err != nil {
				return errOr(err, "")
			}
			return fmt.Sprintf("count %d scanned %d lek %s\n%s", out.Count, out.ScannedCount, show(out.LastEvaluatedKey), rendered(out.Items, false))
		}
	}
	get := func(key, proj string) func(*testing.T, *ddb.Client) string {
		return func(t *testing.T, c *ddb.Client) string {
			in := &ddb.GetItemInput{TableName: tbl, Key: item(t, key)}
			if proj != "" {
				in.ProjectionExpression = aws.String(proj)
			}
			out, err := c.GetItem(ctx, in)
			if err != nil {
				return errOr(err, "")
			}
			return show(out.Item)
		}
	}
	return []crossStep{
		{"create table", func(t *testing.T, c *ddb.Client) string {
			_, err := c.CreateTable(ctx, &ddb.CreateTableInput{TableName: tbl, BillingMode: types.BillingModePayPerRequest,
				AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS},
					{AttributeName: aws.String("sk"), AttributeType: types.ScalarAttributeTypeN}, {AttributeName: aws.String("g"), AttributeType: types.ScalarAttributeTypeS}},
				KeySchema: []types.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash}, {AttributeName: aws.String("sk"), KeyType: types.KeyTypeRange}},
				GlobalSecondaryIndexes: []types.GlobalSecondaryIndex{{IndexName: aws.String("byG"),
					KeySchema:  []types.KeySchemaElement{{AttributeName: aws.String("g"), KeyType: types.KeyTypeHash}, {AttributeName: aws.String("sk"), KeyType: types.KeyTypeRange}},
					Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll}}},
			})
			return errOr(err, "ok")
		}},
		{"put 1", put(`{"pk":{"S":"p"},"sk":{"N":"1"},"g":{"S":"x"},"n":{"N":"10"},"l":{"L":[{"S":"a"}]},"m":{"M":{"k":{"S":"v"}}},"ss":{"SS":["a","b"]},"e":{"L":[]},"em":{"M":{}}}`, "", "")},
		{"put 2", put(`{"pk":{"S":"p"},"sk":{"N":"2"},"g":{"S":"x"},"n":{"N":"20"}}`, "", "")},
		{"put 3", put(`{"pk":{"S":"p"},"sk":{"N":"3"},"n":{"N":"30"},"s":{"S":"hello"}}`, "", "")},
		{"put 10 (numeric order)", put(`{"pk":{"S":"p"},"sk":{"N":"10"},"g":{"S":"y"}}`, "", "")},
		{"put other partition", put(`{"pk":{"S":"q"},"sk":{"N":"1"}}`, "", "")},
		{"replace returns old", put(`{"pk":{"S":"q"},"sk":{"N":"1"},"v":{"N":"1.50"}}`, "", "")},
		{"conditional put fails", put(`{"pk":{"S":"p"},"sk":{"N":"1"}}`, "attribute_not_exists(pk)", "")},
		{"conditional put passes", put(`{"pk":{"S":"r"},"sk":{"N":"1"}}`, "attribute_not_exists(pk)", "")},
		{"condition on value", put(`{"pk":{"S":"q"},"sk":{"N":"1"},"v":{"N":"2"}}`, "v = :v", `{":v":{"N":"1.5"}}`)},
		{"not-equal on missing attribute", put(`{"pk":{"S":"r"},"sk":{"N":"1"}}`, "nope <> :v", `{":v":{"N":"1"}}`)},
		{"get with projection", get(`{"pk":{"S":"p"},"sk":{"N":"1"}}`, "n, l[0], m.k, e")},
		{"get missing", get(`{"pk":{"S":"zz"},"sk":{"N":"1"}}`, "")},
		{"update arithmetic and functions", update(`{"pk":{"S":"p"},"sk":{"N":"1"}}`,
			"SET n = n + :one, l = list_append(l, :l), c = if_not_exists(c, :zero), m.k2 = :s REMOVE e ADD ss :ss, cnt :one", "", `{":one":{"N":"1"},":l":{"L":[{"S":"b"}]},":zero":{"N":"0"},":s":{"S":"t"},":ss":{"SS":["c"]}}`, nil)},
		{"update delete from set", update(`{"pk":{"S":"p"},"sk":{"N":"1"}}`, "DELETE ss :ss", "", `{":ss":{"SS":["a","c"]}}`, nil)},
		{"update creates item", update(`{"pk":{"S":"new"},"sk":{"N":"1"}}`, "SET a = :a", "", `{":a":{"BOOL":false}}`, nil)},
		{"update with failing condition", update(`{"pk":{"S":"p"},"sk":{"N":"1"}}`, "SET a = :a", "n > :a", `{":a":{"N":"100"}}`, nil)},
		{"update with names", update(`{"pk":{"S":"p"},"sk":{"N":"2"}}`, "SET #st = :v", "", `{":v":{"S":"done"}}`, map[string]string{"#st": "status"})},
		{"update key attribute", update(`{"pk":{"S":"p"},"sk":{"N":"2"}}`, "SET pk = :v", "", `{":v":{"S":"x"}}`, nil)},
		{"update wrong operand type", update(`{"pk":{"S":"p"},"sk":{"N":"3"}}`, "SET s = s + :v", "", `{":v":{"N":"1"}}`, nil)},
		{"query all", query(ddb.QueryInput{KeyConditionExpression: aws.String("pk = :p")}, `{":p":{"S":"p"}}`)},
		{"query backwards", query(ddb.QueryInput{KeyConditionExpression: aws.String("pk = :p"), ScanIndexForward: aws.Bool(false)}, `{":p":{"S":"p"}}`)},
		{"query between", query(ddb.QueryInput{KeyConditionExpression: aws.String("pk = :p AND sk BETWEEN :a AND :b")}, `{":p":{"S":"p"},":a":{"N":"2"},":b":{"N":"9"}}`)},
		{"query limit", query(ddb.QueryInput{KeyConditionExpression: aws.String("pk = :p"), Limit: aws.Int32(2)}, `{":p":{"S":"p"}}`)},
		{"query limit equal to the matches", query(ddb.QueryInput{KeyConditionExpression: aws.String("pk = :p AND sk >= :s"), Limit: aws.Int32(2)}, `{":p":{"S":"p"},":s":{"N":"3"}}`)},
		{"query filter", query(ddb.QueryInput{KeyConditionExpression: aws.String("pk = :p"), FilterExpression: aws.String("n >= :n OR begins_with(s, :h)")}, `{":p":{"S":"p"},":n":{"N":"20"},":h":{"S":"he"}}`)},
		{"query count", query(ddb.QueryInput{KeyConditionExpression: aws.String("pk = :p AND sk > :s"), Select: types.SelectCount}, `{":p":{"S":"p"},":s":{"N":"1"}}`)},
		{"query gsi", query(ddb.QueryInput{IndexName: aws.String("byG"), KeyConditionExpression: aws.String("g = :g")}, `{":g":{"S":"x"}}`)},
		{"query missing partition key", query(ddb.QueryInput{KeyConditionExpression: aws.String("sk = :s")}, `{":s":{"N":"1"}}`)},
		{"query unused value", query(ddb.QueryInput{KeyConditionExpression: aws.String("pk = :p")}, `{":p":{"S":"p"},":x":{"S":"p"}}`)},
		{"query syntax error", query(ddb.QueryInput{KeyConditionExpression: aws.String("pk == :p")}, `{":p":{"S":"p"}}`)},
		{"scan with filter", func(t *testing.T, c *ddb.Client) string {
			out, err := c.Scan(ctx, &ddb.ScanInput{TableName: tbl, FilterExpression: aws.String("attribute_exists(g) AND size(g) = :one"), ExpressionAttributeValues: item(t, `{":one":{"N":"1"}}`)})
			if err != nil {
				return errOr(err, "")
			}
			return fmt.Sprintf("count %d scanned %d\n%s", out.Count, out.ScannedCount, rendered(out.Items, true))
		}},
		{"put missing key", put(`{"pk":{"S":"p"}}`, "", "")},
		{"put wrong key type", put(`{"pk":{"N":"1"},"sk":{"N":"1"}}`, "", "")},
		{"get with partial key", get(`{"pk":{"S":"p"}}`, "")},
		{"transaction cancelled", func(t *testing.T, c *ddb.Client) string {
			_, err := c.TransactWriteItems(ctx, &ddb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
				{Put: &types.Put{TableName: tbl, Item: item(t, `{"pk":{"S":"t"},"sk":{"N":"1"}}`)}},
				{ConditionCheck: &types.ConditionCheck{TableName: tbl, Key: item(t, `{"pk":{"S":"p"},"sk":{"N":"1"}}`), ConditionExpression: aws.String("attribute_not_exists(pk)")}},
			}})
			var tce *types.TransactionCanceledException
			if !asErr(err, &tce) {
				return errOr(err, "committed")
			}
			var codes []string
			for _, r := range tce.CancellationReasons {
				codes = append(codes, aws.ToString(r.Code))
			}
			return "cancelled " + strings.Join(codes, ",")
		}},
		{"transaction commits", func(t *testing.T, c *ddb.Client) string {
			_, err := c.TransactWriteItems(ctx, &ddb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
				{Put: &types.Put{TableName: tbl, Item: item(t, `{"pk":{"S":"t"},"sk":{"N":"1"}}`)}},
				{Update: &types.Update{TableName: tbl, Key: item(t, `{"pk":{"S":"p"},"sk":{"N":"2"}}`), UpdateExpression: aws.String("SET n = n - :d"), ExpressionAttributeValues: item(t, `{":d":{"N":"0.5"}}`)}},
				{Delete: &types.Delete{TableName: tbl, Key: item(t, `{"pk":{"S":"r"},"sk":{"N":"1"}}`)}},
			}})
			return errOr(err, "committed")
		}},
		{"state after transaction", query(ddb.QueryInput{KeyConditionExpression: aws.String("pk = :p")}, `{":p":{"S":"p"}}`)},
		{"filter on sort key", query(ddb.QueryInput{KeyConditionExpression: aws.String("pk = :p"), FilterExpression: aws.String("sk > :s")}, `{":p":{"S":"p"},":s":{"N":"1"}}`)},
		{"update overlapping paths", update(`{"pk":{"S":"p"},"sk":{"N":"3"}}`, "SET m = :v, m.a = :v", "", `{":v":{"S":"x"}}`, nil)},
		{"update reserved word", update(`{"pk":{"S":"p"},"sk":{"N":"3"}}`, "SET size = :v", "", `{":v":{"S":"x"}}`, nil)},
		{"update unused name", update(`{"pk":{"S":"p"},"sk":{"N":"3"}}`, "SET a = :v", "", `{":v":{"S":"x"}}`, map[string]string{"#n": "n"})},
		{"update nested list element", update(`{"pk":{"S":"p"},"sk":{"N":"1"}}`, "SET l[1] = :v, m.k = :v REMOVE l[0]", "", `{":v":{"S":"z"}}`, nil)},
		{"update path into missing map", update(`{"pk":{"S":"p"},"sk":{"N":"3"}}`, "SET nomap.a = :v", "", `{":v":{"S":"x"}}`, nil)},
		{"condition with size and IN", update(`{"pk":{"S":"p"},"sk":{"N":"3"}}`, "SET ok = :t", "size(s) = :five AND n IN (:a, :b)", `{":t":{"BOOL":true},":five":{"N":"5"},":a":{"N":"30"},":b":{"N":"31"}}`, nil)},
		{"condition with NOT and contains", update(`{"pk":{"S":"p"},"sk":{"N":"3"}}`, "SET ok2 = :t", "NOT contains(s, :x) AND attribute_type(n, :N)", `{":t":{"BOOL":true},":x":{"S":"zz"},":N":{"S":"N"}}`, nil)},
		{"item too large", func(t *testing.T, c *ddb.Client) string {
			_, err := c.PutItem(ctx, &ddb.PutItemInput{TableName: tbl, Item: map[string]types.AttributeValue{
				"pk": &types.AttributeValueMemberS{Value: "big"}, "sk": &types.AttributeValueMemberN{Value: "1"}, "b": &types.AttributeValueMemberS{Value: strings.Repeat("x", 400*1024)}}})
			return errOr(err, "ok")
		}},
		{"updated old and new", func(t *testing.T, c *ddb.Client) string {
			var res []string
			for _, rv := range []types.ReturnValue{types.ReturnValueUpdatedOld, types.ReturnValueUpdatedNew} {
				out, err := c.UpdateItem(ctx, &ddb.UpdateItemInput{TableName: tbl, Key: item(t, `{"pk":{"S":"p"},"sk":{"N":"3"}}`),
					UpdateExpression: aws.String("SET n = n + :one, fresh = n"), ExpressionAttributeValues: item(t, `{":one":{"N":"1"}}`), ReturnValues: rv})
				if err != nil {
					return errOr(err, "")
				}
				res = append(res, show(out.Attributes))
			}
			return strings.Join(res, " ")
		}},
		{"batch write and get", func(t *testing.T, c *ddb.Client) string {
			_, err := c.BatchWriteItem(ctx, &ddb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{"cross": {
				{PutRequest: &types.PutRequest{Item: item(t, `{"pk":{"S":"b"},"sk":{"N":"1"},"v":{"NS":["1","2"]}}`)}},
				{DeleteRequest: &types.DeleteRequest{Key: item(t, `{"pk":{"S":"t"},"sk":{"N":"1"}}`)}},
			}}})
			if err != nil {
				return errOr(err, "")
			}
			out, err := c.BatchGetItem(ctx, &ddb.BatchGetItemInput{RequestItems: map[string]types.KeysAndAttributes{"cross": {
				Keys: []map[string]types.AttributeValue{item(t, `{"pk":{"S":"b"},"sk":{"N":"1"}}`), item(t, `{"pk":{"S":"t"},"sk":{"N":"1"}}`)}}}})
			if err != nil {
				return errOr(err, "")
			}
			return rendered(out.Responses["cross"], true)
		}},
	}
}

// TestCrossCheckMoto sends the same requests to moto_server and to the
// emulator and compares the answers.
func TestCrossCheckMoto(t *testing.T) {
	if testing.Short() {
		t.Skip("starts moto_server; skipped with -short")
	}
	moto := ddb.NewFromConfig(motoserver.Config(motoserver.Start(t)))
	local := start(t, nil).Client
	for _, step := range crossSteps(t) {
		want := step.run(t, moto)
		got := step.run(t, local)
		if got == want {
			continue
		}
		if testing.Verbose() {
			t.Logf("%s: moto %q", step.name, want)
		}
		if why, ok := motoDisagreements[step.name]; ok {
			t.Logf("%s: known moto difference (%s)\n moto: %s\n ours: %s", step.name, why, want, got)
			continue
		}
		t.Errorf("%s:\n moto: %s\n ours: %s", step.name, want, got)
	}
}
