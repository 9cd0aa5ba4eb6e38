// Package boltstore is the default durable Store: everything the bot must
// not forget on a restart (aliases, role choices, pending confirmations,
// thread anchors, dedup records, dead letters) in one bbolt file.
//
// Each namespace is a bucket; a value is stored with its expiry, so a read
// treats an expired entry as absent, and a background sweep deletes expired
// entries to reclaim space. Every write is an fsync'd transaction, so a
// crash loses nothing that a call reported as stored. Concurrent writers are
// group-committed: one writer goroutine puts every write that arrived while
// the previous commit ran into the next transaction, which is what lets a
// notification pipeline write thousands of records per second through one
// fsync per batch; reads run in parallel read transactions.
//
// The file is locked by the process that opens it: a second process (or a
// second Open in this one) fails with ErrLocked after a short timeout. One
// file serves one replica; replicas that share state use dynamostore.
package boltstore
