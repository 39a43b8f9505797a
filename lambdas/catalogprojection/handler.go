package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"

	"github.com/aws/aws-lambda-go/events"

	"github.com/shopstream/shopstream/eventstore"
	"github.com/shopstream/shopstream/internal/catalog"
	"github.com/shopstream/shopstream/internal/command"
	"github.com/shopstream/shopstream/internal/readmodel"
)

// RowWriter stores catalog rows, ignoring rows older than the stored one.
type RowWriter interface {
	Put(ctx context.Context, row readmodel.Product) (bool, error)
}

// Projector rebuilds a product's row from its whole stream on every event
// of it. Folding the stream, rather than patching the row with one event,
// makes the projection indifferent to duplicates, reordering and lost
// events: whatever arrives, the row written is the fold of every fact
// stored so far, stamped with the stream version, and the version guard in
// RowWriter keeps an older fold from replacing a newer one.
type Projector struct {
	Streams command.Runner
	Catalog RowWriter
}

// Handle projects one EventBridge event whose detail is a stored event.
// An error makes EventBridge retry the delivery.
func (p *Projector) Handle(ctx context.Context, in events.EventBridgeEvent) error {
	var e eventstore.Event
	if err := json.Unmarshal(in.Detail, &e); err != nil {
		return fmt.Errorf("catalogprojection: decode detail of %s: %w", in.ID, err)
	}
	id, ok := strings.CutPrefix(e.StreamID, catalog.StreamID(""))
	if !ok {
		// Not a product event: the rule should not have sent it. Dropping
		// it is right; retrying could never succeed.
		slog.Warn("ignoring non-product event", "stream", e.StreamID, "type", e.Type)
		return nil
	}
	return p.Project(ctx, id)
}

// Project rewrites the row of product id from its stream.
func (p *Projector) Project(ctx context.Context, id string) error {
	prod, err := catalog.New(id)
	if err != nil {
		return fmt.Errorf("catalogprojection: %w", err)
	}
	if err := p.Streams.Load(ctx, catalog.StreamID(id), prod); err != nil {
		return fmt.Errorf("catalogprojection: %w", err)
	}
	if prod.Version() == 0 {
		return fmt.Errorf("catalogprojection: product %s has no events yet (store lagging?)", id)
	}
	wrote, err := p.Catalog.Put(ctx, readmodel.ProductFrom(prod))
	if err != nil {
		return fmt.Errorf("catalogprojection: %w", err)
	}
	slog.Info("projected", "product", id, "version", prod.Version(), "wrote", wrote)
	return nil
}
