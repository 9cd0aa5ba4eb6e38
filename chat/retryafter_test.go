package chat_test

import (
	"errors"
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opschat/opschat/chat"
)

// One 429 with "Retry-After: 86400" must not pause a channel for a day: the
// wait is capped at chat.MaxRetryAfter, and what the platform asked for
// stays on the error for the delivery layer to log.
func TestClassifyHTTPCapsRetryAfter(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		requested time.Duration
		wantAfter time.Duration
		wantAsked time.Duration
	}{
		{"none", 0, 0, 0},
		{"short", 7 * time.Second, 7 * time.Second, 7 * time.Second},
		{"exactly the cap", chat.MaxRetryAfter, chat.MaxRetryAfter, chat.MaxRetryAfter},
		{"a day", 24 * time.Hour, chat.MaxRetryAfter, 24 * time.Hour},
		{"huge", time.Duration(1<<62 - 1), chat.MaxRetryAfter, time.Duration(1<<62 - 1)},
		{"negative", -5 * time.Second, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := chat.ClassifyHTTP(chat.PlatformSlack, 429, tt.requested, nil)
			var se *chat.SendError
			require.True(t, errors.As(err, &se))
			assert.Equal(t, tt.wantAfter, se.RetryAfter)
			assert.Equal(t, tt.wantAsked, se.RequestedRetryAfter)
			ok, after := chat.Retryable(err)
			assert.True(t, ok)
			assert.Equal(t, tt.wantAfter, after)
			if tt.wantAsked > chat.MaxRetryAfter {
				assert.Contains(t, se.Error(), "capped", "the log line shows the wait was capped")
			}
		})
	}
}

// A *SendError built by hand (not through ClassifyHTTP) is capped by
// Retryable too, since that is what the delivery layer reads.
func TestRetryableCapsHandBuiltSendError(t *testing.T) {
	t.Parallel()
	for _, d := range []time.Duration{48 * time.Hour, -time.Hour} {
		ok, after := chat.Retryable(&chat.SendError{Retryable: true, RetryAfter: d})
		assert.True(t, ok)
		assert.GreaterOrEqual(t, after, time.Duration(0), "%s", d)
		assert.LessOrEqual(t, after, chat.MaxRetryAfter, "%s", d)
	}
}

func TestParseRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		header string
		want   time.Duration
		ok     bool
	}{
		{"", 0, false},
		{"7", 7 * time.Second, true},
		{" 7 ", 7 * time.Second, true},
		{"0", 0, true},
		{"86400", 24 * time.Hour, true},
		{"-5", 0, false},
		{"+5", 0, false},
		{"1.5", 0, false},
		{"7s", 0, false},
		{"soon", 0, false},
		{"0x10", 0, false},
		// Far beyond time.Duration: no overflow to a negative wait.
		{"99999999999999999999999", time.Duration(math.MaxInt64), true},
		{"9223372037", time.Duration(math.MaxInt64), true},
		{"9223372036", 9223372036 * time.Second, true},
		// HTTP dates in the three formats RFC 9110 allows.
		{"Sun, 06 Dec 2026 10:00:30 GMT", 30 * time.Second, true},
		{"Sunday, 06-Dec-26 10:00:30 GMT", 30 * time.Second, true},
		{"Sun Dec  6 10:00:30 2026", 30 * time.Second, true},
		// A date in the past means "now".
		{"Sun, 06 Dec 2026 09:00:00 GMT", 0, true},
		{"Sun, 06 Dec 2126 10:00:00 GMT", time.Date(2126, 12, 6, 10, 0, 0, 0, time.UTC).Sub(now), true},
		{"Sun, 06 Dec 2026 10:00:30 PST", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.header, func(t *testing.T) {
			t.Parallel()
			got, ok := chat.ParseRetryAfter(tt.header, now)
			assert.Equal(t, tt.ok, ok)
			assert.Equal(t, tt.want, got)
		})
	}
}

func FuzzParseRetryAfter(f *testing.F) {
	for _, s := range []string{"7", "-1", "99999999999999999999", "Sun, 06 Dec 2026 10:00:30 GMT", "x"} {
		f.Add(s)
	}
	now := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		d, ok := chat.ParseRetryAfter(s, now)
		if d < 0 || (!ok && d != 0) {
			t.Fatalf("ParseRetryAfter(%q) = %v, %v", s, d, ok)
		}
	})
}
