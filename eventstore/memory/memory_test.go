package memory_test

import (
	"testing"

	"github.com/shopstream/shopstream/eventstore"
	"github.com/shopstream/shopstream/eventstore/eventstoretest"
	"github.com/shopstream/shopstream/eventstore/memory"
)

func TestContract(t *testing.T) {
	eventstoretest.Run(t, func(*testing.T) eventstore.Store { return memory.New() })
}

func BenchmarkStore(b *testing.B) {
	eventstoretest.Bench(b, func(*testing.B) eventstore.Store { return memory.New() })
}
