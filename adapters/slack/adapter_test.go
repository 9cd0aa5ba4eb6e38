package slack_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opschat/opschat/adapters/adaptertest"
	"github.com/opschat/opschat/adapters/slack"
	"github.com/opschat/opschat/chat"
	"github.com/opschat/opschat/internal/memstore"
)

// syncBuffer is a goroutine-safe log sink.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

type env struct {
	fake    *fakeSlack
	adapter *slack.Adapter
	logs    *syncBuffer
	store   *memstore.Store
}

func newEnv(t testing.TB, opts ...slack.Option) *env {
	t.Helper()
	f := newFakeSlack(t)
	logs := &syncBuffer{}
	store := memstore.New(nil)
	base := []slack.Option{
		slack.WithBotToken(testBotToken),
		slack.WithAppToken(testAppToken),
		slack.WithSigningSecret(testSigning),
		slack.WithAPIURL(f.apiURL()),
		slack.WithStore(store),
		slack.WithLogger(newTextLogger(logs)),
	}
	a, err := slack.New(append(base, opts...)...)
	require.NoError(t, err)
	return &env{fake: f, adapter: a, logs: logs, store: store}
}

func newTextLogger(w *syncBuffer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

var channel = chat.Conversation{Platform: chat.PlatformSlack, WorkspaceID: testTeam, ChannelID: "C0001", Type: chat.ConversationChannel}

func TestConformance(t *testing.T) {
	adaptertest.Run(t, func(t *testing.T) *adaptertest.Harness {
		e := newEnv(t)
		return &adaptertest.Harness{
			Sender:       e.adapter,
			Conversation: channel,
			FailNext:     e.fake.FailNext,
			Posted:       e.fake.Posted,
			Secrets:      []string{testBotToken, testAppToken, testSigning},
			Logs:         e.logs.String,
		}
	})
}

func TestNewValidates(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		opts []slack.Option
		want string
	}{
		{"no token", nil, "need a bot token"},
		{"user token", []slack.Option{slack.WithBotToken("xoxp-1")}, "must start with xoxb-"},
		{"bot token as app token", []slack.Option{slack.WithBotToken(testBotToken), slack.WithAppToken(testBotToken)}, "must start with xapp-"},
		{"oauth without store", []slack.Option{slack.WithOAuth(slack.OAuthConfig{ClientID: "a", ClientSecret: slack.NewSecret("b"), RedirectURL: "https://x/cb"})}, "durable Store"},
		{"oauth incomplete", []slack.Option{slack.WithStore(memstore.New(nil)), slack.WithOAuth(slack.OAuthConfig{RedirectURL: "cb"})}, "ClientID is required"},
		{"api url", []slack.Option{slack.WithBotToken(testBotToken), slack.WithAPIURL("http://x")}, "must end with /"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := slack.New(tt.opts...)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
			assert.NotContains(t, err.Error(), testBotToken)
		})
	}
}

func TestSendFullMessageUploadsFilesInThread(t *testing.T) {
	e := newEnv(t)
	ref, err := e.adapter.Send(context.Background(), channel, adaptertest.FullMessage())
	require.NoError(t, err)
	require.Len(t, e.fake.callsTo("chat.postMessage"), 1)
	post := e.fake.callsTo("chat.postMessage")[0]
	assert.Equal(t, testBotToken, post.Form.Get("token"))
	assert.Equal(t, "ALARM: HighErrors", post.Form.Get("text"))
	assert.Contains(t, post.Form.Get("attachments"), `"color":"#D93F0B"`)
	assert.NotContains(t, post.Form.Get("attachments"), "<!channel>", "mentions must be escaped")

	ups := e.fake.uploaded()
	require.Len(t, ups, 2, "the image bytes and the file")
	// The image bytes are uploaded first, unshared, and shown in the
	// message; the file goes into the message's thread.
	assert.Regexp(t, `^opschat-inline-[0-9a-f]{16}-graph\.png$`, ups[0].Name)
	assert.Empty(t, ups[0].Channel)
	assert.Equal(t, []string{ups[0].ID}, slackFileIDs(t, post))
	assert.Equal(t, "output.json", ups[1].Name)
	assert.Equal(t, `{"a":1}`, string(ups[1].Data))
	assert.Equal(t, "C0001", ups[1].Channel)
	assert.Equal(t, ref.MessageID, ups[1].Thread, "uploads go into the message's thread")
}

func TestSendInThreadAndUpdate(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	root, err := e.adapter.Send(ctx, channel, chat.Message{Text: "root"})
	require.NoError(t, err)
	reply, err := e.adapter.Send(ctx, root.Thread(), chat.Message{Text: "reply"})
	require.NoError(t, err)
	posts := e.fake.callsTo("chat.postMessage")
	require.Len(t, posts, 2)
	assert.Empty(t, posts[0].Form.Get("thread_ts"))
	assert.Equal(t, root.MessageID, posts[1].Form.Get("thread_ts"))
	assert.Equal(t, root.MessageID, reply.Conversation.ThreadID)

	require.NoError(t, e.adapter.Update(ctx, root, chat.Message{Text: "done", Severity: chat.SeveritySuccess}))
	upd := e.fake.callsTo("chat.update")
	require.Len(t, upd, 1)
	assert.Equal(t, root.MessageID, upd[0].Form.Get("ts"))
	assert.Equal(t, "C0001", upd[0].Form.Get("channel"))
	assert.Contains(t, upd[0].Form.Get("attachments"), "#2EB886")
	assert.Contains(t, upd[0].Form.Get("attachments"), "Success", "a one-block message names its severity in the bar")
	assert.Contains(t, upd[0].Form.Get("blocks"), "done", "the text sits at top level, so Slack does not repeat the fallback above the bar")

	require.NoError(t, e.adapter.Update(ctx, root, chat.Message{Text: "plain again"}))
	upd = e.fake.callsTo("chat.update")
	require.Len(t, upd, 2)
	assert.Equal(t, "[]", upd[1].Form.Get("attachments"), "the old coloured attachment is cleared")
	assert.Contains(t, upd[1].Form.Get("blocks"), "plain again")
}

func TestSendSlackErrors(t *testing.T) {
	tests := []struct {
		code      string
		retryable bool
		limited   bool
	}{
		{"channel_not_found", false, false},
		{"invalid_blocks", false, false},
		{"ratelimited", true, true},
		{"internal_error", true, false},
	}
	for _, tt := range tests {
		t.Run(tt.code, func(t *testing.T) {
			e := newEnv(t)
			e.fake.failWith("chat.postMessage", tt.code)
			_, err := e.adapter.Send(context.Background(), channel, chat.Message{Text: "x"})
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.code)
			ok, _ := chat.Retryable(err)
			assert.Equal(t, tt.retryable, ok)
			assert.Equal(t, tt.limited, errors.Is(err, chat.ErrRateLimited))
		})
	}
}

func TestUploadFailureAfterPostIsNotRetryable(t *testing.T) {
	e := newEnv(t)
	e.fake.failWith("files.getUploadURLExternal", "not_allowed")
	ref, err := e.adapter.Send(context.Background(), channel, chat.Message{Text: "x", Files: []chat.File{{Name: "a.txt", Data: []byte("a")}}})
	require.Error(t, err)
	assert.NotEmpty(t, ref.MessageID, "the message was posted: its Ref is returned")
	var ue *slack.UploadError
	require.ErrorAs(t, err, &ue)
	assert.Equal(t, []string{"a.txt"}, ue.Files)
	ok, _ := chat.Retryable(err)
	assert.False(t, ok)
}

func TestUploadFile(t *testing.T) {
	e := newEnv(t)
	ref, err := e.adapter.UploadFile(context.Background(), channel.InThread("1.2"), chat.File{Name: "out.txt", Data: []byte("hello")})
	require.NoError(t, err)
	assert.NotEmpty(t, ref.MessageID)
	ups := e.fake.uploaded()
	require.Len(t, ups, 1)
	assert.Equal(t, "1.2", ups[0].Thread)
	assert.Equal(t, "hello", string(ups[0].Data))

	_, err = e.adapter.UploadFile(context.Background(), channel, chat.File{Name: "empty.txt"})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "empty")
}

func TestLargeFormIsStored(t *testing.T) {
	e := newEnv(t)
	form := largeForm()
	_, err := slack.Render(chat.Message{Text: "x", Form: form})
	require.ErrorIs(t, err, slack.ErrFormTooLarge)

	_, err = e.adapter.Send(context.Background(), channel, chat.Message{Text: "pick", Form: form})
	require.NoError(t, err)
	stored, err := e.store.List(context.Background(), "slack.form", "")
	require.NoError(t, err)
	assert.Len(t, stored, 1)
	body := e.fake.callsTo("chat.postMessage")[0].Form.Get("blocks")
	var blocks []map[string]any
	require.NoError(t, json.Unmarshal([]byte(body), &blocks))
	assert.Contains(t, body, `"value":"r1:`)
}

func TestNotInstalledWorkspace(t *testing.T) {
	f := newFakeSlack(t)
	a, err := slack.New(slack.WithStore(memstore.New(nil)), slack.WithAPIURL(f.apiURL()),
		slack.WithOAuth(slack.OAuthConfig{ClientID: testClientID, ClientSecret: slack.NewSecret(testClientSK), RedirectURL: "https://bot.example.com/slack/oauth/callback"}))
	require.NoError(t, err)
	_, err = a.Send(context.Background(), chat.Conversation{WorkspaceID: "T9", ChannelID: "C1"}, chat.Message{Text: "x"})
	require.ErrorIs(t, err, slack.ErrNotInstalled)
	ok, _ := chat.Retryable(err)
	assert.False(t, ok)
	assert.Equal(t, 0, f.Posted())
}

func TestCapabilities(t *testing.T) {
	e := newEnv(t)
	caps := e.adapter.Capabilities()
	assert.True(t, caps.Threads && caps.Updates && caps.Files && caps.Buttons && caps.Images && caps.Commands)
	assert.Equal(t, slack.DefaultMaxBlockChars, caps.MaxText)
	assert.Equal(t, chat.PlatformSlack, e.adapter.Platform())
}

// waitFor polls cond; tests use it instead of sleeping a fixed time.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
