package chime_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opschat/opschat/adapters/chime"
	"github.com/opschat/opschat/chat"
)

// The HTTP client's own timeout (a slow webhook) is a transient failure of
// the service, reported as a retryable *chat.SendError like other network
// failures; only the caller's context ending is a plain error (net/http's
// timeout error matches context.DeadlineExceeded, which used to make it
// look like the caller's deadline).
func TestClientTimeoutIsRetryableSendError(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) })
	hook := srv.URL + "/incomingwebhooks/" + hookID + "?token=" + hookToken
	a, err := chime.New(map[string]string{"room": hook}, chime.WithUnsafeEndpointForTesting(srv.URL),
		chime.WithHTTPClient(&http.Client{Timeout: 100 * time.Millisecond}))
	require.NoError(t, err)
	_, err = a.Send(context.Background(), chat.Conversation{ChannelID: "room"}, chat.Message{Text: "x"})
	require.Error(t, err)
	var se *chat.SendError
	require.ErrorAs(t, err, &se)
	assert.True(t, se.Retryable)
	assert.Equal(t, chat.PlatformChime, se.Platform)
	assert.NotContains(t, err.Error(), hookToken)
}

// URLs are inserted into Markdown link targets: one with ")", spaces or a
// newline must not end the link early and put its tail ("@All", a second
// link) into the message as Markdown.
func TestRenderURLCannotBreakOutOfLink(t *testing.T) {
	for name, m := range map[string]chat.Message{
		"title link": {Title: "alarm", TitleLink: "https://x.example/a) @All see\n@Present [x](https://evil.example"},
		"image":      {Images: []chat.Image{{URL: "https://x.example/i.png) @All", AltText: "graph"}}},
	} {
		out := chime.Render(m)
		assert.NotContains(t, out, "\n", name)
		assert.NotContains(t, out, " @All", name)
		assert.NotContains(t, out, "@Present", name)
		assert.NotContains(t, out, "[x]", name)
		assert.Equal(t, 1, strings.Count(out, "]("), "%s: %q", name, out)
		assert.Equal(t, 1, strings.Count(out, ")"), "%s: %q", name, out)
	}
	// Ordinary URLs are unchanged.
	out := chime.Render(chat.Message{Title: "alarm", TitleLink: "https://console.aws.amazon.com/cloudwatch/home?region=eu-west-1#alarmsV2:alarm/High_CPU"})
	assert.Contains(t, out, "(https://console.aws.amazon.com/cloudwatch/home?region=eu-west-1#alarmsV2:alarm/High_CPU)")
}
