package slack

import (
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/opschat/opschat/chat"
)

// retryAfterTransport rewrites the Retry-After header of a 429 answer into
// the only form slack-go reads, whole seconds. slack-go parses the header
// with strconv.ParseInt and returns the parse error itself otherwise, so an
// HTTP date (which RFC 9110 allows) or a malformed value would turn a rate
// limit into a permanent, non-retryable failure. A value that cannot be
// read is dropped: the 429 then stays a retryable rate limit with no wait
// given. (chat.ClassifyHTTP caps whatever wait remains.)
type retryAfterTransport struct {
	base http.RoundTripper
}

func (t retryAfterTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := t.base.RoundTrip(r)
	if err != nil || resp.StatusCode != http.StatusTooManyRequests {
		return resp, err
	}
	v := resp.Header.Get("Retry-After")
	if v == "" {
		return resp, nil
	}
	d, ok := chat.ParseRetryAfter(v, time.Now())
	if !ok {
		resp.Header.Del("Retry-After")
		return resp, nil
	}
	// Round up: waiting a fraction longer beats retrying too early. At
	// most ~9.2e9 seconds, which slack-go's conversion back to a
	// time.Duration does not overflow.
	secs := int64(d / time.Second)
	if d%time.Second != 0 && secs < math.MaxInt64/int64(time.Second) {
		secs++
	}
	resp.Header.Set("Retry-After", strconv.FormatInt(secs, 10))
	return resp, nil
}

// withRetryAfterTransport returns a copy of hc whose transport normalises
// Retry-After; the host's client is not modified.
func withRetryAfterTransport(hc *http.Client) *http.Client {
	c := *hc
	base := c.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	c.Transport = retryAfterTransport{base: base}
	return &c
}

// CloseIdleConnections passes http.Client.CloseIdleConnections on to the
// wrapped transport.
func (t retryAfterTransport) CloseIdleConnections() {
	if c, ok := t.base.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}
