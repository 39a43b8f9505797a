package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"

	"github.com/aws/aws-lambda-go/events"

	"github.com/shopstream/shopstream/internal/sweeper"
)

// Handler sweeps the execution a status change event names.
type Handler struct {
	Sweeper *sweeper.Sweeper
}

// statusChange is the part of the event's detail the handler reads; the
// sweeper reads the rest back from Step Functions.
type statusChange struct {
	ExecutionARN string `json:"executionArn"`
	Status       string `json:"status"`
}

// Handle sweeps the event's execution. An event without an executionArn
// is logged and dropped (retrying cannot mend it); a sweep that fails
// returns its error, so Lambda retries the event and finally sends it to
// the function's failure queue.
func (h *Handler) Handle(ctx context.Context, ev events.CloudWatchEvent) (sweeper.Result, error) {
	var d statusChange
	if err := json.Unmarshal(ev.Detail, &d); err != nil || d.ExecutionARN == "" {
		slog.Warn("status change event without an executionArn; dropped", "id", ev.ID, "source", ev.Source)
		return sweeper.Result{Skipped: "no executionArn in the event"}, nil
	}
	res, err := h.Sweeper.Sweep(ctx, d.ExecutionARN)
	if err != nil {
		return res, fmt.Errorf("checkoutsweeper: %w", err)
	}
	slog.Info("execution swept", "execution", d.ExecutionARN, "status", d.Status, "failed", res.Failed,
		"reason", res.Reason, "released", res.Released, "marked", res.Marked, "skipped", res.Skipped)
	return res, nil
}
