package memstore_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opschat/opschat/internal/memstore"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func TestGetPutDeleteList(t *testing.T) {
	ctx := context.Background()
	s := memstore.New(nil)
	_, ok, err := s.Get(ctx, "ns", "k")
	require.NoError(t, err)
	assert.False(t, ok)

	require.NoError(t, s.Put(ctx, "ns", "a/1", []byte("x"), 0))
	require.NoError(t, s.Put(ctx, "ns", "a/2", []byte("y"), 0))
	require.NoError(t, s.Put(ctx, "ns", "b/1", []byte("z"), 0))
	require.NoError(t, s.Put(ctx, "other", "a/3", []byte("w"), 0))
	v, ok, err := s.Get(ctx, "ns", "a/1")
	require.NoError(t, err)
	assert.True(t, ok)
	assert.Equal(t, "x", string(v))
	v[0] = 'q' // callers own what they get
	v, _, _ = s.Get(ctx, "ns", "a/1")
	assert.Equal(t, "x", string(v))

	items, err := s.List(ctx, "ns", "a/")
	require.NoError(t, err)
	assert.Equal(t, map[string][]byte{"a/1": []byte("x"), "a/2": []byte("y")}, items)

	require.NoError(t, s.Delete(ctx, "ns", "a/1"))
	require.NoError(t, s.Delete(ctx, "ns", "missing"))
	_, ok, _ = s.Get(ctx, "ns", "a/1")
	assert.False(t, ok)
}

func TestTTL(t *testing.T) {
	ctx := context.Background()
	c := &clock{t: time.Unix(1000, 0)}
	s := memstore.New(c.now)
	require.NoError(t, s.Put(ctx, "ns", "k", []byte("v"), time.Minute))
	stored, err := s.PutIfAbsent(ctx, "ns", "k", []byte("other"), time.Minute)
	require.NoError(t, err)
	assert.False(t, stored, "a live value is not replaced")
	c.add(59 * time.Second)
	_, ok, _ := s.Get(ctx, "ns", "k")
	assert.True(t, ok)
	c.add(time.Second)
	_, ok, _ = s.Get(ctx, "ns", "k")
	assert.False(t, ok, "expired at its TTL")
	items, _ := s.List(ctx, "ns", "")
	assert.Empty(t, items)
	stored, err = s.PutIfAbsent(ctx, "ns", "k", []byte("new"), 0)
	require.NoError(t, err)
	assert.True(t, stored, "an expired value counts as absent")
}

func TestPutIfAbsentHasOneWinner(t *testing.T) {
	ctx := context.Background()
	s := memstore.New(nil)
	var wins atomic.Int32
	var wg sync.WaitGroup
	for i := 0; i < 50; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if ok, err := s.PutIfAbsent(ctx, "dedup", "msg-1", []byte("x"), time.Hour); err == nil && ok {
				wins.Add(1)
			}
		}()
	}
	wg.Wait()
	assert.Equal(t, int32(1), wins.Load())
}

func TestCancelledContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	s := memstore.New(nil)
	assert.ErrorIs(t, s.Put(ctx, "ns", "k", nil, 0), context.Canceled)
	_, _, err := s.Get(ctx, "ns", "k")
	assert.ErrorIs(t, err, context.Canceled)
}
