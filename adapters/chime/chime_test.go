package chime_test

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opschat/opschat/adapters/adaptertest"
	"github.com/opschat/opschat/adapters/chime"
	"github.com/opschat/opschat/chat"
)

func conv() chat.Conversation {
	return chat.Conversation{Platform: chat.PlatformChime, ChannelID: "ops-room", Type: chat.ConversationChannel}
}

func newAdapter(t *testing.T, f *fakeWebhook, logs *logBuffer, opts ...chime.Option) *chime.Adapter {
	t.Helper()
	base := []chime.Option{chime.WithUnsafeEndpointForTesting(f.srv.URL), chime.WithHTTPClient(f.srv.Client())}
	if logs != nil {
		base = append(base, chime.WithLogger(logs.Logger()))
	}
	a, err := chime.New(map[string]string{"ops-room": f.URL()}, append(base, opts...)...)
	require.NoError(t, err)
	return a
}

func TestConformance(t *testing.T) {
	adaptertest.Run(t, func(t *testing.T) *adaptertest.Harness {
		f := newFakeWebhook(t)
		logs := &logBuffer{}
		return &adaptertest.Harness{
			Sender:       newAdapter(t, f, logs),
			Conversation: conv(),
			FailNext:     f.FailNext,
			Posted:       f.Posted,
			Secrets:      []string{hookToken, f.URL()},
			Logs:         logs.String,
		}
	})
}

func TestNewValidatesWebhookURLs(t *testing.T) {
	good := "https://hooks.chime.aws/incomingwebhooks/" + hookID + "?token=" + hookToken
	_, err := chime.New(map[string]string{"room": good})
	require.NoError(t, err)

	bad := map[string]string{
		"http":      "http://hooks.chime.aws/incomingwebhooks/" + hookID + "?token=" + hookToken,
		"otherhost": "https://hooks.chime.aws.evil.example/incomingwebhooks/" + hookID + "?token=" + hookToken,
		"notoken":   "https://hooks.chime.aws/incomingwebhooks/" + hookID,
		"extra":     good + "&x=1",
		"path":      "https://hooks.chime.aws/incomingwebhooks/../x?token=" + hookToken,
		"long":      "https://hooks.chime.aws/incomingwebhooks/" + strings.Repeat("a", 250) + "?token=" + hookToken,
	}
	_, err = chime.New(bad)
	require.Error(t, err)
	for name, u := range bad {
		assert.Contains(t, err.Error(), `webhooks["`+name+`"]`, "every bad configuration is reported")
		assert.NotContains(t, err.Error(), u)
	}
	assert.NotContains(t, err.Error(), hookToken)

	// The test override accepts only its own base.
	_, err = chime.New(map[string]string{"room": good}, chime.WithUnsafeEndpointForTesting("http://127.0.0.1:1"))
	assert.Error(t, err)
	_, err = chime.New(nil, chime.WithMaxContentBytes(10))
	assert.Error(t, err)
}

func TestSendPostsMarkdown(t *testing.T) {
	f := newFakeWebhook(t)
	a := newAdapter(t, f, nil)
	ref, err := a.Send(context.Background(), conv().InThread("ignored"), chat.Message{Title: "Deploy **done**", Severity: chat.SeveritySuccess})
	require.NoError(t, err)
	assert.Equal(t, "msg-1", ref.MessageID)
	assert.Empty(t, ref.Conversation.ThreadID, "Chime has no threads")
	assert.Equal(t, []string{"/md ✅ **Deploy done**"}, f.Contents())
}

func TestSendUnknownConfiguration(t *testing.T) {
	f := newFakeWebhook(t)
	a := newAdapter(t, f, nil)
	c := conv()
	c.ChannelID = "nope"
	_, err := a.Send(context.Background(), c, chat.Message{Text: "x"})
	require.Error(t, err)
	assert.Contains(t, err.Error(), `"nope"`)
	ok, _ := chat.Retryable(err)
	assert.False(t, ok)
}

func TestSendSplitsLongMessages(t *testing.T) {
	f := newFakeWebhook(t)
	a := newAdapter(t, f, nil)
	content := strings.Repeat("line of command output 0123456789\n", 300) // ~10 KB
	ref, err := a.Send(context.Background(), conv(), chat.Message{Title: "big", CodeBlocks: []chat.CodeBlock{{Content: content}}})
	require.NoError(t, err)
	assert.Equal(t, "msg-1", ref.MessageID, "the ref names the first post")
	posts := f.Contents()
	require.Len(t, posts, 3)
	total := 0
	for _, p := range posts {
		assert.LessOrEqual(t, len(p), chime.DefaultMaxContentBytes)
		assert.True(t, strings.HasPrefix(p, "/md "))
		assert.Equal(t, 0, strings.Count(p, "```")%2, "every part has balanced fences")
		total += strings.Count(p, "line of command output")
	}
	assert.Equal(t, 300, total, "nothing lost")
}

func TestSendTruncatesBeyondMaxParts(t *testing.T) {
	f := newFakeWebhook(t)
	a := newAdapter(t, f, nil, chime.WithMaxParts(2))
	_, err := a.Send(context.Background(), conv(), chat.Message{CodeBlocks: []chat.CodeBlock{{Content: strings.Repeat("x\n", 10000)}}})
	require.NoError(t, err)
	posts := f.Contents()
	require.Len(t, posts, 2)
	assert.Contains(t, posts[1], "truncated")
	assert.LessOrEqual(t, len(posts[1]), chime.DefaultMaxContentBytes)
	assert.Equal(t, 0, strings.Count(posts[1], "```")%2)
}

func TestSendWithoutMessageIDInResponse(t *testing.T) {
	f := newFakeWebhook(t)
	f.noMessage = true
	a := newAdapter(t, f, nil)
	ref, err := a.Send(context.Background(), conv(), chat.Message{Text: "x"})
	require.NoError(t, err)
	assert.NotEmpty(t, ref.MessageID)
}

func TestTransportErrorHidesWebhookURL(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	base := "http://" + ln.Addr().String()
	require.NoError(t, ln.Close())
	hook := base + "/incomingwebhooks/" + hookID + "?token=" + hookToken
	logs := &logBuffer{}
	a, err := chime.New(map[string]string{"room": hook}, chime.WithUnsafeEndpointForTesting(base), chime.WithLogger(logs.Logger()))
	require.NoError(t, err)
	_, err = a.Send(context.Background(), chat.Conversation{ChannelID: "room"}, chat.Message{Text: "x"})
	require.Error(t, err)
	ok, _ := chat.Retryable(err)
	assert.True(t, ok, "connection refused is transient")
	assert.NotContains(t, err.Error(), hookToken)
	assert.NotContains(t, logs.String(), hookToken)
}

func TestDeadlineIsNotRetryable(t *testing.T) {
	f := newFakeWebhook(t)
	a := newAdapter(t, f, nil)
	ctx, cancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel()
	_, err := a.Send(ctx, conv(), chat.Message{Text: "x"})
	assert.True(t, errors.Is(err, context.DeadlineExceeded))
}

func TestCapabilities(t *testing.T) {
	f := newFakeWebhook(t)
	caps := chat.CapabilitiesOf(newAdapter(t, f, nil))
	assert.False(t, caps.Commands)
	assert.False(t, caps.Threads || caps.Updates || caps.Buttons || caps.Files)
	assert.Equal(t, chime.DefaultMaxContentBytes, caps.MaxText)
	assert.ErrorIs(t, chime.ErrCommandsUnsupported, chat.ErrUnsupported)
	assert.Contains(t, chime.ErrCommandsUnsupported.Error(), "commands are not supported")
}

func TestRenderGolden(t *testing.T) {
	for _, tc := range goldenCases() {
		t.Run(tc.name, func(t *testing.T) {
			got := strings.Join(chime.Split(chime.Render(tc.msg), chime.DefaultMaxContentBytes, chime.DefaultMaxParts), "\n---- next post ----\n") + "\n"
			path := filepath.Join("testdata", tc.name+".golden.md")
			if *update {
				require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
			}
			want, err := os.ReadFile(path)
			require.NoError(t, err, "run go test -update to create %s", path)
			assert.Equal(t, string(want), got)
		})
	}
}

func TestRenderDefusesMentionsAndEscapes(t *testing.T) {
	out := chime.Render(chat.Message{
		Title:      "@All deploy",
		Text:       "ping @Present and @jane@example.com; mail ops@example.com",
		Fields:     []chat.Field{{Name: "# heading", Value: "**x** _y_ [z](https://e.x) @All"}},
		CodeBlocks: []chat.CodeBlock{{Content: "```\n@All\n```"}},
		Context:    []string{"by @bob"},
	})
	for _, m := range []string{"@All", "@Present", "@jane", "@bob"} {
		assert.NotContains(t, out, m)
	}
	assert.Contains(t, out, "ops@example.com", "e-mail addresses are not mentions")
	assert.Contains(t, out, `\*\*x\*\* \_y\_ \[z\](https://e.x)`)
	assert.Contains(t, out, `**\# heading:**`)
	assert.Equal(t, 2, strings.Count(out, "```"), "code cannot close its fence")
}

func FuzzSplit(f *testing.F) {
	f.Add("a\n```\nb\n```\nc", 300, 3)
	f.Add(strings.Repeat("é", 3000), 256, 2)
	f.Add("```\n"+strings.Repeat("x\n", 500), 256, 10)
	f.Add(strings.Repeat("\x80", 1000), 256, 3) // no rune start to cut at
	f.Fuzz(func(t *testing.T, md string, maxBytes, maxParts int) {
		if maxBytes < 256 || maxBytes > 1<<16 || maxParts < 1 || maxParts > 50 {
			return
		}
		parts := chime.Split(md, maxBytes, maxParts)
		if len(parts) == 0 || len(parts) > maxParts {
			t.Fatalf("%d parts", len(parts))
		}
		for _, p := range parts {
			if len(p) > maxBytes {
				t.Fatalf("part of %d bytes > %d", len(p), maxBytes)
			}
			if utf8.ValidString(md) && !utf8.ValidString(p) {
				t.Fatal("split inside a rune")
			}
		}
	})
}

func FuzzRender(f *testing.F) {
	f.Add("**b** @All `c` [l](https://x)", "f_*", "```")
	f.Fuzz(func(t *testing.T, text, field, code string) {
		out := chime.Render(chat.Message{Title: text, Text: text, Fields: []chat.Field{{Name: field, Value: field}},
			CodeBlocks: []chat.CodeBlock{{Content: code}}, Context: []string{text}})
		if strings.Contains(strings.ToLower(out), "@all") || strings.Contains(strings.ToLower(out), "@present") {
			t.Fatalf("mention survived: %q", out)
		}
		if strings.Count(out, "```")%2 != 0 {
			t.Fatalf("unbalanced fences: %q", out)
		}
	})
}

// Every notification type the formatter produces, as Chime posts.
func TestRenderNotificationGoldens(t *testing.T) {
	for name, m := range notifyMessages(t) {
		t.Run(name, func(t *testing.T) {
			got := strings.Join(chime.Split(chime.Render(m), chime.DefaultMaxContentBytes, chime.DefaultMaxParts), "\n---- next post ----\n") + "\n"
			path := filepath.Join("testdata", "notify", name+".golden.md")
			if *update {
				require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
			}
			want, err := os.ReadFile(path)
			require.NoError(t, err, "run go test -update to create %s", path)
			assert.Equal(t, string(want), got)
		})
	}
}
