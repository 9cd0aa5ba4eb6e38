package delivery_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/opschat/opschat/chat"
	"github.com/opschat/opschat/notify"
	"github.com/opschat/opschat/notify/delivery"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The tests here hold the claim lifecycle to one rule: a delivery that
// stops gracefully leaves no claim behind, so a peer takes the
// notification over at once instead of waiting out the lease. Each stops
// a delivery at a different stage against a laggyStore, whose writes may
// land after their client gave up, and then lets a peer deliver the same
// notification.

// frozenClock is a store clock that does not move: leases never expire on
// their own, so a claim left behind is seen as one.
func frozenClock() time.Time { return time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC) }

// peerDelivers checks that another replica on the same store delivers
// jobs now: no claim of the stopped one is in its way.
func peerDelivers(t *testing.T, store *laggyStore, jobs ...delivery.Job) *scriptedSender {
	t.Helper()
	s := &scriptedSender{}
	peer := newDelivererOn(t, store, s)
	require.NoError(t, peer.Deliver(context.Background(), jobs...), "a peer takes the notification over at once")
	return s
}

// TestStopDuringClaimWrite: the source stops (its context ends) while the
// claim's PutIfAbsent is on the wire. The server applies it anyway. The
// stopping replica must know its outcome and release it; a claim written
// after the replica decided it had none would block every copy for the
// whole lease (the TestReplicaStorm timeout).
func TestStopDuringClaimWrite(t *testing.T) {
	t.Parallel()
	store := newLaggyStore(frozenClock)
	ctx, cancel := context.WithCancel(context.Background())
	store.setHooks(hooks{before: func(op, ns, _ string, _ []byte) {
		if op == opPutIfAbsent && ns == delivery.NamespaceDedup {
			cancel()
		}
	}})
	s := &scriptedSender{}
	d := newDelivererOn(t, store, s)
	err := d.Deliver(ctx, job("C1", "m1"), job("C2", "m1"))
	require.ErrorIs(t, err, delivery.ErrNotDelivered)
	d.Close()
	store.setHooks(hooks{})
	store.land()
	assert.Empty(t, store.claims(), "no claim outlives a graceful stop")
	assert.Empty(t, s.Sent())
	assert.Len(t, peerDelivers(t, store, job("C1", "m1"), job("C2", "m1")).Sent(), 2)
}

// TestStopReleasesEveryStage stops deliveries at each stage of their
// lifecycle at once: claims being written, tasks queued behind a channel
// busy with a send, the send itself. After Close every claim is gone (or
// delivered) and a peer delivers the rest; nothing is posted twice.
func TestStopReleasesEveryStage(t *testing.T) {
	t.Parallel()
	store := newLaggyStore(frozenClock)
	s := &scriptedSender{block: make(chan struct{})}
	d := newDelivererOn(t, store, s, delivery.WithDigestThreshold(0, 0))
	ctx, cancel := context.WithCancel(context.Background())
	// C1: one send in flight and three queued behind it.
	var pend []*delivery.Pending
	for _, id := range []string{"a", "b", "c", "d"} {
		p, err := d.Enqueue(ctx, job("C1", id))
		require.NoError(t, err)
		pend = append(pend, p)
	}
	require.Eventually(t, func() bool { return s.waiting.Load() == 1 }, 5*time.Second, time.Millisecond)
	// C2: its claim is on the wire when the stop comes.
	var inFlight sync.WaitGroup
	inFlight.Add(1)
	var once sync.Once
	store.setHooks(hooks{before: func(op, _, key string, _ []byte) {
		if op == opPutIfAbsent && strings.HasSuffix(key, "|e") {
			once.Do(func() {
				cancel()
				inFlight.Done()
			})
		}
	}})
	p, err := d.Enqueue(ctx, job("C2", "e"))
	require.NoError(t, err)
	pend = append(pend, p)
	inFlight.Wait()
	for _, p := range pend {
		require.ErrorIs(t, p.Wait(context.Background()), delivery.ErrNotDelivered)
	}
	d.Close()
	store.setHooks(hooks{})
	store.land()
	assert.Empty(t, store.claims(), "no claim outlives a graceful stop")
	jobs := []delivery.Job{job("C1", "a"), job("C1", "b"), job("C1", "c"), job("C1", "d"), job("C2", "e")}
	assert.Len(t, peerDelivers(t, store, jobs...).Sent(), 5)
	assert.Empty(t, s.Sent(), "the stopped replica posted nothing")
}

// TestShutdownGraceReleasesClaims: Shutdown's grace period ends while a
// send is in flight and more wait behind it in the channel's queue (a rate
// limit, a slow platform). Every claim is released for a peer.
func TestShutdownGraceReleasesClaims(t *testing.T) {
	t.Parallel()
	store := newLaggyStore(frozenClock)
	s := &scriptedSender{block: make(chan struct{})}
	d := newDelivererOn(t, store, s, delivery.WithDigestThreshold(0, 0))
	jobs := []delivery.Job{job("C1", "a"), job("C1", "b"), job("C1", "c")}
	p, err := d.Enqueue(context.Background(), jobs...)
	require.NoError(t, err)
	require.Eventually(t, func() bool { return s.waiting.Load() == 1 }, 5*time.Second, time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	require.ErrorIs(t, d.Shutdown(ctx), context.DeadlineExceeded)
	require.ErrorIs(t, p.Wait(context.Background()), delivery.ErrNotDelivered)
	assert.Empty(t, store.claims(), "no claim outlives the grace period")
	assert.Len(t, peerDelivers(t, store, jobs...).Sent(), 3)
	assert.Empty(t, s.Sent())
}

// TestRenewCannotResurrectAReleasedClaim: a lease renewal whose answer was
// lost lands after the claim was released (the send failed for good). A
// renewal that is a plain Put would write the claim again, owned by nobody,
// and block every copy for the lease; a conditional one finds the claim
// gone and writes nothing.
func TestRenewCannotResurrectAReleasedClaim(t *testing.T) {
	t.Parallel()
	store := newLaggyStore(frozenClock)
	renewed := make(chan struct{})
	var lost atomic.Bool
	store.setHooks(hooks{lose: func(op, ns, _ string, value []byte) bool {
		// The first renewal of the lease (a write of the claim token over
		// itself, after the claim) loses its answer.
		if ns != delivery.NamespaceDedup || (op != opPut && op != opSwap) || !bytes.HasPrefix(value, []byte("pending:")) {
			return false
		}
		if lost.CompareAndSwap(false, true) {
			close(renewed)
			return true
		}
		return false
	}})
	e400 := chat.ClassifyHTTP(chat.PlatformSlack, 400, 0, errors.New("invalid_blocks"))
	s := &scriptedSender{block: make(chan struct{}), script: []error{e400}}
	d := newDelivererOn(t, store, s, delivery.WithTTLs(30*time.Millisecond, 0, 0))
	p, err := d.Enqueue(context.Background(), job("C1", "r1"))
	require.NoError(t, err)
	<-renewed
	close(s.block)
	require.ErrorIs(t, p.Wait(context.Background()), delivery.ErrNotDelivered, "failed for good: dead-lettered, claim released")
	d.Close()
	store.land()
	assert.Empty(t, store.claims(), "the late renewal did not bring the claim back")
	assert.Len(t, peerDelivers(t, store, job("C1", "r1")).Sent(), 1)
}

// TestReleaseAndMarkSurviveAStoreHiccup: the write that releases a claim,
// or that marks it delivered, fails once (a throttle, a reset). One failed
// request must not block the notification for the lease (release) or
// expose it to a second post (mark): both are retried.
func TestReleaseAndMarkSurviveAStoreHiccup(t *testing.T) {
	t.Parallel()
	e400 := chat.ClassifyHTTP(chat.PlatformSlack, 400, 0, errors.New("invalid_blocks"))
	tests := []struct {
		name   string
		script []error
		// write names the request that fails once.
		write func(op string, value []byte) bool
		posts int // by the first replica
	}{
		{"release after a failure for good", []error{e400},
			func(op string, _ []byte) bool { return op == opDelete || op == opCAD }, 0},
		{"mark delivered", nil,
			func(op string, v []byte) bool { return op == opPut && string(v) == "delivered" }, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			store := newLaggyStore(frozenClock)
			var failed atomic.Bool
			store.setHooks(hooks{fail: func(op, ns, _ string, value []byte) error {
				if ns == delivery.NamespaceDedup && tt.write(op, value) && failed.CompareAndSwap(false, true) {
					return errReset
				}
				return nil
			}})
			var logs bytes.Buffer
			s := &scriptedSender{script: tt.script}
			d := newDelivererOn(t, store, s, delivery.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
			_ = d.Deliver(context.Background(), job("C1", "h1"))
			d.Close()
			require.True(t, failed.Load(), "the hiccup happened")
			assert.Empty(t, store.claims(), "no claim left behind by one failed request: %s", logs.String())
			assert.Len(t, s.Sent(), tt.posts)
			assert.Len(t, peerDelivers(t, store, job("C1", "h1")).Sent(), 1-tt.posts, "delivered exactly once overall")
		})
	}
}

// TestDispatcherReturnsAfterReleasing: a source that stops (sqssource's
// shutdown) hands its message back to the queue as soon as HandleEnvelope
// returns, and a peer receives it at once. HandleEnvelope must return only
// once the cancelled deliveries have released their claims, or the peer
// finds them still held (ErrInProgress) and the message is delayed by the
// queue's retry backoff.
func TestDispatcherReturnsAfterReleasing(t *testing.T) {
	t.Parallel()
	store := newLaggyStore(frozenClock)
	// A release takes a store round trip.
	store.setHooks(hooks{before: func(op, _, _ string, _ []byte) {
		if op == opDelete || op == opCAD {
			time.Sleep(20 * time.Millisecond)
		}
	}})
	s := &scriptedSender{block: make(chan struct{})}
	d := newDelivererOn(t, store, s, delivery.WithDigestThreshold(0, 0))
	cancel, done := handleInBackground(t, d, "x1", "C1", "C2")
	require.Eventually(t, func() bool { return s.waiting.Load() == 2 }, 5*time.Second, time.Millisecond)
	cancel()
	require.ErrorIs(t, <-done, context.Canceled)
	assert.Empty(t, store.claims(), "claims released before the source hands the message back")
}

// handleInBackground hands a notification for channels to a Dispatcher
// over d, as a source does, and returns the cancel of the source's context
// and HandleEnvelope's answer to come.
func handleInBackground(t *testing.T, d *delivery.Deliverer, id string, channels ...string) (context.CancelFunc, <-chan error) {
	t.Helper()
	router := delivery.RouterFunc(func(_ context.Context, env *notify.Envelope) ([]delivery.Job, error) {
		var jobs []delivery.Job
		for _, ch := range channels {
			jobs = append(jobs, job(ch, env.MessageID))
		}
		return jobs, nil
	})
	disp, err := delivery.NewDispatcher(router, d, nil)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	done := make(chan error, 1)
	go func() {
		done <- disp.HandleEnvelope(ctx, &notify.Envelope{Type: notify.TypeNotification, MessageID: id})
	}()
	return cancel, done
}

// stuckSender ignores its context: a platform call that hangs past any
// cancellation.
type stuckSender struct {
	release chan struct{}
	waiting atomic.Int32
}

func (s *stuckSender) Send(context.Context, chat.Conversation, chat.Message) (chat.Ref, error) {
	s.waiting.Add(1)
	<-s.release
	return chat.Ref{MessageID: "late"}, nil
}

// TestDispatcherSettleIsBounded: a delivery that does not end with its
// context does not hold the stopping source: HandleEnvelope still returns
// (after its short settle) and reports the caller's cancellation.
func TestDispatcherSettleIsBounded(t *testing.T) {
	t.Parallel()
	s := &stuckSender{release: make(chan struct{})}
	d, _ := newDeliverer(t, s)
	t.Cleanup(func() { close(s.release) })
	cancel, done := handleInBackground(t, d, "s1", "C1")
	require.Eventually(t, func() bool { return s.waiting.Load() == 1 }, 5*time.Second, time.Millisecond)
	cancel()
	select {
	case err := <-done:
		require.ErrorIs(t, err, delivery.ErrNotDelivered)
		assert.ErrorIs(t, err, context.Canceled)
	case <-time.After(30 * time.Second):
		t.Fatal("HandleEnvelope waits for a delivery that ignores its context")
	}
}
