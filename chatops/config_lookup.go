package chatops

import (
	"strings"

	"github.com/opschat/opschat/chat"
)

// Lookup returns the configuration for a conversation: the channel's own
// configuration, or for direct messages the workspace's configuration that
// allows them. A channel configured in several accounts returns the first;
// LookupAll returns them all.
func (c *Config) Lookup(conv chat.Conversation) (*ChannelConfig, bool) {
	all := c.LookupAll(conv)
	if len(all) == 0 {
		return nil, false
	}
	return all[0], true
}

// LookupAll returns every configuration for a conversation, in file order:
// one per AWS account the channel is configured in.
func (c *Config) LookupAll(conv chat.Conversation) []*ChannelConfig {
	var out []*ChannelConfig
	for i := range c.Configurations {
		cc := &c.Configurations[i]
		if cc.Platform != conv.Platform || cc.Platform == chat.PlatformChime {
			continue
		}
		// No wildcard: an event that names no workspace matches only a
		// configuration that names none either (fake, console).
		if cc.WorkspaceID != conv.WorkspaceID {
			continue
		}
		if conv.Type == chat.ConversationDirect {
			if cc.DirectMessages {
				out = append(out, cc)
			}
			continue
		}
		if cc.ChannelID == conv.ChannelID {
			out = append(out, cc)
		}
	}
	return out
}

// Account returns the AWS account of the configuration's channel role.
func (c *ChannelConfig) Account() string { return roleAccount(c.IAMRoleARN) }

// roleAccount returns the account ID field of an IAM role ARN, or "".
func roleAccount(arn string) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) < 6 {
		return ""
	}
	return parts[4]
}
