package slack_test

import (
	"bytes"
	"fmt"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/opschat/opschat/adapters/slack"
)

// A host that prints or logs its adapter (a debug dump, an slog attribute)
// must not leak the tokens and signing secret it holds.
func TestAdapterDoesNotPrintSecrets(t *testing.T) {
	e := newEnv(t, slack.WithOAuth(slack.OAuthConfig{ClientID: testClientID, ClientSecret: testClientSK, RedirectURL: "https://bot.example.com/cb"}))
	var logs bytes.Buffer
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("adapter", "a", e.adapter, "oauth", slack.OAuthConfig{ClientSecret: testClientSK})
	slog.New(slog.NewTextHandler(&logs, nil)).Info("adapter", "a", e.adapter)
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q"} {
		out := fmt.Sprintf(verb, e.adapter) + logs.String()
		out += fmt.Sprintf(verb, slack.OAuthConfig{ClientSecret: testClientSK})
		for _, secret := range []string{testBotToken, testAppToken, testSigning, testClientSK} {
			assert.NotContains(t, out, secret, "verb %s", verb)
		}
	}
}
