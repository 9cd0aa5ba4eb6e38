package chime_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opschat/opschat/adapters/chime"
)

const (
	redactID    = "a1b2c3d4-0000-1111-2222-333344445555"
	redactToken = "tOkEn-do-not-print-9f8e7d6c5b4a"
)

func redactAdapter(t *testing.T) *chime.Adapter {
	t.Helper()
	a, err := chime.New(map[string]string{
		"ops-room": "https://hooks.chime.aws/incomingwebhooks/" + redactID + "?token=" + redactToken,
		"sec-room": "https://hooks.chime.aws/incomingwebhooks/" + redactID + "?token=" + redactToken + "x",
	})
	require.NoError(t, err)
	return a
}

func assertRedacted(t *testing.T, out, what string) {
	t.Helper()
	assert.NotContains(t, out, redactToken, what)
	assert.NotContains(t, out, redactID, what)
	assert.NotContains(t, out, "hooks.chime.aws", what)
}

// Printing the adapter (a pointer, a dereferenced value, or a value nested
// in a host's struct) with any verb never shows the webhook URLs.
func TestAdapterFormatRedactsWebhooks(t *testing.T) {
	a := redactAdapter(t)
	type host struct {
		Exported chime.Adapter
		private  chime.Adapter
		ptr      *chime.Adapter
	}
	subjects := map[string]any{
		"pointer": a,
		"value":   *a,
		"nested":  host{Exported: *a, private: *a, ptr: a},
		"slice":   []chime.Adapter{*a},
		"map":     map[string]chime.Adapter{"k": *a},
	}
	for name, v := range subjects {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%T %v"} {
			out := fmt.Sprintf(verb, v)
			assertRedacted(t, out, name+" "+verb+": "+out)
		}
		assertRedacted(t, fmt.Sprint(v), name+" Sprint")
		assertRedacted(t, fmt.Sprintln(v), name+" Sprintln")
	}
	// Still useful: the configuration names show.
	assert.Equal(t, `chime.Adapter{webhooks: {"ops-room": "REDACTED", "sec-room": "REDACTED"}}`, fmt.Sprintf("%v", a))
	assert.Equal(t, fmt.Sprintf("%v", a), fmt.Sprintf("%+v", *a))
	assert.Equal(t, fmt.Sprintf("%s", a), a.String())
	assert.Contains(t, fmt.Sprintf("%#v", a), `"ops-room": "REDACTED"`)
	assert.Equal(t, a.GoString(), fmt.Sprintf("%#v", *a))
}

// Logging the adapter with slog, through either built-in handler, as a
// pointer or a value, shows the configuration names only.
func TestAdapterLogValueRedactsWebhooks(t *testing.T) {
	a := redactAdapter(t)
	for _, v := range []any{a, *a} {
		for name, mk := range map[string]func(*bytes.Buffer) slog.Handler{
			"text": func(b *bytes.Buffer) slog.Handler { return slog.NewTextHandler(b, nil) },
			"json": func(b *bytes.Buffer) slog.Handler { return slog.NewJSONHandler(b, nil) },
		} {
			var buf bytes.Buffer
			log := slog.New(mk(&buf))
			log.Info("configured", "adapter", v)
			log.Info("configured", slog.Any("adapter", v))
			log.With("adapter", v).Info("with")
			log.Info("grouped", slog.Group("g", "adapter", v))
			out := buf.String()
			assertRedacted(t, out, name+": "+out)
			assert.Contains(t, out, "ops-room", name)
			assert.Contains(t, out, "sec-room", name)
		}
	}
}

// JSON-encoding the adapter (a host's status page), as a pointer, a value
// or nested, shows the configuration names and never the webhook URLs.
func TestAdapterJSONRedactsWebhooks(t *testing.T) {
	a := redactAdapter(t)
	type host struct {
		Exported chime.Adapter
		Ptr      *chime.Adapter
		private  chime.Adapter
	}
	for name, v := range map[string]any{"pointer": a, "value": *a, "nested": host{Exported: *a, Ptr: a, private: *a}} {
		b, err := json.Marshal(v)
		require.NoError(t, err, name)
		assertRedacted(t, string(b), name+" json: "+string(b))
		assert.Contains(t, string(b), `"ops-room"`, name)
	}
	b, err := json.Marshal(a)
	require.NoError(t, err)
	assert.JSONEq(t, `{"platform":"chime","webhooks":["ops-room","sec-room"]}`, string(b))
}
