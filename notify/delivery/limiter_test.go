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

func TestLimiterBurstThenRate(t *testing.T) {
	t.Parallel()
	clock := newInstantClock()
	l := delivery.NewLimiter(map[chat.Platform]delivery.PlatformLimits{
		chat.PlatformSlack: {Channel: delivery.Limit{Rate: 1, Burst: 3}},
	}, clock)
	c1, c2 := slackConv("C1"), slackConv("C2")
	ctx := context.Background()
	var waits []time.Duration
	for range 5 {
		w, err := l.Wait(ctx, c1)
		require.NoError(t, err)
		waits = append(waits, w)
	}
	assert.Equal(t, []time.Duration{0, 0, 0, time.Second, time.Second}, waits)
	assert.Equal(t, time.Second, l.Delay(c1))
	assert.Zero(t, l.Delay(c2), "channels have their own buckets")
	assert.Zero(t, l.Delay(chat.Conversation{Platform: chat.PlatformFake, ChannelID: "x"}), "unconfigured platform is unlimited")
}

func TestLimiterWorkspaceBucket(t *testing.T) {
	t.Parallel()
	clock := newInstantClock()
	l := delivery.NewLimiter(map[chat.Platform]delivery.PlatformLimits{
		chat.PlatformTeams: {Channel: delivery.Limit{Rate: 10, Burst: 10}, Workspace: delivery.Limit{Rate: 2, Burst: 2}},
	}, clock)
	conv := func(ch string) chat.Conversation {
		return chat.Conversation{Platform: chat.PlatformTeams, WorkspaceID: "tenant", ChannelID: ch}
	}
	ctx := context.Background()
	for _, ch := range []string{"a", "b"} {
		w, err := l.Wait(ctx, conv(ch))
		require.NoError(t, err)
		assert.Zero(t, w)
	}
	assert.Equal(t, 500*time.Millisecond, l.Delay(conv("c")), "third send in the tenant waits for the tenant bucket")
}

func TestLimiterPauseHonoursRetryAfter(t *testing.T) {
	t.Parallel()
	clock := newInstantClock()
	l := delivery.NewLimiter(nil, clock)
	c := slackConv("C1")
	l.Pause(c, 30*time.Second)
	assert.Zero(t, l.Delay(slackConv("C2")), "pause is per channel")
	w, err := l.Wait(context.Background(), c)
	require.NoError(t, err)
	assert.Equal(t, 30*time.Second, w)
}

func TestLimitedSenderPausesOn429(t *testing.T) {
	t.Parallel()
	clock := newInstantClock()
	s := &scriptedSender{script: []error{chat.ClassifyHTTP(chat.PlatformSlack, 429, 12*time.Second, nil)}}
	l := delivery.NewLimiter(map[chat.Platform]delivery.PlatformLimits{}, clock)
	ls := delivery.NewLimitedSender(s, l)
	var platformThrottles int
	ls.OnThrottle = func(_ chat.Conversation, d time.Duration, local bool) {
		if !local {
			platformThrottles++
			assert.Equal(t, 12*time.Second, d)
		}
	}
	_, err := ls.Send(context.Background(), slackConv("C1"), chat.Message{Title: "a"})
	require.ErrorIs(t, err, chat.ErrRateLimited)
	_, err = ls.Send(context.Background(), slackConv("C1"), chat.Message{Title: "b"})
	require.NoError(t, err)
	assert.Equal(t, []time.Duration{12 * time.Second}, clock.Sleeps(), "second send waited for Retry-After")
	assert.Equal(t, 1, platformThrottles)
}

// latentSender takes latency of the clock's time per send, as a slow
// network or a starved process would, and reports whether another send
// of the limiter was in flight meanwhile.
type latentSender struct {
	clock   *instantClock
	latency time.Duration
	sent    []time.Time
}

func (s *latentSender) Send(ctx context.Context, conv chat.Conversation, _ chat.Message) (chat.Ref, error) {
	s.sent = append(s.sent, s.clock.Now())
	if err := s.clock.Sleep(ctx, s.latency); err != nil {
		return chat.Ref{}, err
	}
	return chat.Ref{Conversation: conv, MessageID: "m"}, nil
}

// TestArrivalGuard: a send counts against the platform's limit from its
// grant until its completion, so a slow send makes the next one wait a
// full interval from the moment it may have arrived, and sends in flight
// never exceed a burst. Without the guard, a send that took L leaves the
// next one only 1/rate - L to wait, and both could arrive together.
func TestArrivalGuard(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		limit   delivery.Limit
		latency time.Duration
		// wantDelay is the wait for the next send after the sends
		// below completed; wantGaps the spacing of the sends' starts.
		sends     int
		wantGaps  []time.Duration
		wantDelay time.Duration
	}{
		{name: "instant sends keep the bucket's pace", limit: delivery.Limit{Rate: 1, Burst: 1}, sends: 3,
			wantGaps: []time.Duration{time.Second, time.Second}, wantDelay: time.Second},
		{name: "slow sends wait a full interval after completing", limit: delivery.Limit{Rate: 1, Burst: 1},
			latency: 600 * time.Millisecond, sends: 3,
			wantGaps: []time.Duration{1600 * time.Millisecond, 1600 * time.Millisecond}, wantDelay: time.Second},
		{name: "slower than the interval", limit: delivery.Limit{Rate: 1, Burst: 1},
			latency: 3 * time.Second, sends: 2, wantGaps: []time.Duration{4 * time.Second}, wantDelay: time.Second},
		{name: "burst of 3 with slow sends", limit: delivery.Limit{Rate: 1, Burst: 3},
			latency: 500 * time.Millisecond, sends: 5,
			// Sequential sends of 0.5 s each: the bucket alone would allow
			// one every 0.5 s. Had the first four arrived at their
			// completions (0.5, 1, 1.5, 2 s), a fifth at 2 s would make 5
			// in [0.5, 2], over 3 + 1.5; it waits until 2.5 s.
			wantGaps:  []time.Duration{500 * time.Millisecond, 500 * time.Millisecond, 500 * time.Millisecond, time.Second},
			wantDelay: 500 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			clock := newInstantClock()
			l := delivery.NewLimiter(map[chat.Platform]delivery.PlatformLimits{chat.PlatformSlack: {Channel: tt.limit}}, clock)
			s := &latentSender{clock: clock, latency: tt.latency}
			ls := delivery.NewLimitedSender(s, l)
			for range tt.sends {
				_, err := ls.Send(context.Background(), slackConv("C1"), chat.Message{Title: "x"})
				require.NoError(t, err)
			}
			var gaps []time.Duration
			for i := 1; i < len(s.sent); i++ {
				gaps = append(gaps, s.sent[i].Sub(s.sent[i-1]))
			}
			assert.Equal(t, tt.wantGaps, gaps)
			assert.Equal(t, tt.wantDelay, l.Delay(slackConv("C1")))
		})
	}
}

// TestArrivalGuardInFlight: while a burst's worth of sends is in flight,
// the next waits for one to complete, whatever the bucket holds.
func TestArrivalGuardInFlight(t *testing.T) {
	t.Parallel()
	clock := newInstantClock()
	l := delivery.NewLimiter(map[chat.Platform]delivery.PlatformLimits{
		chat.PlatformSlack: {Channel: delivery.Limit{Rate: 1000, Burst: 2}}}, clock)
	s := slowSender{scriptedSender: &scriptedSender{}, release: make(chan struct{})}
	ls := delivery.NewLimitedSender(s, l)
	ctx := context.Background()
	errs := make(chan error, 3)
	for range 3 {
		go func() {
			_, err := ls.Send(ctx, slackConv("C1"), chat.Message{Title: "x"})
			errs <- err
		}()
	}
	require.Eventually(t, func() bool { return l.Delay(slackConv("C1")) > 0 }, 5*time.Second, time.Millisecond,
		"two sends in flight fill the burst")
	time.Sleep(20 * time.Millisecond)
	assert.Zero(t, s.Calls(), "no send completed yet")
	close(s.release)
	for range 3 {
		require.NoError(t, <-errs)
	}
	assert.Equal(t, 3, s.Calls())
}

func TestLimitsWithMargin(t *testing.T) {
	t.Parallel()
	got := delivery.LimitsWithMargin(nil, 0.1)
	assert.Equal(t, delivery.PlatformLimits{Channel: delivery.Limit{Rate: 0.9, Burst: 2}, Workspace: delivery.Limit{Rate: 45, Burst: 45}},
		got[chat.PlatformSlack])
	assert.Equal(t, delivery.Limit{Rate: 0.9, Burst: 1}, got[chat.PlatformChime].Channel, "a burst never drops below 1")
	assert.Zero(t, got[chat.PlatformChime].Workspace.Rate, "unlimited stays unlimited")
	assert.Equal(t, delivery.DefaultLimits(), delivery.LimitsWithMargin(nil, 0))
	_, err := delivery.New(nil, delivery.WithLimitMargin(1))
	require.Error(t, err)
}

// preparing renders in Prepare and only posts in the function it returns.
type preparing struct {
	clock    *instantClock
	err      error
	prepared []time.Time
	posted   []time.Time
}

func (p *preparing) Send(context.Context, chat.Conversation, chat.Message) (chat.Ref, error) {
	return chat.Ref{}, errors.New("Send must not be called when Prepare exists")
}

func (p *preparing) Prepare(_ context.Context, conv chat.Conversation, _ chat.Message) (func(context.Context) (chat.Ref, error), error) {
	p.prepared = append(p.prepared, p.clock.Now())
	if p.err != nil {
		return nil, p.err
	}
	return func(context.Context) (chat.Ref, error) {
		p.posted = append(p.posted, p.clock.Now())
		return chat.Ref{Conversation: conv, MessageID: "m"}, nil
	}, nil
}

// TestLimitedSenderPreparesBeforeTheSlot: with a Preparer, the rendering
// happens before the wait for a slot and only the request after it; a
// message that cannot be prepared takes no slot.
func TestLimitedSenderPreparesBeforeTheSlot(t *testing.T) {
	t.Parallel()
	clock := newInstantClock()
	l := delivery.NewLimiter(map[chat.Platform]delivery.PlatformLimits{
		chat.PlatformSlack: {Channel: delivery.Limit{Rate: 1, Burst: 1}}}, clock)
	grants := 0
	l.OnGrant = func(chat.Conversation, time.Time) { grants++ }
	p := &preparing{clock: clock}
	ls := delivery.NewLimitedSender(p, l)
	ctx := context.Background()
	for range 2 {
		_, err := ls.Send(ctx, slackConv("C1"), chat.Message{Title: "x"})
		require.NoError(t, err)
	}
	t0 := p.prepared[0]
	assert.Equal(t, []time.Time{t0, t0}, p.prepared, "the second message is rendered before its wait")
	assert.Equal(t, []time.Time{t0, t0.Add(time.Second)}, p.posted, "and posted after it")

	p.err = errors.New("render: too large")
	_, err := ls.Send(ctx, slackConv("C1"), chat.Message{Title: "x"})
	require.ErrorIs(t, err, p.err)
	assert.Equal(t, 2, grants, "no slot for a message that cannot be prepared")
}
