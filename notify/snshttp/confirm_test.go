package snshttp_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/opschat/opschat/notify/snshttp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// syncBuffer is a log sink safe for the handler's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// confirmTransport fails every SubscribeURL fetch the way it is told.
type confirmTransport struct {
	status int   // when err is nil
	err    error // transport failure
}

func (c confirmTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if c.err != nil {
		return nil, c.err
	}
	return &http.Response{StatusCode: c.status, Body: io.NopCloser(strings.NewReader("<Error/>")), Header: http.Header{}, Request: r}, nil
}

// TestConfirmationFailureNeverLeaksToken: the SubscribeURL's query holds
// the confirmation token (whoever has it can confirm the subscription);
// when confirming fails, neither the log nor the returned error may carry
// it. Only the topic and the host are reported.
func TestConfirmationFailureNeverLeaksToken(t *testing.T) {
	t.Parallel()
	good, _ := getPKI(t)
	const secret = "TOKENf00dfeed0123456789abcdef"
	valid := "https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn=" + topic + "&Token=" + secret
	tests := []struct {
		name         string
		subscribeURL string
		transport    confirmTransport
		wantStatus   int
	}{
		{"transport error", valid, confirmTransport{err: errors.New("connection reset")}, http.StatusBadGateway},
		{"HTTP 500", valid, confirmTransport{status: 500}, http.StatusBadGateway},
		{"http scheme", "http://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&Token=" + secret, confirmTransport{status: 200}, http.StatusForbidden},
		{"wrong host", "https://sns.us-west-2.amazonaws.com/?Action=ConfirmSubscription&Token=" + secret, confirmTransport{status: 200}, http.StatusForbidden},
		{"port", "https://sns.us-east-1.amazonaws.com:8443/?Token=" + secret, confirmTransport{status: 200}, http.StatusForbidden},
		{"user info", "https://x:" + secret + "@sns.us-east-1.amazonaws.com/?Token=" + secret, confirmTransport{status: 200}, http.StatusForbidden},
		{"unparsable", "https://sns.us-east-1.amazonaws.com/%zz?Token=" + secret, confirmTransport{status: 200}, http.StatusForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var logs syncBuffer
			f := newFixture(t, snshttp.WithConfirmClient(&http.Client{Transport: tt.transport}),
				snshttp.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
			code := f.post(t, mustJSON(t, sign(t, good.key, confirmation(tt.subscribeURL))), "SubscriptionConfirmation")
			assert.Equal(t, tt.wantStatus, code)
			out := logs.String()
			require.NotEmpty(t, out, "the failure is logged")
			assert.NotContains(t, out, secret)
			assert.NotContains(t, out, "Token=")
			assert.Contains(t, out, topic)

			err := f.h.ConfirmSubscription(context.Background(), topic, tt.subscribeURL)
			require.Error(t, err)
			assert.NotContains(t, err.Error(), secret)
			assert.NotContains(t, err.Error(), "Token=")
		})
	}
}
