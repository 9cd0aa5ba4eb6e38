package delivery_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/opschat/opschat/chat"
	"github.com/opschat/opschat/internal/memstore"
	"github.com/opschat/opschat/notify"
	"github.com/opschat/opschat/notify/delivery"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestFailureIsNeverAcknowledged: whatever the platform answers, a channel
// that did not get the notification makes Deliver fail with
// ErrNotDelivered, naming that channel and its dead letter, and a
// redelivery posts only to the channels still missing it.
func TestFailureIsNeverAcknowledged(t *testing.T) {
	t.Parallel()
	e500 := chat.ClassifyHTTP(chat.PlatformSlack, 500, 0, nil)
	e503 := chat.ClassifyHTTP(chat.PlatformSlack, 503, 0, nil)
	e429 := chat.ClassifyHTTP(chat.PlatformSlack, 429, 2*time.Second, nil)
	e400 := chat.ClassifyHTTP(chat.PlatformSlack, 400, 0, errors.New("invalid_blocks"))
	tests := []struct {
		name      string
		failC2    []error // script for C2's sends (C1 always succeeds)
		wantIs    error
		attempts  int
		wantSleep time.Duration // at least one pause this long (Retry-After)
	}{
		{name: "500 until attempts run out", failC2: []error{e500, e500, e500}, wantIs: delivery.ErrAttemptsExhausted, attempts: 3},
		{name: "503 from a platform", failC2: []error{e503, e503, e503}, wantIs: e503, attempts: 3},
		{name: "429 with Retry-After", failC2: []error{e429, e429, e429}, wantIs: chat.ErrRateLimited, attempts: 3, wantSleep: 2 * time.Second},
		{name: "permanent 400", failC2: []error{e400}, wantIs: e400, attempts: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			clock := newInstantClock()
			s := &channelScript{fail: map[string][]error{"C2": tt.failC2}}
			d, _ := newDeliverer(t, s, delivery.WithClock(clock))
			ctx := context.Background()
			err := d.Deliver(ctx, job("C1", "n1"), job("C2", "n1"))
			require.ErrorIs(t, err, delivery.ErrNotDelivered)
			assert.ErrorIs(t, err, tt.wantIs)
			var nde *delivery.NotDeliveredError
			require.ErrorAs(t, err, &nde)
			require.Len(t, nde.Failures, 1, "only the failed channel is listed")
			f := nde.Failures[0]
			assert.Equal(t, "slack:T1:C2", f.Channel)
			assert.Equal(t, "n1", f.DedupKey)
			dl, err := d.DeadLetter(ctx, f.DeadLetterID)
			require.NoError(t, err)
			assert.Equal(t, tt.attempts, dl.Attempts)
			assert.Equal(t, "C2", dl.Conversation.ChannelID)
			if tt.wantSleep > 0 {
				assert.Contains(t, clock.Sleeps(), tt.wantSleep)
			}
			assert.Equal(t, map[string]int{"C1": 1}, s.posted())

			// The source redelivers: C1 is skipped, C2 is tried again.
			require.NoError(t, d.Deliver(ctx, job("C1", "n1"), job("C2", "n1")))
			assert.Equal(t, map[string]int{"C1": 1, "C2": 1}, s.posted())
			dls, err := d.DeadLetters(ctx)
			require.NoError(t, err)
			assert.Empty(t, dls, "a dead letter whose notification got through is no longer listed")
		})
	}
}

// channelScript fails sends per channel according to a script, then
// accepts them.
type channelScript struct {
	mu    sync.Mutex
	fail  map[string][]error
	sends map[string]int
}

func (c *channelScript) Send(_ context.Context, conv chat.Conversation, m chat.Message) (chat.Ref, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if s := c.fail[conv.ChannelID]; len(s) > 0 {
		c.fail[conv.ChannelID] = s[1:]
		return chat.Ref{}, s[0]
	}
	if c.sends == nil {
		c.sends = map[string]int{}
	}
	c.sends[conv.ChannelID]++
	return chat.Ref{Conversation: conv, MessageID: fmt.Sprint(c.sends[conv.ChannelID])}, nil
}

func (c *channelScript) posted() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := map[string]int{}
	for k, v := range c.sends {
		out[k] = v
	}
	return out
}

func (c *channelScript) failNext(ch string, errs ...error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.fail == nil {
		c.fail = map[string][]error{}
	}
	c.fail[ch] = append(c.fail[ch], errs...)
}

// TestHangingPlatformCallerToldNotDelivered: the platform never answers;
// when the caller's deadline passes, Deliver reports not delivered, no dead
// letter is written (the source still holds the message) and the claim is
// released for the retry.
func TestHangingPlatformCallerToldNotDelivered(t *testing.T) {
	t.Parallel()
	s := &scriptedSender{block: make(chan struct{})}
	unblock := sync.OnceFunc(func() { close(s.block) })
	d, store := newDeliverer(t, s)
	t.Cleanup(unblock)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	err := d.Deliver(ctx, job("C1", "hang"))
	require.ErrorIs(t, err, delivery.ErrNotDelivered)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	require.Eventually(t, func() bool {
		_, ok, err := store.Get(context.Background(), delivery.NamespaceDedup, "slack:T1:C1|hang")
		return err == nil && !ok
	}, 5*time.Second, time.Millisecond, "claim released")
	dls, err := d.DeadLetters(context.Background())
	require.NoError(t, err)
	assert.Empty(t, dls)
	unblock()
	require.NoError(t, d.Deliver(context.Background(), job("C1", "hang")))
	assert.Len(t, s.Sent(), 1)
}

// TestDetachedDispatcherOutlivesTheWait: a source that must answer early
// (SNS HTTPS) is told "not yet", the delivery carries on, and the next
// copy is acknowledged without a second post.
func TestDetachedDispatcherOutlivesTheWait(t *testing.T) {
	t.Parallel()
	s := &scriptedSender{block: make(chan struct{})}
	unblock := sync.OnceFunc(func() { close(s.block) })
	d, store := newDeliverer(t, s)
	t.Cleanup(unblock)
	router := delivery.RouterFunc(func(_ context.Context, env *notify.Envelope) ([]delivery.Job, error) {
		return []delivery.Job{job("C1", env.MessageID)}, nil
	})
	disp, err := delivery.NewDispatcher(router, d, nil)
	require.NoError(t, err)
	detached := disp.Detached(time.Minute)
	env := &notify.Envelope{Type: notify.TypeNotification, MessageID: "m1", TopicARN: alertsTopic, Message: "x"}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	err = detached.HandleEnvelope(ctx, env)
	cancel()
	require.ErrorIs(t, err, delivery.ErrNotDelivered)
	v, ok, err := store.Get(context.Background(), delivery.NamespaceDedup, "slack:T1:C1|m1")
	require.NoError(t, err)
	require.True(t, ok)
	assert.True(t, strings.HasPrefix(string(v), "pending:"), "still being delivered, claim held: %q", v)
	unblock()
	require.Eventually(t, func() bool { return len(s.Sent()) == 1 }, 5*time.Second, time.Millisecond)
	require.Eventually(t, func() bool {
		return detached.HandleEnvelope(context.Background(), env) == nil
	}, 5*time.Second, time.Millisecond)
	assert.Len(t, s.Sent(), 1, "posted once")
}

// TestLegacyFailedRecordIsRetried: a "failed" record written by an earlier
// version does not suppress the redelivery.
func TestLegacyFailedRecordIsRetried(t *testing.T) {
	t.Parallel()
	s := &scriptedSender{}
	d, store := newDeliverer(t, s)
	ctx := context.Background()
	require.NoError(t, store.Put(ctx, delivery.NamespaceDedup, "slack:T1:C1|old", []byte("failed"), time.Hour))
	require.NoError(t, d.Deliver(ctx, job("C1", "old")))
	assert.Len(t, s.Sent(), 1)
	v, ok, err := store.Get(ctx, delivery.NamespaceDedup, "slack:T1:C1|old")
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, "delivered", string(v))
}

// TestDeadLetterCarriesTheNotification: what the Dispatcher dead-letters is
// enough to replay it, and the ERROR log says where it came from.
func TestDeadLetterCarriesTheNotification(t *testing.T) {
	t.Parallel()
	s := &channelScript{}
	s.failNext("C1", chat.ClassifyHTTP(chat.PlatformSlack, 404, 0, errors.New("channel_not_found")))
	var logs bytes.Buffer
	d, _ := newDeliverer(t, s, delivery.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	router := delivery.RouterFunc(func(_ context.Context, env *notify.Envelope) ([]delivery.Job, error) {
		j := job("C1", "cfg/"+env.MessageID)
		j.LogLevel = delivery.LogNone
		j.Message.ThreadKey = "arn:alarm"
		j.Message.Fields = []chat.Field{{Name: "Region", Value: "us-east-1"}}
		return []delivery.Job{j}, nil
	})
	disp, err := delivery.NewDispatcher(router, d, nil)
	require.NoError(t, err)
	ctx := context.Background()
	env := &notify.Envelope{Type: notify.TypeNotification, MessageID: "sns-1", TopicARN: alertsTopic, Message: "{}"}
	require.ErrorIs(t, disp.HandleEnvelope(ctx, env), delivery.ErrNotDelivered)
	dls, err := d.DeadLetters(ctx)
	require.NoError(t, err)
	require.Len(t, dls, 1)
	dl := dls[0]
	assert.Equal(t, alertsTopic, dl.TopicARN)
	assert.Equal(t, "sns-1", dl.MessageID)
	assert.Equal(t, "cfg/sns-1", dl.DedupKey)
	assert.Equal(t, "ops", dl.Configuration)
	assert.Equal(t, "CloudWatch Alarm", dl.Kind)
	assert.Equal(t, "ALARM", dl.State)
	assert.Equal(t, chat.Message{Title: "alarm cfg/sns-1", ThreadKey: "arn:alarm",
		Fields: []chat.Field{{Name: "Region", Value: "us-east-1"}}}, dl.Message)
	assert.Equal(t, 1, dl.Failures)
	assert.Contains(t, dl.Error, "channel_not_found")
	out := logs.String()
	assert.Contains(t, out, "level=ERROR")
	assert.Contains(t, out, "dead_letter="+dl.ID)
	assert.Contains(t, out, "source_message_id=sns-1")

	// The same notification failing again updates the one record.
	s.failNext("C1", chat.ClassifyHTTP(chat.PlatformSlack, 404, 0, errors.New("still_not_found")))
	require.ErrorIs(t, disp.HandleEnvelope(ctx, env), delivery.ErrNotDelivered)
	dls, err = d.DeadLetters(ctx)
	require.NoError(t, err)
	require.Len(t, dls, 1)
	assert.Equal(t, 2, dls[0].Failures)
	assert.Contains(t, dls[0].Error, "still_not_found")
	assert.Equal(t, dl.FirstTime, dls[0].FirstTime)
}

func TestRetryDeadLetters(t *testing.T) {
	t.Parallel()
	e404 := chat.ClassifyHTTP(chat.PlatformSlack, 404, 0, errors.New("channel_not_found"))
	s := &channelScript{}
	s.failNext("C1", e404)
	s.failNext("C2", e404)
	s.failNext("C3", e404)
	d, _ := newDeliverer(t, s)
	ctx := context.Background()
	noKey := job("C3", "")
	require.ErrorIs(t, d.Deliver(ctx, job("C1", "a"), job("C2", "b"), noKey), delivery.ErrNotDelivered)
	dls, err := d.DeadLetters(ctx)
	require.NoError(t, err)
	require.Len(t, dls, 3)
	ids := map[string]string{}
	for _, dl := range dls {
		ids[dl.Conversation.ChannelID] = dl.ID
	}

	// C1's replay fails again: it stays, with the new error.
	s.failNext("C1", chat.ClassifyHTTP(chat.PlatformSlack, 403, 0, errors.New("not_in_channel")))
	err = d.Retry(ctx, ids["C1"])
	require.ErrorIs(t, err, delivery.ErrNotDelivered)
	dl, err := d.DeadLetter(ctx, ids["C1"])
	require.NoError(t, err)
	assert.Contains(t, dl.Error, "not_in_channel")
	assert.Equal(t, 2, dl.Failures)

	// C2's replay is delivered and removed.
	require.NoError(t, d.Retry(ctx, ids["C2"]))
	_, err = d.DeadLetter(ctx, ids["C2"])
	require.ErrorIs(t, err, delivery.ErrNoDeadLetter)
	require.ErrorIs(t, d.Retry(ctx, ids["C2"]), delivery.ErrNoDeadLetter)

	// RetryAll gets C1 and the keyless C3 through.
	n, err := d.RetryAll(ctx)
	require.NoError(t, err)
	assert.Equal(t, 2, n)
	dls, err = d.DeadLetters(ctx)
	require.NoError(t, err)
	assert.Empty(t, dls)
	assert.Equal(t, map[string]int{"C1": 1, "C2": 1, "C3": 1}, s.posted())

	// Delete drops one for good.
	s.failNext("C4", e404)
	require.Error(t, d.Deliver(ctx, job("C4", "z")))
	dls, err = d.DeadLetters(ctx)
	require.NoError(t, err)
	require.Len(t, dls, 1)
	require.NoError(t, d.DeleteDeadLetter(ctx, dls[0].ID))
	n, err = d.RetryAll(ctx)
	require.NoError(t, err)
	assert.Zero(t, n)
	assert.Zero(t, s.posted()["C4"])
}

// TestFailedDigestKeepsEachFate: a digest that fails for good leaves one
// dead letter per notification it summarised, each source is told, and
// each can be replayed on its own as the original message.
func TestFailedDigestKeepsEachFate(t *testing.T) {
	t.Parallel()
	s := &scriptedSender{block: make(chan struct{})}
	unblock := sync.OnceFunc(func() { close(s.block) })
	e400 := chat.ClassifyHTTP(chat.PlatformSlack, 400, 0, errors.New("invalid_blocks"))
	s.script = []error{nil, e400} // the first message goes out, the digest is refused
	d, _ := newDeliverer(t, s, delivery.WithDigestThreshold(3, 100))
	t.Cleanup(unblock)
	ctx := context.Background()
	first := make(chan error, 1)
	go func() { first <- d.Deliver(ctx, job("C1", "first")) }()
	require.Eventually(t, func() bool { return s.waiting.Load() == 1 }, 5*time.Second, time.Millisecond)
	const storm = 6
	results := make(chan error, storm)
	for i := range storm {
		go func() { results <- d.Deliver(ctx, job("C1", fmt.Sprintf("s%d", i))) }()
	}
	require.Eventually(t, func() bool { return d.Backlog()["slack:T1:C1"] == storm }, 5*time.Second, time.Millisecond)
	unblock()
	require.NoError(t, <-first)
	for range storm {
		err := <-results
		require.ErrorIs(t, err, delivery.ErrNotDelivered, "every source of the storm is told")
		assert.ErrorIs(t, err, e400)
	}
	dls, err := d.DeadLetters(ctx)
	require.NoError(t, err)
	require.Len(t, dls, storm, "one dead letter per notification, not one for the digest")
	for _, dl := range dls {
		assert.Equal(t, "alarm "+dl.DedupKey, dl.Message.Title, "the original message is kept, not the digest")
	}
	require.NoError(t, d.Retry(ctx, dls[2].ID))
	got := s.Sent()
	require.Len(t, got, 2)
	assert.Equal(t, "alarm "+dls[2].DedupKey, got[1].Msg.Title)
	left, err := d.DeadLetters(ctx)
	require.NoError(t, err)
	assert.Len(t, left, storm-1)
}

// TestRestartMidDelivery: a Deliverer shut down while a send hangs tells
// the source "not delivered" and releases the claim; a new Deliverer over
// the same Store (the restarted process) then delivers every notification
// exactly once or dead-letters it durably.
func TestRestartMidDelivery(t *testing.T) {
	t.Parallel()
	store := memstore.New(nil)
	hang := &scriptedSender{block: make(chan struct{})}
	d1, err := delivery.New(store, delivery.WithSender(chat.PlatformSlack, hang), delivery.WithClock(newInstantClock()),
		delivery.WithLimits(map[chat.Platform]delivery.PlatformLimits{}), delivery.WithDigestThreshold(0, 0))
	require.NoError(t, err)
	ctx := context.Background()
	jobs := []delivery.Job{job("C1", "r1"), job("C2", "r1"), job("C3", "r2")}
	done := make(chan error, 1)
	go func() { done <- d1.Deliver(ctx, jobs...) }()
	require.Eventually(t, func() bool { return hang.waiting.Load() == 3 }, 5*time.Second, time.Millisecond)
	sctx, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	require.ErrorIs(t, d1.Shutdown(sctx), context.DeadlineExceeded)
	err = <-done
	require.ErrorIs(t, err, delivery.ErrNotDelivered, "the source keeps the message")
	require.ErrorIs(t, d1.Deliver(ctx, jobs...), delivery.ErrClosed)

	s := &channelScript{}
	s.failNext("C3", chat.ClassifyHTTP(chat.PlatformSlack, 404, 0, nil))
	d2, err := delivery.New(store, delivery.WithSender(chat.PlatformSlack, s), delivery.WithClock(newInstantClock()),
		delivery.WithLimits(map[chat.Platform]delivery.PlatformLimits{}))
	require.NoError(t, err)
	t.Cleanup(d2.Close)
	err = d2.Deliver(ctx, jobs...)
	var nde *delivery.NotDeliveredError
	require.ErrorAs(t, err, &nde)
	require.Len(t, nde.Failures, 1)
	assert.Equal(t, "slack:T1:C3", nde.Failures[0].Channel)
	// A third copy: the delivered ones are skipped, the dead-lettered one
	// is tried again.
	require.NoError(t, d2.Deliver(ctx, jobs...))
	assert.Equal(t, map[string]int{"C1": 1, "C2": 1, "C3": 1}, s.posted())
	assert.Empty(t, hang.Sent())
}

// TestRetryAfterIsCapped: a platform asking for an hour gets MaxRetryAfter,
// and a WARN says so.
func TestRetryAfterIsCapped(t *testing.T) {
	t.Parallel()
	clock := newInstantClock()
	s := &scriptedSender{script: []error{chat.ClassifyHTTP(chat.PlatformSlack, 429, time.Hour, nil)}}
	var logs bytes.Buffer
	d, _ := newDeliverer(t, s, delivery.WithClock(clock), delivery.WithLimits(delivery.DefaultLimits()),
		delivery.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	require.NoError(t, d.Deliver(context.Background(), job("C1", "ra")))
	var total time.Duration
	for _, sl := range clock.Sleeps() {
		assert.LessOrEqual(t, sl, delivery.MaxRetryAfter)
		total += sl
	}
	assert.GreaterOrEqual(t, total, delivery.MaxRetryAfter, "the capped pause is still honoured")
	assert.Less(t, total, 2*delivery.MaxRetryAfter)
	assert.Contains(t, logs.String(), "level=WARN")
	assert.Contains(t, logs.String(), "retry_after=1h0m0s")
	assert.Equal(t, delivery.MaxRetryAfter, delivery.Backoff{}.Wait(1, 24*time.Hour))
}

// lossyStore writes PutIfAbsent's value and then loses the answer, as a
// store client does when the response is lost or the call is cancelled
// after the write landed, or when it retries a write that had succeeded.
type lossyStore struct {
	*memstore.Store
	mu     sync.Mutex
	answer func() (bool, error) // nil: the real answer
}

func (s *lossyStore) PutIfAbsent(ctx context.Context, ns, key string, v []byte, ttl time.Duration) (bool, error) {
	ok, err := s.Store.PutIfAbsent(context.WithoutCancel(ctx), ns, key, v, ttl)
	s.mu.Lock()
	answer := s.answer
	s.answer = nil // once
	s.mu.Unlock()
	if answer != nil && ok && err == nil {
		return answer()
	}
	return ok, err
}

// TestUncertainClaimIsRecognised: a claim whose PutIfAbsent landed but
// whose answer was lost is recognised as our own, so the notification is
// neither blocked until the lease expires nor posted twice.
func TestUncertainClaimIsRecognised(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		answer func() (bool, error)
	}{
		{"error after the write", func() (bool, error) { return false, errors.New("connection reset") }},
		{"client retried a landed write", func() (bool, error) { return false, nil }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			store := &lossyStore{Store: memstore.New(nil), answer: tt.answer}
			s := &scriptedSender{}
			d, err := delivery.New(store, delivery.WithSender(chat.PlatformSlack, s), delivery.WithClock(newInstantClock()),
				delivery.WithLimits(map[chat.Platform]delivery.PlatformLimits{}))
			require.NoError(t, err)
			t.Cleanup(d.Close)
			require.NoError(t, d.Deliver(context.Background(), job("C1", "u1")))
			require.NoError(t, d.Deliver(context.Background(), job("C1", "u1")))
			assert.Len(t, s.Sent(), 1)
		})
	}
}

// TestCancelledClaimIsNotLeaked: the caller's context ends while the claim
// is being written; the landed claim is released at once, so the next copy
// is delivered without waiting out the lease.
func TestCancelledClaimIsNotLeaked(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	store := &lossyStore{Store: memstore.New(nil), answer: func() (bool, error) {
		cancel()
		return false, context.Canceled
	}}
	s := &scriptedSender{}
	d, err := delivery.New(store, delivery.WithSender(chat.PlatformSlack, s), delivery.WithClock(newInstantClock()),
		delivery.WithLimits(map[chat.Platform]delivery.PlatformLimits{}), delivery.WithTTLs(time.Hour, 0, 0))
	require.NoError(t, err)
	t.Cleanup(d.Close)
	require.ErrorIs(t, d.Deliver(ctx, job("C1", "c1")), delivery.ErrNotDelivered)
	// Deliver returns when ctx ends; the worker releases the claim just
	// after, not an hour later.
	require.Eventually(t, func() bool {
		_, ok, err := store.Get(context.Background(), delivery.NamespaceDedup, "slack:T1:C1|c1")
		return err == nil && !ok
	}, 5*time.Second, time.Millisecond, "no claim left behind")
	require.NoError(t, d.Deliver(context.Background(), job("C1", "c1")))
	assert.Len(t, s.Sent(), 1)
}

// Sources log a notification another delivery holds quietly, and anything
// else, even mixed with it, as an error.
func TestOnlyInProgress(t *testing.T) {
	t.Parallel()
	held := delivery.ChannelFailure{Channel: "slack:T1:C1", Err: delivery.ErrInProgress}
	failed := delivery.ChannelFailure{Channel: "slack:T1:C2", Err: errors.New("channel_not_found")}
	for _, c := range []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"the sentinel", delivery.ErrInProgress, true},
		{"wrapped", fmt.Errorf("handle: %w", notify.ErrInProgress), true},
		{"every channel held", &delivery.NotDeliveredError{Failures: []delivery.ChannelFailure{held, held}}, true},
		{"wrapped list", fmt.Errorf("dispatch: %w", &delivery.NotDeliveredError{Failures: []delivery.ChannelFailure{held}}), true},
		{"one channel failed", &delivery.NotDeliveredError{Failures: []delivery.ChannelFailure{held, failed}}, false},
		{"no failures listed", &delivery.NotDeliveredError{}, false},
		{"another error", context.DeadlineExceeded, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			assert.Equal(t, c.want, notify.OnlyInProgress(c.err))
			want := slog.LevelError
			if c.want {
				want = slog.LevelWarn
			}
			assert.Equal(t, want, notify.FailureLevel(c.err))
		})
	}
}
