// Package eventstore is the port every part of shopstream writes its facts
// through: an append-only log of events grouped into streams (one per
// product, basket or order), with optimistic concurrency on append and a
// global, time-ordered read for replays and audits.
//
// Adapters live in sub-packages named after their technology (dynamodb,
// memory); eventstoretest holds the contract suite every adapter must pass.
package eventstore
