package chatops

import (
	"context"
	"time"

	"github.com/opschat/opschat/internal/memstore"
)

// Store keeps state that must survive a restart and be shared by replicas:
// aliases, user role choices, pending confirmations and prompts, dedup keys,
// thread references, Slack tokens, Teams conversation references.
//
// Keys live in namespaces ("alias", "pending", "dedup", ...), which maps onto
// a DynamoDB table with partition key namespace and sort key key; List is a
// Query with begins_with. TTLs map onto DynamoDB's TTL attribute (readers
// must also treat expired items as absent, since DynamoDB deletes lazily).
// PutIfAbsent is a conditional put (attribute_not_exists or expired).
//
// The method set uses only built-in types so that packages which may not
// import chatops (notify, adapters) can declare the same interface locally
// and accept any Store. Implementations are safe for concurrent use.
type Store interface {
	// Get returns the value and true, or false when there is no live value.
	Get(ctx context.Context, namespace, key string) ([]byte, bool, error)
	// Put stores value; ttl <= 0 means it never expires.
	Put(ctx context.Context, namespace, key string, value []byte, ttl time.Duration) error
	// PutIfAbsent stores value only when there is no live value and reports
	// whether it did. It is atomic: of concurrent callers, one wins.
	PutIfAbsent(ctx context.Context, namespace, key string, value []byte, ttl time.Duration) (bool, error)
	// Delete removes the value; deleting a missing key is not an error.
	Delete(ctx context.Context, namespace, key string) error
	// List returns the live entries of namespace whose keys start with prefix.
	List(ctx context.Context, namespace, prefix string) (map[string][]byte, error)
}

// NewMemoryStore returns an in-memory Store, for one process and for tests.
// State is lost when the process exits.
func NewMemoryStore() Store { return memstore.New(nil) }

var _ Store = (*memstore.Store)(nil)
