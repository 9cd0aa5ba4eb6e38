package slack_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"reflect"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opschat/opschat/adapters/slack"
)

var slackSecrets = []string{testBotToken, testAppToken, testSigning, testClientSK,
	// distinctive parts, in case a secret is printed split or quoted
	"secretbottoken", "secretapptoken", "99yyyzzz", "do-not-leak"}

func assertNoSlackSecret(t *testing.T, out, what string) {
	t.Helper()
	for _, s := range slackSecrets {
		assert.NotContains(t, out, s, "%s leaks a secret: %s", what, out)
	}
}

// A host that prints or logs its adapter (a debug dump, an slog attribute,
// a JSON status page) must not leak the tokens and signing secret it holds,
// whether it holds a pointer or a value, directly or inside its own struct.
func TestAdapterDoesNotPrintSecrets(t *testing.T) {
	e := newEnv(t, slack.WithOAuth(slack.OAuthConfig{ClientID: testClientID, ClientSecret: slack.NewSecret(testClientSK), RedirectURL: "https://bot.example.com/cb"}))
	oauth := slack.OAuthConfig{ClientID: testClientID, ClientSecret: slack.NewSecret(testClientSK)}
	type host struct {
		Exported slack.Adapter
		private  slack.Adapter
		Ptr      *slack.Adapter
		OAuth    slack.OAuthConfig
		oauth    slack.OAuthConfig
	}
	h := &host{Ptr: e.adapter, OAuth: oauth, oauth: oauth}
	setAdapterField(h, "Exported", e.adapter)
	setAdapterField(h, "private", e.adapter)
	slice := reflect.Append(reflect.MakeSlice(reflect.TypeFor[[]slack.Adapter](), 0, 1), reflect.ValueOf(e.adapter).Elem())
	subjects := map[string]any{
		"pointer":      e.adapter,
		"value":        adapterValue(e.adapter),
		"nested":       reflect.ValueOf(h).Elem().Interface(),
		"nested ptr":   h,
		"slice":        slice.Interface(),
		"map":          map[string]*slack.Adapter{"k": e.adapter},
		"oauth":        oauth,
		"oauth ptr":    &oauth,
		"oauth nested": struct{ o slack.OAuthConfig }{oauth},
		"secret":       slack.NewSecret(testSigning),
	}
	for name, v := range subjects {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%T %v"} {
			assertNoSlackSecret(t, fmt.Sprintf(verb, v), name+" "+verb)
		}
		assertNoSlackSecret(t, fmt.Sprint(v)+fmt.Sprintln(v), name+" Sprint")
		b, err := json.Marshal(v)
		require.NoError(t, err, name)
		assertNoSlackSecret(t, string(b), name+" json")
		for hname, mk := range map[string]func(*bytes.Buffer) slog.Handler{
			"text": func(b *bytes.Buffer) slog.Handler { return slog.NewTextHandler(b, nil) },
			"json": func(b *bytes.Buffer) slog.Handler { return slog.NewJSONHandler(b, nil) },
		} {
			var buf bytes.Buffer
			log := slog.New(mk(&buf))
			log.Info("adapter", "a", v)
			log.With("a", v).Info("with")
			log.Info("grouped", slog.Group("g", "a", v))
			assertNoSlackSecret(t, buf.String(), name+" slog "+hname)
		}
	}
	// Still useful: what is configured shows.
	assert.Contains(t, fmt.Sprintf("%v", e.adapter), `command: "/aws"`)
	assert.Contains(t, fmt.Sprintf("%+v", oauth), "[redacted]")
	assert.Contains(t, fmt.Sprintf("%+v", oauth), testClientID)
	var back slack.OAuthConfig
	require.NoError(t, json.Unmarshal([]byte(`{"ClientID":"id","ClientSecret":"s3"}`), &back), "configs still load from JSON")
	assert.False(t, back.ClientSecret.IsZero(), "the secret decoded (its value is checked in secret_internal_test.go)")
}

// adapterValue returns a copy of *a as a value, the way a careless host
// holds it. (Through reflect: copying it in plain code is a vet error, since
// an Adapter holds locks.)
func adapterValue(a *slack.Adapter) any { return reflect.ValueOf(a).Elem().Interface() }

// setAdapterField copies *a into h's field name, exported or not.
func setAdapterField(h any, name string, a *slack.Adapter) {
	f := reflect.ValueOf(h).Elem().FieldByName(name)
	reflect.NewAt(f.Type(), unsafe.Pointer(f.UnsafeAddr())).Elem().Set(reflect.ValueOf(a).Elem())
}
