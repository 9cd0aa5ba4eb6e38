package boltstore_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	bolt "go.etcd.io/bbolt"

	"github.com/opschat/opschat/internal/memstore"
	"github.com/opschat/opschat/store/boltstore"
	"github.com/opschat/opschat/store/storetest"
)

func open(t testing.TB, path string, opts ...boltstore.Option) *boltstore.Store {
	t.Helper()
	s, err := boltstore.Open(path, opts...)
	require.NoError(t, err)
	t.Cleanup(func() { assert.NoError(t, s.Close()) })
	return s
}

func TestConformance(t *testing.T) {
	storetest.RunWithClock(t, func(t *testing.T, now func() time.Time) storetest.Store {
		return open(t, filepath.Join(t.TempDir(), "state.db"), boltstore.WithNow(now))
	})
}

// TestConformanceRealClock runs with the real clock and a fast sweep, so
// expired entries are deleted while the suite runs.
func TestConformanceRealClock(t *testing.T) {
	storetest.Run(t, func(t *testing.T) storetest.Store {
		return open(t, filepath.Join(t.TempDir(), "state.db"), boltstore.WithSweepInterval(5*time.Millisecond))
	})
}

// TestReopen is the crash-safety check that needs no crash: everything a
// call reported as stored is in the file after close and reopen, TTLs
// included.
func TestReopen(t *testing.T) {
	ctx := context.Background()
	clock := storetest.NewClock(time.Unix(1_800_000_000, 0))
	path := filepath.Join(t.TempDir(), "state.db")

	s, err := boltstore.Open(path, boltstore.WithNow(clock.Now))
	require.NoError(t, err)
	require.NoError(t, s.Put(ctx, "alias", "T1/U1/logs", []byte("logs tail /aws/lambda/x"), 0))
	require.NoError(t, s.Put(ctx, "pending", "T1/C1", []byte("ec2 stop-instances"), 10*time.Minute))
	stored, err := s.PutIfAbsent(ctx, "dedup", "msg-1", []byte{1}, time.Hour)
	require.NoError(t, err)
	require.True(t, stored)
	require.NoError(t, s.Close())

	clock.Add(5 * time.Minute)
	s = open(t, path, boltstore.WithNow(clock.Now))
	v, ok, err := s.Get(ctx, "alias", "T1/U1/logs")
	require.NoError(t, err)
	assert.True(t, ok)
	assert.Equal(t, "logs tail /aws/lambda/x", string(v))
	v, ok, err = s.Get(ctx, "pending", "T1/C1")
	require.NoError(t, err)
	assert.True(t, ok)
	assert.Equal(t, "ec2 stop-instances", string(v))
	stored, err = s.PutIfAbsent(ctx, "dedup", "msg-1", []byte{2}, time.Hour)
	require.NoError(t, err)
	assert.False(t, stored, "the dedup record survived the restart")

	clock.Add(5 * time.Minute)
	_, ok, err = s.Get(ctx, "pending", "T1/C1")
	require.NoError(t, err)
	assert.False(t, ok, "the TTL survived the restart too")
}

func TestSecondOpenFailsWithLocked(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	open(t, path)
	start := time.Now()
	_, err := boltstore.Open(path, boltstore.WithLockTimeout(100*time.Millisecond))
	require.Error(t, err)
	assert.ErrorIs(t, err, boltstore.ErrLocked)
	assert.ErrorIs(t, err, bolt.ErrTimeout)
	assert.Contains(t, err.Error(), "in use by another process")
	assert.Contains(t, err.Error(), path)
	assert.Less(t, time.Since(start), 10*time.Second, "gave up instead of hanging")
}

func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	notADB := filepath.Join(dir, "text")
	require.NoError(t, os.WriteFile(notADB, []byte("this is not a bbolt file, it is long enough to read a header from it......"), 0o600))
	tests := []struct {
		name string
		path string
		opts []boltstore.Option
	}{
		{"empty path", "", nil},
		{"missing directory", filepath.Join(dir, "no", "such", "dir", "x.db"), nil},
		{"not a database", notADB, nil},
		{"zero lock timeout", filepath.Join(dir, "a.db"), []boltstore.Option{boltstore.WithLockTimeout(0)}},
		{"bad batch", filepath.Join(dir, "b.db"), []boltstore.Option{boltstore.WithBatch(0, time.Millisecond)}},
		{"nil clock", filepath.Join(dir, "c.db"), []boltstore.Option{boltstore.WithNow(nil)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := boltstore.Open(tt.path, tt.opts...)
			require.Error(t, err)
			assert.Nil(t, s)
			assert.Contains(t, err.Error(), "boltstore: open")
		})
	}
}

func TestFileMode(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	open(t, path)
	fi, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm(), "the store may hold tokens: owner only by default")

	path = filepath.Join(t.TempDir(), "shared.db")
	open(t, path, boltstore.WithFileMode(0o640))
	fi, err = os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o640), fi.Mode().Perm()&0o640)
}

func TestClosed(t *testing.T) {
	ctx := context.Background()
	s, err := boltstore.Open(filepath.Join(t.TempDir(), "state.db"))
	require.NoError(t, err)
	require.NoError(t, s.Close())
	require.NoError(t, s.Close(), "Close twice is harmless")

	_, _, err = s.Get(ctx, "ns", "k")
	assert.ErrorIs(t, err, boltstore.ErrClosed)
	assert.ErrorIs(t, s.Put(ctx, "ns", "k", nil, 0), boltstore.ErrClosed)
	_, err = s.PutIfAbsent(ctx, "ns", "k", nil, 0)
	assert.ErrorIs(t, err, boltstore.ErrClosed)
	assert.ErrorIs(t, s.Delete(ctx, "ns", "k"), boltstore.ErrClosed)
	_, err = s.List(ctx, "ns", "")
	assert.ErrorIs(t, err, boltstore.ErrClosed)
	_, err = s.Sweep(ctx)
	assert.ErrorIs(t, err, boltstore.ErrClosed)
}

func TestInvalidKeys(t *testing.T) {
	ctx := context.Background()
	s := open(t, filepath.Join(t.TempDir(), "state.db"))
	long := string(make([]byte, boltstore.MaxKeySize+1))
	tests := []struct{ name, ns, key string }{
		{"empty namespace", "", "k"},
		{"empty key", "ns", ""},
		{"long key", "ns", long},
		{"long namespace", long, "k"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.ErrorIs(t, s.Put(ctx, tt.ns, tt.key, []byte("v"), 0), boltstore.ErrInvalidKey)
			_, _, err := s.Get(ctx, tt.ns, tt.key)
			assert.ErrorIs(t, err, boltstore.ErrInvalidKey)
			_, err = s.PutIfAbsent(ctx, tt.ns, tt.key, []byte("v"), 0)
			assert.ErrorIs(t, err, boltstore.ErrInvalidKey)
			assert.ErrorIs(t, s.Delete(ctx, tt.ns, tt.key), boltstore.ErrInvalidKey)
		})
	}
	_, err := s.List(ctx, "", "")
	assert.ErrorIs(t, err, boltstore.ErrInvalidKey)
}

// TestSweep checks that expired entries leave the file (not only reads),
// live ones stay, and a key rewritten with a new TTL is kept.
func TestSweep(t *testing.T) {
	ctx := context.Background()
	clock := storetest.NewClock(time.Unix(1_800_000_000, 0))
	path := filepath.Join(t.TempDir(), "state.db")
	s := open(t, path, boltstore.WithNow(clock.Now), boltstore.WithSweepInterval(-1))
	const n = 2500 // more than one sweep chunk
	// Written by 25 goroutines, so the writes share batches.
	var g errgroup
	for w := range 25 {
		g.Go(func() error {
			for i := w; i < n; i += 25 {
				if err := s.Put(ctx, fmt.Sprintf("ns%d", i%3), fmt.Sprintf("k%d", i), []byte("v"), time.Minute); err != nil {
					return err
				}
			}
			return nil
		})
	}
	require.NoError(t, g.Wait())
	require.NoError(t, s.Put(ctx, "ns0", "forever", []byte("v"), 0))
	require.NoError(t, s.Put(ctx, "ns1", "later", []byte("v"), time.Hour))

	deleted, err := s.Sweep(ctx)
	require.NoError(t, err)
	assert.Zero(t, deleted, "nothing has expired yet")

	clock.Add(time.Minute)
	deleted, err = s.Sweep(ctx)
	require.NoError(t, err)
	assert.Equal(t, n, deleted)
	for _, ns := range []string{"ns0", "ns1", "ns2"} {
		items, err := s.List(ctx, ns, "")
		require.NoError(t, err)
		for k := range items {
			assert.Contains(t, []string{"forever", "later"}, k)
		}
	}
	require.NoError(t, s.Close())

	// The raw file holds only the two live entries.
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: time.Second})
	require.NoError(t, err)
	defer db.Close()
	count := 0
	require.NoError(t, db.View(func(tx *bolt.Tx) error {
		return tx.ForEach(func(_ []byte, b *bolt.Bucket) error {
			count += b.Stats().KeyN
			return nil
		})
	}))
	assert.Equal(t, 2, count)
}

func TestBackgroundSweep(t *testing.T) {
	ctx := context.Background()
	clock := storetest.NewClock(time.Unix(1_800_000_000, 0))
	path := filepath.Join(t.TempDir(), "state.db")
	s, err := boltstore.Open(path, boltstore.WithNow(clock.Now), boltstore.WithSweepInterval(time.Millisecond))
	require.NoError(t, err)
	require.NoError(t, s.Put(ctx, "ns", "swept", []byte("v"), time.Minute))
	require.NoError(t, s.Put(ctx, "ns", "kept", []byte("v"), 0))
	clock.Add(time.Minute)
	// Reads hide an expired entry whether or not it was swept, so to see
	// the sweep, turn the clock back briefly: an entry still in the file is
	// live again then, a swept one is gone. Between checks the clock stays
	// past the expiry for the background sweep to act.
	require.Eventually(t, func() bool {
		clock.Add(-time.Minute)
		defer clock.Add(time.Minute)
		_, ok, err := s.Get(ctx, "ns", "swept")
		return err == nil && !ok
	}, 10*time.Second, 5*time.Millisecond, "the background sweep deletes expired entries")
	_, ok, err := s.Get(ctx, "ns", "kept")
	require.NoError(t, err)
	assert.True(t, ok)
	require.NoError(t, s.Close())
	// After Close the file can be opened again at once: the sweep goroutine
	// no longer holds it.
	s2, err := boltstore.Open(path, boltstore.WithLockTimeout(100*time.Millisecond))
	require.NoError(t, err)
	require.NoError(t, s2.Close())
}

func TestCorruptValue(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "state.db")
	db, err := bolt.Open(path, 0o600, nil)
	require.NoError(t, err)
	require.NoError(t, db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucket([]byte("ns"))
		if err != nil {
			return err
		}
		return b.Put([]byte("bad"), []byte{9, 9})
	}))
	require.NoError(t, db.Close())

	s := open(t, path)
	_, _, err = s.Get(ctx, "ns", "bad")
	assert.ErrorIs(t, err, boltstore.ErrCorrupt)
	_, err = s.List(ctx, "ns", "")
	assert.ErrorIs(t, err, boltstore.ErrCorrupt)
	_, err = s.PutIfAbsent(ctx, "ns", "bad", []byte("v"), 0)
	assert.ErrorIs(t, err, boltstore.ErrCorrupt, "unreadable data is not silently replaced")
	require.NoError(t, s.Put(ctx, "ns", "bad", []byte("v"), 0), "an explicit Put repairs it")
	_, ok, err := s.Get(ctx, "ns", "bad")
	require.NoError(t, err)
	assert.True(t, ok)
}

func BenchmarkBolt(b *testing.B) {
	storetest.Bench(b, func(b *testing.B) storetest.Store {
		return open(b, filepath.Join(b.TempDir(), "state.db"))
	})
}

// BenchmarkMemory is the in-memory baseline, in the same run for the ratio.
func BenchmarkMemory(b *testing.B) {
	storetest.Bench(b, func(b *testing.B) storetest.Store { return memstore.New(nil) })
}

// errgroup is the little of golang.org/x/sync/errgroup these tests need.
type errgroup struct {
	wg   sync.WaitGroup
	mu   sync.Mutex
	errs []error
}

func (g *errgroup) Go(f func() error) {
	g.wg.Go(func() {
		if err := f(); err != nil {
			g.mu.Lock()
			g.errs = append(g.errs, err)
			g.mu.Unlock()
		}
	})
}

func (g *errgroup) Wait() error { g.wg.Wait(); return errors.Join(g.errs...) }

// TestCloseDuringWrites closes the store while writers run: every call
// either succeeds or fails with ErrClosed, nothing panics or hangs.
func TestCloseDuringWrites(t *testing.T) {
	ctx := context.Background()
	s, err := boltstore.Open(filepath.Join(t.TempDir(), "state.db"))
	require.NoError(t, err)
	var g errgroup
	started := make(chan struct{}, 16)
	for w := range 16 {
		g.Go(func() error {
			started <- struct{}{}
			for i := 0; ; i++ {
				err := s.Put(ctx, "ns", fmt.Sprintf("%d/%d", w, i), []byte("v"), 0)
				if errors.Is(err, boltstore.ErrClosed) {
					return nil
				}
				if err != nil {
					return err
				}
			}
		})
	}
	for range 16 {
		<-started
	}
	require.NoError(t, s.Close())
	require.NoError(t, g.Wait())
}

// TestCommitObserver: every write is counted in exactly one observed
// commit, and concurrent writers share commits (group commit).
func TestCommitObserver(t *testing.T) {
	ctx := context.Background()
	var mu sync.Mutex
	var commits []boltstore.CommitStats
	s := open(t, filepath.Join(t.TempDir(), "state.db"), boltstore.WithCommitObserver(func(c boltstore.CommitStats) {
		mu.Lock()
		commits = append(commits, c)
		mu.Unlock()
	}))
	const writers, each = 32, 20
	var g errgroup
	for w := range writers {
		g.Go(func() error {
			for i := range each {
				if err := s.Put(ctx, "ns", fmt.Sprintf("%d/%d", w, i), []byte("v"), 0); err != nil {
					return err
				}
			}
			return nil
		})
	}
	require.NoError(t, g.Wait())
	mu.Lock()
	defer mu.Unlock()
	total := 0
	for _, c := range commits {
		assert.NoError(t, c.Err)
		assert.Positive(t, c.Duration)
		assert.Positive(t, c.Writes)
		total += c.Writes
	}
	assert.Equal(t, writers*each, total, "each write in one commit")
	assert.Less(t, len(commits), writers*each, "concurrent writes share commits")
}
