package delivery_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/opschat/opschat/chat"
	"github.com/opschat/opschat/notify/delivery"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// lockedLog is a log sink the test may read while the Deliverer writes.
type lockedLog struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *lockedLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *lockedLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// TestLostLeaseIsNotReleasedOverAPeer: a delivery's lease runs out (its
// renewal came too late: the Store was unreachable for longer than the
// lease) and a peer claims the notification. The late renewal must not
// bring the expired claim back, and the first delivery's release (its send
// then fails for good) must not delete the peer's claim: that would let a
// third copy post while the peer's send is in flight. The lost lease is
// logged.
func TestLostLeaseIsNotReleasedOverAPeer(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	now := frozenClock()
	store := newLaggyStore(func() time.Time { mu.Lock(); defer mu.Unlock(); return now })
	var logs lockedLog
	e400 := chat.ClassifyHTTP(chat.PlatformSlack, 400, 0, errors.New("invalid_blocks"))
	first := &scriptedSender{block: make(chan struct{}), script: []error{e400}}
	d1 := newDelivererOn(t, store, first, delivery.WithTTLs(30*time.Millisecond, 0, 0),
		delivery.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	unblockFirst := sync.OnceFunc(func() { close(first.block) })
	t.Cleanup(unblockFirst) // before d1 is closed, should the test stop early
	p1, err := d1.Enqueue(context.Background(), job("C1", "l1"))
	require.NoError(t, err)
	require.Eventually(t, func() bool { return first.waiting.Load() == 1 }, 5*time.Second, time.Millisecond)
	mine := store.claims()
	require.Len(t, mine, 1)
	var token string
	for _, v := range mine {
		token = v
	}
	// Renewals of the first claim are signalled from here on.
	renewals := make(chan struct{}, 1)
	store.setHooks(hooks{before: func(op, ns, _ string, value []byte) {
		if ns == delivery.NamespaceDedup && (op == opPut || op == opSwap) && string(value) == token {
			select {
			case renewals <- struct{}{}:
			default:
			}
		}
	}})

	// The lease runs out, and the first delivery's renewer comes too late.
	mu.Lock()
	now = now.Add(time.Minute)
	mu.Unlock()
	select {
	case <-renewals:
	default:
	}
	select {
	case <-renewals:
	case <-time.After(10 * time.Second):
		t.Fatal("no renewal of the first claim")
	}
	// A peer claims the notification and is sending.
	peer := &scriptedSender{block: make(chan struct{})}
	d2 := newDelivererOn(t, store, peer, delivery.WithTTLs(30*time.Millisecond, 0, 0))
	unblockPeer := sync.OnceFunc(func() { close(peer.block) })
	t.Cleanup(unblockPeer)
	p2, err := d2.Enqueue(context.Background(), job("C1", "l1"))
	require.NoError(t, err)
	require.Eventually(t, func() bool { return peer.waiting.Load() == 1 }, 5*time.Second, time.Millisecond,
		"the expired lease was not renewed back to life")

	// The first delivery fails for good and releases what it thinks is its claim.
	unblockFirst()
	require.ErrorIs(t, p1.Wait(context.Background()), delivery.ErrNotDelivered)
	peers := store.claims()
	require.Len(t, peers, 1, "the peer's claim survives the first delivery's release")
	assert.NotEqual(t, mine, peers, "and it is the peer's, not a renewal of the first one's")

	assert.Contains(t, logs.String(), "dedup claim lost", "the first delivery learned that its lease was gone")

	unblockPeer()
	require.NoError(t, p2.Wait(context.Background()))
	assert.Empty(t, store.claims())
	assert.Len(t, peer.Sent(), 1)
}
