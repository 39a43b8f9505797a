package checkout

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/shopstream/shopstream/eventstore"
	"github.com/shopstream/shopstream/internal/catalog"
	"github.com/shopstream/shopstream/internal/checkout/errnames"
	"github.com/shopstream/shopstream/internal/command"
	"github.com/shopstream/shopstream/internal/domain"
)

// Released counts what ReleaseStock did: the reservations it gave back,
// and the products on which it left a release mark where nothing was held
// (so that a reservation still in flight is refused when it lands).
type Released struct {
	Released int `json:"released"`
	Marked   int `json:"marked"`
}

// ReleaseStock releases checkoutID's reservation of each product. A
// product that holds nothing for the checkout yet gets a release mark
// instead (catalog.Product.Release), which refuses that checkout's later
// reservation; a product already released is skipped, so running it again
// appends nothing. It tries every product before it fails, returning
// *errnames.StockConflictError when one lost to concurrent appends (the
// ones released already stay released).
func ReleaseStock(ctx context.Context, r command.Runner, meta eventstore.Metadata, checkoutID string, productIDs []string) (Released, error) {
	var (
		out      Released
		firstErr error
	)
	for _, id := range productIDs {
		var held bool
		_, stored, err := command.Run(ctx, r, catalog.StreamID(id),
			func() (*catalog.Product, error) { return catalog.New(id) }, meta,
			func(p *catalog.Product) ([]domain.Event, error) {
				_, held = p.Reserved(checkoutID)
				return p.Release(checkoutID)
			})
		switch {
		case errors.Is(err, eventstore.ErrConcurrency):
			err = &errnames.StockConflictError{ProductID: id}
		case err != nil:
			err = fmt.Errorf("release product %s for checkout %s: %w", id, checkoutID, err)
		}
		if err != nil {
			slog.Warn("release failed", "checkout", checkoutID, "product", id, "error", err)
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		switch {
		case len(stored) == 0:
		case held:
			out.Released++
		default:
			out.Marked++
		}
	}
	if firstErr != nil {
		return Released{}, firstErr
	}
	return out, nil
}
