package delivery_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/opschat/opschat/notify"
	"github.com/opschat/opschat/notify/delivery"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRouteConcurrency: at most n envelopes are routed at once, and a call
// waiting for its delivery does not hold a routing slot.
func TestRouteConcurrency(t *testing.T) {
	t.Parallel()
	const n, calls = 3, 40
	var running, peak atomic.Int32
	router := delivery.RouterFunc(func(_ context.Context, env *notify.Envelope) ([]delivery.Job, error) {
		now := running.Add(1)
		for p := peak.Load(); now > p && !peak.CompareAndSwap(p, now); p = peak.Load() {
		}
		time.Sleep(2 * time.Millisecond) // routing work, long enough to overlap
		running.Add(-1)
		return []delivery.Job{job("C1", env.MessageID)}, nil
	})
	// Every post blocks until released: all calls are then waiting for
	// delivery, which must not keep others from being routed.
	s := slowSender{scriptedSender: &scriptedSender{}, release: make(chan struct{})}
	d, _ := newDeliverer(t, s, delivery.WithDigestThreshold(0, 0))
	disp, err := delivery.NewDispatcher(router, d, nil, delivery.WithRouteConcurrency(n))
	require.NoError(t, err)
	var wg sync.WaitGroup
	for i := range calls {
		wg.Go(func() {
			assert.NoError(t, disp.HandleEnvelope(context.Background(), &notify.Envelope{Type: notify.TypeNotification, MessageID: fmt.Sprint(i)}))
		})
	}
	require.Eventually(t, func() bool { return d.Backlog()["slack:T1:C1"] >= calls-1 }, 10*time.Second, time.Millisecond,
		"every envelope routed and queued while the posts are held")
	close(s.release)
	wg.Wait()
	assert.LessOrEqual(t, peak.Load(), int32(n))
	assert.Equal(t, calls, s.Calls())

	_, err = delivery.NewDispatcher(router, d, nil, delivery.WithRouteConcurrency(0))
	require.Error(t, err)
}

// TestRouteWaitEndsWithContext: a call waiting for a routing slot gives up
// when its context ends, and is not acknowledged.
func TestRouteWaitEndsWithContext(t *testing.T) {
	t.Parallel()
	entered, block := make(chan struct{}), make(chan struct{})
	router := delivery.RouterFunc(func(ctx context.Context, env *notify.Envelope) ([]delivery.Job, error) {
		close(entered) // only the first call gets here
		<-block
		return nil, nil
	})
	d, _ := newDeliverer(t, &scriptedSender{})
	disp, err := delivery.NewDispatcher(router, d, nil, delivery.WithRouteConcurrency(1))
	require.NoError(t, err)
	first := make(chan error, 1)
	go func() {
		first <- disp.HandleEnvelope(context.Background(), &notify.Envelope{Type: notify.TypeNotification, MessageID: "a"})
	}()
	<-entered
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	err = disp.HandleEnvelope(ctx, &notify.Envelope{Type: notify.TypeNotification, MessageID: "b"})
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	close(block)
	require.NoError(t, <-first)
}
