package teams_test

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opschat/opschat/adapters/teams"
	"github.com/opschat/opschat/chat"
)

// Every form of Retry-After on a 429 from the Bot Connector keeps it a
// retryable rate limit with a bounded wait.
func TestRateLimitedRetryAfterForms(t *testing.T) {
	tests := []struct {
		header string
		after  time.Duration
		asked  time.Duration
	}{
		{"30", 30 * time.Second, 30 * time.Second},
		{fixedNow.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second, 90 * time.Second},
		{fixedNow.Add(48 * time.Hour).Format(http.TimeFormat), chat.MaxRetryAfter, 48 * time.Hour},
		{"86400", chat.MaxRetryAfter, 24 * time.Hour},
		{"-5", 0, 0},
		{"soon", 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.header, func(t *testing.T) {
			fc := newFakeConnector(t)
			a := newTestAdapter(t, fc, nil, teams.WithClock(func() time.Time { return fixedNow }))
			fc.mu.Lock()
			fc.failN, fc.failStatus, fc.failAfterRaw = 1, http.StatusTooManyRequests, tt.header
			fc.mu.Unlock()
			_, err := a.Send(context.Background(), chat.Conversation{ChannelID: "19:abc@thread.tacv2", Type: chat.ConversationChannel}, chat.Message{Text: "x"})
			require.Error(t, err)
			assert.ErrorIs(t, err, chat.ErrRateLimited)
			ok, after := chat.Retryable(err)
			assert.True(t, ok)
			assert.Equal(t, tt.after, after)
			var se *chat.SendError
			require.True(t, errors.As(err, &se))
			assert.Equal(t, tt.asked, se.RequestedRetryAfter)
		})
	}
}
