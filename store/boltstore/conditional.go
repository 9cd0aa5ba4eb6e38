package boltstore

import (
	"bytes"
	"context"
	"time"

	bolt "go.etcd.io/bbolt"
)

// CompareAndSwap stores value with ttl (replacing the TTL too) only if the
// live value under namespace and key is old, and reports whether it did.
// The check and the write run in one write transaction; it returns after
// the write is durable.
func (s *Store) CompareAndSwap(ctx context.Context, namespace, key string, old, value []byte, ttl time.Duration) (bool, error) {
	enc := encode(value, s.expiry(ttl))
	return s.ifHolds(ctx, "compare-and-swap", namespace, key, old, func(b *bolt.Bucket) error {
		return b.Put([]byte(key), enc)
	})
}

// CompareAndDelete deletes the value only if it is live and equal to old,
// and reports whether it did, in one write transaction.
func (s *Store) CompareAndDelete(ctx context.Context, namespace, key string, old []byte) (bool, error) {
	return s.ifHolds(ctx, "compare-and-delete", namespace, key, old, func(b *bolt.Bucket) error {
		return b.Delete([]byte(key))
	})
}

// ifHolds runs change on key's bucket, in one write transaction, only if
// key's live value is old, and reports whether it did. A corrupt value is
// an error, as in PutIfAbsent: it is never changed unread.
func (s *Store) ifHolds(ctx context.Context, op, namespace, key string, old []byte, change func(b *bolt.Bucket) error) (bool, error) {
	if err := start(ctx, namespace, key); err != nil {
		return false, wrap(op, namespace, key, err)
	}
	now := s.now().UnixNano()
	var changed bool
	err := s.write(func(tx *bolt.Tx) error {
		changed = false
		b, exp, v, ok, err := lookup(tx, namespace, key)
		if err != nil || !ok || !live(exp, now) || !bytes.Equal(v, old) {
			return err
		}
		if err := change(b); err != nil {
			return err
		}
		changed = true
		return nil
	})
	if err != nil {
		return false, wrap(op, namespace, key, err)
	}
	return changed, nil
}
