// Package dynamodb is the eventstore.Store adapter for Amazon DynamoDB
// (aws-sdk-go-v2). It works against AWS and against any endpoint that
// speaks the DynamoDB protocol (the shopstream local runtime, moto).
//
// # Table
//
// One table holds every stream. Each event is one item:
//
//	streamId (S, partition key)  the stream, e.g. "product-42"
//	version  (N, sort key)       1, 2, 3, … within the stream
//	id (S) type (S) schemaVersion (N) data (S, the JSON text)
//	recordedAt (S, RFC 3339) correlationId / causationId / actor (S, when set)
//	timeBucket (S)               "2006-01", the UTC month of the id's time
//
// The attribute, key and index names are the exported constants below; the
// CDK stack and CreateTable both build the table from them. With MaxEventSize
// at 350 KB an item stays under DynamoDB's 400 KB limit: the rest of the
// item is the stream id (at most 1 KB) and about 200 bytes of other fields.
//
// # Appends and optimistic concurrency
//
// The version is the sort key, so "the stream is at version v" becomes "item
// v+1 does not exist yet", which a condition on the new item can check:
//
//   - One event: a PutItem of version v+1 with attribute_not_exists on the
//     key: one write request (one write unit per KB of item). Of two
//     writers racing for v+1 one succeeds, the other gets
//     ConditionalCheckFailedException.
//   - Several events (at most 100, DynamoDB's transaction cap): one
//     TransactWriteItems with the same condition on every item, so the
//     append is all or nothing (a transaction costs two write units per KB
//     and item). A lost race shows up as
//     TransactionCanceledException with a ConditionalCheckFailed reason
//     (or TransactionConflict, when the other writer's transaction was in
//     flight on the same item).
//   - Expected version v > 0 also needs item v to exist, or a writer passing
//     a version ahead of the stream would leave a gap. A condition can only
//     look at the item it writes, so Append first reads item v (a strongly
//     consistent GetItem of the key only, one read unit). Items are never
//     deleted, so once item v exists it keeps existing and the read cannot
//     be invalidated by a concurrent writer; the conditional write still
//     decides the race for v+1.
//   - NoStream is expected version 0: version 1 must not exist.
//   - Any reads the stream's last version (a strongly consistent Query,
//     newest first, Limit 1) and appends after it. If another writer gets
//     there first the append re-reads and retries; a writer can only lose
//     to writers that succeeded, so the retry limit (32 attempts) is
//     reached only with more than 31 concurrent writers on one stream, and
//     then the error is ErrConcurrency like any other lost race.
//   - SDK retries: when a write succeeded but its response was lost, the
//     SDK's retry finds the item in place. A PutItem asks for the item that
//     failed its condition and treats its own event id as success; a
//     transaction does the same for its first item, and also carries a
//     ClientRequestToken, with which DynamoDB answers a repeat with the
//     first outcome. A caller repeating an append is served the same way.
//
// Both conflict errors map to eventstore.ErrConcurrency inside an
// *eventstore.Error. Throttling, validation and network errors are wrapped
// the same way but are not ErrConcurrency: retrying after a reload would not
// help them.
//
// # Reading a stream
//
// Load and LoadRange are strongly consistent Queries of the stream's
// partition with "version >= from" as the key condition, so they read only
// the versions asked for, in order. Load follows LastEvaluatedKey to the
// end of the stream (an aggregate folds all of it); LoadRange asks for
// limit+1 items and keeps the extra one back, which answers "more" without
// a second request, and goes on past a 1 MB answer only for the items
// still missing.
//
// # Global order
//
// ReadAll returns events in ULID order across all streams. A Scan cannot:
// it returns items in hash order and reads the whole table for every page.
// Instead the global secondary index byTime has partition key timeBucket
// (the UTC month of the event id's timestamp, "2006-01") and sort key id.
// Inside a month a Query on the index returns events in id order, and
// months are read one after the other:
//
//   - Where to start: the month of the position's timestamp (the position
//     is the last id already read, so the Query asks for id > position);
//     for the position "" it is the month of the store's epoch
//     (1 January 2020 UTC unless WithEpoch says otherwise).
//   - Where to stop: the page is full, or the walk has passed the month of
//     now plus MaxClockSkew; then the log has been read to its end and
//     Next is "".
//   - Months without events cost one empty Query each, twelve a year of
//     history. Day buckets would make that walk thirty times longer for no
//     gain: the hot-partition trade-off below is the same for any bucket
//     size, because all current writes land in the current bucket.
//
// To keep every event reachable by that walk, Append rejects (with
// ErrInvalidEvent) ids whose time is before the epoch or more than
// MaxClockSkew after the store's clock. Ids made by eventstore.Factory with
// the real clock always pass.
//
// Trade-offs:
//
//   - Hot partition: all writes of a month go to one index partition key.
//     A partition takes about 1000 write units a second, and a throttled
//     index throttles the table's writes. That is far above what this shop
//     writes; a busier system would append a shard suffix to the bucket
//     ("2006-01#3", from a hash of the stream id) and merge the shards' id
//     ranges on read.
//   - The index is eventually consistent: an event appears in ReadAll a
//     moment (usually well under a second) after Append returns, and ids
//     made by different writers reach the table out of id order. A reader
//     tailing the log should stay a few seconds behind now (see
//     eventstore.PositionAt); a replay of the past is complete.
//   - The index projects all attributes, doubling storage, so that a page
//     of ReadAll is one Query instead of one GetItem per event.
package dynamodb
