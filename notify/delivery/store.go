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
