package slack_test

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opschat/opschat/chat"
	"github.com/opschat/opschat/chatops"
	"github.com/opschat/opschat/command/commandtest"
)

// The end-to-end tests run the real bot core (chatops) on the adapter over
// the Socket Mode fake: what a Slack user sees, from mention to answer.

const e2eConfig = `
configurations:
  - ConfigurationName: slack-ops
    SlackWorkspaceId: T0001
    SlackChannelId: C0001
    IamRoleArn: arn:aws:iam::123456789012:role/ops
    GuardrailPolicies: [arn:aws:iam::aws:policy/ReadOnlyAccess]
`

type e2eExecutor struct {
	mu   sync.Mutex
	reqs []chatops.ExecRequest
}

func (x *e2eExecutor) Execute(_ context.Context, req chatops.ExecRequest) (*chatops.ExecResult, error) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.reqs = append(x.reqs, req)
	return &chatops.ExecResult{
		Message: chat.Message{CodeBlocks: []chat.CodeBlock{{Content: "ran " + req.Invocation.Action() + " <!channel>"}}},
		Region:  "us-east-1", Account: "123456789012",
	}, nil
}

func (x *e2eExecutor) actions() []string {
	x.mu.Lock()
	defer x.mu.Unlock()
	var out []string
	for _, r := range x.reqs {
		out = append(out, r.Invocation.Action())
	}
	return out
}

func (x *e2eExecutor) last() chatops.ExecRequest {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.reqs[len(x.reqs)-1]
}

type e2e struct {
	*env
	exec  *e2eExecutor
	audit *syncBuffer
}

func newE2E(t *testing.T) *e2e {
	t.Helper()
	e := newEnv(t)
	cfg, err := chatops.LoadConfig([]byte(e2eConfig))
	require.NoError(t, err)
	x := &e2eExecutor{}
	audit := &syncBuffer{}
	allow := chatops.AuthorizerFunc(func(context.Context, chatops.AuthRequest) (chatops.AuthResult, error) {
		return chatops.AuthResult{Allowed: true}, nil
	})
	bot, err := chatops.New(
		chatops.WithAdapter(e.adapter), chatops.WithConfig(cfg), chatops.WithStore(e.store),
		chatops.WithCatalog(commandtest.Catalog()), chatops.WithExecutor(x), chatops.WithAuthorizer(allow),
		chatops.WithAuditWriter(audit), chatops.WithStillRunningAfter(0),
	)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- bot.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			assert.NoError(t, err)
		case <-time.After(10 * time.Second):
			t.Error("bot did not stop")
		}
	})
	waitFor(t, "the bot to listen", e.adapter.Listening)
	return &e2e{env: e, exec: x, audit: audit}
}

// postsAfter waits for the n-th chat.postMessage and returns it.
func (e *e2e) post(t *testing.T, n int) call {
	t.Helper()
	waitFor(t, "a reply", func() bool { return e.fake.Posted() >= n })
	return e.fake.callsTo("chat.postMessage")[n-1]
}

// settled waits until the bot finished n requests (one audit line each):
// the bot saves a pending command after posting its question, and a click
// arriving in between would find nothing to confirm.
func (e *e2e) settled(t *testing.T, n int) {
	t.Helper()
	waitFor(t, "the bot to finish", func() bool { return strings.Count(e.audit.String(), "\n") >= n })
}

// buttons returns the action_id → value of the buttons in a posted message.
func buttons(t *testing.T, c call) map[string]string {
	t.Helper()
	var raw []any
	for _, field := range []string{"blocks", "attachments"} {
		if s := c.Form.Get(field); s != "" {
			var v []any
			require.NoError(t, json.Unmarshal([]byte(s), &v))
			raw = append(raw, v...)
		}
	}
	out := map[string]string{}
	var walk func(any)
	walk = func(x any) {
		switch x := x.(type) {
		case map[string]any:
			if x["type"] == "button" {
				out[x["action_id"].(string)], _ = x["value"].(string)
			}
			for _, v := range x {
				walk(v)
			}
		case []any:
			for _, v := range x {
				walk(v)
			}
		}
	}
	walk(raw)
	return out
}

func click(e *e2e, envelope, messageTS, threadTS, actionID, value string) {
	e.fake.pushEnvelope("interactive", envelope, map[string]any{
		"type": "block_actions", "team": map[string]any{"id": testTeam}, "user": map[string]any{"id": "U1", "name": "jane"},
		"container":  map[string]any{"type": "message", "message_ts": messageTS, "channel_id": "C0001", "thread_ts": threadTS},
		"channel":    map[string]any{"id": "C0001"},
		"trigger_id": "tr-" + envelope,
		"actions":    []map[string]any{{"action_id": actionID, "block_id": "b", "value": value, "type": "button"}},
	})
}

func TestEndToEndMentionCommandReply(t *testing.T) {
	e := newE2E(t)
	e.fake.pushEnvelope("events_api", "m1", eventCallback("EvM1", mention("1700002000.000100", "<@UBOT> ec2 describe-instances")))
	reply := e.post(t, 1)
	assert.Equal(t, "1700002000.000100", reply.Form.Get("thread_ts"), "the answer is in the mention's thread")
	assert.Equal(t, []string{"ec2:DescribeInstances"}, e.exec.actions())
	assert.Contains(t, reply.Form.Get("blocks")+reply.Form.Get("attachments"), `ran ec2:DescribeInstances \u0026lt;!channel\u0026gt;`)
	assert.Equal(t, "T0001", e.exec.last().Conversation.WorkspaceID)
	waitFor(t, "the audit record", func() bool { return strings.Contains(e.audit.String(), "ec2 describe-instances") })
}

func TestEndToEndConfirmationButton(t *testing.T) {
	e := newE2E(t)
	e.fake.pushEnvelope("events_api", "m1", eventCallback("EvM1", mention("1700003000.000100", "<@UBOT> ec2 stop-instances --instance-ids i-0123456789abcdef0")))
	ask := e.post(t, 1)
	assert.Empty(t, e.exec.actions(), "a mutating command waits for confirmation")
	btns := buttons(t, ask)
	require.Contains(t, btns, chatops.ActionConfirm, "confirmation buttons: %v", btns)
	require.Contains(t, btns, chatops.ActionCancel)
	e.settled(t, 1)

	click(e, "c1", "1700000000.000001", "1700003000.000100", chatops.ActionConfirm, btns[chatops.ActionConfirm])
	waitFor(t, "the command to run", func() bool { return len(e.exec.actions()) == 1 })
	assert.Equal(t, []string{"ec2:StopInstances"}, e.exec.actions())
	assert.Equal(t, "U1", e.exec.last().User.ID)

	// A second click on the same button does not run the command again.
	click(e, "c2", "1700000000.000001", "1700003000.000100", chatops.ActionConfirm, btns[chatops.ActionConfirm])
	e.fake.pushEnvelope("events_api", "m2", eventCallback("EvM2", mention("1700003100.000100", "<@UBOT> ec2 describe-instances")))
	waitFor(t, "the next command", func() bool { return len(e.exec.actions()) == 2 })
	assert.Equal(t, []string{"ec2:StopInstances", "ec2:DescribeInstances"}, e.exec.actions())
}

func TestEndToEndModalPrompt(t *testing.T) {
	e := newE2E(t)
	e.fake.pushEnvelope("events_api", "m1", eventCallback("EvM1", mention("1700004000.000100", "<@UBOT> lambda invoke")))
	ask := e.post(t, 1)
	btns := buttons(t, ask)
	require.Contains(t, btns, "opschat.form.open", "the prompt offers a form: %v", btns)
	e.settled(t, 1)

	click(e, "f1", "1700000000.000001", "1700004000.000100", "opschat.form.open", btns["opschat.form.open"])
	waitFor(t, "views.open", func() bool { return len(e.fake.callsTo("views.open")) == 1 })
	view := e.fake.callsTo("views.open")[0].JSON["view"].(map[string]any)
	blocks, _ := json.Marshal(view["blocks"])
	assert.Contains(t, string(blocks), `"block_id":"function-name"`)

	e.fake.pushEnvelope("interactive", "v1", map[string]any{
		"type": "view_submission", "team": map[string]any{"id": testTeam}, "user": map[string]any{"id": "U1", "name": "jane"},
		"view": map[string]any{
			"id": "V1", "callback_id": "opschat.form", "private_metadata": view["private_metadata"],
			"state": map[string]any{"values": map[string]any{
				"function-name": map[string]any{"function-name": map[string]any{"type": "plain_text_input", "value": "orders"}},
			}},
		},
	})
	// lambda invoke changes things: the filled-in command asks for confirmation.
	confirm := e.post(t, 2)
	assert.Contains(t, confirm.Form.Get("attachments"), "--function-name orders")
	assert.Equal(t, "1700004000.000100", confirm.Form.Get("thread_ts"), "the form's answer stays in the thread")
	btns = buttons(t, confirm)
	require.Contains(t, btns, chatops.ActionConfirm)
	e.settled(t, 2)
	click(e, "c1", "1700000000.000002", "1700004000.000100", chatops.ActionConfirm, btns[chatops.ActionConfirm])
	waitFor(t, "the command to run", func() bool { return len(e.exec.actions()) == 1 })
	assert.Contains(t, e.exec.last().Invocation.Text, "--function-name orders")
	result := e.post(t, 3)
	assert.Equal(t, "1700004000.000100", result.Form.Get("thread_ts"))
}

func TestEndToEndUnconfiguredChannel(t *testing.T) {
	e := newE2E(t)
	ev := mention("1700005000.000100", "<@UBOT> ec2 describe-instances")
	ev["channel"] = "C0404"
	e.fake.pushEnvelope("events_api", "m1", eventCallback("EvM1", ev))
	reply := e.post(t, 1)
	assert.Contains(t, reply.Form.Get("blocks")+reply.Form.Get("attachments"), "not configured")
	assert.Empty(t, e.exec.actions())
	assert.False(t, bytes.Contains([]byte(e.logs.String()), []byte(testBotToken)))
}
