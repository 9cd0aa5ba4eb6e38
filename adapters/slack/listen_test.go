package slack_test

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opschat/opschat/adapters/slack"
	"github.com/opschat/opschat/chat"
)

// recorder is a chat.Handler that records events and answers each with a
// reply through the Replier it was given.
type recorder struct {
	mu     sync.Mutex
	events []chat.Inbound
	refs   []chat.Ref
	errs   []error
	reply  func(in chat.Inbound) chat.Message
}

func (r *recorder) HandleMessage(ctx context.Context, in chat.Inbound, rep chat.Replier) error {
	msg := chat.Message{Text: "ok: " + in.Text}
	if r.reply != nil {
		msg = r.reply(in)
	}
	ref, err := rep.Reply(ctx, msg)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, in)
	r.refs = append(r.refs, ref)
	r.errs = append(r.errs, err)
	return err
}

func (r *recorder) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.events)
}

func (r *recorder) last() (chat.Inbound, chat.Ref, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := len(r.events) - 1
	return r.events[n], r.refs[n], r.errs[n]
}

// listen starts Listen and stops it at the end of the test.
func listen(t testing.TB, a *slack.Adapter, h chat.Handler) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Listen(ctx, h) }()
	waitFor(t, "Listen to start", a.Listening)
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			assert.NoError(t, err, "Listen returns nil when its context ends")
		case <-time.After(10 * time.Second):
			t.Error("Listen did not return after cancel")
		}
	})
}

func (f *fakeSlack) waitAck(t *testing.T, envelopeID string) map[string]any {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case m := <-f.acks:
			if m["envelope_id"] == envelopeID {
				return m
			}
		case <-timeout:
			t.Fatalf("no ack for envelope %s", envelopeID)
		}
	}
}

func eventCallback(eventID string, inner map[string]any) map[string]any {
	return map[string]any{
		"type": "event_callback", "team_id": testTeam, "api_app_id": "A1", "event_id": eventID, "event_time": 1700000000,
		"event":          inner,
		"authorizations": []map[string]any{{"team_id": testTeam, "user_id": testBotUser, "is_bot": true}},
	}
}

func mention(ts, text string) map[string]any {
	return map[string]any{"type": "app_mention", "user": "U1", "text": text, "ts": ts, "channel": "C0001", "event_ts": ts}
}

func TestSocketModeMentionRepliesInThread(t *testing.T) {
	e := newEnv(t)
	rec := &recorder{}
	listen(t, e.adapter, rec)

	e.fake.pushEnvelope("events_api", "env-1", eventCallback("Ev1", mention("1700000100.000100", "<@UBOT> ec2 describe-instances")))
	e.fake.waitAck(t, "env-1")
	waitFor(t, "the mention to be handled", func() bool { return rec.count() == 1 })

	in, ref, err := rec.last()
	require.NoError(t, err)
	assert.Equal(t, chat.KindMention, in.Kind)
	assert.Equal(t, chat.PlatformSlack, in.Conversation.Platform)
	assert.Equal(t, testTeam, in.Conversation.WorkspaceID)
	assert.Equal(t, "C0001", in.Conversation.ChannelID)
	assert.Equal(t, "U1", in.User.ID)
	assert.Equal(t, "<@UBOT> ec2 describe-instances", in.Text)
	assert.Equal(t, "1700000100.000100", in.MessageID)
	assert.Equal(t, int64(1700000100), in.Time.Unix())

	posts := e.fake.callsTo("chat.postMessage")
	require.Len(t, posts, 1)
	assert.Equal(t, "1700000100.000100", posts[0].Form.Get("thread_ts"), "the reply goes in the mention's thread")
	assert.Equal(t, "1700000100.000100", ref.Conversation.ThreadID)

	// Slack redelivers the same event (no ack seen in time): handled once.
	e.fake.pushEnvelope("events_api", "env-2", eventCallback("Ev1", mention("1700000100.000100", "<@UBOT> ec2 describe-instances")))
	e.fake.waitAck(t, "env-2")

	// A reply in the bot's thread, without a mention, is a thread reply…
	e.fake.pushEnvelope("events_api", "env-3", eventCallback("Ev3", map[string]any{
		"type": "message", "channel_type": "channel", "user": "U1", "text": "yes", "channel": "C0001",
		"ts": "1700000200.000100", "thread_ts": "1700000100.000100",
	}))
	e.fake.waitAck(t, "env-3")
	waitFor(t, "the thread reply", func() bool { return rec.count() == 2 })
	in, _, _ = rec.last()
	assert.Equal(t, chat.KindThreadReply, in.Kind)
	assert.Equal(t, "1700000100.000100", in.Conversation.ThreadID)
	assert.Equal(t, "yes", in.Text)

	// …but not in someone else's thread, nor from a bot, nor an edit.
	for i, ev := range []map[string]any{
		{"type": "message", "channel_type": "channel", "user": "U1", "text": "no", "channel": "C0001", "ts": "1700000300.1", "thread_ts": "1690000000.1"},
		{"type": "message", "channel_type": "channel", "bot_id": "B1", "user": "U2", "text": "bot", "channel": "C0001", "ts": "1700000300.2", "thread_ts": "1700000100.000100"},
		{"type": "message", "subtype": "message_changed", "channel_type": "channel", "channel": "C0001", "ts": "1700000300.3", "message": map[string]any{"user": "U1", "text": "edit"}},
		{"type": "message", "channel_type": "channel", "user": testBotUser, "text": "self", "channel": "C0001", "ts": "1700000300.4", "thread_ts": "1700000100.000100"},
	} {
		id := "env-ignored-" + string(rune('a'+i))
		e.fake.pushEnvelope("events_api", id, eventCallback("EvX"+id, ev))
		e.fake.waitAck(t, id)
	}
	// The DM that follows is handled; by then the ignored events would have been too.
	e.fake.pushEnvelope("events_api", "env-dm", eventCallback("EvDM", map[string]any{
		"type": "message", "channel_type": "im", "user": "U1", "text": "lambda list-functions", "channel": "D0001", "ts": "1700000400.000100",
	}))
	waitFor(t, "the DM", func() bool { return rec.count() == 3 })
	in, ref, err = rec.last()
	require.NoError(t, err)
	assert.Equal(t, chat.KindDirectMessage, in.Kind)
	assert.Equal(t, chat.ConversationDirect, in.Conversation.Type)
	assert.Equal(t, "D0001", in.Conversation.ChannelID)
	posts = e.fake.callsTo("chat.postMessage")
	assert.Empty(t, posts[len(posts)-1].Form.Get("thread_ts"), "a DM is answered in the DM, not in a thread")
	assert.Equal(t, "D0001", ref.Conversation.ChannelID)
	assert.Equal(t, 3, rec.count())

	// A reply in the bot's thread in the DM is a thread reply there too.
	e.fake.pushEnvelope("events_api", "env-dm2", eventCallback("EvDM2", map[string]any{
		"type": "message", "channel_type": "im", "user": "U1", "text": "yes", "channel": "D0001",
		"ts": "1700000401.000100", "thread_ts": ref.MessageID,
	}))
	waitFor(t, "the DM thread reply", func() bool { return rec.count() == 4 })
	in, _, _ = rec.last()
	assert.Equal(t, chat.KindThreadReply, in.Kind)
	assert.Equal(t, chat.ConversationDirect, in.Conversation.Type)
	assert.Equal(t, ref.MessageID, in.Conversation.ThreadID)
	assert.NotContains(t, e.logs.String(), testAppToken)
	assert.NotContains(t, e.logs.String(), testBotToken)
}

func TestSocketModeSlashCommand(t *testing.T) {
	e := newEnv(t)
	rec := &recorder{}
	listen(t, e.adapter, rec)
	e.fake.pushEnvelope("slash_commands", "env-s", map[string]any{
		"command": "/aws", "text": "s3 ls", "team_id": testTeam, "channel_id": "C0002", "channel_name": "privategroup",
		"user_id": "U1", "user_name": "jane", "response_url": e.fake.srv.URL + "/response/1", "trigger_id": "tr",
	})
	ack := e.fake.waitAck(t, "env-s")
	assert.Equal(t, map[string]any{"response_type": "in_channel"}, ack["payload"], "the command is shown in the channel")
	waitFor(t, "the command", func() bool { return rec.count() == 1 })
	in, ref, err := rec.last()
	require.NoError(t, err)
	assert.Equal(t, chat.KindSlashCommand, in.Kind)
	assert.Equal(t, "s3 ls", in.Text)
	assert.True(t, in.Conversation.Private)
	assert.Equal(t, chat.User{ID: "U1", Name: "jane"}, in.User)
	posts := e.fake.callsTo("chat.postMessage")
	require.Len(t, posts, 1)
	assert.Equal(t, "C0002", posts[0].Form.Get("channel"))
	assert.Empty(t, posts[0].Form.Get("thread_ts"), "a slash command is answered with a new channel message")
	assert.NotEmpty(t, ref.MessageID)
}

func TestSocketModeButtonAndForm(t *testing.T) {
	e := newEnv(t)
	rec := &recorder{}
	listen(t, e.adapter, rec)

	// A confirmation button.
	e.fake.pushEnvelope("interactive", "env-b", map[string]any{
		"type": "block_actions", "team": map[string]any{"id": testTeam}, "user": map[string]any{"id": "U1", "name": "jane"},
		"container": map[string]any{"type": "message", "message_ts": "1700000500.000100", "channel_id": "C0001"},
		"channel":   map[string]any{"id": "C0001"}, "trigger_id": "tr-b",
		"actions": []map[string]any{{"action_id": "confirm", "block_id": "b1", "value": "pending-42", "type": "button", "action_ts": "1700000501.1"}},
	})
	e.fake.waitAck(t, "env-b")
	waitFor(t, "the click", func() bool { return rec.count() == 1 })
	in, _, err := rec.last()
	require.NoError(t, err)
	assert.Equal(t, chat.KindButtonClick, in.Kind)
	require.NotNil(t, in.Action)
	assert.Equal(t, "confirm", in.Action.ID)
	assert.Equal(t, "pending-42", in.Action.Value)
	assert.Equal(t, "1700000500.000100", in.Action.Message.MessageID)
	assert.Equal(t, "C0001", in.Action.Message.Conversation.ChannelID)
	posts := e.fake.callsTo("chat.postMessage")
	require.Len(t, posts, 1)
	assert.Equal(t, "1700000500.000100", posts[0].Form.Get("thread_ts"), "the answer goes in the clicked message's thread")

	// A prompt with a form: the click opens a modal, the submission reaches the handler.
	r, err := slack.Render(chat.Message{Text: "need params", Form: &chat.Form{ID: "prompt", Value: "pending-7", Title: "Missing", Fields: []chat.FormField{
		{ID: "function-name", Label: "Function", Required: true},
		{ID: "invocation-type", Label: "Type", Options: []string{"Event", "DryRun"}},
	}}})
	require.NoError(t, err)
	value := formButtonValue(t, r)
	e.fake.pushEnvelope("interactive", "env-f", map[string]any{
		"type": "block_actions", "team": map[string]any{"id": testTeam}, "user": map[string]any{"id": "U1"},
		"container":  map[string]any{"type": "message", "message_ts": "1700000600.000100", "channel_id": "C0001", "thread_ts": "1700000100.000100"},
		"trigger_id": "tr-f",
		"actions":    []map[string]any{{"action_id": "opschat.form.open", "block_id": "Xy1", "value": value, "type": "button"}},
	})
	e.fake.waitAck(t, "env-f")
	waitFor(t, "views.open", func() bool { return len(e.fake.callsTo("views.open")) == 1 })
	open := e.fake.callsTo("views.open")[0]
	assert.Equal(t, "tr-f", open.JSON["trigger_id"])
	view := open.JSON["view"].(map[string]any)
	assert.Equal(t, "opschat.form", view["callback_id"])
	assert.Equal(t, 1, rec.count(), "the form button does not reach the handler")

	e.fake.pushEnvelope("interactive", "env-v", map[string]any{
		"type": "view_submission", "team": map[string]any{"id": testTeam}, "user": map[string]any{"id": "U1", "name": "jane"},
		"view": map[string]any{
			"id": "V1", "callback_id": "opschat.form", "private_metadata": view["private_metadata"],
			"state": map[string]any{"values": map[string]any{
				"function-name":   map[string]any{"function-name": map[string]any{"type": "plain_text_input", "value": "orders"}},
				"invocation-type": map[string]any{"invocation-type": map[string]any{"type": "static_select", "selected_option": map[string]any{"value": "DryRun"}}},
			}},
		},
	})
	ack := e.fake.waitAck(t, "env-v")
	assert.Nil(t, ack["payload"], "an empty ack closes the modal")
	waitFor(t, "the submission", func() bool { return rec.count() == 2 })
	in, _, err = rec.last()
	require.NoError(t, err)
	assert.Equal(t, chat.KindFormSubmit, in.Kind)
	require.NotNil(t, in.Action)
	assert.Equal(t, "prompt", in.Action.ID)
	assert.Equal(t, "pending-7", in.Action.Value)
	assert.Equal(t, map[string]string{"function-name": "orders", "invocation-type": "DryRun"}, in.Action.Values)
	assert.Equal(t, "1700000600.000100", in.Action.Message.MessageID)
	assert.Equal(t, "1700000100.000100", in.Conversation.ThreadID)
	posts = e.fake.callsTo("chat.postMessage")
	assert.Equal(t, "1700000100.000100", posts[len(posts)-1].Form.Get("thread_ts"))
}

func TestExpiredFormKeepsModalOpen(t *testing.T) {
	e := newEnv(t)
	rec := &recorder{}
	listen(t, e.adapter, rec)
	e.fake.pushEnvelope("interactive", "env-x", map[string]any{
		"type": "view_submission", "team": map[string]any{"id": testTeam}, "user": map[string]any{"id": "U1"},
		"view": map[string]any{
			"id": "V1", "callback_id": "opschat.form", "private_metadata": `{"b":"r1:gone","t":"T0001","c":"C0001"}`,
			"blocks": []map[string]any{{"type": "input", "block_id": "function-name", "label": map[string]any{"type": "plain_text", "text": "f"},
				"element": map[string]any{"type": "plain_text_input", "action_id": "function-name"}}},
			"state": map[string]any{"values": map[string]any{}},
		},
	})
	ack := e.fake.waitAck(t, "env-x")
	assert.Equal(t, map[string]any{"response_action": "errors", "errors": map[string]any{
		"function-name": "This form has expired. Close it and run the command again."}}, ack["payload"])
	assert.Equal(t, 0, rec.count())
}

func formButtonValue(t *testing.T, r slack.Rendered) string {
	t.Helper()
	b, err := json.Marshal(r.Blocks)
	require.NoError(t, err)
	var blocks []struct {
		Elements []struct {
			ActionID string `json:"action_id"`
			Value    string `json:"value"`
		} `json:"elements"`
	}
	require.NoError(t, json.Unmarshal(b, &blocks))
	for _, bl := range blocks {
		for _, el := range bl.Elements {
			if el.ActionID == "opschat.form.open" {
				return el.Value
			}
		}
	}
	t.Fatal("no form button")
	return ""
}

func TestListenOnlyOnce(t *testing.T) {
	e := newEnv(t, slack.WithAppToken(""))
	listen(t, e.adapter, &recorder{})
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	waitFor(t, "the first Listen to start", func() bool {
		// Until the first Listen is active this one returns nil at once.
		err := e.adapter.Listen(cancelled, &recorder{})
		return err != nil && strings.Contains(err.Error(), "already listening")
	})
}

func TestSocketModeRejectedToken(t *testing.T) {
	e := newEnv(t)
	e.fake.failWith("apps.connections.open", "invalid_auth")
	err := e.adapter.Listen(context.Background(), &recorder{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "invalid_auth")
	assert.NotContains(t, err.Error(), testAppToken)
}
