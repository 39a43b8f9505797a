package schemas_test

import (
	"os"
	"testing"

	"github.com/shopstream/shopstream/schemas"
)

// BenchmarkValidateBasketCheckedOut measures validating one event with
// nested lines, the largest common payload.
func BenchmarkValidateBasketCheckedOut(b *testing.B) {
	data, err := os.ReadFile(fixture(schemas.Ref{Type: "BasketCheckedOut", Version: 1}))
	if err != nil {
		b.Fatal(err)
	}
	if err := schemas.Validate("BasketCheckedOut", 1, data); err != nil { // compile outside the loop
		b.Fatal(err)
	}
	for b.Loop() {
		if err := schemas.Validate("BasketCheckedOut", 1, data); err != nil {
			b.Fatal(err)
		}
	}
}
