package lambdasource_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/opschat/opschat/chat"
	"github.com/opschat/opschat/internal/memstore"
	"github.com/opschat/opschat/notify"
	"github.com/opschat/opschat/notify/delivery"
	"github.com/opschat/opschat/notify/lambdasource"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const ebTopic = "arn:aws:sns:us-east-1:123456789012:eventbridge"

// downSender refuses posts to the channels in down (HTTP 500) and counts
// the others.
type downSender struct {
	mu     sync.Mutex
	down   map[string]bool
	posted map[string]int
}

func (s *downSender) Send(_ context.Context, conv chat.Conversation, m chat.Message) (chat.Ref, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.down[conv.ChannelID] {
		return chat.Ref{}, chat.ClassifyHTTP(conv.Platform, 500, 0, nil)
	}
	if s.posted == nil {
		s.posted = map[string]int{}
	}
	s.posted[conv.ChannelID+"|"+m.Title]++
	return chat.Ref{Conversation: conv, MessageID: "1"}, nil
}

// pipeline is a real Dispatcher whose router sends a message to the
// channel named by its body's "channel" (raw) or Message (SNS).
func pipeline(t *testing.T, s chat.Sender) (*delivery.Dispatcher, *delivery.Deliverer) {
	t.Helper()
	d, err := delivery.New(memstore.New(nil), delivery.WithSender(chat.PlatformSlack, s),
		delivery.WithLimits(map[chat.Platform]delivery.PlatformLimits{}),
		delivery.WithBackoff(delivery.Backoff{MaxAttempts: 2, Initial: time.Millisecond, Max: time.Millisecond}))
	require.NoError(t, err)
	t.Cleanup(d.Close)
	route := delivery.RouterFunc(func(_ context.Context, env *notify.Envelope) ([]delivery.Job, error) {
		var body struct {
			Channel string `json:"channel"`
		}
		if json.Unmarshal([]byte(env.Message), &body) != nil || body.Channel == "" {
			body.Channel = env.Message
		}
		return []delivery.Job{{Conversation: chat.Conversation{Platform: chat.PlatformSlack, WorkspaceID: "T1", ChannelID: body.Channel},
			Message: chat.Message{Title: env.TopicARN}, DedupKey: "ops/" + env.MessageID, Configuration: "ops"}}, nil
	})
	disp, err := delivery.NewDispatcher(route, d, nil)
	require.NoError(t, err)
	return disp, d
}

// TestSQSNotDeliveredIsABatchItemFailure: a record whose channel is down
// is dead-lettered and reported as a batch item failure, so Lambda does not
// delete it; its neighbours are deleted.
func TestSQSNotDeliveredIsABatchItemFailure(t *testing.T) {
	t.Parallel()
	s := &downSender{down: map[string]bool{"C-down": true}}
	disp, d := pipeline(t, s)
	var logs bytes.Buffer
	h := lambdasource.SQSHandler(disp, lambdasource.WithDefaultTopic(ebTopic), lambdasource.WithConcurrency(1),
		lambdasource.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	ev := events.SQSEvent{Records: []events.SQSMessage{
		{MessageId: "q1", Body: `{"channel":"C-up"}`},
		{MessageId: "q2", Body: `{"channel":"C-down"}`},
	}}
	resp, err := h(context.Background(), ev)
	require.NoError(t, err)
	assert.Equal(t, []events.SQSBatchItemFailure{{ItemIdentifier: "q2"}}, resp.BatchItemFailures)
	assert.Equal(t, map[string]int{"C-up|" + ebTopic: 1}, s.posted)
	dls, err := d.DeadLetters(context.Background())
	require.NoError(t, err)
	require.Len(t, dls, 1)
	assert.Equal(t, "q2", dls[0].MessageID)
	assert.Contains(t, logs.String(), "q2")
}

// TestSQSRawRecordWithoutTopicIsNotDropped: no TopicArn attribute and no
// default topic: the record goes back to the queue, with an ERROR.
func TestSQSRawRecordWithoutTopicIsNotDropped(t *testing.T) {
	t.Parallel()
	var called bool
	h := notify.HandlerFunc(func(context.Context, *notify.Envelope) error { called = true; return nil })
	var logs bytes.Buffer
	resp, err := lambdasource.SQSHandler(h, lambdasource.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))(context.Background(),
		events.SQSEvent{Records: []events.SQSMessage{{MessageId: "q1", Body: `{"source":"aws.health"}`}}})
	require.NoError(t, err)
	assert.Equal(t, []events.SQSBatchItemFailure{{ItemIdentifier: "q1"}}, resp.BatchItemFailures)
	assert.False(t, called)
	assert.Contains(t, logs.String(), "level=ERROR")
	assert.Contains(t, logs.String(), "WithDefaultTopic")
}

func TestSNSNotDeliveredIsAnError(t *testing.T) {
	t.Parallel()
	disp, _ := pipeline(t, &downSender{down: map[string]bool{"C-down": true}})
	ev := events.SNSEvent{Records: []events.SNSEventRecord{{SNS: events.SNSEntity{MessageID: "s1", TopicArn: ebTopic, Message: "C-down"}}}}
	err := lambdasource.SNSHandler(disp)(context.Background(), ev)
	require.ErrorIs(t, err, delivery.ErrNotDelivered)
}

func TestEventBridgeHandler(t *testing.T) {
	t.Parallel()
	s := &downSender{down: map[string]bool{"C-down": true}}
	disp, _ := pipeline(t, s)
	h, err := lambdasource.EventBridgeHandler(disp, ebTopic)
	require.NoError(t, err)
	tests := []struct {
		name    string
		event   string
		wantErr error
	}{
		{"delivered", `{"version":"0","id":"ev-1","source":"aws.ec2","detail-type":"EC2 Instance State-change Notification","channel":"C-up"}`, nil},
		{"retried invocation is deduplicated", `{"version":"0","id":"ev-1","source":"aws.ec2","channel":"C-up"}`, nil},
		{"not delivered", `{"version":"0","id":"ev-2","source":"aws.ec2","channel":"C-down"}`, delivery.ErrNotDelivered},
		{"not an object", `["x"]`, errors.New("")},
		{"null", `null`, errors.New("")},
		{"not JSON", `{`, errors.New("")},
	}
	for _, tt := range tests {
		err := h(context.Background(), json.RawMessage(tt.event))
		switch {
		case tt.wantErr == nil:
			assert.NoError(t, err, tt.name)
		case tt.wantErr.Error() == "":
			assert.Error(t, err, tt.name)
		default:
			assert.ErrorIs(t, err, tt.wantErr, tt.name)
		}
	}
	assert.Equal(t, map[string]int{"C-up|" + ebTopic: 1}, s.posted, "routed by the configured topic, posted once")

	env, err := lambdasource.EventBridgeEnvelope([]byte(`{"id":"ev-9","source":"aws.health"}`), ebTopic)
	require.NoError(t, err)
	assert.Equal(t, &notify.Envelope{Raw: true, MessageID: "ev-9", TopicARN: ebTopic, Message: `{"id":"ev-9","source":"aws.health"}`}, env)

	env, err = lambdasource.EventBridgeEnvelope([]byte(`{"id":42,"source":"custom"}`), ebTopic)
	require.NoError(t, err)
	assert.Empty(t, env.MessageID, "a non-string id is not used")

	_, err = lambdasource.EventBridgeHandler(disp, "")
	require.Error(t, err)
	_, err = lambdasource.EventBridgeHandler(nil, ebTopic)
	require.Error(t, err)
}

// TestAnswersBeforeTheDeadline: a delivery that would outlast the
// invocation is abandoned a margin before its deadline, so the batch
// response still reaches Lambda.
func TestAnswersBeforeTheDeadline(t *testing.T) {
	t.Parallel()
	slow := notify.HandlerFunc(func(ctx context.Context, _ *notify.Envelope) error {
		<-ctx.Done()
		return ctx.Err()
	})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	deadline, _ := ctx.Deadline()
	resp, err := lambdasource.SQSHandler(slow, lambdasource.WithDefaultTopic(ebTopic), lambdasource.WithDeadlineMargin(time.Second))(ctx,
		events.SQSEvent{Records: []events.SQSMessage{{MessageId: "q1", Body: `{"a":1}`}}})
	require.NoError(t, err)
	assert.True(t, time.Now().Before(deadline), "answered before the invocation's deadline")
	assert.Equal(t, []events.SQSBatchItemFailure{{ItemIdentifier: "q1"}}, resp.BatchItemFailures)
}
