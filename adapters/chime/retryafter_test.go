package chime_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opschat/opschat/adapters/chime"
	"github.com/opschat/opschat/chat"
)

// Every form of Retry-After on a 429 keeps it a retryable rate limit with
// a bounded wait: seconds, an HTTP date (relative to the adapter's clock),
// and negative, garbage or enormous values.
func TestRateLimitedRetryAfterForms(t *testing.T) {
	now := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		header string
		after  time.Duration
		asked  time.Duration
	}{
		{"30", 30 * time.Second, 30 * time.Second},
		{"Sun, 06 Dec 2026 10:01:30 GMT", 90 * time.Second, 90 * time.Second},
		{"Tue, 08 Dec 2026 10:00:00 GMT", chat.MaxRetryAfter, 48 * time.Hour},
		{"Sun, 06 Dec 2026 09:00:00 GMT", 0, 0},
		{"86400", chat.MaxRetryAfter, 24 * time.Hour},
		{"-5", 0, 0},
		{"soon", 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.header, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Retry-After", tt.header)
				w.WriteHeader(http.StatusTooManyRequests)
			}))
			t.Cleanup(srv.Close)
			a, err := chime.New(map[string]string{"room": srv.URL + "/incomingwebhooks/" + hookID + "?token=" + hookToken},
				chime.WithUnsafeEndpointForTesting(srv.URL), chime.WithClock(func() time.Time { return now }))
			require.NoError(t, err)
			_, err = a.Send(context.Background(), chat.Conversation{ChannelID: "room"}, chat.Message{Text: "x"})
			require.Error(t, err)
			assert.ErrorIs(t, err, chat.ErrRateLimited)
			ok, after := chat.Retryable(err)
			assert.True(t, ok)
			assert.Equal(t, tt.after, after)
			var se *chat.SendError
			require.True(t, errors.As(err, &se))
			assert.Equal(t, tt.asked, se.RequestedRetryAfter)
			assert.NotContains(t, err.Error(), hookToken)
		})
	}
}
