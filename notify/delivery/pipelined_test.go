package delivery_test

import (
	"bytes"
	"context"
	"sync"
	"testing"
	"time"

	"github.com/opschat/opschat/chat"
	"github.com/opschat/opschat/internal/memstore"
	"github.com/opschat/opschat/notify/delivery"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// gatedMarks is a Store whose "delivered" writes block until open is
// closed, so a test can observe what happens while a mark is in flight.
type gatedMarks struct {
	delivery.Store
	open chan struct{}

	mu      sync.Mutex
	written []string
}

func (g *gatedMarks) Put(ctx context.Context, ns, key string, v []byte, ttl time.Duration) error {
	if ns == delivery.NamespaceDedup && bytes.Equal(v, []byte("delivered")) {
		select {
		case <-g.open:
		case <-ctx.Done():
			return ctx.Err()
		}
		defer func() { g.mu.Lock(); g.written = append(g.written, key); g.mu.Unlock() }()
	}
	return g.Store.Put(ctx, ns, key, v, ttl)
}

func (g *gatedMarks) marks() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]string(nil), g.written...)
}

// TestMarksAreOffTheCriticalPathButBeforeTheAnswer: the channel's next
// message is posted while the previous one's "delivered" mark is still
// being written, yet no source is answered before its own mark is stored
// (an acknowledged notification is always recorded).
func TestMarksAreOffTheCriticalPathButBeforeTheAnswer(t *testing.T) {
	t.Parallel()
	store := &gatedMarks{Store: memstore.New(nil), open: make(chan struct{})}
	s := &scriptedSender{}
	d, err := delivery.New(store, delivery.WithSender(chat.PlatformSlack, s), delivery.WithClock(newInstantClock()),
		delivery.WithLimits(map[chat.Platform]delivery.PlatformLimits{}), delivery.WithDigestThreshold(0, 0))
	require.NoError(t, err)
	t.Cleanup(d.Close)
	ctx := context.Background()
	p1, err := d.Enqueue(ctx, job("C1", "a"))
	require.NoError(t, err)
	p2, err := d.Enqueue(ctx, job("C1", "b"))
	require.NoError(t, err)

	require.Eventually(t, func() bool { return len(s.Sent()) == 2 }, 5*time.Second, time.Millisecond,
		"the second post must not wait for the first mark")
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	assert.ErrorIs(t, p1.Wait(short), delivery.ErrNotDelivered, "answered before its mark was stored")
	assert.Empty(t, store.marks())

	close(store.open)
	require.NoError(t, p1.Wait(ctx))
	require.NoError(t, p2.Wait(ctx))
	assert.ElementsMatch(t, []string{"slack:T1:C1|a", "slack:T1:C1|b"}, store.marks())
	// Both are recorded: copies are skipped.
	require.NoError(t, d.Deliver(ctx, job("C1", "a"), job("C1", "b")))
	assert.Len(t, s.Sent(), 2)
}

// slowSender holds each post until release is closed.
type slowSender struct {
	*scriptedSender
	release chan struct{}
}

func (s slowSender) Send(ctx context.Context, conv chat.Conversation, m chat.Message) (chat.Ref, error) {
	select {
	case <-s.release:
	case <-ctx.Done():
		return chat.Ref{}, ctx.Err()
	}
	return s.scriptedSender.Send(ctx, conv, m)
}

// TestQueuedClaimOutlivesItsLease: claims are taken at enqueue, so a
// message waiting in its channel's queue longer than the claim TTL must
// keep its lease renewed; otherwise a copy could take the claim and post a
// duplicate.
func TestQueuedClaimOutlivesItsLease(t *testing.T) {
	t.Parallel()
	store := memstore.New(nil)
	s := slowSender{scriptedSender: &scriptedSender{}, release: make(chan struct{})}
	const ttl = 150 * time.Millisecond
	d, err := delivery.New(store, delivery.WithSender(chat.PlatformSlack, s), delivery.WithClock(newInstantClock()),
		delivery.WithLimits(map[chat.Platform]delivery.PlatformLimits{}), delivery.WithDigestThreshold(0, 0),
		delivery.WithTTLs(ttl, 0, 0))
	require.NoError(t, err)
	t.Cleanup(d.Close)
	var once sync.Once
	release := func() { once.Do(func() { close(s.release) }) }
	t.Cleanup(release) // runs before Close, so a failed check cannot hang it
	ctx := context.Background()
	head, err := d.Enqueue(ctx, job("C1", "head"))
	require.NoError(t, err)
	queued, err := d.Enqueue(ctx, job("C1", "queued"))
	require.NoError(t, err)

	time.Sleep(3 * ttl) // "queued" waits behind "head" for three leases
	v, ok, err := store.Get(ctx, delivery.NamespaceDedup, "slack:T1:C1|queued")
	require.NoError(t, err)
	require.True(t, ok, "the queued message's claim expired")
	assert.NotEqual(t, "delivered", string(v))
	// Bounded: a copy that took the claim would wait behind "head" forever.
	copyCtx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	assert.ErrorIs(t, d.Deliver(copyCtx, job("C1", "queued")), delivery.ErrInProgress, "a copy must not take a live claim")

	release()
	require.NoError(t, head.Wait(ctx))
	require.NoError(t, queued.Wait(ctx))
	require.NoError(t, d.Deliver(ctx, job("C1", "queued")))
	assert.Len(t, s.Sent(), 2, "each posted once")
	v, ok, err = store.Get(ctx, delivery.NamespaceDedup, "slack:T1:C1|queued")
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, "delivered", string(v), "a late renewal must not overwrite the mark")
}
