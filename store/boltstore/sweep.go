package boltstore

import (
	"context"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// sweepLoop deletes expired entries every interval until ctx is cancelled
// (by Close). Errors are not fatal: the next round tries again, and readers
// never see expired entries anyway.
func (s *Store) sweepLoop(ctx context.Context, interval time.Duration) {
	defer close(s.sweepDone)
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
			_, _ = s.Sweep(ctx)
		}
	}
}

type expiredKey struct{ bucket, key []byte }

// Sweep deletes the entries that have expired and returns how many it
// deleted. The background sweep calls it; a host may call it too (before a
// backup, say). It works in chunks: a read transaction finds up to a chunk
// of expired keys, a write transaction deletes those still expired, so
// writers never wait behind a long scan.
func (s *Store) Sweep(ctx context.Context) (int, error) {
	total := 0
	for {
		if err := ctx.Err(); err != nil {
			return total, err
		}
		now := s.now().UnixNano()
		var found []expiredKey
		err := s.db.View(func(tx *bolt.Tx) error {
			return tx.ForEach(func(name []byte, b *bolt.Bucket) error {
				return b.ForEach(func(k, raw []byte) error {
					if len(found) >= sweepChunk {
						return nil
					}
					if exp, _, err := decode(raw); err == nil && !live(exp, now) {
						// Copies: k and name are only valid inside the
						// transaction.
						found = append(found, expiredKey{append([]byte{}, name...), append([]byte{}, k...)})
					}
					return nil
				})
			})
		})
		if err != nil {
			return total, wrap("sweep", "*", "*", err)
		}
		if len(found) == 0 {
			return total, nil
		}
		var deleted int
		err = s.db.Update(func(tx *bolt.Tx) error {
			deleted = 0
			for _, e := range found {
				b := tx.Bucket(e.bucket)
				if b == nil {
					continue
				}
				// Checked again: the key may have been rewritten since
				// the read transaction.
				raw := b.Get(e.key)
				if raw == nil {
					continue
				}
				if exp, _, err := decode(raw); err != nil || live(exp, now) {
					continue
				}
				if err := b.Delete(e.key); err != nil {
					return fmt.Errorf("key %q: %w", e.key, err)
				}
				deleted++
			}
			return nil
		})
		if err != nil {
			return total, wrap("sweep", "*", "*", err)
		}
		total += deleted
		if len(found) < sweepChunk {
			return total, nil
		}
	}
}
