package delivery_test

import (
	"context"
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
