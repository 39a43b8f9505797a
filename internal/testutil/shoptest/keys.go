package shoptest

import (
	"github.com/shopstream/shopstream/internal/httpapi"
	"github.com/shopstream/shopstream/internal/payment"
)

// Key is a fixed deployment secret for tests (a deployment's comes from
// Secrets Manager). It keys Tokenizer and Cursors.
var Key = []byte("shoptest-deployment-secret-0123456789abcdef")

// Tokenizer tokenizes cards under Key.
var Tokenizer = payment.Tokenizer{Key: Key}

// Cursors seals paging cursors under Key.
var Cursors = httpapi.Cursors{Key: Key}
