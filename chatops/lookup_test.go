package chatops_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opschat/opschat/chat"
	"github.com/opschat/opschat/chatops"
)

// An event that does not say which workspace (tenant) it came from must not
// match a configuration of whichever workspace comes first: for a direct
// message that would hand a stranger another tenant's DM configuration and
// its user roles.
func TestLookupWithoutWorkspaceMatchesNothing(t *testing.T) {
	cfg, err := chatops.LoadConfig([]byte(`
configurations:
  - {ConfigurationName: a, SlackWorkspaceId: T1, SlackChannelId: C1, IamRoleArn: "arn:aws:iam::123456789012:role/r"}
  - {ConfigurationName: dm, SlackWorkspaceId: T1, SlackChannelId: C2, IamRoleArn: "arn:aws:iam::123456789012:role/r", DirectMessages: true}
`))
	require.NoError(t, err)
	c, ok := cfg.Lookup(chat.Conversation{Platform: chat.PlatformSlack, ChannelID: "D9", Type: chat.ConversationDirect})
	assert.False(t, ok, "a DM from no known workspace got configuration %v", c)
	c, ok = cfg.Lookup(chat.Conversation{Platform: chat.PlatformSlack, ChannelID: "C1", Type: chat.ConversationChannel})
	assert.False(t, ok, "a channel of no known workspace got configuration %v", c)
}
