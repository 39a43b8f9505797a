package infra

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	esdynamodb "github.com/shopstream/shopstream/eventstore/dynamodb"
	"github.com/shopstream/shopstream/internal/readmodel"
)

// Event store key schema: the DynamoDB adapter's own names, so the table
// and the code that reads and writes it cannot drift apart.
const (
	EventsPartitionKey  = esdynamodb.AttrStreamID   // S
	EventsSortKey       = esdynamodb.AttrVersion    // N
	EventsGlobalIndex   = esdynamodb.GlobalIndex    // global order, for ReadAll
	EventsGlobalIndexPK = esdynamodb.AttrTimeBucket // S
	EventsGlobalIndexSK = esdynamodb.AttrID         // S, the ULID: sorts by time
)

// Read model key schema: the names the read model code uses.
const (
	CatalogPartitionKey = readmodel.CatalogKey // S
	CatalogByCategory   = readmodel.CatalogByCategory
	CatalogCategoryKey  = readmodel.CatalogCategory // S; byCategory's sort key is productId

	OrdersPartitionKey = readmodel.OrdersKey // S
	// OrdersSortKey is "<RFC3339 orderDate>#<orderId>", so a query with
	// ScanIndexForward=false lists a customer's orders newest first.
	OrdersSortKey    = readmodel.OrdersSortKey // S
	OrdersByOrderID  = readmodel.OrdersByOrderID
	OrdersOrderIDKey = readmodel.OrdersOrderID // S
)

// NewEventStoreTable creates the append-only event store: its stream
// carries each new item to the publisher; it is kept (with point-in-time
// recovery) when the stack is deleted, as it is the system of record.
func NewEventStoreTable(scope constructs.Construct, id string) awsdynamodb.Table {
	t := awsdynamodb.NewTable(scope, jsii.String(id), &awsdynamodb.TableProps{
		PartitionKey: &awsdynamodb.Attribute{Name: jsii.String(EventsPartitionKey), Type: awsdynamodb.AttributeType_STRING},
		SortKey:      &awsdynamodb.Attribute{Name: jsii.String(EventsSortKey), Type: awsdynamodb.AttributeType_NUMBER},
		BillingMode:  awsdynamodb.BillingMode_PAY_PER_REQUEST,
		Stream:       awsdynamodb.StreamViewType_NEW_IMAGE,
		PointInTimeRecoverySpecification: &awsdynamodb.PointInTimeRecoverySpecification{
			PointInTimeRecoveryEnabled: jsii.Bool(true),
		},
		RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
	})
	t.AddGlobalSecondaryIndex(&awsdynamodb.GlobalSecondaryIndexProps{
		IndexName:    jsii.String(EventsGlobalIndex),
		PartitionKey: &awsdynamodb.Attribute{Name: jsii.String(EventsGlobalIndexPK), Type: awsdynamodb.AttributeType_STRING},
		SortKey:      &awsdynamodb.Attribute{Name: jsii.String(EventsGlobalIndexSK), Type: awsdynamodb.AttributeType_STRING},
		// ReadAll returns whole events from the index.
		ProjectionType: awsdynamodb.ProjectionType_ALL,
	})
	return t
}

// ReadModels are the query-side tables. They can be rebuilt from the event
// store, so they are deleted with the stack.
type ReadModels struct {
	Catalog awsdynamodb.Table
	Orders  awsdynamodb.Table
}

// NewReadModels creates the catalog and orders read models.
func NewReadModels(scope constructs.Construct, id string) *ReadModels {
	c := constructs.NewConstruct(scope, jsii.String(id))
	props := func(pk, sk string) *awsdynamodb.TableProps {
		p := &awsdynamodb.TableProps{
			PartitionKey: &awsdynamodb.Attribute{Name: jsii.String(pk), Type: awsdynamodb.AttributeType_STRING},
			BillingMode:  awsdynamodb.BillingMode_PAY_PER_REQUEST,
			PointInTimeRecoverySpecification: &awsdynamodb.PointInTimeRecoverySpecification{
				PointInTimeRecoveryEnabled: jsii.Bool(true),
			},
			RemovalPolicy: awscdk.RemovalPolicy_DESTROY,
		}
		if sk != "" {
			p.SortKey = &awsdynamodb.Attribute{Name: jsii.String(sk), Type: awsdynamodb.AttributeType_STRING}
		}
		return p
	}
	catalog := awsdynamodb.NewTable(c, jsii.String("Catalog"), props(CatalogPartitionKey, ""))
	catalog.AddGlobalSecondaryIndex(&awsdynamodb.GlobalSecondaryIndexProps{
		IndexName:    jsii.String(CatalogByCategory),
		PartitionKey: &awsdynamodb.Attribute{Name: jsii.String(CatalogCategoryKey), Type: awsdynamodb.AttributeType_STRING},
		SortKey:      &awsdynamodb.Attribute{Name: jsii.String(CatalogPartitionKey), Type: awsdynamodb.AttributeType_STRING},
	})
	orders := awsdynamodb.NewTable(c, jsii.String("Orders"), props(OrdersPartitionKey, OrdersSortKey))
	orders.AddGlobalSecondaryIndex(&awsdynamodb.GlobalSecondaryIndexProps{
		IndexName:    jsii.String(OrdersByOrderID),
		PartitionKey: &awsdynamodb.Attribute{Name: jsii.String(OrdersOrderIDKey), Type: awsdynamodb.AttributeType_STRING},
	})
	return &ReadModels{Catalog: catalog, Orders: orders}
}
