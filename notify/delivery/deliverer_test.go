package delivery_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/opschat/opschat/chat"
	"github.com/opschat/opschat/internal/memstore"
	"github.com/opschat/opschat/notify"
	"github.com/opschat/opschat/notify/delivery"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

func newDeliverer(t *testing.T, s chat.Sender, opts ...delivery.Option) (*delivery.Deliverer, *memstore.Store) {
	t.Helper()
	store := memstore.New(nil)
	return newDelivererOn(t, store, s, opts...), store
}

// newDelivererOn returns a Deliverer on store posting through s, with an
// instant clock, no rate limits and quick retries (3 attempts) unless opts
// say otherwise. It is closed at the end of the test.
func newDelivererOn(t *testing.T, store delivery.Store, s chat.Sender, opts ...delivery.Option) *delivery.Deliverer {
	t.Helper()
	base := []delivery.Option{
		delivery.WithSender(chat.PlatformSlack, s),
		delivery.WithClock(newInstantClock()),
		delivery.WithLimits(map[chat.Platform]delivery.PlatformLimits{}),
		delivery.WithBackoff(delivery.Backoff{MaxAttempts: 3, Initial: time.Millisecond}),
	}
	d, err := delivery.New(store, append(base, opts...)...)
	require.NoError(t, err)
	t.Cleanup(d.Close)
	return d
}

func job(ch, id string) delivery.Job {
	return delivery.Job{Conversation: slackConv(ch), Message: chat.Message{Title: "alarm " + id}, DedupKey: id,
		Configuration: "ops", LogLevel: delivery.LogInfo, Kind: "CloudWatch Alarm", State: "ALARM"}
}

func TestDeliverExactlyOncePerChannel(t *testing.T) {
	t.Parallel()
	s := &scriptedSender{}
	d, _ := newDeliverer(t, s)
	ctx := context.Background()
	require.NoError(t, d.Deliver(ctx, job("C1", "m1"), job("C2", "m1")))
	// SQS redelivery or SNS retry of the same message.
	require.NoError(t, d.Deliver(ctx, job("C1", "m1"), job("C2", "m1")))
	// Concurrent copies.
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Go(func() { errs <- d.Deliver(ctx, job("C3", "m2")) })
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			assert.ErrorIs(t, err, delivery.ErrInProgress, "a concurrent copy may only be told to retry")
		}
	}
	perChannel := map[string]int{}
	for _, m := range s.Sent() {
		perChannel[m.Conv.ChannelID]++
	}
	assert.Equal(t, map[string]int{"C1": 1, "C2": 1, "C3": 1}, perChannel)
}

func TestDeliverThreadsFollowUps(t *testing.T) {
	t.Parallel()
	s := &scriptedSender{caps: chat.Capabilities{Threads: true}}
	d, _ := newDeliverer(t, s)
	ctx := context.Background()
	first := job("C1", "a1")
	first.Message.ThreadKey = "arn:aws:cloudwatch:us-east-1:1:alarm:cpu"
	second := job("C1", "a2")
	second.Message.ThreadKey = first.Message.ThreadKey
	other := job("C2", "a3")
	other.Message.ThreadKey = first.Message.ThreadKey
	require.NoError(t, d.Deliver(ctx, first))
	require.NoError(t, d.Deliver(ctx, second, other))
	got := s.Sent()
	require.Len(t, got, 3)
	assert.Empty(t, got[0].Conv.ThreadID)
	byChan := map[string]sent{}
	for _, m := range got[1:] {
		byChan[m.Conv.ChannelID] = m
	}
	assert.Equal(t, got[0].Ref.MessageID, byChan["C1"].Conv.ThreadID, "follow-up goes to the first message's thread")
	assert.Empty(t, byChan["C2"].Conv.ThreadID, "threads are per channel")
}

func TestDeliverNoThreadsWithoutCapability(t *testing.T) {
	t.Parallel()
	s := &scriptedSender{} // reports no threads (Chime-like)
	d, _ := newDeliverer(t, s)
	a, b := job("C1", "a1"), job("C1", "a2")
	a.Message.ThreadKey, b.Message.ThreadKey = "k", "k"
	require.NoError(t, d.Deliver(context.Background(), a))
	require.NoError(t, d.Deliver(context.Background(), b))
	for _, m := range s.Sent() {
		assert.Empty(t, m.Conv.ThreadID)
	}
}

func TestDeliverDeadLetters(t *testing.T) {
	t.Parallel()
	e400 := chat.ClassifyHTTP(chat.PlatformSlack, 400, 0, errors.New("invalid_blocks"))
	e500 := chat.ClassifyHTTP(chat.PlatformSlack, 500, 0, nil)
	s := &scriptedSender{script: []error{e400, e500, e500, e500}}
	var logs bytes.Buffer
	reader := metric.NewManualReader()
	d, store := newDeliverer(t, s, delivery.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))),
		delivery.WithMeterProvider(metric.NewMeterProvider(metric.WithReader(reader))))
	ctx := context.Background()
	err := d.Deliver(ctx, job("C1", "bad"))
	require.ErrorIs(t, err, delivery.ErrNotDelivered, "a permanent failure is not acknowledged as success")
	assert.ErrorIs(t, err, e400, "the last error is in the chain")
	var nde *delivery.NotDeliveredError
	require.ErrorAs(t, err, &nde)
	require.Len(t, nde.Failures, 1)
	assert.Equal(t, "slack:T1:C1", nde.Failures[0].Channel)
	assert.NotEmpty(t, nde.Failures[0].DeadLetterID)
	err = d.Deliver(ctx, job("C1", "down"))
	require.ErrorIs(t, err, delivery.ErrAttemptsExhausted)
	require.ErrorIs(t, err, delivery.ErrNotDelivered)
	dls, err := d.DeadLetters(ctx)
	require.NoError(t, err)
	require.Len(t, dls, 2)
	assert.Equal(t, nde.Failures[0].DeadLetterID, dls[0].ID)
	assert.Equal(t, "bad", dls[0].DedupKey)
	assert.Equal(t, 1, dls[0].Attempts)
	assert.Contains(t, dls[0].Error, "invalid_blocks")
	assert.Equal(t, "down", dls[1].DedupKey)
	assert.Equal(t, 3, dls[1].Attempts)
	assert.Equal(t, "alarm down", dls[1].Message.Title)
	// No dedup record is left behind by a failure: it never suppresses a
	// redelivery.
	_, ok, err := store.Get(ctx, delivery.NamespaceDedup, delivery.ChannelKey(slackConv("C1"))+"|bad")
	require.NoError(t, err)
	assert.False(t, ok)
	// The redelivery is tried again (and succeeds): 4 scripted failures,
	// then this send.
	require.NoError(t, d.Deliver(ctx, job("C1", "bad")))
	assert.Equal(t, 5, s.Calls())
	dls, err = d.DeadLetters(ctx)
	require.NoError(t, err)
	require.Len(t, dls, 1, "the delivered one left the dead letters")
	assert.Equal(t, "down", dls[0].DedupKey)
	assert.Contains(t, logs.String(), "dead-lettered")

	var rm metricdata.ResourceMetrics
	require.NoError(t, reader.Collect(ctx, &rm))
	sums := counterSums(rm)
	assert.Equal(t, int64(2), sums[delivery.MetricDeliveryFailure])
	assert.Equal(t, int64(2), sums[delivery.MetricRetried])
	assert.Equal(t, int64(1), sums[delivery.MetricDeliverySuccess])
}

func counterSums(rm metricdata.ResourceMetrics) map[string]int64 {
	out := map[string]int64{}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if s, ok := m.Data.(metricdata.Sum[int64]); ok {
				for _, dp := range s.DataPoints {
					out[m.Name] += dp.Value
				}
			}
		}
	}
	return out
}

func TestDeliverLogLevels(t *testing.T) {
	t.Parallel()
	for _, lvl := range []delivery.LogLevel{delivery.LogNone, delivery.LogError, delivery.LogInfo} {
		t.Run(lvl.String(), func(t *testing.T) {
			t.Parallel()
			var logs bytes.Buffer
			s := &scriptedSender{script: []error{nil, chat.ClassifyHTTP(chat.PlatformSlack, 404, 0, nil)}}
			d, _ := newDeliverer(t, s, delivery.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
			ok, bad := job("C1", "ok"), job("C1", "bad")
			ok.LogLevel, bad.LogLevel = lvl, lvl
			require.NoError(t, d.Deliver(context.Background(), ok))
			require.ErrorIs(t, d.Deliver(context.Background(), bad), delivery.ErrNotDelivered)
			out := logs.String()
			assert.Equal(t, lvl == delivery.LogInfo, bytes.Contains([]byte(out), []byte("notification delivered")))
			// A lost notification is logged whatever the level.
			assert.Contains(t, out, "level=ERROR msg=\"notification delivery failed; dead-lettered\"")
		})
	}
}

func TestDeliverCoalescesStormIntoDigest(t *testing.T) {
	t.Parallel()
	s := &scriptedSender{block: make(chan struct{})}
	unblock := sync.OnceFunc(func() { close(s.block) })
	d, _ := newDeliverer(t, s, delivery.WithDigestThreshold(5, 100))
	t.Cleanup(unblock) // runs before d.Close
	ctx := context.Background()
	done := make(chan error, 1)
	go func() { done <- d.Deliver(ctx, job("C1", "first")) }()
	// Wait until the first is in flight, then pile up a backlog.
	require.Eventually(t, func() bool { return s.waiting.Load() == 1 }, 5*time.Second, time.Millisecond)
	var jobs []delivery.Job
	for i := range 30 {
		j := job("C1", fmt.Sprintf("storm-%d", i))
		if i == 17 {
			j.Message.Severity = chat.SeverityCritical
			j.Message.Title = "the critical one"
		}
		jobs = append(jobs, j)
	}
	stormDone := make(chan error, 1)
	go func() { stormDone <- d.Deliver(ctx, jobs...) }()
	require.Eventually(t, func() bool { return d.Backlog()["slack:T1:C1"] == 30 }, 5*time.Second, time.Millisecond)
	unblock()
	require.NoError(t, <-done)
	require.NoError(t, <-stormDone)
	got := s.Sent()
	require.Len(t, got, 2, "one individual message, then one digest")
	dg := got[1].Msg
	assert.Contains(t, dg.Title, "30 notifications")
	assert.Equal(t, chat.SeverityCritical, dg.Severity)
	assert.Contains(t, dg.Text, "- CRITICAL the critical one\n", "most severe listed first")
	require.Len(t, dg.Buttons, 1)
	rec, err := d.Digest(ctx, dg.Buttons[0].Value)
	require.NoError(t, err)
	assert.Len(t, rec.Items, 30, "every notification is in the digest record")
	assert.Equal(t, []chat.Field{{Name: "CloudWatch Alarm ALARM", Value: "30", Short: true}}, dg.Fields)
	// Every storm item is marked delivered.
	require.NoError(t, d.Deliver(ctx, jobs[3]))
	assert.Len(t, s.Sent(), 2)
}

func TestDeliverCancelledReleasesClaim(t *testing.T) {
	t.Parallel()
	s := &scriptedSender{block: make(chan struct{})}
	unblock := sync.OnceFunc(func() { close(s.block) })
	d, _ := newDeliverer(t, s)
	t.Cleanup(unblock)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Deliver(ctx, job("C1", "m")) }()
	require.Eventually(t, func() bool { return s.waiting.Load() == 1 }, 5*time.Second, time.Millisecond)
	cancel()
	require.ErrorIs(t, <-done, context.Canceled)
	unblock()
	// The restarted delivery may claim and send it.
	require.Eventually(t, func() bool {
		return d.Deliver(context.Background(), job("C1", "m")) == nil
	}, 5*time.Second, 10*time.Millisecond)
	assert.Len(t, s.Sent(), 1)
}

func TestNewValidates(t *testing.T) {
	t.Parallel()
	_, err := delivery.New(nil)
	require.Error(t, err)
	_, err = delivery.New(memstore.New(nil))
	require.ErrorContains(t, err, "no sender")
	_, err = delivery.New(memstore.New(nil), delivery.WithSender(chat.PlatformSlack, &scriptedSender{}), delivery.WithDigestThreshold(3, 1))
	require.Error(t, err)
}

func TestDispatcher(t *testing.T) {
	t.Parallel()
	s := &scriptedSender{}
	d, _ := newDeliverer(t, s)
	reader := metric.NewManualReader()
	d2, err := delivery.New(memstore.New(nil), delivery.WithSender(chat.PlatformSlack, s),
		delivery.WithMeterProvider(metric.NewMeterProvider(metric.WithReader(reader))))
	require.NoError(t, err)
	t.Cleanup(d2.Close)
	_ = d
	router := delivery.RouterFunc(func(_ context.Context, env *notify.Envelope) ([]delivery.Job, error) {
		if env.Message == "bad" {
			return nil, errors.New("cannot decode")
		}
		return []delivery.Job{job("C1", env.MessageID), job("C2", env.MessageID)}, nil
	})
	disp, err := delivery.NewDispatcher(router, d2, nil)
	require.NoError(t, err)
	ctx := context.Background()
	require.NoError(t, disp.HandleEnvelope(ctx, &notify.Envelope{Type: notify.TypeNotification, MessageID: "x1", Message: "ok"}))
	require.Error(t, disp.HandleEnvelope(ctx, &notify.Envelope{Type: notify.TypeNotification, MessageID: "x2", Message: "bad"}))
	require.NoError(t, disp.HandleEnvelope(ctx, &notify.Envelope{Type: notify.TypeSubscriptionConfirmation, MessageID: "x3"}))
	assert.Len(t, s.Sent(), 2)
	var rm metricdata.ResourceMetrics
	require.NoError(t, reader.Collect(ctx, &rm))
	sums := counterSums(rm)
	assert.Equal(t, int64(2), sums[delivery.MetricEventsProcessed])
	assert.Equal(t, int64(1), sums[delivery.MetricUnsupportedEvents])
	assert.Equal(t, int64(2), sums[delivery.MetricDeliverySuccess])
}

// TestCrashWindowLeaseExpires: a replica died holding a claim (between
// claiming and marking). Copies are told to retry while the lease lives,
// and the notification is delivered once it expires.
func TestCrashWindowLeaseExpires(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	store := memstore.New(func() time.Time { mu.Lock(); defer mu.Unlock(); return now })
	s := &scriptedSender{}
	d, err := delivery.New(store, delivery.WithSender(chat.PlatformSlack, s), delivery.WithClock(newInstantClock()),
		delivery.WithLimits(map[chat.Platform]delivery.PlatformLimits{}), delivery.WithTTLs(time.Minute, 0, 0))
	require.NoError(t, err)
	t.Cleanup(d.Close)
	ctx := context.Background()
	j := job("C1", "m1")
	require.NoError(t, store.Put(ctx, delivery.NamespaceDedup, delivery.ChannelKey(j.Conversation)+"|m1", []byte("pending"), time.Minute))
	require.ErrorIs(t, d.Deliver(ctx, j), delivery.ErrInProgress)
	assert.Empty(t, s.Sent())
	mu.Lock()
	now = now.Add(61 * time.Second)
	mu.Unlock()
	require.NoError(t, d.Deliver(ctx, j))
	require.NoError(t, d.Deliver(ctx, j))
	assert.Len(t, s.Sent(), 1)
}
