package storetest

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Conditional is the optional compare-and-set a Store may offer (the method
// set of notify/delivery.ConditionalStore's additions). The suite checks it
// on every Store that has it.
type Conditional interface {
	CompareAndSwap(ctx context.Context, namespace, key string, old, value []byte, ttl time.Duration) (bool, error)
	CompareAndDelete(ctx context.Context, namespace, key string, old []byte) (bool, error)
}

// testConditional: the swap and the delete happen only over the given live
// value (not over another, an absent or an expired one), a swap sets the
// new TTL, an empty value compares like any other, and of concurrent swaps
// from one value exactly one wins.
func (s suite) testConditional(t *testing.T, st Store, c *Clock) {
	cs, ok := st.(Conditional)
	if !ok {
		t.Skip("the store has no CompareAndSwap/CompareAndDelete")
	}
	ctx := context.Background()
	const ns = "cond"
	put := func(key, v string, ttl time.Duration) {
		t.Helper()
		require.NoError(t, st.Put(ctx, ns, key, []byte(v), ttl))
	}
	swapped := func(key, old, v string, ttl time.Duration) bool {
		t.Helper()
		ok, err := cs.CompareAndSwap(ctx, ns, key, []byte(old), []byte(v), ttl)
		require.NoError(t, err)
		return ok
	}
	deleted := func(key, old string) bool {
		t.Helper()
		ok, err := cs.CompareAndDelete(ctx, ns, key, []byte(old))
		require.NoError(t, err)
		return ok
	}

	assert.False(t, swapped("missing", "a", "b", 0), "no swap over an absent key")
	assertAbsent(t, st, ns, "missing")
	assert.False(t, deleted("missing", "a"))

	put("k", "mine", 0)
	assert.False(t, swapped("k", "theirs", "x", 0), "no swap over another value")
	assert.False(t, deleted("k", "theirs"), "no delete of another value")
	assert.Equal(t, "mine", string(mustGet(t, st, ns, "k")))
	assert.True(t, swapped("k", "mine", "next", 0))
	assert.Equal(t, "next", string(mustGet(t, st, ns, "k")))
	assert.True(t, deleted("k", "next"))
	assertAbsent(t, st, ns, "k")

	put("empty", "", 0)
	assert.False(t, swapped("empty", "x", "y", 0))
	assert.True(t, swapped("empty", "", "full", 0), "an empty value compares equal to an empty old")
	assert.True(t, deleted("empty", "full"))

	if c != nil {
		// A swap renews the TTL: the value lives for the new one.
		put("lease", "t1", time.Minute)
		c.Add(50 * time.Second)
		assert.True(t, swapped("lease", "t1", "t1", time.Minute))
		c.Add(50 * time.Second)
		assert.Equal(t, "t1", string(mustGet(t, st, ns, "lease")), "the swapped value lives for its new TTL")
		c.Add(10 * time.Second)
		assertAbsent(t, st, ns, "lease")
		assert.False(t, swapped("lease", "t1", "t1", time.Minute), "no swap over an expired value")
		assert.False(t, deleted("lease", "t1"), "no delete of an expired value")
		assertAbsent(t, st, ns, "lease")
	}

	// Concurrent swaps from one value: one winner, whose value is stored.
	put("race", "start", time.Hour)
	var wins atomic.Int32
	var winner atomic.Int32
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Go(func() {
			ok, err := cs.CompareAndSwap(ctx, ns, "race", []byte("start"), []byte(fmt.Sprint(i)), time.Hour)
			assert.NoError(t, err)
			if ok {
				wins.Add(1)
				winner.Store(int32(i))
			}
		})
	}
	wg.Wait()
	require.Equal(t, int32(1), wins.Load(), "exactly one swap wins")
	assert.Equal(t, fmt.Sprint(winner.Load()), string(mustGet(t, st, ns, "race")))

	cctx, cancel := context.WithCancel(ctx)
	cancel()
	_, err := cs.CompareAndSwap(cctx, ns, "race", []byte("x"), []byte("y"), 0)
	assert.ErrorIs(t, err, context.Canceled)
	_, err = cs.CompareAndDelete(cctx, ns, "race", []byte("x"))
	assert.ErrorIs(t, err, context.Canceled)
}
