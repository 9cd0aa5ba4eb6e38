package lambdasource_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/opschat/opschat/notify"
	"github.com/opschat/opschat/notify/lambdasource"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type recorder struct {
	mu   sync.Mutex
	envs map[string]*notify.Envelope
	fail map[string]bool
}

func (r *recorder) HandleEnvelope(_ context.Context, env *notify.Envelope) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fail[env.MessageID] {
		return errors.New("chat down")
	}
	if r.envs == nil {
		r.envs = map[string]*notify.Envelope{}
	}
	r.envs[env.MessageID] = env
	return nil
}

func TestSQSHandlerReportsPartialFailures(t *testing.T) {
	t.Parallel()
	wrapped, _ := json.Marshal(map[string]string{"Type": "Notification", "MessageId": "sns-1",
		"TopicArn": "arn:aws:sns:us-east-1:1:t", "Message": "hi", "Timestamp": "2026-01-02T03:04:05.000Z"})
	ev := events.SQSEvent{Records: []events.SQSMessage{
		{MessageId: "q1", Body: string(wrapped)},
		{MessageId: "q2", Body: `{"source":"aws.ec2","detail-type":"EC2 Instance State-change Notification"}`},
		{MessageId: "q3", Body: `{"Type":"Notification","MessageId":7}`}, // malformed
		{MessageId: "q4", Body: `{"source":"aws.ec2"}`},
	}}
	r := &recorder{fail: map[string]bool{"q4": true}}
	resp, err := lambdasource.SQSHandler(r, lambdasource.WithDefaultTopic("arn:aws:sns:us-east-1:1:eb"))(context.Background(), ev)
	require.NoError(t, err)
	var failed []string
	for _, f := range resp.BatchItemFailures {
		failed = append(failed, f.ItemIdentifier)
	}
	assert.ElementsMatch(t, []string{"q3", "q4"}, failed)
	require.Contains(t, r.envs, "sns-1")
	assert.Equal(t, "hi", r.envs["sns-1"].Message)
	require.Contains(t, r.envs, "q2", "raw body keyed by SQS message ID")
	assert.True(t, r.envs["q2"].Raw)
	assert.Equal(t, "arn:aws:sns:us-east-1:1:eb", r.envs["q2"].TopicARN, "default topic")
	assert.Equal(t, "arn:aws:sns:us-east-1:1:t", r.envs["sns-1"].TopicARN)
}

func TestSNSHandler(t *testing.T) {
	t.Parallel()
	// The event as Lambda delivers it (from the aws-lambda-go test data).
	raw, err := os.ReadFile("testdata/sns-event.json")
	require.NoError(t, err)
	var ev events.SNSEvent
	require.NoError(t, json.Unmarshal(raw, &ev))
	r := &recorder{}
	require.NoError(t, lambdasource.SNSHandler(r)(context.Background(), ev))
	env := r.envs["95df01b4-ee98-5cb9-9903-4c221d41eb5e"]
	require.NotNil(t, env)
	assert.Equal(t, notify.TypeNotification, env.Type)
	assert.Equal(t, "arn:aws:sns:us-east-2:123456789012:sns-lambda", env.TopicARN)
	assert.Equal(t, "Hello from SNS!", env.Message)
	assert.Equal(t, "TestInvoke", env.Subject)
	ts, err := env.Time()
	require.NoError(t, err)
	assert.Equal(t, time.Date(2019, 1, 2, 12, 45, 7, 0, time.UTC), ts)
	assert.Equal(t, notify.MessageAttribute{Type: "String", Value: "TestString"}, env.MessageAttributes["Test"])

	r.fail = map[string]bool{"95df01b4-ee98-5cb9-9903-4c221d41eb5e": true}
	require.Error(t, lambdasource.SNSHandler(r)(context.Background(), ev), "a failed record makes Lambda retry")
}
