package chime_test

import (
	"context"
	"net/http"
	"net/http/httptest"
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
