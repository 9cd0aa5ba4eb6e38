package slack_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opschat/opschat/adapters/slack"
	"github.com/opschat/opschat/chat"
)

// Button clicks and form submissions run commands too (confirmations,
// run-command and custom-action buttons, prompt forms), so they must say a
// private channel is private, as mentions do: an organisation chat policy
// that refuses private channels would otherwise be bypassed by clicking.
func TestClickAndFormInPrivateChannelArePrivate(t *testing.T) {
	e := newEnv(t)
	e.fake.mu.Lock()
	e.fake.private["G0001"] = true
	e.fake.mu.Unlock()
	rec := &recorder{}
	listen(t, e.adapter, rec)

	e.fake.pushEnvelope("interactive", "env-pb", map[string]any{
		"type": "block_actions", "team": map[string]any{"id": testTeam}, "user": map[string]any{"id": "U1"},
		"container": map[string]any{"type": "message", "message_ts": "1700000500.000100", "channel_id": "G0001"},
		"channel":   map[string]any{"id": "G0001"}, "trigger_id": "tr-b",
		"actions": []map[string]any{{"action_id": "opschat.run", "block_id": "b1", "value": "ec2 describe-instances", "type": "button"}},
	})
	e.fake.waitAck(t, "env-pb")
	waitFor(t, "the click", func() bool { return rec.count() == 1 })
	in, _, err := rec.last()
	require.NoError(t, err)
	assert.True(t, in.Conversation.Private, "a click in a private channel")

	r, err := slack.Render(chat.Message{Text: "need params", Form: &chat.Form{ID: "prompt", Value: "pending-7", Fields: []chat.FormField{{ID: "function-name", Required: true}}}})
	require.NoError(t, err)
	e.fake.pushEnvelope("interactive", "env-pf", map[string]any{
		"type": "block_actions", "team": map[string]any{"id": testTeam}, "user": map[string]any{"id": "U1"},
		"container":  map[string]any{"type": "message", "message_ts": "1700000600.000100", "channel_id": "G0001"},
		"trigger_id": "tr-f",
		"actions":    []map[string]any{{"action_id": "opschat.form.open", "block_id": "Xy1", "value": formButtonValue(t, r), "type": "button"}},
	})
	e.fake.waitAck(t, "env-pf")
	waitFor(t, "views.open", func() bool { return len(e.fake.callsTo("views.open")) == 1 })
	view := e.fake.callsTo("views.open")[0].JSON["view"].(map[string]any)
	e.fake.pushEnvelope("interactive", "env-pv", map[string]any{
		"type": "view_submission", "team": map[string]any{"id": testTeam}, "user": map[string]any{"id": "U1"},
		"view": map[string]any{"id": "V1", "callback_id": "opschat.form", "private_metadata": view["private_metadata"],
			"state": map[string]any{"values": map[string]any{"function-name": map[string]any{"function-name": map[string]any{"type": "plain_text_input", "value": "orders"}}}}},
	})
	e.fake.waitAck(t, "env-pv")
	waitFor(t, "the submission", func() bool { return rec.count() == 2 })
	in, _, err = rec.last()
	require.NoError(t, err)
	assert.Equal(t, chat.KindFormSubmit, in.Kind)
	assert.True(t, in.Conversation.Private, "a form submitted from a private channel")
}

// When Slack cannot say whether a channel is private (conversations.info
// fails: missing scope, outage), the channel counts as private, the
// restrictive setting for an organisation policy on private channels, and
// the failure is logged. The guess is not cached: once the lookup works, the
// channel's real privacy is used.
func TestChannelPrivacyLookupFailsClosed(t *testing.T) {
	tests := []struct {
		name string
		fail func(f *fakeSlack)
	}{
		{"slack error", func(f *fakeSlack) { f.failWith("conversations.info", "missing_scope") }},
		{"http 500", func(f *fakeSlack) {
			f.mu.Lock()
			f.failMethod = "conversations.info"
			f.mu.Unlock()
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			rec := &recorder{}
			listen(t, e.adapter, rec)

			tt.fail(e.fake)
			e.fake.pushEnvelope("events_api", "env-p1", eventCallback("EvP1", mention("1700000100.000100", "<@UBOT> ec2 describe-instances")))
			e.fake.waitAck(t, "env-p1")
			waitFor(t, "the mention", func() bool { return rec.count() == 1 })
			in, _, err := rec.last()
			require.NoError(t, err)
			assert.True(t, in.Conversation.Private, "privacy unknown counts as private")
			assert.Contains(t, e.logs.String(), "channel privacy unknown")
			assert.Contains(t, e.logs.String(), "level=WARN")

			e.fake.mu.Lock()
			e.fake.failMethod = ""
			e.fake.mu.Unlock()
			e.fake.pushEnvelope("events_api", "env-p2", eventCallback("EvP2", mention("1700000200.000100", "<@UBOT> ec2 describe-instances")))
			e.fake.waitAck(t, "env-p2")
			waitFor(t, "the second mention", func() bool { return rec.count() == 2 })
			in, _, err = rec.last()
			require.NoError(t, err)
			assert.False(t, in.Conversation.Private, "the public channel, once Slack answers")
		})
	}
}
