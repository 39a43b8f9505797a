package readmodel

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/shopstream/shopstream/internal/domain"
	"github.com/shopstream/shopstream/internal/ordering"
)

// Key names of the orders table; the stack defines the table with them.
const (
	OrdersKey       = "userName"
	OrdersSortKey   = "orderKey"
	OrdersByOrderID = "byOrderId"
	OrdersOrderID   = "orderId"
)

// Order is the orders row: an order as its customer sees it.
type Order struct {
	UserName string `json:"userName" dynamodbav:"userName"`
	// OrderKey sorts a customer's orders by date: "<RFC3339 placedAt>#<id>".
	OrderKey   string              `json:"-" dynamodbav:"orderKey"`
	OrderID    string              `json:"orderId" dynamodbav:"orderId"`
	CheckoutID string              `json:"checkoutId" dynamodbav:"checkoutId"`
	OrderDate  string              `json:"orderDate" dynamodbav:"orderDate"`
	Lines      []domain.PricedLine `json:"lines" dynamodbav:"lines"`
	Total      int64               `json:"total" dynamodbav:"total"`
	Currency   string              `json:"currency" dynamodbav:"currency"`
	Version    int64               `json:"version" dynamodbav:"version"`
}

// OrderFrom returns the row for a placed order at stream version version.
func OrderFrom(orderID string, p ordering.Placement, version int64) Order {
	date := p.PlacedAt.UTC().Format(time.RFC3339)
	return Order{
		UserName: p.UserName, OrderKey: date + "#" + orderID, OrderID: orderID, CheckoutID: p.CheckoutID,
		OrderDate: date, Lines: p.Lines, Total: p.Total, Currency: p.Currency, Version: version,
	}
}

// Orders is the orders table.
type Orders struct {
	Client *dynamodb.Client
	Table  string
}

// Put writes row unless it is already stored at the same or a newer
// version; it reports whether it wrote.
func (o Orders) Put(ctx context.Context, row Order) (bool, error) {
	return putIfNewer(ctx, o.Client, o.Table, OrdersSortKey, row, row.Version, "order "+row.OrderID)
}

// ListByUser returns up to limit of the customer's orders, newest first,
// optionally only those placed on a date prefix of orderDate ("2026-11",
// "2026-11-26"), and the next page's cursor ("" at the end).
func (o Orders) ListByUser(ctx context.Context, userName, datePrefix string, limit int32, cursor string) ([]Order, string, error) {
	start, err := decodeCursor(cursor)
	if err != nil {
		return nil, "", err
	}
	cond := "userName = :u"
	vals := map[string]types.AttributeValue{":u": &types.AttributeValueMemberS{Value: userName}}
	if datePrefix != "" {
		cond += " AND begins_with(orderKey, :d)"
		vals[":d"] = &types.AttributeValueMemberS{Value: datePrefix}
	}
	out, err := o.Client.Query(ctx, &dynamodb.QueryInput{
		TableName:                 aws.String(o.Table),
		KeyConditionExpression:    aws.String(cond),
		ExpressionAttributeValues: vals,
		ScanIndexForward:          aws.Bool(false),
		Limit:                     aws.Int32(limit),
		ExclusiveStartKey:         start,
	})
	if err != nil {
		return nil, "", fmt.Errorf("readmodel: list orders of %s: %w", userName, err)
	}
	var rows []Order
	if err := attributevalue.UnmarshalListOfMaps(out.Items, &rows); err != nil {
		return nil, "", fmt.Errorf("readmodel: decode orders: %w", err)
	}
	next, err := encodeCursor(out.LastEvaluatedKey)
	return rows, next, err
}

// List returns up to limit orders of every customer, in no particular
// order, and the next page's cursor ("" at the end): a paged scan, for
// admins. Every row is an order, so a page is short only at the end.
func (o Orders) List(ctx context.Context, limit int32, cursor string) ([]Order, string, error) {
	start, err := decodeCursor(cursor)
	if err != nil {
		return nil, "", err
	}
	out, err := o.Client.Scan(ctx, &dynamodb.ScanInput{
		TableName:         aws.String(o.Table),
		Limit:             aws.Int32(limit),
		ExclusiveStartKey: start,
	})
	if err != nil {
		return nil, "", fmt.Errorf("readmodel: list orders: %w", err)
	}
	var rows []Order
	if err := attributevalue.UnmarshalListOfMaps(out.Items, &rows); err != nil {
		return nil, "", fmt.Errorf("readmodel: decode orders: %w", err)
	}
	next, err := encodeCursor(out.LastEvaluatedKey)
	return rows, next, err
}

// Get returns one order of the customer, or ErrNotFound (also when the
// order belongs to someone else).
func (o Orders) Get(ctx context.Context, userName, orderID string) (Order, error) {
	out, err := o.Client.Query(ctx, &dynamodb.QueryInput{
		TableName:                 aws.String(o.Table),
		IndexName:                 aws.String(OrdersByOrderID),
		KeyConditionExpression:    aws.String("orderId = :o"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":o": &types.AttributeValueMemberS{Value: orderID}},
	})
	if err != nil {
		return Order{}, fmt.Errorf("readmodel: get order %s: %w", orderID, err)
	}
	var rows []Order
	if err := attributevalue.UnmarshalListOfMaps(out.Items, &rows); err != nil {
		return Order{}, fmt.Errorf("readmodel: decode order %s: %w", orderID, err)
	}
	for _, r := range rows {
		if r.UserName == userName {
			return r, nil
		}
	}
	return Order{}, fmt.Errorf("readmodel: order %s: %w", orderID, ErrNotFound)
}

// All returns every row (for audits and rebuilds).
func (o Orders) All(ctx context.Context) ([]Order, error) {
	return scanAll[Order](ctx, o.Client, o.Table, "orders")
}
