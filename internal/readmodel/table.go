package readmodel

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// putIfNewer writes row to table unless the stored row with the same key
// is already at version or newer, and reports whether it wrote. keyAttr is
// one of the table's key attributes: its absence means there is no row.
// name says which row it is in errors ("product p1").
//
// Every projection writes through it, so a replay or an out-of-order
// delivery can never move a row back to an older version.
func putIfNewer(ctx context.Context, client *dynamodb.Client, table, keyAttr string, row any, version int64, name string) (bool, error) {
	item, err := attributevalue.MarshalMap(row)
	if err != nil {
		return false, fmt.Errorf("readmodel: put %s: %w", name, err)
	}
	_, err = client.PutItem(ctx, &dynamodb.PutItemInput{
		TableName:           aws.String(table),
		Item:                item,
		ConditionExpression: aws.String("attribute_not_exists(" + keyAttr + ") OR version < :v"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":v": &types.AttributeValueMemberN{Value: fmt.Sprint(version)},
		},
	})
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("readmodel: put %s: %w", name, err)
	}
	return true, nil
}

// scanAll returns every row of table decoded as R. name says what the
// table holds in errors ("catalog", "orders").
func scanAll[R any](ctx context.Context, client *dynamodb.Client, table, name string) ([]R, error) {
	var rows []R
	p := dynamodb.NewScanPaginator(client, &dynamodb.ScanInput{TableName: aws.String(table)})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("readmodel: scan %s: %w", name, err)
		}
		var page []R
		if err := attributevalue.UnmarshalListOfMaps(out.Items, &page); err != nil {
			return nil, fmt.Errorf("readmodel: decode %s: %w", name, err)
		}
		rows = append(rows, page...)
	}
	return rows, nil
}
