package shoptest

import (
	"errors"
	"reflect"
	"testing"

	"github.com/shopstream/shopstream/internal/basket"
	"github.com/shopstream/shopstream/internal/catalog"
	"github.com/shopstream/shopstream/internal/checkout/errnames"
)

type valueError struct{}

func (valueError) Error() string { return "value" }

func TestErrorName(t *testing.T) {
	tests := []struct {
		err  error
		want string
	}{
		{nil, ""},
		{&errnames.StockConflictError{ProductID: "mug"}, errnames.StockConflict},
		{valueError{}, "valueError"},
		{errors.New("plain"), "errorString"},
	}
	for _, tt := range tests {
		if got := ErrorName(tt.err); got != tt.want {
			t.Errorf("ErrorName(%#v) = %q, want %q", tt.err, got, tt.want)
		}
	}
}

func TestFixturesAppendToTheirStreams(t *testing.T) {
	r := Runner()
	CreateProduct(t, r, "mug", "Mug", 900, "EUR", 3)
	CreateProduct(t, r, "tea", "Tea", 400, "EUR", 0)
	AddToBasket(t, r, "ada", "mug", 2)
	tests := []struct {
		stream string
		want   []string
	}{
		{catalog.StreamID("mug"), []string{"ProductCreated", "StockAdded"}},
		{catalog.StreamID("tea"), []string{"ProductCreated"}},
		{basket.StreamID("ada"), []string{"BasketItemQuantitySet"}},
		{basket.StreamID("nobody"), nil},
	}
	for _, tt := range tests {
		if got := Types(t, r.Store, tt.stream); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: types %v, want %v", tt.stream, got, tt.want)
		}
	}
	for _, e := range Events(t, r.Store, basket.StreamID("ada")) {
		if at := e.Metadata.RecordedAt; !at.Equal(Now) {
			t.Errorf("event %s stamped %v, want %v", e.ID, at, Now)
		}
	}
}
