package delivery

import (
	"context"
	"time"
)

// Store is the key/value store that keeps dedup keys, thread references,
// digests and dead letters. It has the same method set as chatops.Store
// (declared here because notify packages may not import chatops); any
// chatops.Store satisfies it. Implementations must be safe for concurrent
// use and PutIfAbsent must be atomic across replicas.
type Store interface {
	Get(ctx context.Context, namespace, key string) ([]byte, bool, error)
	Put(ctx context.Context, namespace, key string, value []byte, ttl time.Duration) error
	PutIfAbsent(ctx context.Context, namespace, key string, value []byte, ttl time.Duration) (bool, error)
	Delete(ctx context.Context, namespace, key string) error
	List(ctx context.Context, namespace, prefix string) (map[string][]byte, error)
}

// Store namespaces used by this package.
const (
	NamespaceDedup      = "dedup"
	NamespaceThread     = "thread"
	NamespaceDeadLetter = "deadletter"
	NamespaceDigest     = "digest"
)

// ConditionalStore is a Store that can also replace or delete a value only
// while it is still a given one, atomically across replicas (one
// conditional request in DynamoDB, one transaction in bbolt). The Deliverer
// uses it, when its Store has it, to renew and release claims: a lease
// renewal that lands late (its answer lost, its caller gone) then cannot
// bring back a claim that was released meanwhile, and a release cannot
// delete a claim another replica took over after the lease expired. Without
// it those windows are bounded by the claim lease.
type ConditionalStore interface {
	Store
	// CompareAndSwap stores value with ttl only if key's live value is
	// old, and reports whether it did.
	CompareAndSwap(ctx context.Context, namespace, key string, old, value []byte, ttl time.Duration) (bool, error)
	// CompareAndDelete deletes key only if its live value is old, and
	// reports whether it did.
	CompareAndDelete(ctx context.Context, namespace, key string, old []byte) (bool, error)
}
