// Package attr is DynamoDB's data model for the local emulator: attribute
// values (S, N, B, BOOL, NULL, L, M, SS, NS, BS) with their wire form
// (DynamoDB JSON), exact decimal numbers, ordering, and item size as
// DynamoDB bills it.
//
// Numbers are kept as canonical decimal strings and compared exactly; they
// never pass through float64, so 38-digit values survive a round trip.
package attr
