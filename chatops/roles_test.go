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

const rolesConfig = `
configurations:
  - ConfigurationName: optional-roles
    Platform: fake
    WorkspaceId: T1
    ChannelId: C3
    IamRoleArn: arn:aws:iam::123456789012:role/channel
    UserRoleArns: [arn:aws:iam::123456789012:role/oncall]
  - ConfigurationName: no-roles
    Platform: fake
    WorkspaceId: T1
    ChannelId: C5
    IamRoleArn: arn:aws:iam::123456789012:role/channel
  - ConfigurationName: prod
    Platform: fake
    WorkspaceId: T1
    ChannelId: C4
    IamRoleArn: arn:aws:iam::111111111111:role/ops
  - ConfigurationName: staging
    Platform: fake
    WorkspaceId: T1
    ChannelId: C4
    IamRoleArn: arn:aws:iam::222222222222:role/ops
`

func newRolesHarness(t *testing.T) *harness {
	t.Helper()
	cfg, err := chatops.LoadConfig([]byte(rolesConfig))
	require.NoError(t, err)
	h := &harness{chat: fake.New(), exec: &fakeExecutor{}, audit: &bytes.Buffer{}}
	h.bot, err = chatops.New(chatops.WithAdapter(h.chat), chatops.WithConfig(cfg), chatops.WithCatalog(commandtest.Catalog()),
		chatops.WithExecutor(h.exec), chatops.WithAuthorizer(denyStop), chatops.WithAuditWriter(h.audit), chatops.WithStillRunningAfter(0))
	require.NoError(t, err)
	h.chat.SetHandler(h.bot)
	return h
}

// switch-role takes effect even when the configuration does not require
// user roles (it used to report success and change nothing).
func TestSwitchRoleTakesEffect(t *testing.T) {
	h := newRolesHarness(t)
	conv := h.chat.Conversation("T1", "C3")
	h.sayIn(t, conv, "U1", "ec2 describe-instances")
	got := h.sayIn(t, conv, "U1", "switch-role arn:aws:iam::123456789012:role/oncall")
	assert.Contains(t, got.Message.Text, "now run as `arn:aws:iam::123456789012:role/oncall`")
	h.sayIn(t, conv, "U1", "ec2 describe-instances")
	h.sayIn(t, conv, "U2", "ec2 describe-instances")
	got = h.sayIn(t, conv, "U1", "switch-role channel")
	assert.Contains(t, got.Message.Text, "channel role")
	h.sayIn(t, conv, "U1", "ec2 describe-instances")

	reqs := h.exec.requests()
	require.Len(t, reqs, 4)
	assert.Equal(t, "arn:aws:iam::123456789012:role/channel", reqs[0].RoleARN)
	assert.Equal(t, "arn:aws:iam::123456789012:role/oncall", reqs[1].RoleARN, "the choice takes effect")
	assert.Equal(t, "arn:aws:iam::123456789012:role/channel", reqs[2].RoleARN, "only for the member who chose")
	assert.Equal(t, "arn:aws:iam::123456789012:role/channel", reqs[3].RoleARN, "switch-role channel goes back")
}

func TestSwitchRoleSaysWhyItCannot(t *testing.T) {
	h := newRolesHarness(t)
	got := h.sayIn(t, h.chat.Conversation("T1", "C5"), "U1", "switch-role arn:aws:iam::123456789012:role/oncall")
	assert.Contains(t, got.Message.Text, "offers no user roles")
	rec := h.lastRecord(t)
	assert.Equal(t, chatops.OutcomeDenied, rec.Outcome)
	h.sayIn(t, h.chat.Conversation("T1", "C5"), "U1", "ec2 describe-instances")
	require.Len(t, h.exec.requests(), 1)
	assert.Equal(t, "arn:aws:iam::123456789012:role/channel", h.exec.requests()[0].RoleARN)
}

func TestSetDefaultAccount(t *testing.T) {
	h := newRolesHarness(t)
	conv := h.chat.Conversation("T1", "C4")
	got := h.sayIn(t, conv, "U1", "ec2 describe-instances")
	assert.Equal(t, "Choose an account", got.Message.Title)
	require.Len(t, got.Message.Buttons, 2)
	assert.Empty(t, h.exec.requests(), "nothing runs before an account is chosen")
	assert.Equal(t, chatops.OutcomePending, h.lastRecord(t).Outcome)

	// Choosing runs the command that was waiting, in that account.
	// The fake clicks the last button with the ID: staging.
	require.NoError(t, h.chat.Click(context.Background(), got.Ref, chatops.ActionAccount, "U1"))
	reqs := h.exec.requests()
	require.Len(t, reqs, 1)
	assert.Equal(t, "arn:aws:iam::222222222222:role/ops", reqs[0].RoleARN)
	assert.Equal(t, "staging", reqs[0].Configuration)

	h.sayIn(t, conv, "U1", "ec2 describe-instances")
	got = h.sayIn(t, conv, "U1", "set default-account 111111111111")
	assert.Contains(t, got.Message.Text, "`111111111111`")
	h.sayIn(t, conv, "U1", "ec2 describe-instances")
	got = h.sayIn(t, conv, "U1", "set default-account 999999999999")
	assert.Contains(t, got.Message.Text, "not configured in account")

	reqs = h.exec.requests()
	require.Len(t, reqs, 3)
	assert.Equal(t, "staging", reqs[1].Configuration, "the choice is remembered")
	assert.Equal(t, "prod", reqs[2].Configuration, "and changed by set default-account")

	got = h.sayIn(t, h.chat.Conversation("T1", "C5"), "U1", "set default-account")
	assert.Contains(t, got.Message.Text, "one AWS account")
}
