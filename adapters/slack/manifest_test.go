package slack_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"sigs.k8s.io/yaml"
)

// The example manifest must subscribe to every event the adapter handles and
// grant the scopes those events and its Web API calls need: a missing scope
// fails silently (Slack never sends the event, or the call returns
// missing_scope and the channel counts as private).
func TestManifestCoversWhatTheAdapterUses(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile(filepath.Join("..", "..", "examples", "slackbot", "manifest.yaml"))
	require.NoError(t, err)
	var m struct {
		OAuth struct {
			Scopes struct {
				Bot []string `json:"bot"`
			} `json:"scopes"`
		} `json:"oauth_config"`
		Settings struct {
			Events struct {
				Bot []string `json:"bot_events"`
			} `json:"event_subscriptions"`
			Interactivity struct {
				Enabled bool `json:"is_enabled"`
			} `json:"interactivity"`
		} `json:"settings"`
	}
	require.NoError(t, yaml.Unmarshal(b, &m))

	// Event → the scope Slack requires to deliver it (inbound.go handles
	// each: mentions, DMs, thread replies in public and private channels and
	// group DMs, uninstalls).
	events := map[string]string{
		"app_mention":      "app_mentions:read",
		"message.im":       "im:history",
		"message.channels": "channels:history",
		"message.groups":   "groups:history",
		"message.mpim":     "mpim:history",
		"app_uninstalled":  "",
	}
	// Web API methods the adapter calls → scopes (conversations.info is
	// asked for public and private channels and group DMs, and DMs;
	// files.list by the upload sweep the example turns on).
	calls := []string{"chat:write", "commands", "files:write", "files:read", "channels:read", "groups:read", "mpim:read", "im:read"}

	for ev, scope := range events {
		assert.Contains(t, m.Settings.Events.Bot, ev, "event %s", ev)
		if scope != "" {
			assert.Contains(t, m.OAuth.Scopes.Bot, scope, "scope for %s", ev)
		}
	}
	for _, s := range calls {
		assert.Contains(t, m.OAuth.Scopes.Bot, s)
	}
	assert.True(t, m.Settings.Interactivity.Enabled, "buttons and forms need interactivity")
}
