package chatops_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opschat/opschat/adapters/fake"
	"github.com/opschat/opschat/chatops"
	"github.com/opschat/opschat/command/commandtest"
)

func TestForgetUserAndWorkspace(t *testing.T) {
	cfg, err := chatops.LoadConfig([]byte(rolesConfig))
	require.NoError(t, err)
	h := &harness{chat: fake.New(), exec: &fakeExecutor{}, audit: &bytes.Buffer{}}
	h.bot, err = chatops.New(chatops.WithAdapter(h.chat), chatops.WithConfig(cfg), chatops.WithCatalog(commandtest.Catalog()),
		chatops.WithExecutor(h.exec), chatops.WithAuthorizer(denyStop), chatops.WithAuditWriter(h.audit),
		chatops.WithStillRunningAfter(0), chatops.WithAdmins("UADMIN"))
	require.NoError(t, err)
	h.chat.SetHandler(h.bot)
	ctx := context.Background()
	conv := h.chat.Conversation("T1", "C3")

	h.sayIn(t, conv, "U1", "switch-role arn:aws:iam::123456789012:role/oncall")
	h.sayIn(t, conv, "U1", "alias create mine ec2 describe-instances")
	h.sayIn(t, conv, "U2", "alias create theirs ec2 describe-instances")
	confirm := h.sayIn(t, conv, "U1", "ec2 stop-instances --instance-ids i-1")
	require.Equal(t, "Run this command?", confirm.Message.Title)

	got := h.sayIn(t, conv, "U1", "forget user U2")
	assert.Contains(t, got.Message.Text, "administrators")
	assert.Equal(t, chatops.OutcomeDenied, h.lastRecord(t).Outcome)

	res, err := h.bot.Forget(ctx, "T1", "U1")
	require.NoError(t, err)
	assert.GreaterOrEqual(t, res.Deleted, 4, "role, alias, alias owner, pending command and its index")
	rec := h.lastRecord(t)
	assert.Equal(t, "forget", rec.Operation)
	assert.Equal(t, chatops.OutcomeSucceeded, rec.Outcome)

	require.NoError(t, h.chat.Click(ctx, confirm.Ref, chatops.ActionConfirm, "U1"))
	last, _ := h.chat.Last()
	assert.Contains(t, last.Message.Text, "expired", "the pending confirmation is gone")
	got = h.sayIn(t, conv, "U1", "alias list")
	require.Len(t, got.Message.CodeBlocks, 1)
	assert.NotContains(t, got.Message.CodeBlocks[0].Content, "mine")
	assert.Contains(t, got.Message.CodeBlocks[0].Content, "theirs", "another member's alias stays")
	h.sayIn(t, conv, "U1", "ec2 describe-instances")
	reqs := h.exec.requests()
	require.NotEmpty(t, reqs)
	assert.Equal(t, "arn:aws:iam::123456789012:role/channel", reqs[len(reqs)-1].RoleARN, "the role choice is gone")

	got = h.sayIn(t, conv, "UADMIN", "forget workspace")
	assert.Contains(t, got.Message.Text, "Forgotten")
	got = h.sayIn(t, conv, "U2", "alias list")
	assert.Contains(t, got.Message.Text, "no aliases")
	assert.Equal(t, chatops.OutcomeAnswered, h.lastRecord(t).Outcome)

	_, err = h.bot.Forget(ctx, "", "U1")
	assert.Error(t, err)
}
