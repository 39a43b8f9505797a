// Package domain holds what the catalog, basket and ordering aggregates
// share: the two error types every layer above matches with errors.As
// (ValidationError for bad input, RuleError for a broken business rule),
// the input checks behind them, the priced order line, and the Event
// interface with its type descriptor.
//
// It is stdlib only, so every aggregate can depend on it without pulling in
// an adapter.
package domain
