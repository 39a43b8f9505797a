package config_test

import (
	"testing"

	"github.com/shopstream/shopstream/internal/basket"
	"github.com/shopstream/shopstream/internal/catalog"
	"github.com/shopstream/shopstream/internal/config"
	"github.com/shopstream/shopstream/internal/ordering"
	"github.com/shopstream/shopstream/internal/readmodel"
)

// The names config repeats (it imports only the standard library) are the
// ones the aggregates and the read models use.
func TestNamesMatchTheirOwners(t *testing.T) {
	for _, tt := range []struct{ config, owner string }{
		{config.ProductStreams, catalog.StreamID("")},
		{config.BasketStreams, basket.StreamID("")},
		{config.OrderStreams, ordering.StreamID("")},
		{config.CatalogByCategoryIndex, readmodel.CatalogByCategory},
		{config.OrdersByOrderIDIndex, readmodel.OrdersByOrderID},
	} {
		if tt.config != tt.owner {
			t.Errorf("config has %q, its owner %q", tt.config, tt.owner)
		}
	}
}
