package slack_test

import (
	"net/http"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opschat/opschat/adapters/slack"
	"github.com/opschat/opschat/chat"
)

// In HTTP mode Slack shows the user an error when an interaction is not
// acknowledged within 3 seconds. The channel's privacy may need a
// conversations.info call (slow, or rate limited); it must happen after the
// acknowledgement. The fake's conversations.info waits until the test has the
// HTTP answer, so the order is observed, not timed: had the adapter looked
// the channel up first, it would answer only after the fake's 10-second
// guard, and the recorded order would be reversed.
func TestHTTPInteractionAcknowledgedBeforeLookup(t *testing.T) {
	tests := []struct {
		name    string
		payload func(t *testing.T, e *env) map[string]any
		kind    chat.EventKind
	}{
		{"button click", func(t *testing.T, e *env) map[string]any {
			return map[string]any{
				"type": "block_actions", "team": map[string]any{"id": testTeam}, "user": map[string]any{"id": "U1", "name": "jane"},
				"container":  map[string]any{"type": "message", "message_ts": "1700000900.000100", "channel_id": "C0SLOW"},
				"trigger_id": "tr", "actions": []map[string]any{{"action_id": "show-logs#2", "block_id": "b", "value": "logs tail x", "type": "button"}},
			}
		}, chat.KindButtonClick},
		{"form submission", func(t *testing.T, e *env) map[string]any {
			r, err := slack.Render(chat.Message{Text: "params", Form: &chat.Form{ID: "prompt", Value: "pending-1",
				Fields: []chat.FormField{{ID: "name"}}}})
			require.NoError(t, err)
			e.fake.pushEnvelope("interactive", "env-open", map[string]any{
				"type": "block_actions", "team": map[string]any{"id": testTeam}, "user": map[string]any{"id": "U1"},
				"container":  map[string]any{"type": "message", "message_ts": "1700000600.000100", "channel_id": "C0SLOW"},
				"trigger_id": "tr-1",
				"actions":    []map[string]any{{"action_id": "opschat.form.open", "block_id": "b", "value": formButtonValue(t, r), "type": "button"}},
			})
			e.fake.waitAck(t, "env-open")
			waitFor(t, "views.open", func() bool { return len(e.fake.callsTo("views.open")) == 1 })
			view := e.fake.callsTo("views.open")[0].JSON["view"].(map[string]any)
			return map[string]any{
				"type": "view_submission", "team": map[string]any{"id": testTeam}, "user": map[string]any{"id": "U1"},
				"view": map[string]any{"id": "V1", "callback_id": "opschat.form", "private_metadata": view["private_metadata"],
					"state": map[string]any{"values": map[string]any{"name": map[string]any{"name": map[string]any{"type": "plain_text_input", "value": "x"}}}}},
			}
		}, chat.KindFormSubmit},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			rec := &recorder{}
			listen(t, e.adapter, rec)
			payload := tt.payload(t, e)

			var (
				mu    sync.Mutex
				order []string
			)
			note := func(s string) {
				mu.Lock()
				defer mu.Unlock()
				order = append(order, s)
			}
			acked := make(chan struct{})
			e.fake.mu.Lock()
			e.fake.private["C0SLOW"] = true
			e.fake.beforeInfo = func() {
				select {
				case <-acked:
				case <-time.After(10 * time.Second): // guard against a hang; the order check fails then
				}
				note("conversations.info")
			}
			e.fake.mu.Unlock()

			form := url.Values{"payload": {jsonBody(t, payload)}}.Encode()
			w := serve(e.adapter.HTTPHandler(), signed(t, slack.PathInteractivity, "application/x-www-form-urlencoded", form, time.Now(), testSigning))
			note("ack")
			close(acked)
			require.Equal(t, http.StatusOK, w.Code)
			assert.Empty(t, w.Body.String(), "an empty 200 closes a modal")

			waitFor(t, "the handler", func() bool { return rec.count() == 1 })
			mu.Lock()
			assert.Equal(t, []string{"ack", "conversations.info"}, order)
			mu.Unlock()
			in, _, err := rec.last()
			require.NoError(t, err)
			assert.Equal(t, tt.kind, in.Kind)
			assert.True(t, in.Conversation.Private, "privacy still resolved, after the ack")
			require.NotNil(t, in.Action)
			assert.True(t, in.Action.Message.Conversation.Private)
			if tt.kind == chat.KindButtonClick {
				assert.Equal(t, "show-logs", in.Action.ID, "the occurrence suffix of a repeated button is removed")
			}
		})
	}
}
