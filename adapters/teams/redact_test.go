package teams_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"reflect"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opschat/opschat/adapters/teams"
	"github.com/opschat/opschat/chat"
)

// A host that prints, logs or JSON-encodes its Teams adapter, as a pointer
// or a value, directly or inside its own struct, never shows the app
// password or the access token the adapter caches.
func TestAdapterDoesNotPrintSecrets(t *testing.T) {
	fc := newFakeConnector(t)
	a := newTestAdapter(t, fc, nil)
	// A send fetches and caches an access token: it must not print either.
	_, err := a.Send(context.Background(), chat.Conversation{ChannelID: "19:abc@thread.tacv2", Type: chat.ConversationChannel}, chat.Message{Text: "hi"})
	require.NoError(t, err)

	type host struct {
		Exported teams.Adapter
		private  teams.Adapter
		Ptr      *teams.Adapter
	}
	h := &host{Ptr: a}
	for _, name := range []string{"Exported", "private"} {
		f := reflect.ValueOf(h).Elem().FieldByName(name)
		// A copy, the way a careless host holds it (a plain copy is a vet
		// error: the adapter holds a lock).
		reflect.NewAt(f.Type(), unsafe.Pointer(f.UnsafeAddr())).Elem().Set(reflect.ValueOf(a).Elem())
	}
	subjects := map[string]any{
		"pointer":    a,
		"value":      reflect.ValueOf(a).Elem().Interface(),
		"nested":     reflect.ValueOf(h).Elem().Interface(),
		"nested ptr": h,
		"map":        map[string]*teams.Adapter{"k": a},
	}
	secrets := []string{testPassword, testToken}
	check := func(out, what string) {
		t.Helper()
		for _, s := range secrets {
			assert.NotContains(t, out, s, "%s leaks a secret: %s", what, out)
		}
	}
	for name, v := range subjects {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%T %v"} {
			check(fmt.Sprintf(verb, v), name+" "+verb)
		}
		check(fmt.Sprint(v)+fmt.Sprintln(v), name+" Sprint")
		b, err := json.Marshal(v)
		require.NoError(t, err, name)
		check(string(b), name+" json")
		for hname, mk := range map[string]func(*bytes.Buffer) slog.Handler{
			"text": func(b *bytes.Buffer) slog.Handler { return slog.NewTextHandler(b, nil) },
			"json": func(b *bytes.Buffer) slog.Handler { return slog.NewJSONHandler(b, nil) },
		} {
			var buf bytes.Buffer
			log := slog.New(mk(&buf))
			log.Info("adapter", "a", v)
			log.With("a", v).Info("with")
			log.Info("grouped", slog.Group("g", "a", v))
			check(buf.String(), name+" slog "+hname)
		}
	}
	// Still useful: the app ID (not a secret) identifies the bot.
	assert.Contains(t, fmt.Sprintf("%v", a), testAppID)
	assert.Contains(t, fmt.Sprintf("%#v", a), testAppID)
	b, err := json.Marshal(a)
	require.NoError(t, err)
	assert.Contains(t, string(b), testAppID)
	var logs bytes.Buffer
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("adapter", "a", a)
	assert.Contains(t, logs.String(), testAppID)
}
