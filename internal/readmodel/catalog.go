package readmodel

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/shopstream/shopstream/internal/catalog"
)

// Key names of the catalog table; the stack defines the table with them.
const (
	CatalogKey        = "productId"
	CatalogByCategory = "byCategory"
	CatalogCategory   = "category"
)

// ErrNotFound means no row has that key (or the product was deleted).
var ErrNotFound = errors.New("readmodel: not found")

// Product is the catalog row: a product as shoppers see it.
type Product struct {
	ProductID   string `json:"id" dynamodbav:"productId"`
	Name        string `json:"name" dynamodbav:"name"`
	Description string `json:"description" dynamodbav:"description"`
	Category    string `json:"category" dynamodbav:"category"`
	Price       int64  `json:"price" dynamodbav:"price"`
	Currency    string `json:"currency" dynamodbav:"currency"`
	ImageFile   string `json:"imageFile" dynamodbav:"imageFile"`
	// Stock is the quantity that can still be reserved.
	Stock int64 `json:"stock" dynamodbav:"stock"`
	// Version is the product stream's version this row reflects.
	Version int64 `json:"version" dynamodbav:"version"`
	// Deleted rows are kept (not removed) so that a late, older event
	// cannot bring a deleted product back.
	Deleted bool `json:"-" dynamodbav:"deleted"`
}

// ProductFrom returns the row for the folded product p.
func ProductFrom(p *catalog.Product) Product {
	d := p.Details()
	return Product{
		ProductID: p.ID(), Name: d.Name, Description: d.Description, Category: d.Category,
		Price: d.Price, Currency: d.Currency, ImageFile: d.ImageFile,
		Stock: p.Available(), Version: p.Version(), Deleted: p.Deleted(),
	}
}

// Catalog is the catalog table.
type Catalog struct {
	Client *dynamodb.Client
	Table  string
}

// Put writes row unless the stored row is already at row.Version or newer;
// it reports whether it wrote. Replays and reordered deliveries are no-ops.
func (c Catalog) Put(ctx context.Context, row Product) (bool, error) {
	return putIfNewer(ctx, c.Client, c.Table, CatalogKey, row, row.Version, "product "+row.ProductID)
}

// Get returns the product's row, or ErrNotFound (also for deleted products).
func (c Catalog) Get(ctx context.Context, productID string) (Product, error) {
	row, err := c.get(ctx, productID)
	if err == nil && row.Deleted {
		return Product{}, fmt.Errorf("readmodel: product %s: %w", productID, ErrNotFound)
	}
	return row, err
}

// GetAny returns the row even if the product is deleted (for audits).
func (c Catalog) GetAny(ctx context.Context, productID string) (Product, error) {
	return c.get(ctx, productID)
}

func (c Catalog) get(ctx context.Context, productID string) (Product, error) {
	out, err := c.Client.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: aws.String(c.Table),
		Key:       map[string]types.AttributeValue{CatalogKey: &types.AttributeValueMemberS{Value: productID}},
	})
	if err != nil {
		return Product{}, fmt.Errorf("readmodel: get product %s: %w", productID, err)
	}
	if out.Item == nil {
		return Product{}, fmt.Errorf("readmodel: product %s: %w", productID, ErrNotFound)
	}
	var row Product
	if err := attributevalue.UnmarshalMap(out.Item, &row); err != nil {
		return Product{}, fmt.Errorf("readmodel: decode product %s: %w", productID, err)
	}
	return row, nil
}

// MaxListCalls bounds the DynamoDB calls of one List. Deleted rows are
// filtered out after they are read, so a page of a catalog with many of
// them takes more calls; each evaluates at most limit items, so one List
// reads at most MaxListCalls × limit items however the rows lie.
const MaxListCalls = 10

// List returns up to limit live products, optionally of one category, and
// the cursor of the next page ("" at the end). Without a category it scans:
// fine for a shop's catalog, and each page is bounded by limit. A page may
// come back short (even empty) with a cursor when deleted rows used up its
// MaxListCalls.
func (c Catalog) List(ctx context.Context, category string, limit int32, cursor string) ([]Product, string, error) {
	start, err := decodeCursor(cursor)
	if err != nil {
		return nil, "", err
	}
	var rows []Product
	for calls := 1; ; calls++ {
		var items []map[string]types.AttributeValue
		var last map[string]types.AttributeValue
		if category != "" {
			out, err := c.Client.Query(ctx, &dynamodb.QueryInput{
				TableName:                 aws.String(c.Table),
				IndexName:                 aws.String(CatalogByCategory),
				KeyConditionExpression:    aws.String("category = :c"),
				FilterExpression:          aws.String("deleted = :f"),
				ExpressionAttributeValues: map[string]types.AttributeValue{":c": &types.AttributeValueMemberS{Value: category}, ":f": &types.AttributeValueMemberBOOL{Value: false}},
				Limit:                     aws.Int32(limit - int32(len(rows))),
				ExclusiveStartKey:         start,
			})
			if err != nil {
				return nil, "", fmt.Errorf("readmodel: list category %s: %w", category, err)
			}
			items, last = out.Items, out.LastEvaluatedKey
		} else {
			out, err := c.Client.Scan(ctx, &dynamodb.ScanInput{
				TableName:                 aws.String(c.Table),
				FilterExpression:          aws.String("deleted = :f"),
				ExpressionAttributeValues: map[string]types.AttributeValue{":f": &types.AttributeValueMemberBOOL{Value: false}},
				Limit:                     aws.Int32(limit - int32(len(rows))),
				ExclusiveStartKey:         start,
			})
			if err != nil {
				return nil, "", fmt.Errorf("readmodel: list products: %w", err)
			}
			items, last = out.Items, out.LastEvaluatedKey
		}
		var page []Product
		if err := attributevalue.UnmarshalListOfMaps(items, &page); err != nil {
			return nil, "", fmt.Errorf("readmodel: decode products: %w", err)
		}
		rows = append(rows, page...)
		// A filtered page can come back short; keep reading until the page
		// is full, the table ends or the calls are used up.
		if last == nil || int32(len(rows)) >= limit || calls == MaxListCalls {
			next, err := encodeCursor(last)
			return rows, next, err
		}
		start = last
	}
}

// All returns every row, deleted ones included (for audits and rebuilds).
func (c Catalog) All(ctx context.Context) ([]Product, error) {
	return scanAll[Product](ctx, c.Client, c.Table, "catalog")
}
