package snshttp_test

import (
	"context"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/opschat/opschat/chat"
	"github.com/opschat/opschat/internal/memstore"
	"github.com/opschat/opschat/notify"
	"github.com/opschat/opschat/notify/delivery"
	"github.com/opschat/opschat/notify/snshttp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// flakySender fails while down is set, blocks while hold is set, and
// counts the messages it accepted.
type flakySender struct {
	down   atomic.Bool
	hold   chan struct{} // when non-nil, sends wait for it to close
	mu     sync.Mutex
	posted int
}

func (s *flakySender) Send(ctx context.Context, conv chat.Conversation, _ chat.Message) (chat.Ref, error) {
	if s.hold != nil {
		select {
		case <-s.hold:
		case <-ctx.Done():
			return chat.Ref{}, ctx.Err()
		}
	}
	if s.down.Load() {
		return chat.Ref{}, chat.ClassifyHTTP(conv.Platform, http.StatusServiceUnavailable, 0, nil)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.posted++
	return chat.Ref{Conversation: conv, MessageID: "1"}, nil
}

func (s *flakySender) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.posted
}

func newDispatcher(t *testing.T, s chat.Sender) (*delivery.Dispatcher, *delivery.Deliverer) {
	t.Helper()
	d, err := delivery.New(memstore.New(nil), delivery.WithSender(chat.PlatformSlack, s),
		delivery.WithBackoff(delivery.Backoff{MaxAttempts: 2, Initial: time.Millisecond, Max: time.Millisecond}),
		delivery.WithLimits(map[chat.Platform]delivery.PlatformLimits{}))
	require.NoError(t, err)
	t.Cleanup(d.Close)
	route := delivery.RouterFunc(func(_ context.Context, env *notify.Envelope) ([]delivery.Job, error) {
		return []delivery.Job{{Conversation: chat.Conversation{Platform: chat.PlatformSlack, WorkspaceID: "T1", ChannelID: "C1"},
			Message: chat.Message{Title: env.Subject}, DedupKey: "ops/" + env.MessageID, Configuration: "ops"}}, nil
	})
	disp, err := delivery.NewDispatcher(route, d, nil)
	require.NoError(t, err)
	return disp, d
}

// TestDeadLetteredNotificationIsNotAcknowledged: the chat platform answers
// 503 until attempts run out; SNS gets a 500 (not the 200 that would make
// it forget the message), the dead letter is recorded, and SNS's retry
// after the platform recovered is delivered once and answered 200.
func TestDeadLetteredNotificationIsNotAcknowledged(t *testing.T) {
	t.Parallel()
	good, _ := getPKI(t)
	s := &flakySender{}
	s.down.Store(true)
	disp, d := newDispatcher(t, s)
	f := newFixtureNext(t, disp)
	body := mustJSON(t, sign(t, good.key, notification("1")))
	assert.Equal(t, http.StatusInternalServerError, f.post(t, body, "Notification"))
	dls, err := d.DeadLetters(context.Background())
	require.NoError(t, err)
	require.Len(t, dls, 1)
	assert.Equal(t, topic, dls[0].TopicARN)
	s.down.Store(false)
	assert.Equal(t, http.StatusOK, f.post(t, body, "Notification"), "SNS retry")
	assert.Equal(t, http.StatusOK, f.post(t, body, "Notification"), "a duplicate retry is acknowledged")
	assert.Equal(t, 1, s.count())
}

// TestWaitIsBoundedUnderSNSTimeout: a delivery slower than the wait gets
// a 503 in time for SNS to read it; with a detached dispatcher the
// delivery carries on and SNS's retry is answered 200 without a second
// post.
func TestWaitIsBoundedUnderSNSTimeout(t *testing.T) {
	t.Parallel()
	good, _ := getPKI(t)
	s := &flakySender{hold: make(chan struct{})}
	release := sync.OnceFunc(func() { close(s.hold) })
	t.Cleanup(release)
	disp, _ := newDispatcher(t, s)
	f := newFixtureNext(t, disp.Detached(time.Minute), snshttp.WithMaxWait(50*time.Millisecond))
	body := mustJSON(t, sign(t, good.key, notification("2")))
	start := time.Now()
	assert.Equal(t, http.StatusServiceUnavailable, f.post(t, body, "Notification"))
	assert.Less(t, time.Since(start), 10*time.Second, "answered well inside SNS's 15 s")
	release()
	require.Eventually(t, func() bool { return s.count() == 1 }, 5*time.Second, time.Millisecond)
	assert.Equal(t, http.StatusOK, f.post(t, body, "Notification"))
	assert.Equal(t, 1, s.count())
}

func TestMaxWaitValidated(t *testing.T) {
	t.Parallel()
	next := notify.HandlerFunc(func(context.Context, *notify.Envelope) error { return nil })
	_, err := snshttp.New(next, snshttp.WithAnyTopic(), snshttp.WithMaxWait(0))
	require.ErrorContains(t, err, "max wait")
}
