package chatops_test

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opschat/opschat/adapters/fake"
	"github.com/opschat/opschat/chat"
	"github.com/opschat/opschat/chatops"
	"github.com/opschat/opschat/notify/delivery"
)

const failedConfig = `
configurations:
  - ConfigurationName: ops
    Platform: fake
    WorkspaceId: T1
    ChannelId: C1
    IamRoleArn: arn:aws:iam::123456789012:role/ops
    SnsTopicArns: ["arn:aws:sns:us-east-1:123456789012:ops-alerts"]
  - ConfigurationName: readers
    Platform: fake
    WorkspaceId: T1
    ChannelId: C2
    IamRoleArn: arn:aws:iam::123456789012:role/ops
    GuardrailPolicyDocuments:
      ReadOnly: '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["ec2:Describe*","opschat:List*"],"Resource":"*"}]}'
`

// A notification that failed for good is kept, listed and replayed from
// chat, guarded by the channel's guardrails like any command.
func TestFailedNotificationsListAndRetry(t *testing.T) {
	cfg, err := chatops.LoadConfig([]byte(failedConfig))
	require.NoError(t, err)
	a := fake.New()
	authz, err := chatops.NewGuardrailAuthorizer(cfg)
	require.NoError(t, err)
	audit := &bytes.Buffer{}
	bot, err := chatops.New(chatops.WithAdapter(a), chatops.WithConfig(cfg), chatops.WithAuditWriter(audit), chatops.WithAuthorizer(authz))
	require.NoError(t, err)
	a.SetHandler(bot)
	p, err := bot.NotificationPipeline(delivery.WithBackoff(delivery.Backoff{MaxAttempts: 2, Initial: time.Millisecond, Max: time.Millisecond}))
	require.NoError(t, err)
	defer p.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	a.FailNext(2, &chat.SendError{Platform: "fake", StatusCode: 503, Retryable: true, Err: errors.New("service unavailable")})
	err = p.HandleEnvelope(ctx, sample(t, "cloudwatch-alarm-lambda.json"))
	require.Error(t, err, "the source is told the notification was not delivered")
	assert.ErrorIs(t, err, delivery.ErrNotDelivered)
	assert.Empty(t, a.Sent())

	dls, err := bot.FailedNotifications(ctx, "")
	require.NoError(t, err)
	require.Len(t, dls, 1)
	assert.Equal(t, "ops", dls[0].Configuration)
	assert.Contains(t, dls[0].Error, "service unavailable")

	conv := a.Conversation("T1", "C1")
	require.NoError(t, a.Say(ctx, conv, "U1", "notifications failed"))
	last, _ := a.Last()
	require.Len(t, last.Message.CodeBlocks, 1)
	assert.Contains(t, last.Message.CodeBlocks[0].Content, dls[0].ID)

	// The read-only channel may list its own (none) but not replay.
	readers := a.Conversation("T1", "C2")
	require.NoError(t, a.Say(ctx, readers, "U2", "notifications failed"))
	last, _ = a.Last()
	assert.Contains(t, last.Message.Text, "No failed notifications", "another channel's failures are not listed")
	require.NoError(t, a.Say(ctx, readers, "U2", "notifications retry all"))
	last, _ = a.Last()
	assert.Equal(t, "Not allowed", last.Message.Title)
	assert.Contains(t, last.Message.Text, chatops.ActionRetryFailedNotifications)

	require.NoError(t, a.Say(ctx, conv, "U1", "notifications retry "+dls[0].ID))
	sent := a.Sent()
	require.GreaterOrEqual(t, len(sent), 2)
	var alarmPosted bool
	for _, s := range sent {
		alarmPosted = alarmPosted || s.Ref.Conversation.ChannelID == "C1" && s.Message.Title != "" && bytes.Contains([]byte(s.Message.Title), []byte("checkout-api-errors"))
	}
	assert.True(t, alarmPosted, "the replay posted the notification")
	last, _ = a.Last()
	assert.Contains(t, last.Message.Text, "Delivered 1")
	dls, err = bot.FailedNotifications(ctx, "")
	require.NoError(t, err)
	assert.Empty(t, dls, "a delivered replay removes its dead letter")
	assert.Contains(t, audit.String(), `"action":"opschat:RetryFailedNotifications"`)
}
