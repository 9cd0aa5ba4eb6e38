package delivery_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/opschat/opschat/chat"
	"github.com/opschat/opschat/internal/memstore"
	"github.com/opschat/opschat/notify"
	"github.com/opschat/opschat/notify/delivery"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const alertsTopic = "arn:aws:sns:us-east-1:123456789012:alerts"

func alarmEnvelope(id, name, state string) *notify.Envelope {
	alarm := map[string]any{
		"AlarmName": name, "AlarmArn": "arn:aws:cloudwatch:us-east-1:123456789012:alarm:" + name,
		"AlarmDescription": "CPU too high", "AWSAccountId": "123456789012", "NewStateValue": state,
		"OldStateValue": "OK", "NewStateReason": "Threshold Crossed", "StateChangeTime": "2026-01-02T03:04:05.000+0000",
		"Region": "US East (N. Virginia)",
		"Trigger": map[string]any{"MetricName": "CPUUtilization", "Namespace": "AWS/EC2", "Statistic": "AVERAGE",
			"Period": 60, "EvaluationPeriods": 1, "ComparisonOperator": "GreaterThanThreshold", "Threshold": 80.0,
			"Dimensions": []any{map[string]any{"name": "InstanceId", "value": "i-0123456789abcdef0"}}},
	}
	b, _ := json.Marshal(alarm)
	return &notify.Envelope{Type: notify.TypeNotification, MessageID: id, TopicARN: alertsTopic,
		Subject: "ALARM: " + name, HasSubject: true, Message: string(b), Timestamp: "2026-01-02T03:04:05.000Z"}
}

func newRouter(t testing.TB, channels int) *notify.Router {
	var subs []notify.Subscription
	for i := range channels {
		subs = append(subs, notify.Subscription{Name: fmt.Sprintf("cfg%d", i), TopicARNs: []string{alertsTopic},
			Conversation: slackConv(fmt.Sprintf("C%03d", i)), LoggingLevel: notify.LogError})
	}
	r, err := notify.NewRouter(subs)
	require.NoError(t, err)
	return r
}

// TestPipelineWithNotifyRouter runs the real router: an alarm goes to both
// channels, its SNS retry is deduplicated, and the follow-up (OK) goes into
// the alarm's thread.
func TestPipelineWithNotifyRouter(t *testing.T) {
	t.Parallel()
	s := &scriptedSender{caps: chat.Capabilities{Threads: true}}
	d, err := delivery.New(memstore.New(nil), delivery.WithSender(chat.PlatformSlack, s),
		delivery.WithClock(newInstantClock()))
	require.NoError(t, err)
	t.Cleanup(d.Close)
	disp, err := delivery.NewDispatcher(delivery.FromNotify(newRouter(t, 2)), d, nil)
	require.NoError(t, err)
	ctx := context.Background()
	require.NoError(t, disp.HandleEnvelope(ctx, alarmEnvelope("m1", "cpu-high", "ALARM")))
	require.NoError(t, disp.HandleEnvelope(ctx, alarmEnvelope("m1", "cpu-high", "ALARM")), "SNS retry")
	require.NoError(t, disp.HandleEnvelope(ctx, alarmEnvelope("m2", "cpu-high", "OK")))
	got := s.Sent()
	require.Len(t, got, 4)
	first := map[string]sent{}
	for _, m := range got[:2] {
		assert.Empty(t, m.Conv.ThreadID)
		assert.Contains(t, m.Msg.Title, "cpu-high")
		first[m.Conv.ChannelID] = m
	}
	for _, m := range got[2:] {
		assert.Equal(t, first[m.Conv.ChannelID].Ref.MessageID, m.Conv.ThreadID, "OK goes into the ALARM's thread")
		assert.True(t, strings.Contains(m.Msg.Title, "OK"), m.Msg.Title)
	}
}

func TestJobOf(t *testing.T) {
	t.Parallel()
	ds, err := newRouter(t, 1).Route(context.Background(), alarmEnvelope("m1", "cpu", "ALARM"))
	require.NoError(t, err)
	require.Len(t, ds, 1)
	j := delivery.JobOf(ds[0])
	assert.Equal(t, "cfg0", j.Configuration)
	assert.Equal(t, delivery.LogError, j.LogLevel)
	assert.Equal(t, "CloudWatch Alarm", j.Kind)
	assert.Equal(t, "ALARM", j.State)
	assert.Equal(t, "cfg0/m1", j.DedupKey)
	assert.False(t, j.Unsupported)
	ds, err = newRouter(t, 1).Route(context.Background(), &notify.Envelope{Type: notify.TypeNotification,
		MessageID: "m2", TopicARN: alertsTopic, Message: "plain text from a script"})
	require.NoError(t, err)
	require.Len(t, ds, 1)
	assert.True(t, delivery.JobOf(ds[0]).Unsupported)
}
