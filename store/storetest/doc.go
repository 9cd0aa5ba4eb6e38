// Package storetest is the conformance suite every Store implementation runs
// (the in-memory store, bbolt, DynamoDB, or a host's own): Get, Put, Delete,
// prefix List, TTL expiry, PutIfAbsent atomicity under contention and over
// expired values, cancelled contexts, binary, large and unicode data. It also
// holds shared benchmarks so implementations are measured the same way.
//
// A host that writes its own Store calls it from a test:
//
//	func TestMyStore(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) storetest.Store { return newMyStore(t) })
//	}
//
// Stores that accept a clock should use RunWithClock, which checks TTL
// boundaries exactly instead of waiting on the real clock.
package storetest
