package chat

import (
	"math"
	"strconv"
	"strings"
	"time"
)

// MaxRetryAfter caps how long a platform's Retry-After can pause sends
// (ClassifyHTTP, Retryable).
//
// Why 5 minutes: the platforms' real rate-limit waits are seconds (Slack's
// tiers answer 1–60 s, the Bot Connector and Chime webhooks a few seconds),
// so a longer value is a misbehaving proxy or a hostile endpoint, and one
// 429 with "Retry-After: 86400" would otherwise silence a channel's alarms
// for a day. If the platform is still limiting after 5 minutes, the next
// attempt costs one request and gets a fresh 429; the requested value stays
// on SendError.RequestedRetryAfter for the delivery layer to log.
const MaxRetryAfter = 5 * time.Minute

// httpDateFormats are the three date forms RFC 9110 §5.6.7 requires a
// recipient to accept (the same as net/http.ParseTime).
var httpDateFormats = [...]string{
	"Mon, 02 Jan 2006 15:04:05 GMT",  // IMF-fixdate
	"Monday, 02-Jan-06 15:04:05 GMT", // obsolete RFC 850
	"Mon Jan _2 15:04:05 2006",       // ANSI C asctime
}

// ParseRetryAfter parses a Retry-After header value: delay-seconds (a
// non-negative integer) or an HTTP date, relative to now. It reports false
// for an empty, negative or malformed value, which callers treat as "not
// said" (0). A date in the past is 0. The result is not capped (so it can
// be logged as asked); a value beyond time.Duration saturates instead of
// overflowing to a negative wait. Pass it to ClassifyHTTP, which caps it.
func ParseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if isDigits(v) {
		secs, err := strconv.ParseInt(v, 10, 64)
		if err != nil || secs > math.MaxInt64/int64(time.Second) {
			// Only digits, so the error is a range error: saturate.
			return time.Duration(math.MaxInt64), true
		}
		return time.Duration(secs) * time.Second, true
	}
	for _, layout := range httpDateFormats {
		t, err := time.Parse(layout, v)
		if err != nil {
			continue
		}
		if !t.After(now) {
			return 0, true
		}
		return t.Sub(now), true // Sub saturates on overflow
	}
	return 0, false
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// capRetryAfter bounds d to [0, MaxRetryAfter].
func capRetryAfter(d time.Duration) time.Duration {
	return min(max(d, 0), MaxRetryAfter)
}
