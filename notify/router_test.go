package notify_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/opschat/opschat/chat"
	"github.com/opschat/opschat/notify"
)

func conv(id string) chat.Conversation {
	return chat.Conversation{Platform: chat.PlatformSlack, WorkspaceID: "T1", ChannelID: id}
}

func mustPolicy(t *testing.T, s string) *notify.FilterPolicy {
	t.Helper()
	f, err := notify.CompileFilterPolicy([]byte(s))
	require.NoError(t, err)
	return f
}

func mustPattern(t *testing.T, s string) *notify.Pattern {
	t.Helper()
	p, err := notify.CompilePattern([]byte(s))
	require.NoError(t, err)
	return p
}

func snsEnvelope(topic, id, message string, attrs map[string]notify.MessageAttribute) *notify.Envelope {
	return &notify.Envelope{Type: notify.TypeNotification, MessageID: id, TopicARN: topic, Message: message, Timestamp: "2026-11-24T20:05:23.456Z", MessageAttributes: attrs}
}

const (
	topicUSE1 = "arn:aws:sns:us-east-1:123456789012:ops-alerts"
	topicEUW1 = "arn:aws:sns:eu-west-1:123456789012:ops-alerts"
	topicSec  = "arn:aws:sns:us-east-1:123456789012:security"
)

func TestRouterRouting(t *testing.T) {
	t.Parallel()
	ec2Stopped, err := os.ReadFile("testdata/samples/eventbridge-ec2-state.json")
	require.NoError(t, err)
	guard, err := os.ReadFile("testdata/samples/eventbridge-guardduty.json")
	require.NoError(t, err)
	subs := []notify.Subscription{
		{Name: "ops", Conversation: conv("C-OPS"), TopicARNs: []string{topicUSE1, topicEUW1}},
		{Name: "all-regions", Conversation: conv("C-ALL"), TopicARNs: []string{"arn:aws:sns:*:123456789012:ops-alerts"}},
		{Name: "prod-only", Conversation: conv("C-PROD"), TopicARNs: []string{topicUSE1},
			FilterPolicy: mustPolicy(t, `{"env":["prod"]}`)},
		{Name: "body-filter", Conversation: conv("C-BODY"), TopicARNs: []string{topicUSE1},
			FilterPolicy: mustPolicy(t, `{"detail":{"state":["stopped"]}}`), FilterPolicyScope: notify.ScopeMessageBody},
		{Name: "guardduty-high", Conversation: conv("C-SEC"), TopicARNs: []string{topicSec, topicUSE1},
			EventPattern: mustPattern(t, `{"source":["aws.guardduty"],"detail":{"severity":[{"numeric":[">=",7]}]}}`)},
		{Name: "direct", Conversation: conv("C-DIRECT")},
	}
	r, err := notify.NewRouter(subs)
	require.NoError(t, err)

	names := func(ds []notify.Delivery) []string {
		var out []string
		for _, d := range ds {
			out = append(out, d.Subscription.Name)
		}
		return out
	}
	tests := []struct {
		name string
		env  *notify.Envelope
		want []string
	}{
		{"several configurations per topic", snsEnvelope(topicUSE1, "m1", "hello", nil), []string{"ops", "all-regions"}},
		{"multi-region topic", snsEnvelope(topicEUW1, "m2", "hello", nil), []string{"ops", "all-regions"}},
		{"attribute filter passes", snsEnvelope(topicUSE1, "m3", "hello", map[string]notify.MessageAttribute{"env": {Type: "String", Value: "prod"}}), []string{"ops", "all-regions", "prod-only"}},
		{"attribute filter drops", snsEnvelope(topicUSE1, "m4", "hello", map[string]notify.MessageAttribute{"env": {Type: "String", Value: "dev"}}), []string{"ops", "all-regions"}},
		{"body filter", snsEnvelope(topicUSE1, "m5", string(ec2Stopped), nil), []string{"ops", "all-regions", "body-filter"}},
		{"event pattern", snsEnvelope(topicSec, "m6", string(guard), nil), []string{"guardduty-high"}},
		{"event pattern and topic", snsEnvelope(topicUSE1, "m7", string(guard), nil), []string{"ops", "all-regions", "guardduty-high"}},
		{"raw event without topic", &notify.Envelope{Raw: true, Message: string(guard)}, []string{"direct"}},
		{"unclaimed topic", snsEnvelope("arn:aws:sns:us-east-1:999999999999:other", "m8", "x", nil), nil},
		{"subscription confirmation is not routed", &notify.Envelope{Type: notify.TypeSubscriptionConfirmation, TopicARN: topicUSE1, MessageID: "c"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ds, err := r.Route(context.Background(), tt.env)
			require.NoError(t, err)
			assert.Equal(t, tt.want, names(ds))
			for _, d := range ds {
				assert.Equal(t, d.Subscription.Conversation, d.Conversation)
				assert.False(t, d.Message.IsZero())
				require.NotNil(t, d.Notification)
			}
		})
	}
	st := r.Stats()
	assert.Equal(t, uint64(1), st.Unclaimed)
	assert.Equal(t, uint64(1), r.Unclaimed())
	assert.Positive(t, st.Filtered)
}

func TestRouterDedupKeys(t *testing.T) {
	t.Parallel()
	r, err := notify.NewRouter([]notify.Subscription{
		{Name: "a", Conversation: conv("A"), TopicARNs: []string{topicUSE1}},
		{Name: "b", Conversation: conv("B"), TopicARNs: []string{topicUSE1}},
	})
	require.NoError(t, err)
	ds, err := r.Route(context.Background(), snsEnvelope(topicUSE1, "mid-1", "text", nil))
	require.NoError(t, err)
	require.Len(t, ds, 2)
	assert.Equal(t, "a/mid-1", ds[0].DedupKey)
	assert.Equal(t, "b/mid-1", ds[1].DedupKey)

	custom := `{"version":"1.0","source":"custom","id":"deploy-42","content":{"description":"done"}}`
	ds, err = r.Route(context.Background(), snsEnvelope(topicUSE1, "mid-2", custom, nil))
	require.NoError(t, err)
	assert.Equal(t, "a/custom/deploy-42", ds[0].DedupKey, "custom notifications dedup on their id")

	r2, err := notify.NewRouter([]notify.Subscription{{Name: "d", Conversation: conv("D")}})
	require.NoError(t, err)
	ds1, _ := r2.Route(context.Background(), &notify.Envelope{Raw: true, Message: "same"})
	ds2, _ := r2.Route(context.Background(), &notify.Envelope{Raw: true, Message: "same"})
	require.Len(t, ds1, 1)
	assert.Equal(t, ds1[0].DedupKey, ds2[0].DedupKey, "raw bodies dedup on their content")
}

func TestRouterCustomActionsAndFormatters(t *testing.T) {
	t.Parallel()
	reg := notify.NewFormatterRegistry()
	reg.Register(notify.FormatterKey{Source: "aws.cloudwatch"}, notify.FormatterFunc(func(n *notify.Notification) (chat.Message, error) {
		return chat.Message{Title: "host: " + n.Variables["AlarmName"]}, nil
	}))
	broken := notify.NewFormatterRegistry()
	broken.SetFallback(notify.FormatterFunc(func(*notify.Notification) (chat.Message, error) {
		return chat.Message{}, errors.New("boom")
	}))
	var logs bytes.Buffer
	r, err := notify.NewRouter([]notify.Subscription{
		{Name: "custom", Conversation: conv("A"), TopicARNs: []string{topicUSE1}, LoggingLevel: notify.LogError,
			CustomActions: []notify.CustomAction{{Name: "describe", CommandText: "cloudwatch describe-alarms --alarm-names $AlarmName",
				Attachments: []notify.CustomActionAttachment{{ButtonText: "Describe", NotificationType: "CloudWatch"}}}}},
		{Name: "broken", Conversation: conv("B"), TopicARNs: []string{topicUSE1}, Formatters: broken, LoggingLevel: notify.LogError},
	}, notify.WithFormatters(reg), notify.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	require.NoError(t, err)
	body, err := os.ReadFile("testdata/samples/cloudwatch-alarm-lambda.json")
	require.NoError(t, err)
	env, err := notify.ParseEnvelope(body)
	require.NoError(t, err)
	ds, err := r.Route(context.Background(), env)
	require.NoError(t, err)
	require.Len(t, ds, 2)
	assert.Equal(t, "host: checkout-api-errors", ds[0].Message.Title)
	require.Len(t, ds[0].Message.Buttons, 1)
	assert.Equal(t, "cloudwatch describe-alarms --alarm-names checkout-api-errors", ds[0].Message.Buttons[0].Value)
	// A failing host formatter falls back to the default rendering and is logged.
	assert.Contains(t, ds[1].Message.Title, "checkout-api-errors")
	assert.Len(t, ds[1].Message.Buttons, 2, "default rendering keeps the Show logs buttons")
	assert.Contains(t, logs.String(), "formatter failed")
}

func TestRouterUnclaimedIsLoggedAndMetered(t *testing.T) {
	t.Parallel()
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	var logs bytes.Buffer
	r, err := notify.NewRouter([]notify.Subscription{{Name: "a", Conversation: conv("A"), TopicARNs: []string{topicUSE1}}},
		notify.WithMeterProvider(mp), notify.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	require.NoError(t, err)
	ds, err := r.Route(context.Background(), snsEnvelope(topicSec, "m", "x", nil))
	require.NoError(t, err)
	assert.Empty(t, ds)
	assert.Contains(t, logs.String(), "no subscription claims this topic")
	assert.Contains(t, logs.String(), topicSec)

	var rm metricdata.ResourceMetrics
	require.NoError(t, reader.Collect(context.Background(), &rm))
	found := false
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if m.Name == "opschat.notify.unclaimed" {
				sum := m.Data.(metricdata.Sum[int64])
				require.Len(t, sum.DataPoints, 1)
				assert.Equal(t, int64(1), sum.DataPoints[0].Value)
				found = true
			}
		}
	}
	assert.True(t, found, "unclaimed counter recorded")
}

// TestRouterFilteredIsMeteredPerConfiguration counts each dropped
// (notification, subscription) pair under the subscription's name.
func TestRouterFilteredIsMeteredPerConfiguration(t *testing.T) {
	t.Parallel()
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	r, err := notify.NewRouter([]notify.Subscription{
		{Name: "ec2", Conversation: conv("A"), TopicARNs: []string{topicUSE1}, EventPattern: mustPattern(t, `{"source":["aws.ec2"]}`)},
		{Name: "health", Conversation: conv("B"), TopicARNs: []string{topicUSE1}, EventPattern: mustPattern(t, `{"source":["aws.health"]}`)},
		{Name: "prod", Conversation: conv("C"), TopicARNs: []string{topicUSE1}, FilterPolicy: mustPolicy(t, `{"env":["prod"]}`)},
	}, notify.WithMeterProvider(mp))
	require.NoError(t, err)
	for _, id := range []string{"m1", "m2"} {
		ds, err := r.Route(context.Background(), snsEnvelope(topicUSE1, id, `{"source":"aws.ec2"}`, nil))
		require.NoError(t, err)
		require.Len(t, ds, 1)
		assert.Equal(t, "ec2", ds[0].Subscription.Name)
	}

	var rm metricdata.ResourceMetrics
	require.NoError(t, reader.Collect(context.Background(), &rm))
	got := map[string]int64{}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if m.Name != "opschat.notify.filtered" {
				continue
			}
			for _, dp := range m.Data.(metricdata.Sum[int64]).DataPoints {
				name, _ := dp.Attributes.Value("configuration")
				got[name.AsString()] += dp.Value
			}
		}
	}
	assert.Equal(t, map[string]int64{"health": 2, "prod": 2}, got)
	assert.Equal(t, uint64(4), r.Stats().Filtered)
}

func TestNewRouterValidation(t *testing.T) {
	t.Parallel()
	_, err := notify.NewRouter([]notify.Subscription{
		{Name: "", Conversation: conv("A")},
		{Name: "x", Conversation: conv("A")},
		{Name: "x", Conversation: conv("B")},
		{Name: "noconv"},
		{Name: "scope", Conversation: conv("C"), FilterPolicyScope: "Body"},
		{Name: "nested", Conversation: conv("D"), FilterPolicy: mustPolicy(t, `{"a":{"b":["c"]}}`)},
		{Name: "action", Conversation: conv("E"), CustomActions: []notify.CustomAction{{Name: "bad name"}}},
		{Name: "level", Conversation: conv("F"), LoggingLevel: "DEBUG"},
	})
	require.Error(t, err)
	assert.True(t, errors.Is(err, notify.ErrInvalidSubscription))
	for _, want := range []string{"Name is required", `duplicate Name "x"`, "Conversation.ChannelID is required", "FilterPolicyScope", "does not support nested filter policy", "ActionName", "LoggingLevel"} {
		assert.Contains(t, err.Error(), want)
	}
}

func TestRouterContextAndHandler(t *testing.T) {
	t.Parallel()
	r, err := notify.NewRouter([]notify.Subscription{{Name: "a", Conversation: conv("A"), TopicARNs: []string{topicUSE1}}})
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = r.Route(ctx, snsEnvelope(topicUSE1, "m", "x", nil))
	assert.ErrorIs(t, err, context.Canceled)

	var got []notify.Delivery
	h := r.Handler(func(_ context.Context, ds []notify.Delivery) error {
		got = append(got, ds...)
		if len(ds) > 0 && ds[0].Notification.Text == "fail" {
			return fmt.Errorf("deliver failed")
		}
		return nil
	})
	require.NoError(t, h.HandleEnvelope(context.Background(), snsEnvelope(topicUSE1, "m1", "ok", nil)))
	require.Error(t, h.HandleEnvelope(context.Background(), snsEnvelope(topicUSE1, "m2", "fail", nil)), "delivery errors reach the source so it retries")
	assert.Len(t, got, 2)
}

func TestRouterHostDecoder(t *testing.T) {
	t.Parallel()
	alertmanager := notify.DecoderFunc(func(env *notify.Envelope) (*notify.Notification, bool) {
		if !strings.Contains(env.Message, `"receiver"`) {
			return nil, false
		}
		return &notify.Notification{Kind: "alertmanager", Source: "prometheus", Title: "Prometheus alert", Severity: chat.SeverityCritical}, true
	})
	r, err := notify.NewRouter([]notify.Subscription{{Name: "a", Conversation: conv("A"), TopicARNs: []string{topicUSE1}}}, notify.WithDecoders(alertmanager))
	require.NoError(t, err)
	body, err := os.ReadFile("testdata/samples/unknown-alertmanager.json")
	require.NoError(t, err)
	ds, err := r.Route(context.Background(), snsEnvelope(topicUSE1, "m", string(body), nil))
	require.NoError(t, err)
	require.Len(t, ds, 1)
	assert.Equal(t, "Prometheus alert", ds[0].Message.Title)
	assert.Equal(t, "123456789012", ds[0].Notification.Account, "filled from the topic ARN")
	assert.Equal(t, "us-east-1", ds[0].Notification.Region)
	ds, err = r.Route(context.Background(), snsEnvelope(topicUSE1, "m2", "other text", nil))
	require.NoError(t, err)
	assert.Equal(t, notify.KindText, ds[0].Notification.Kind, "built-in decoders run when the host's pass")
}
