// Package pattern implements the Amazon EventBridge event pattern language:
// exact values (type-sensitive; numbers compare numerically), null, nested
// fields, prefix, suffix, equals-ignore-case, wildcard, anything-but (values,
// lists and its prefix/suffix/wildcard/equals-ignore-case forms), numeric
// ranges, exists, cidr and $or. It is pure Go with no AWS dependencies.
//
// Compile a pattern once and call Match per event:
//
//	p, err := pattern.Compile([]byte(`{"source":["shop.catalog"],"detail":{"price":[{"numeric":[">",0]}]}}`))
//	ok, err := p.Match(eventJSON)
//
// Semantics follow EventBridge (and its open-source engine, Event Ruler):
// a leaf of the pattern is an array of alternatives, and it matches when any
// alternative matches any leaf value of the event at that path; an event
// array matches when any of its elements matches; fields of one pattern
// object must match within the same element of an event array of objects.
// Only leaf values (strings, numbers, booleans, null) are seen by matchers:
// "exists": true needs at least one leaf value at the path (null counts),
// "exists": false matches when there is none (absent field or empty array).
//
// Invalid patterns return an *Error whose message uses AWS's wording,
// "Event pattern is not valid. Reason: …".
package pattern
