package dynamodb_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/shopstream/shopstream/eventstore"
	esdynamodb "github.com/shopstream/shopstream/eventstore/dynamodb"
	"github.com/shopstream/shopstream/eventstore/eventstoretest"
)

var contractTables atomic.Int64

// TestEventStoreContract runs the event store's adapter contract against
// this emulator: the adapter's conditional writes, transactions and GSI
// queries are exactly what shopstream relies on.
func TestEventStoreContract(t *testing.T) {
	e := start(t, nil)
	eventstoretest.Run(t, func(t *testing.T) eventstore.Store {
		name := fmt.Sprintf("events-%d", contractTables.Add(1))
		if err := esdynamodb.CreateTable(context.Background(), e.Client, name); err != nil {
			t.Fatal(err)
		}
		return esdynamodb.New(e.Client, name)
	})
}
