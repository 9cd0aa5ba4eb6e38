package sqssource_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/opschat/opschat/chat"
	"github.com/opschat/opschat/internal/memstore"
	"github.com/opschat/opschat/notify"
	"github.com/opschat/opschat/notify/delivery"
	"github.com/opschat/opschat/notify/sqssource"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

func snsBody(id, message string) string {
	b, _ := json.Marshal(map[string]string{"Type": "Notification", "MessageId": id,
		"TopicArn": "arn:aws:sns:us-east-1:123456789012:alerts", "Message": message,
		"Timestamp": "2026-01-02T03:04:05.000Z"})
	return string(b)
}

const poison = `{"Type":"Notification","MessageId":42}`

const ebTopic = "arn:aws:sns:us-east-1:123456789012:eventbridge"

func run(t *testing.T, src *sqssource.Source) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- src.Run(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				assert.NoError(t, err)
			case <-time.After(30 * time.Second):
				t.Error("Run did not return after cancel")
			}
		})
	}
	t.Cleanup(stop)
	return stop
}

func TestNewValidates(t *testing.T) {
	t.Parallel()
	h := notify.HandlerFunc(func(context.Context, *notify.Envelope) error { return nil })
	_, err := sqssource.New(nil, "", nil, sqssource.WithConcurrency(0), sqssource.WithVisibilityTimeout(time.Second))
	require.Error(t, err)
	for _, want := range []string{"nil client", "empty queue URL", "nil handler", "concurrency 0", "visibility timeout 1s"} {
		assert.ErrorContains(t, err, want)
	}
	_, err = sqssource.New(&fakeSQS{}, "q", h)
	require.NoError(t, err)
}

func TestDeleteOnlyAfterSuccessAndPoisonToDLQ(t *testing.T) {
	t.Parallel()
	q := &fakeSQS{maxReceive: 3}
	good := q.send(snsBody("n1", "hello"))
	raw := q.send(`{"source":"aws.health"}`)
	bad := q.send(poison)
	flaky := q.send(snsBody("n2", "flaky"))
	var (
		mu    sync.Mutex
		seen  = map[string]int{}
		fails atomic.Int32
	)
	var rawTopic string
	h := notify.HandlerFunc(func(_ context.Context, env *notify.Envelope) error {
		mu.Lock()
		defer mu.Unlock()
		seen[env.MessageID]++
		if env.Raw {
			rawTopic = env.TopicARN
		}
		if env.Message == "flaky" && fails.Add(1) == 1 {
			return errors.New("chat down")
		}
		return nil
	})
	reader := sdkmetric.NewManualReader()
	src, err := sqssource.New(q, "q", h, sqssource.WithWaitTime(0), sqssource.WithRetryDelay(time.Second, time.Second),
		sqssource.WithVisibilityTimeout(2*time.Second), sqssource.WithConcurrency(3), sqssource.WithDefaultTopic(ebTopic),
		sqssource.WithMeterProvider(sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))))
	require.NoError(t, err)
	stop := run(t, src)
	require.Eventually(t, func() bool {
		live, dlq := q.state()
		return live == 0 && dlq == 1
	}, 20*time.Second, 10*time.Millisecond)
	stop()
	mu.Lock()
	defer mu.Unlock()
	assert.Equal(t, map[string]int{"n1": 1, raw: 1, "n2": 2}, seen, "raw messages carry the SQS message ID")
	assert.Equal(t, ebTopic, rawTopic, "a raw message without TopicArn is routed by the default topic")
	assert.Equal(t, 1, q.receivesOf(good))
	assert.Equal(t, 3, q.receivesOf(bad), "poison message received until the redrive policy moved it")
	assert.Equal(t, 2, q.receivesOf(flaky))
	var rm metricdata.ResourceMetrics
	require.NoError(t, reader.Collect(context.Background(), &rm))
	byOutcome := map[string]int64{}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if sum, ok := m.Data.(metricdata.Sum[int64]); ok && m.Name == sqssource.MetricMessages {
				for _, dp := range sum.DataPoints {
					v, _ := dp.Attributes.Value("outcome")
					byOutcome[v.AsString()] += dp.Value
				}
			}
		}
	}
	assert.Equal(t, map[string]int64{"handled": 3, "retry": 1, "poison": 3}, byOutcome)
}

func TestVisibilityExtendedWhileHandling(t *testing.T) {
	t.Parallel()
	q := &fakeSQS{}
	id := q.send(snsBody("slow", "x"))
	var calls atomic.Int32
	h := notify.HandlerFunc(func(ctx context.Context, _ *notify.Envelope) error {
		calls.Add(1)
		select { // longer than the 2s visibility timeout
		case <-time.After(3 * time.Second):
		case <-ctx.Done():
		}
		return nil
	})
	src, err := sqssource.New(q, "q", h, sqssource.WithWaitTime(0), sqssource.WithVisibilityTimeout(2*time.Second))
	require.NoError(t, err)
	stop := run(t, src)
	require.Eventually(t, func() bool { live, _ := q.state(); return live == 0 }, 20*time.Second, 10*time.Millisecond)
	stop()
	assert.Equal(t, int32(1), calls.Load(), "no second consumer got the message")
	assert.Equal(t, 1, q.receivesOf(id))
	assert.GreaterOrEqual(t, q.extensions(), 1)
}

func TestShutdownReleasesInFlight(t *testing.T) {
	t.Parallel()
	q := &fakeSQS{}
	q.send(snsBody("m1", "x"))
	started := make(chan struct{})
	block := notify.HandlerFunc(func(ctx context.Context, _ *notify.Envelope) error {
		close(started)
		<-ctx.Done() // a delivery that cannot finish in the grace period
		return ctx.Err()
	})
	src, err := sqssource.New(q, "q", block, sqssource.WithWaitTime(0), sqssource.WithShutdownTimeout(50*time.Millisecond))
	require.NoError(t, err)
	stop := run(t, src)
	<-started
	stop()
	live, _ := q.state()
	require.Equal(t, 1, live, "not deleted")

	// A new consumer gets it at once (released, not waiting out 30s).
	var got atomic.Int32
	src2, err := sqssource.New(q, "q", notify.HandlerFunc(func(context.Context, *notify.Envelope) error {
		got.Add(1)
		return nil
	}), sqssource.WithWaitTime(0))
	require.NoError(t, err)
	run(t, src2)
	require.Eventually(t, func() bool { live, _ := q.state(); return live == 0 }, 5*time.Second, 10*time.Millisecond)
	assert.Equal(t, int32(1), got.Load())
}

// route is the test router: the message is {"id": ..., "channels": [...]}.
var route = delivery.RouterFunc(func(_ context.Context, env *notify.Envelope) ([]delivery.Job, error) {
	var m struct {
		ID       string   `json:"id"`
		Channels []string `json:"channels"`
	}
	if err := json.Unmarshal([]byte(env.Message), &m); err != nil {
		return nil, fmt.Errorf("test router: %w", err)
	}
	var jobs []delivery.Job
	for _, ch := range m.Channels {
		jobs = append(jobs, delivery.Job{
			Conversation: chat.Conversation{Platform: chat.PlatformSlack, WorkspaceID: "T1", ChannelID: ch},
			Message:      chat.Message{Title: "alert " + m.ID}, DedupKey: env.MessageID, Configuration: "ops",
			LogLevel: delivery.LogError,
		})
	}
	return jobs, nil
})

func newPipeline(t *testing.T, q *fakeSQS, store delivery.Store, url string, opts ...sqssource.Option) (*sqssource.Source, *delivery.Deliverer) {
	d, err := delivery.New(store,
		delivery.WithSender(chat.PlatformSlack, &httpSender{url: url, client: &http.Client{Timeout: 10 * time.Second}}),
		delivery.WithLimits(map[chat.Platform]delivery.PlatformLimits{}), // the server's 429s are the limit here
		delivery.WithBackoff(delivery.Backoff{MaxAttempts: 20, Initial: 10 * time.Millisecond, Max: 100 * time.Millisecond}),
		delivery.WithTTLs(time.Second, 0, 0))
	require.NoError(t, err)
	t.Cleanup(d.Close)
	disp, err := delivery.NewDispatcher(route, d, nil)
	require.NoError(t, err)
	src, err := sqssource.New(q, "q", disp, append([]sqssource.Option{sqssource.WithWaitTime(0),
		sqssource.WithRetryDelay(time.Second, time.Second), sqssource.WithVisibilityTimeout(2 * time.Second)}, opts...)...)
	require.NoError(t, err)
	return src, d
}

// TestFaultsNothingLostNothingDoubled: the chat server fails with 500s,
// then 429 with Retry-After, then recovers, and hangs on some requests while
// the first bot is stopped mid-delivery and a second one started on the
// same queue and Store; a malformed message sits among good ones. Every good
// message reaches every target channel exactly once.
func TestFaultsNothingLostNothingDoubled(t *testing.T) {
	t.Parallel()
	var hang atomic.Bool
	hang.Store(true)
	cs := newChatServer(t, func(n int, w http.ResponseWriter, r *http.Request) bool {
		switch {
		case n <= 6:
			http.Error(w, "boom", http.StatusInternalServerError)
			return true
		case n == 7:
			w.Header().Set("Retry-After", "1")
			http.Error(w, "slow down", http.StatusTooManyRequests)
			return true
		case n >= 12 && hang.Load():
			<-r.Context().Done() // the bot is stopped while this is in flight
			return true
		}
		return false
	})
	q := &fakeSQS{maxReceive: 4}
	channels := []string{"C1", "C2", "C3"}
	var want []string
	for i := range 20 {
		if i == 7 {
			q.send(poison)
			q.send(snsBody("undecodable", "not json"))
		}
		id := fmt.Sprintf("a%02d", i)
		chs := channels[:1+i%3]
		b, _ := json.Marshal(map[string]any{"id": id, "channels": chs})
		q.send(snsBody("sns-"+id, string(b)))
		for _, ch := range chs {
			want = append(want, ch+"|alert "+id)
		}
	}
	store := memstore.New(nil)

	src1, _ := newPipeline(t, q, store, cs.URL, sqssource.WithShutdownTimeout(100*time.Millisecond))
	stop1 := run(t, src1)
	require.Eventually(t, func() bool {
		cs.mu.Lock()
		defer cs.mu.Unlock()
		return cs.requests >= 13
	}, 20*time.Second, 5*time.Millisecond, "first bot reaches the hanging requests")
	stop1()
	hang.Store(false)
	before := cs.Posted()
	assert.NotEmpty(t, before)
	assert.Less(t, len(before), len(want), "the first bot stopped mid-delivery")

	src2, _ := newPipeline(t, q, store, cs.URL)
	run(t, src2)
	require.Eventually(t, func() bool {
		live, dlq := q.state()
		return live == 0 && dlq == 2
	}, 60*time.Second, 10*time.Millisecond)
	posted := cs.Posted()
	for _, k := range want {
		assert.Equal(t, 1, posted[k], "%s posted once", k)
	}
	assert.Len(t, posted, len(want), "nothing else posted")
}

// abandonedPoll is a queue whose long poll, when its client gives up,
// still hands out the message that arrives (SQS and goaws both answer a
// receive nobody reads any more): the message is then hidden for the
// visibility timeout. The first poll waits until arrive is closed or its
// context ends.
type abandonedPoll struct {
	*fakeSQS
	polling chan struct{} // closed when the first poll waits
	arrive  chan struct{} // closed by the test: a message reached the poll
	once    sync.Once
}

func (a *abandonedPoll) ReceiveMessage(ctx context.Context, in *sqs.ReceiveMessageInput, _ ...func(*sqs.Options)) (*sqs.ReceiveMessageOutput, error) {
	a.once.Do(func() { close(a.polling) })
	select {
	case <-ctx.Done():
		a.receiveNow(in) // answered to a client that left
		return nil, ctx.Err()
	case <-a.arrive:
		return a.receiveNow(in), nil
	}
}

// TestStopReleasesAReceiveInFlight: the source stops while a long poll is
// waiting, and a message reaches that poll just after. The receive is let
// finish and its message released, so another consumer gets it at once
// rather than after the 30 s visibility timeout.
func TestStopReleasesAReceiveInFlight(t *testing.T) {
	t.Parallel()
	q := &abandonedPoll{fakeSQS: &fakeSQS{}, polling: make(chan struct{}), arrive: make(chan struct{})}
	var handled atomic.Int32
	src, err := sqssource.New(q, "q", notify.HandlerFunc(func(context.Context, *notify.Envelope) error {
		handled.Add(1)
		return nil
	}), sqssource.WithWaitTime(20*time.Second), sqssource.WithShutdownTimeout(5*time.Second))
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- src.Run(ctx) }()
	<-q.polling
	q.send(snsBody("m1", "x"))
	cancel()
	close(q.arrive)
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
	assert.Zero(t, handled.Load(), "a message received after the stop is not handled")
	out := q.receiveNow(&sqs.ReceiveMessageInput{MaxNumberOfMessages: 10, VisibilityTimeout: 30})
	require.Len(t, out.Messages, 1, "released at once, not hidden for the visibility timeout")
	assert.Equal(t, "2", out.Messages[0].Attributes["ApproximateReceiveCount"], "it was received once, by the stopped source")
}
