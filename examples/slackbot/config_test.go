package main

import (
	"os"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/opschat/opschat/chatops"
)

// The example's configuration must stay valid as the schema evolves.
func TestExampleConfigIsValid(t *testing.T) {
	cfg, err := chatops.LoadConfigFile("slackbot.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Configurations) != 1 || cfg.Configurations[0].ChannelID != "C012AB3CDE4" || !cfg.Configurations[0].DirectMessages {
		t.Fatalf("unexpected configurations: %+v", cfg.Configurations)
	}
}

// The manifest must parse and ask for what the adapter relies on.
func TestManifest(t *testing.T) {
	b, err := os.ReadFile("manifest.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Features struct {
			SlashCommands []struct {
				Command string `json:"command"`
			} `json:"slash_commands"`
		} `json:"features"`
		OAuthConfig struct {
			Scopes struct {
				Bot []string `json:"bot"`
			} `json:"scopes"`
		} `json:"oauth_config"`
		Settings struct {
			EventSubscriptions struct {
				BotEvents []string `json:"bot_events"`
			} `json:"event_subscriptions"`
			Interactivity struct {
				IsEnabled bool `json:"is_enabled"`
			} `json:"interactivity"`
			SocketModeEnabled bool `json:"socket_mode_enabled"`
		} `json:"settings"`
	}
	if err := yaml.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	if len(m.Features.SlashCommands) != 1 || m.Features.SlashCommands[0].Command != "/aws" {
		t.Errorf("slash commands: %+v", m.Features.SlashCommands)
	}
	for _, want := range []string{"app_mention", "message.im", "message.channels", "message.groups"} {
		if !contains(m.Settings.EventSubscriptions.BotEvents, want) {
			t.Errorf("bot event %s missing", want)
		}
	}
	for _, want := range []string{"app_mentions:read", "chat:write", "commands", "files:write", "im:history", "channels:history", "groups:history", "channels:read", "groups:read"} {
		if !contains(m.OAuthConfig.Scopes.Bot, want) {
			t.Errorf("bot scope %s missing", want)
		}
	}
	if !m.Settings.Interactivity.IsEnabled || !m.Settings.SocketModeEnabled {
		t.Errorf("interactivity and socket mode must be on: %+v", m.Settings)
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
