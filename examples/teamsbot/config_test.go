package main

import (
	"testing"

	"github.com/opschat/opschat/chatops"
)

// The example's configuration must stay valid as the schema evolves.
func TestExampleConfigIsValid(t *testing.T) {
	cfg, err := chatops.LoadConfigFile("teamsbot.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Configurations) == 0 || cfg.Configurations[0].ChannelID != "19:1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d@thread.tacv2" {
		t.Fatalf("unexpected configurations: %+v", cfg.Configurations)
	}
}
