package chatops_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opschat/opschat/adapters/fake"
	"github.com/opschat/opschat/chatops"
	"github.com/opschat/opschat/internal/memstore"
)

// The Chime webhook URL in testdata/valid.yaml carries "secrettoken123". No
// way a host might print a configuration may show it.
func TestConfigNeverPrintsWebhookToken(t *testing.T) {
	cfg, err := chatops.LoadConfigFile("testdata/valid.yaml")
	require.NoError(t, err)
	chime := cfg.Configurations[2]
	require.Contains(t, chime.WebhookURL.Reveal(), "secrettoken123", "precondition: the fixture has the token")

	var logBuf bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&logBuf, nil))
	logger.Info("config", "cfg", cfg, "chime", chime, "url", chime.WebhookURL)
	js, err := json.Marshal(cfg)
	require.NoError(t, err)

	outputs := map[string]string{
		"%v":           fmt.Sprintf("%v", chime),
		"%+v":          fmt.Sprintf("%+v", chime),
		"%#v":          fmt.Sprintf("%#v", chime),
		"%s":           fmt.Sprintf("%s", chime),
		"%x":           fmt.Sprintf("%x", chime),
		"%q url":       fmt.Sprintf("%q", chime.WebhookURL),
		"%x url":       fmt.Sprintf("%x", chime.WebhookURL),
		"%#v config":   fmt.Sprintf("%#v", cfg),
		"%+v config":   fmt.Sprintf("%+v", *cfg),
		"%v pointer":   fmt.Sprintf("%v", &chime),
		"json":         string(js),
		"slog":         logBuf.String(),
		"String()":     chime.String(),
		"url String()": chime.WebhookURL.String(),
	}
	for name, out := range outputs {
		assert.NotContains(t, out, "secrettoken123", name)
		assert.NotContains(t, out, fmt.Sprintf("%x", "secrettoken123"), name)
	}
	assert.Contains(t, outputs["%#v"], "[redacted]")
	assert.Contains(t, outputs["json"], `"WebhookURL":"[redacted]"`)
}

// A constructor's discarded error must not become a panic later: typed nil
// adapters, stores, executors and authorizers are refused by New.
func TestNewRefusesTypedNils(t *testing.T) {
	var a *fake.Adapter
	var st *memstore.Store
	var ex *fakeExecutor
	var az chatops.AuthorizerFunc
	_, err := chatops.New(chatops.WithAdapter(a), chatops.WithStore(st), chatops.WithExecutor(ex), chatops.WithAuthorizer(az))
	require.Error(t, err)
	for _, want := range []string{"WithAdapter: nil adapter", "WithStore: nil store", "WithExecutor: nil executor", "WithAuthorizer: nil authorizer"} {
		assert.Contains(t, err.Error(), want)
	}
}
