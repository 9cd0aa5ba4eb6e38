package delivery_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/opschat/opschat/chat"
	"github.com/opschat/opschat/notify/delivery"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRetrySender(t *testing.T) {
	t.Parallel()
	e500 := chat.ClassifyHTTP(chat.PlatformSlack, 500, 0, nil)
	e429 := chat.ClassifyHTTP(chat.PlatformSlack, 429, 7*time.Second, nil)
	e400 := chat.ClassifyHTTP(chat.PlatformSlack, 400, 0, nil)
	tests := []struct {
		name         string
		script       []error
		wantErr      error
		wantCalls    int
		wantMinSleep []time.Duration
	}{
		{name: "success first time", wantCalls: 1},
		{name: "500s then 429 then ok", script: []error{e500, e500, e429}, wantCalls: 4,
			wantMinSleep: []time.Duration{50 * time.Millisecond, 100 * time.Millisecond, 7 * time.Second}},
		{name: "permanent error not retried", script: []error{e400}, wantErr: e400, wantCalls: 1},
		{name: "exhausted", script: []error{e500, e500, e500, e500, e500}, wantErr: delivery.ErrAttemptsExhausted, wantCalls: 4},
		{name: "plain error not retried", script: []error{errors.New("boom")}, wantCalls: 1, wantErr: errors.New("")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			clock := newInstantClock()
			s := &scriptedSender{script: tt.script}
			rs := delivery.NewRetrySender(s, delivery.Backoff{MaxAttempts: 4, Initial: 100 * time.Millisecond, Max: time.Second, Jitter: 0.5}, clock)
			var retries int
			rs.OnRetry = func(chat.Conversation, int, error, time.Duration) { retries++ }
			ref, err := rs.Send(context.Background(), slackConv("C1"), chat.Message{Title: "x"})
			assert.Equal(t, tt.wantCalls, s.Calls())
			if tt.wantErr == nil {
				require.NoError(t, err)
				assert.NotEmpty(t, ref.MessageID)
			} else {
				require.Error(t, err)
				var ae *delivery.AttemptsError
				require.ErrorAs(t, err, &ae)
				assert.Equal(t, tt.wantCalls, ae.Attempts)
				if tt.wantErr.Error() != "" {
					assert.ErrorIs(t, err, tt.wantErr)
				}
			}
			assert.Equal(t, tt.wantCalls-1, retries)
			sleeps := clock.Sleeps()
			require.Len(t, sleeps, tt.wantCalls-1)
			for i, min := range tt.wantMinSleep {
				assert.GreaterOrEqual(t, sleeps[i], min, "sleep %d", i)
			}
		})
	}
}

func TestBackoffWaitBounds(t *testing.T) {
	t.Parallel()
	b := delivery.Backoff{MaxAttempts: 10, Initial: time.Second, Max: 8 * time.Second, Jitter: 0.5}
	for n := 1; n <= 8; n++ {
		full := min(time.Second<<(n-1), 8*time.Second)
		for range 50 {
			w := b.Wait(n, 0)
			assert.GreaterOrEqual(t, w, full/2)
			assert.LessOrEqual(t, w, full)
		}
	}
	assert.Equal(t, time.Minute, b.Wait(1, time.Minute), "Retry-After is a floor")
}

func TestRetrySenderStopsOnCancel(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	s := &scriptedSender{script: []error{chat.ClassifyHTTP(chat.PlatformSlack, 503, 0, nil)}}
	rs := delivery.NewRetrySender(s, delivery.Backoff{MaxAttempts: 5}, nil)
	rs.OnRetry = func(chat.Conversation, int, error, time.Duration) { cancel() }
	_, err := rs.Send(ctx, slackConv("C1"), chat.Message{Title: "x"})
	require.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, 1, s.Calls())
}

// TestDecoratorsUpdate: the retry and rate-limit decorators edit through
// the same machinery as posts (a retryable failure is retried, an edit
// takes a slot of the channel), and say chat.ErrUnsupported for a sender
// that cannot edit.
func TestDecoratorsUpdate(t *testing.T) {
	t.Parallel()
	e503 := chat.ClassifyHTTP(chat.PlatformSlack, 503, 0, nil)
	tests := []struct {
		name     string
		editable bool
		failures int
		wantErr  error
		grants   int
	}{
		{name: "edit", editable: true, grants: 1},
		{name: "retried edit", editable: true, failures: 2, grants: 3},
		{name: "cannot edit", wantErr: chat.ErrUnsupported},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			clock := newInstantClock()
			limiter := delivery.NewLimiter(map[chat.Platform]delivery.PlatformLimits{
				chat.PlatformSlack: {Channel: delivery.Limit{Rate: 1, Burst: 1}}}, clock)
			grants := 0
			limiter.OnGrant = func(chat.Conversation, time.Time) { grants++ }
			var next chat.Sender = &scriptedSender{}
			ed := &editable{failures: tt.failures, err: e503}
			if tt.editable {
				next = ed
			}
			rs := delivery.NewRetrySender(delivery.NewLimitedSender(next, limiter), delivery.Backoff{MaxAttempts: 4}, clock)
			ref := chat.Ref{Conversation: slackConv("C1"), MessageID: "m1"}
			err := rs.Update(context.Background(), ref, chat.Message{Title: "OK"})
			if tt.wantErr != nil {
				require.ErrorIs(t, err, tt.wantErr)
				assert.Zero(t, grants, "no slot spent on an edit that cannot happen")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, []string{"m1:OK"}, ed.edits)
			assert.Equal(t, tt.grants, grants, "each attempt takes a slot")
		})
	}
}

// editable is a Sender whose first failures edits fail with err.
type editable struct {
	scriptedSender
	failures int
	err      error
	edits    []string
}

func (e *editable) Update(_ context.Context, ref chat.Ref, m chat.Message) error {
	if e.failures > 0 {
		e.failures--
		return e.err
	}
	e.edits = append(e.edits, ref.MessageID+":"+m.Title)
	return nil
}
