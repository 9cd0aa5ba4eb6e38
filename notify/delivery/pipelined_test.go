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

// gatedWrites is a Store whose writes that match block until open is
// closed, so a test can observe what happens while they are in flight.
type gatedWrites struct {
	delivery.Store
	open  chan struct{}
	match func(ns string, v []byte) bool

	mu      sync.Mutex
	written []string
}

// gatedMarks gates the "delivered" marks.
func gatedMarks(st delivery.Store) *gatedWrites {
	return &gatedWrites{Store: st, open: make(chan struct{}), match: func(ns string, v []byte) bool {
		return ns == delivery.NamespaceDedup && bytes.Equal(v, []byte("delivered"))
	}}
}

// gate waits for open when the write matches and returns a func recording
// it as written.
func (g *gatedWrites) gate(ctx context.Context, ns, key string, v []byte) (func(), error) {
	if !g.match(ns, v) {
		return func() {}, nil
	}
	select {
	case <-g.open:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	return func() { g.mu.Lock(); g.written = append(g.written, key); g.mu.Unlock() }, nil
}

func (g *gatedWrites) Put(ctx context.Context, ns, key string, v []byte, ttl time.Duration) error {
	done, err := g.gate(ctx, ns, key, v)
	if err != nil {
		return err
	}
	defer done()
	return g.Store.Put(ctx, ns, key, v, ttl)
}

func (g *gatedWrites) PutIfAbsent(ctx context.Context, ns, key string, v []byte, ttl time.Duration) (bool, error) {
	done, err := g.gate(ctx, ns, key, v)
	if err != nil {
		return false, err
	}
	defer done()
	return g.Store.PutIfAbsent(ctx, ns, key, v, ttl)
}

func (g *gatedWrites) marks() []string {
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
	store := gatedMarks(memstore.New(nil))
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

// TestThreadAnchorIsOffTheCriticalPath: a thread's first message is
// anchored in the Store after the post, concurrently with its mark, so the
// channel's next message (a follow-up of the same alarm) does not wait for
// that write, yet still goes into the thread; the first message's source
// is answered only once the anchor is stored, and later follow-ups find it
// there.
func TestThreadAnchorIsOffTheCriticalPath(t *testing.T) {
	t.Parallel()
	store := &gatedWrites{Store: memstore.New(nil), open: make(chan struct{}),
		match: func(ns string, _ []byte) bool { return ns == delivery.NamespaceThread }}
	s := &scriptedSender{caps: chat.Capabilities{Threads: true}}
	d, err := delivery.New(store, delivery.WithSender(chat.PlatformSlack, s), delivery.WithClock(newInstantClock()),
		delivery.WithLimits(map[chat.Platform]delivery.PlatformLimits{}), delivery.WithDigestThreshold(0, 0))
	require.NoError(t, err)
	t.Cleanup(d.Close)
	threaded := func(id string) delivery.Job {
		j := job("C1", id)
		j.Message.ThreadKey = "arn:alarm:cpu"
		return j
	}
	ctx := context.Background()
	p1, err := d.Enqueue(ctx, threaded("alarm"))
	require.NoError(t, err)
	p2, err := d.Enqueue(ctx, threaded("ok"))
	require.NoError(t, err)

	require.Eventually(t, func() bool { return len(s.Sent()) == 2 }, 5*time.Second, time.Millisecond,
		"the follow-up must not wait for the anchor's write")
	sent := s.Sent()
	assert.Empty(t, sent[0].Conv.ThreadID)
	assert.Equal(t, sent[0].Ref.MessageID, sent[1].Conv.ThreadID, "the follow-up finds the anchor being written")
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	assert.ErrorIs(t, p1.Wait(short), delivery.ErrNotDelivered, "answered before its anchor was stored")

	close(store.open)
	require.NoError(t, p1.Wait(ctx))
	require.NoError(t, p2.Wait(ctx))
	assert.Equal(t, []string{"slack:T1:C1|arn:alarm:cpu"}, store.marks(), "one anchor: the follow-up writes none")
	require.NoError(t, d.Deliver(ctx, threaded("alarm-again")))
	sent = s.Sent()
	require.Len(t, sent, 3)
	assert.Equal(t, sent[0].Ref.MessageID, sent[2].Conv.ThreadID, "a later follow-up finds the stored anchor")
}
