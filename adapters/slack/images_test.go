package slack_test

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opschat/opschat/adapters/adaptertest"
	"github.com/opschat/opschat/adapters/slack"
	"github.com/opschat/opschat/chat"
)

// slackFileIDs returns the slack_file IDs of the image blocks of a
// postMessage or update call.
func slackFileIDs(t *testing.T, c call) []string {
	t.Helper()
	return slackFileRefs(c.Form.Get("blocks"), c.Form.Get("attachments"))
}

// payloadOf rebuilds the chat.postMessage payload a call carried, for
// CheckBlockKit.
func payloadOf(t *testing.T, c call) []byte {
	t.Helper()
	post := map[string]any{"text": c.Form.Get("text")}
	for _, key := range []string{"blocks", "attachments"} {
		if doc := c.Form.Get(key); doc != "" {
			post[key] = json.RawMessage(doc)
		}
	}
	b, err := json.Marshal(post)
	require.NoError(t, err)
	return b
}

func TestSendShowsAlarmGraphInline(t *testing.T) {
	tests := []struct {
		name string
		// failWith makes the fake answer a method's next call with a
		// Slack error code.
		failMethod, failCode string
		inline               bool // the posted message shows the graph
		posts                int
		deleted              bool // the unused private upload was removed
	}{
		{name: "uploaded first, shown by an image block", inline: true, posts: 1},
		{name: "upload fails: attached in the thread", failMethod: "files.getUploadURLExternal", failCode: "internal_error", posts: 1},
		{name: "block refused: posted again, attached in the thread", failMethod: "chat.postMessage", failCode: "invalid_blocks",
			posts: 2, deleted: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			if tt.failMethod != "" {
				e.fake.failWith(tt.failMethod, tt.failCode)
			}
			m := adaptertest.AlarmGraphMessage()
			ref, err := e.adapter.Send(context.Background(), channel, m)
			require.NoError(t, err)

			posts := e.fake.callsTo("chat.postMessage")
			require.Len(t, posts, tt.posts)
			last := posts[len(posts)-1]
			assert.NoError(t, adaptertest.CheckBlockKit(payloadOf(t, last)))
			ups := e.fake.uploaded()
			require.Len(t, ups, 1, "the graph is uploaded exactly once in the end")
			assert.Equal(t, m.Images[0].Data, ups[0].Data)
			if tt.inline {
				assert.Regexp(t, `^opschat-inline-[0-9a-f]{16}-HighErrors\.png$`, ups[0].Name, "recognisable as an inline upload")
				assert.Equal(t, m.Images[0].AltText, ups[0].Title, "Slack's file view shows what the reader knows")
				assert.Equal(t, []string{ups[0].ID}, slackFileIDs(t, last), "the message shows the uploaded file")
				assert.Empty(t, ups[0].Channel, "the file itself is not shared to the channel")
				assert.Empty(t, ups[0].Thread)
			} else {
				assert.Empty(t, slackFileIDs(t, last))
				assert.Equal(t, "HighErrors.png", ups[0].Name, "an attached image keeps its name")
				assert.Equal(t, channel.ChannelID, ups[0].Channel, "attached after the message")
				assert.Equal(t, ref.MessageID, ups[0].Thread)
			}
			if tt.deleted {
				assert.Len(t, e.fake.callsTo("files.delete"), 1)
				assert.Contains(t, e.logs.String(), "inline image refused")
			} else {
				assert.Empty(t, e.fake.callsTo("files.delete"))
			}
		})
	}
}

func TestSendFailureDeletesInlineUpload(t *testing.T) {
	e := newEnv(t)
	e.fake.failWith("chat.postMessage", "channel_not_found")
	_, err := e.adapter.Send(context.Background(), channel, adaptertest.AlarmGraphMessage())
	require.Error(t, err)
	se, ok := errors.AsType[*chat.SendError](err)
	require.True(t, ok, "%T", err)
	assert.False(t, se.Retryable)
	require.Len(t, e.fake.callsTo("files.delete"), 1, "no private copy is left behind for the retry")
	assert.Empty(t, e.fake.uploaded())
	assert.Len(t, e.fake.callsTo("chat.postMessage"), 1, "not posted again")
}

func TestUpdateShowsImageInline(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	ref, err := e.adapter.Send(ctx, channel, chat.Message{Text: "checking…"})
	require.NoError(t, err)
	require.NoError(t, e.adapter.Update(ctx, ref, adaptertest.AlarmGraphMessage()))
	updates := e.fake.callsTo("chat.update")
	require.Len(t, updates, 1)
	ups := e.fake.uploaded()
	require.Len(t, ups, 1)
	assert.Equal(t, []string{ups[0].ID}, slackFileIDs(t, updates[0]))
}

// TestAdapterReusesConnections posts bursts of messages in parallel, as a
// notification storm to many channels does, and counts the TCP
// connections the Web API server accepts: with the adapter's pool every
// burst after the first reuses the connections of the one before; with
// net/http's default of 2 idle connections most are opened again.
//
// net/http returns a connection to the idle pool on its own goroutine,
// after the response has been handed over, so on a loaded machine a few
// requests of the next burst may not find theirs back yet (20 of 16 seen
// at load 13). The bounds leave room for that: at most 1.5×parallel with
// the pool, at least 2×parallel without it (40 to 58 seen).
func TestAdapterReusesConnections(t *testing.T) {
	const parallel, bursts = 16, 4
	tests := []struct {
		name    string
		opts    []slack.Option
		maxConn int64 // at most this many connections opened
		minConn int64 // at least (shows the test can tell the difference)
	}{
		{name: "default pool", maxConn: parallel * 3 / 2},
		{name: "sized for 64 channels", opts: []slack.Option{slack.WithMaxIdleConnsPerHost(64)}, maxConn: parallel * 3 / 2},
		{name: "net/http's default of 2", opts: []slack.Option{slack.WithMaxIdleConnsPerHost(2)}, minConn: 2 * parallel},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var opened atomic.Int64
			srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				_, _ = w.Write([]byte(`{"ok":true,"channel":"C0001","ts":"1700000000.000100"}`))
			}))
			srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
				if s == http.StateNew {
					opened.Add(1)
				}
			}
			srv.Start()
			t.Cleanup(srv.Close)
			a, err := slack.New(append([]slack.Option{slack.WithBotToken(testBotToken), slack.WithAPIURL(srv.URL + "/api/")}, tt.opts...)...)
			require.NoError(t, err)

			for range bursts {
				var wg sync.WaitGroup
				for range parallel {
					wg.Go(func() {
						_, err := a.Send(context.Background(), channel, chat.Message{Text: "storm"})
						assert.NoError(t, err)
					})
				}
				wg.Wait()
			}
			n := opened.Load()
			t.Logf("%d connections for %d messages", n, parallel*bursts)
			if tt.maxConn > 0 {
				assert.LessOrEqual(t, n, tt.maxConn)
			}
			if tt.minConn > 0 {
				assert.GreaterOrEqual(t, n, tt.minConn)
			}
		})
	}
}
