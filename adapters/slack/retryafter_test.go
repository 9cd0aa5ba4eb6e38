package slack_test

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opschat/opschat/chat"
)

// A 429 is a rate limit whatever its Retry-After says: an HTTP date is
// honoured (capped), and a negative, garbage or enormous value neither turns
// the 429 into a permanent failure nor pauses the channel for long.
func TestRateLimitedRetryAfterForms(t *testing.T) {
	tests := []struct {
		header    string
		wantAfter func(d time.Duration) bool
		asked     time.Duration // RequestedRetryAfter; -1: do not check
	}{
		{"30", func(d time.Duration) bool { return d == 30*time.Second }, 30 * time.Second},
		{time.Now().Add(90 * time.Second).UTC().Format(http.TimeFormat), func(d time.Duration) bool { return d > 80*time.Second && d <= 90*time.Second }, -1},
		{time.Now().Add(48 * time.Hour).UTC().Format(http.TimeFormat), func(d time.Duration) bool { return d == chat.MaxRetryAfter }, -1},
		{"86400", func(d time.Duration) bool { return d == chat.MaxRetryAfter }, 24 * time.Hour},
		{"99999999999999999999", func(d time.Duration) bool { return d == chat.MaxRetryAfter }, -1},
		{"-5", func(d time.Duration) bool { return d == 0 }, 0},
		{"soon", func(d time.Duration) bool { return d == 0 }, 0},
		{"1.5", func(d time.Duration) bool { return d == 0 }, 0},
	}
	for _, tt := range tests {
		t.Run(tt.header, func(t *testing.T) {
			e := newEnv(t)
			e.fake.mu.Lock()
			e.fake.failN, e.fake.failStatus, e.fake.retryAfterRaw = 1, http.StatusTooManyRequests, tt.header
			e.fake.mu.Unlock()
			_, err := e.adapter.Send(context.Background(), chat.Conversation{WorkspaceID: testTeam, ChannelID: "C0001"}, chat.Message{Text: "hi"})
			require.Error(t, err)
			assert.ErrorIs(t, err, chat.ErrRateLimited, "a 429 is a rate limit: %v", err)
			ok, after := chat.Retryable(err)
			assert.True(t, ok, "a 429 is retryable")
			assert.True(t, tt.wantAfter(after), "wait %s", after)
			var se *chat.SendError
			require.True(t, errors.As(err, &se))
			if tt.asked >= 0 {
				assert.Equal(t, tt.asked, se.RequestedRetryAfter)
			}
			assert.GreaterOrEqual(t, se.RequestedRetryAfter, se.RetryAfter)
		})
	}
}
