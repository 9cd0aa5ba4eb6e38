package sqssource_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/opschat/opschat/chat"
	"github.com/opschat/opschat/internal/memstore"
	"github.com/opschat/opschat/notify"
	"github.com/opschat/opschat/notify/delivery"
	"github.com/opschat/opschat/notify/sqssource"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// lockedBuffer is a log sink safe for the source's goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestRawMessageTopic: a raw message (EventBridge → SQS) is routed by its
// TopicArn attribute, else by the default topic; with neither it is not
// handled, not deleted, and an ERROR says how to configure the queue.
func TestRawMessageTopic(t *testing.T) {
	t.Parallel()
	const attrTopic = "arn:aws:sns:us-east-1:123456789012:from-attribute"
	tests := []struct {
		name         string
		attribute    string
		defaultTopic string
		wantTopic    string // "" : never handled
	}{
		{"default topic", "", ebTopic, ebTopic},
		{"attribute wins over default", attrTopic, ebTopic, attrTopic},
		{"attribute alone", attrTopic, "", attrTopic},
		{"neither: left to redrive", "", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			q := &fakeSQS{maxReceive: 2}
			q.sendAttrs(`{"version":"0","id":"ev-1","source":"aws.health","detail-type":"AWS Health Event","detail":{}}`, tt.attribute)
			var got atomic.Value
			h := notify.HandlerFunc(func(_ context.Context, env *notify.Envelope) error {
				got.Store(env.TopicARN)
				return nil
			})
			var logs lockedBuffer
			opts := []sqssource.Option{sqssource.WithWaitTime(0), sqssource.WithRetryDelay(time.Second, time.Second),
				sqssource.WithVisibilityTimeout(2 * time.Second), sqssource.WithLogger(slog.New(slog.NewTextHandler(&logs, nil)))}
			if tt.defaultTopic != "" {
				opts = append(opts, sqssource.WithDefaultTopic(tt.defaultTopic))
			}
			src, err := sqssource.New(q, "q", h, opts...)
			require.NoError(t, err)
			stop := run(t, src)
			if tt.wantTopic != "" {
				require.Eventually(t, func() bool { return q.deleted() == 1 }, 10*time.Second, 5*time.Millisecond)
				stop()
				assert.Equal(t, tt.wantTopic, got.Load())
				return
			}
			require.Eventually(t, func() bool { _, dlq := q.state(); return dlq == 1 }, 20*time.Second, 5*time.Millisecond,
				"the queue's redrive policy takes it")
			stop()
			assert.Nil(t, got.Load(), "never routed without a topic")
			assert.Zero(t, q.deleted())
			assert.Contains(t, logs.String(), "level=ERROR")
			assert.Contains(t, logs.String(), "WithDefaultTopic")
		})
	}
}

// TestChatDownMessageKeptForRedriveAndDeadLettered: the chat platform
// answers 500 to everything. The message is never deleted (SQS's redrive
// policy moves it to the queue's DLQ), and the Store holds a dead letter
// with the whole notification; once the platform is back, replaying the
// dead letters posts it exactly once.
func TestChatDownMessageKeptForRedriveAndDeadLettered(t *testing.T) {
	t.Parallel()
	var down atomic.Bool
	down.Store(true)
	cs := newChatServer(t, func(_ int, w http.ResponseWriter, _ *http.Request) bool {
		if down.Load() {
			http.Error(w, "boom", http.StatusInternalServerError)
			return true
		}
		return false
	})
	q := &fakeSQS{maxReceive: 2}
	b, _ := json.Marshal(map[string]any{"id": "x1", "channels": []string{"C1", "C2"}})
	q.send(snsBody("sns-x1", string(b)))
	store := memstore.New(nil)
	var logs lockedBuffer
	d, err := delivery.New(store,
		delivery.WithSender(chat.PlatformSlack, &httpSender{url: cs.URL, client: &http.Client{Timeout: 10 * time.Second}}),
		delivery.WithLimits(map[chat.Platform]delivery.PlatformLimits{}),
		delivery.WithBackoff(delivery.Backoff{MaxAttempts: 3, Initial: time.Millisecond, Max: 5 * time.Millisecond}),
		delivery.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	require.NoError(t, err)
	t.Cleanup(d.Close)
	disp, err := delivery.NewDispatcher(route, d, nil)
	require.NoError(t, err)
	src, err := sqssource.New(q, "q", disp, sqssource.WithWaitTime(0), sqssource.WithRetryDelay(time.Second, time.Second),
		sqssource.WithVisibilityTimeout(2*time.Second))
	require.NoError(t, err)
	stop := run(t, src)
	require.Eventually(t, func() bool { _, dlq := q.state(); return dlq == 1 }, 20*time.Second, 5*time.Millisecond)
	stop()
	assert.Zero(t, q.deleted(), "a failed notification is never acknowledged")
	assert.Equal(t, 2, q.receivesOf("sqs-1"), "the redelivery tried again")
	assert.Empty(t, cs.Posted())
	ctx := context.Background()
	dls, err := d.DeadLetters(ctx)
	require.NoError(t, err)
	require.Len(t, dls, 2, "one per channel, updated in place by the redelivery")
	for _, dl := range dls {
		assert.Equal(t, 2, dl.Failures)
		assert.Equal(t, "sns-x1", dl.MessageID)
		assert.Equal(t, "alert x1", dl.Message.Title)
		assert.Contains(t, dl.Error, "HTTP 500")
	}
	assert.Contains(t, logs.String(), "level=ERROR msg=\"notification delivery failed; dead-lettered\"",
		"logged although the configuration's level is ERROR-only")

	down.Store(false)
	n, err := d.RetryAll(ctx)
	require.NoError(t, err)
	assert.Equal(t, 2, n)
	assert.Equal(t, map[string]int{"C1|alert x1": 1, "C2|alert x1": 1}, cs.Posted())
	dls, err = d.DeadLetters(ctx)
	require.NoError(t, err)
	assert.Empty(t, dls)
}

// TestRestartMidDeliveryWithAFailingChannel: the first bot is stopped
// while its posts hang; the second, over the same Store, finishes. Each
// channel that works gets the notification exactly once; the channel that
// refuses it (404) has a durable dead letter, and the message is never
// deleted, so the queue's redrive policy keeps it.
func TestRestartMidDeliveryWithAFailingChannel(t *testing.T) {
	t.Parallel()
	var hang atomic.Bool
	hang.Store(true)
	var hung atomic.Int32
	cs := newChatServer(t, nil)
	cs.byChannel = func(ch string, w http.ResponseWriter, r *http.Request) bool {
		switch {
		case ch == "C3":
			http.Error(w, "channel_not_found", http.StatusNotFound)
			return true
		case hang.Load():
			hung.Add(1)
			<-r.Context().Done()
			return true
		}
		return false
	}
	q := &fakeSQS{maxReceive: 3}
	b, _ := json.Marshal(map[string]any{"id": "r1", "channels": []string{"C1", "C2", "C3"}})
	q.send(snsBody("sns-r1", string(b)))
	store := memstore.New(nil)
	src1, _ := newPipeline(t, q, store, cs.URL, sqssource.WithShutdownTimeout(50*time.Millisecond))
	stop1 := run(t, src1)
	require.Eventually(t, func() bool { return hung.Load() >= 2 }, 20*time.Second, 5*time.Millisecond, "C1 and C2 in flight")
	stop1()
	hang.Store(false)
	assert.Empty(t, cs.Posted())
	assert.Zero(t, q.deleted())

	src2, d2 := newPipeline(t, q, store, cs.URL)
	run(t, src2)
	require.Eventually(t, func() bool { _, dlq := q.state(); return dlq == 1 }, 30*time.Second, 5*time.Millisecond)
	assert.Zero(t, q.deleted(), "never acknowledged: C3 did not get it")
	assert.Equal(t, map[string]int{"C1|alert r1": 1, "C2|alert r1": 1}, cs.Posted())
	dls, err := d2.DeadLetters(context.Background())
	require.NoError(t, err)
	require.Len(t, dls, 1)
	assert.Equal(t, "C3", dls[0].Conversation.ChannelID)
	assert.Equal(t, "sns-r1", dls[0].MessageID)
	assert.Contains(t, dls[0].Error, "HTTP 404")
}
