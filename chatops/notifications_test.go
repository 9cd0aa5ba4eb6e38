package chatops_test

import (
	"context"
	"encoding/json"
	"io"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opschat/opschat/adapters/fake"
	"github.com/opschat/opschat/chat"
	"github.com/opschat/opschat/chatops"
	"github.com/opschat/opschat/notify"
	"github.com/opschat/opschat/notify/delivery"
)

const notifyConfig = `
configurations:
  - ConfigurationName: ops
    Platform: fake
    WorkspaceId: T1
    ChannelId: C1
    IamRoleArn: arn:aws:iam::123456789012:role/ops
    SnsTopicArns: ["arn:aws:sns:us-east-1:123456789012:ops-alerts"]
    CustomizationResourceArns: [arn:aws:chatbot::123456789012:custom-action/describe]
  - ConfigurationName: security
    Platform: fake
    WorkspaceId: T1
    ChannelId: C2
    IamRoleArn: arn:aws:iam::123456789012:role/ops
    SnsTopicArns: ["arn:aws:sns:us-east-1:123456789012:ops-alerts"]
    EventPattern: {"source": ["aws.guardduty"]}
  - ConfigurationName: chime-room
    WebhookUrl: https://hooks.chime.aws/incomingwebhooks/abc-123?token=tok123
    WebhookDescription: Ops/alerts
    IamRoleArn: arn:aws:iam::123456789012:role/ops
customActions:
  - ActionName: describe
    Definition: {CommandText: "cloudwatch describe-alarms --alarm-names $AlarmName"}
    Attachments:
      - ButtonText: Describe alarm
        Criteria: [{Operator: HAS_VALUE, VariableName: AlarmName}]
`

func sample(t *testing.T, name string) *notify.Envelope {
	t.Helper()
	data, err := os.ReadFile("../notify/testdata/samples/" + name)
	require.NoError(t, err)
	env, err := notify.ParseEnvelope(data)
	require.NoError(t, err)
	if env.TopicARN == "" {
		env.TopicARN = "arn:aws:sns:us-east-1:123456789012:ops-alerts"
	}
	return env
}

func TestSubscriptionsFromConfig(t *testing.T) {
	cfg, err := chatops.LoadConfig([]byte(notifyConfig))
	require.NoError(t, err)
	subs, err := cfg.Subscriptions()
	require.NoError(t, err)
	require.Len(t, subs, 3)
	assert.Equal(t, chat.Conversation{Platform: "fake", WorkspaceID: "T1", ChannelID: "C1", Type: chat.ConversationChannel}, subs[0].Conversation)
	require.Len(t, subs[0].CustomActions, 1)
	assert.NotNil(t, subs[1].EventPattern)
	assert.Equal(t, "chime-room", subs[2].Conversation.ChannelID, "Chime posts by configuration name")
	assert.Equal(t, map[string]string{"chime-room": "https://hooks.chime.aws/incomingwebhooks/abc-123?token=tok123"}, cfg.ChimeWebhooks())

	bad, err := chatops.LoadConfig([]byte(`
configurations:
  - {ConfigurationName: a, Platform: fake, ChannelId: C1, IamRoleArn: "arn:aws:iam::123456789012:role/r", EventPattern: {"source": "not-a-list"}, CustomizationResourceArns: [arn:aws:chatbot::1:custom-action/nope]}
`))
	require.NoError(t, err)
	_, err = bad.Subscriptions()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "configuration a: EventPattern")
	assert.Contains(t, err.Error(), `no custom action named "nope"`)
}

func TestNotificationPipelineDeliversOnceAndRoutesByPattern(t *testing.T) {
	cfg, err := chatops.LoadConfig([]byte(notifyConfig))
	require.NoError(t, err)
	a := fake.New()
	bot, err := chatops.New(chatops.WithAdapter(a), chatops.WithConfig(cfg), chatops.WithAuditWriter(io.Discard))
	require.NoError(t, err)
	p, err := bot.NotificationPipeline()
	require.NoError(t, err)
	defer p.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	alarm := sample(t, "cloudwatch-alarm-lambda.json")
	require.NoError(t, p.HandleEnvelope(ctx, alarm))
	require.NoError(t, p.HandleEnvelope(ctx, alarm), "SNS retries the same message")
	finding := sample(t, "eventbridge-guardduty.json")
	require.NoError(t, p.HandleEnvelope(ctx, finding))

	byChannel := map[string][]chat.Message{}
	for _, s := range a.Sent() {
		byChannel[s.Ref.Conversation.ChannelID] = append(byChannel[s.Ref.Conversation.ChannelID], s.Message)
	}
	require.Len(t, byChannel["C1"], 2, "ops gets the alarm once and the finding")
	require.Len(t, byChannel["C2"], 1, "security's pattern keeps only GuardDuty")
	assert.Contains(t, byChannel["C1"][0].Title, "checkout-api-errors")
	var labels []string
	for _, b := range byChannel["C1"][0].Buttons {
		labels = append(labels, b.Label)
	}
	assert.Contains(t, labels, "Describe alarm", "the custom action's button")
	assert.Contains(t, labels, "Show logs")
}

func TestAlarmButtonRunsItsCommand(t *testing.T) {
	h := newHarness(t)
	ref, err := h.chat.Send(context.Background(), h.conv, chat.Message{Buttons: []chat.Button{
		{ID: notify.ButtonRunCommand, Label: "Show logs", Value: "cloudwatch describe-alarms --alarm-names checkout-api-errors"},
		{ID: notify.ButtonCustomActionPrefix + "stop", Label: "Stop", Value: "ec2 stop-instances --instance-ids i-1"},
	}})
	require.NoError(t, err)
	require.NoError(t, h.chat.Click(context.Background(), ref, notify.ButtonRunCommand, "U1"))
	reqs := h.exec.requests()
	require.Len(t, reqs, 1)
	assert.Equal(t, []any{"checkout-api-errors"}, reqs[0].Invocation.Params["alarm-names"])

	require.NoError(t, h.chat.Click(context.Background(), ref, notify.ButtonCustomActionPrefix+"stop", "U1"))
	last, _ := h.chat.Last()
	assert.Equal(t, "Run this command?", last.Message.Title, "a button's mutating command still asks first")
	assert.Len(t, h.exec.requests(), 1)
}

func TestTestNotification(t *testing.T) {
	cfg, err := chatops.LoadConfig([]byte(notifyConfig))
	require.NoError(t, err)
	bot, err := chatops.New(chatops.WithConfig(cfg), chatops.WithAuditWriter(io.Discard))
	require.NoError(t, err)
	data, err := os.ReadFile("../notify/testdata/samples/eventbridge-guardduty.json")
	require.NoError(t, err)
	res, err := bot.TestNotification(context.Background(), data)
	require.NoError(t, err)
	assert.True(t, res.TopicAssumed)
	assert.Equal(t, "arn:aws:sns:us-east-1:123456789012:ops-alerts", res.Topic)
	assert.NoError(t, res.ParseError)
	assert.Len(t, res.Deliveries, 2, "ops and security (its pattern matches GuardDuty)")

	res, err = bot.TestNotification(context.Background(), []byte(`{"Type": 3, "MessageId": "x"}`))
	require.NoError(t, err)
	assert.Error(t, res.ParseError, "a broken envelope says why")
	require.NotEmpty(t, res.Deliveries, "and is still delivered")
}

func TestDigestShowAll(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	rec := delivery.DigestRecord{ID: "d-1", Channel: delivery.ChannelKey(h.conv), Items: []delivery.DigestItem{
		{Title: "ALARM: a", Severity: chat.SeverityCritical},
		{Title: "OK: b", Severity: chat.SeveritySuccess},
	}}
	data, err := json.Marshal(rec)
	require.NoError(t, err)
	require.NoError(t, h.bot.Store().Put(ctx, delivery.NamespaceDigest, "d-1", data, time.Hour))
	msg := delivery.BuildDigest("d-1", rec.Items)
	ref, err := h.chat.Send(ctx, h.conv, msg)
	require.NoError(t, err)
	require.NoError(t, h.chat.Click(ctx, ref, delivery.DigestButtonID, "U1"))
	last, _ := h.chat.Last()
	assert.Equal(t, "All 2 notifications of this summary", last.Message.Title)
	assert.Contains(t, last.Message.Text, "**CRITICAL** ALARM: a")

	// Another channel cannot read it.
	other := h.chat.Conversation("T1", "C2")
	ref2, err := h.chat.Send(ctx, other, msg)
	require.NoError(t, err)
	require.NoError(t, h.chat.Click(ctx, ref2, delivery.DigestButtonID, "U1"))
	last, _ = h.chat.Last()
	assert.Contains(t, last.Message.Text, "expired")
}
