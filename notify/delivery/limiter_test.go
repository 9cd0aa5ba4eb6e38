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
	var waits []time.Duration
	for range 5 {
		waits = append(waits, l.Reserve(c1))
	}
	assert.Equal(t, []time.Duration{0, 0, 0, time.Second, 2 * time.Second}, waits)
	assert.Zero(t, l.Reserve(c2), "channels have their own buckets")
	assert.Zero(t, l.Reserve(chat.Conversation{Platform: chat.PlatformFake, ChannelID: "x"}), "unconfigured platform is unlimited")
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
	assert.Zero(t, l.Reserve(conv("a")))
	assert.Zero(t, l.Reserve(conv("b")))
	assert.Equal(t, 500*time.Millisecond, l.Reserve(conv("c")), "third send in the tenant waits for the tenant bucket")
}

func TestLimiterPauseHonoursRetryAfter(t *testing.T) {
	t.Parallel()
	clock := newInstantClock()
	l := delivery.NewLimiter(nil, clock)
	c := slackConv("C1")
	l.Pause(c, 30*time.Second)
	assert.Equal(t, 30*time.Second, l.Reserve(c))
	assert.Zero(t, l.Reserve(slackConv("C2")), "pause is per channel")
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
