package slack_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opschat/opschat/adapters/slack"
	"github.com/opschat/opschat/chat"
)

// Form values are data, not chat text: a modal's inputs reach
// Action.Values exactly as Slack sends them (view_submission state is not
// entity-encoded, unlike message text). No entity is decoded, no
// typographic quote straightened, no mention stripped, no space trimmed.
func TestFormSubmissionValuesAreLiteral(t *testing.T) {
	e := newEnv(t)
	rec := &recorder{}
	listen(t, e.adapter, rec)

	literal := map[string]string{
		"curly":   "“quoted” ‘single’",
		"entity":  "a &amp; b &lt;c&gt;",
		"mention": "<@U123> <!channel> ec2 describe-instances",
		"spaces":  "  padded\tvalue \n second line  ",
		"code":    "`code` --flag",
	}
	fields := []chat.FormField{{ID: "choice", Options: []string{"“a” & <b>", "plain"}}}
	for id := range literal {
		fields = append(fields, chat.FormField{ID: id})
	}
	r, err := slack.Render(chat.Message{Text: "params", Form: &chat.Form{ID: "prompt", Value: "pending-lit", Fields: fields}})
	require.NoError(t, err)
	e.fake.pushEnvelope("interactive", "env-lo", map[string]any{
		"type": "block_actions", "team": map[string]any{"id": testTeam}, "user": map[string]any{"id": "U1"},
		"container":  map[string]any{"type": "message", "message_ts": "1700000600.000100", "channel_id": "D0001"},
		"trigger_id": "tr-lit",
		"actions":    []map[string]any{{"action_id": "opschat.form.open", "block_id": "Xy1", "value": formButtonValue(t, r), "type": "button"}},
	})
	e.fake.waitAck(t, "env-lo")
	waitFor(t, "views.open", func() bool { return len(e.fake.callsTo("views.open")) == 1 })
	view := e.fake.callsTo("views.open")[0].JSON["view"].(map[string]any)

	state := map[string]any{"choice": map[string]any{"choice": map[string]any{"type": "static_select",
		"selected_option": map[string]any{"value": "“a” & <b>", "text": map[string]any{"type": "plain_text", "text": "“a” & <b>"}}}}}
	for id, v := range literal {
		state[id] = map[string]any{id: map[string]any{"type": "plain_text_input", "value": v}}
	}
	e.fake.pushEnvelope("interactive", "env-lv", map[string]any{
		"type": "view_submission", "team": map[string]any{"id": testTeam}, "user": map[string]any{"id": "U1"},
		"view": map[string]any{"id": "V1", "callback_id": "opschat.form", "private_metadata": view["private_metadata"],
			"state": map[string]any{"values": state}},
	})
	e.fake.waitAck(t, "env-lv")
	waitFor(t, "the submission", func() bool { return rec.count() == 1 })
	in, _, err := rec.last()
	require.NoError(t, err)
	require.Equal(t, chat.KindFormSubmit, in.Kind)
	require.NotNil(t, in.Action)
	want := map[string]string{"choice": "“a” & <b>"}
	for id, v := range literal {
		want[id] = v
	}
	assert.Equal(t, want, in.Action.Values)
	assert.Equal(t, "pending-lit", in.Action.Value)
	assert.Empty(t, in.Text, "form values are not turned into chat text")
}
