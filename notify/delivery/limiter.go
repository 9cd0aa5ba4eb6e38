package delivery

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/opschat/opschat/chat"
)

// Limit is a token bucket: Rate messages per second on average, with bursts
// of up to Burst messages. A zero Rate means unlimited.
type Limit struct {
	Rate  float64
	Burst int
}

func (l Limit) unlimited() bool { return l.Rate <= 0 }

// PlatformLimits are the limits for one platform: one bucket per channel
// (conversation without thread) and one shared by the whole workspace or
// tenant.
type PlatformLimits struct {
	Channel   Limit
	Workspace Limit
}

// DefaultLimits returns the per-platform limits used when none are
// configured:
//
//   - Slack: chat.postMessage allows about one message per second per
//     channel with short bursts; the workspace-wide limit is not documented,
//     so 50/s is a guard rather than a measured value.
//   - Teams: 7 messages per second, 60 per 30 s and 1,800 per hour per
//     conversation, and 50 requests per second per app per tenant. A bucket
//     of 7 refilled at just under 0.5/s stays inside all three windows.
//   - Chime: no documented limit for incoming webhooks; one message per
//     second per webhook is an assumption.
//
// Other platforms (console, fake) are unlimited unless configured.
func DefaultLimits() map[chat.Platform]PlatformLimits {
	return map[chat.Platform]PlatformLimits{
		chat.PlatformSlack: {Channel: Limit{Rate: 1, Burst: 3}, Workspace: Limit{Rate: 50, Burst: 50}},
		chat.PlatformTeams: {Channel: Limit{Rate: 0.498, Burst: 7}, Workspace: Limit{Rate: 50, Burst: 50}},
		chat.PlatformChime: {Channel: Limit{Rate: 1, Burst: 1}},
	}
}

// DefaultPenalty is how long a channel is paused after an HTTP 429 that did
// not say how long to wait.
const DefaultPenalty = time.Second

type bucket struct {
	tokens  float64
	last    time.Time
	blocked time.Time // no sends before this (Retry-After)
}

// reserve takes one token, going into debt if needed, and returns how long
// the caller must wait before using it.
func (b *bucket) reserve(l Limit, now time.Time) time.Duration {
	var wait time.Duration
	if !l.unlimited() {
		burst := float64(max(l.Burst, 1))
		if b.last.IsZero() {
			b.tokens = burst
		} else if el := now.Sub(b.last).Seconds(); el > 0 {
			b.tokens = min(burst, b.tokens+el*l.Rate)
		}
		b.last = now
		b.tokens--
		if b.tokens < 0 {
			wait = time.Duration(-b.tokens / l.Rate * float64(time.Second))
		}
	}
	if d := b.blocked.Sub(now); d > wait {
		wait = d
	}
	return wait
}

func (b *bucket) idle(l Limit, now time.Time) bool {
	if now.Before(b.blocked) {
		return false
	}
	if l.unlimited() {
		return true
	}
	return b.tokens+now.Sub(b.last).Seconds()*l.Rate >= float64(max(l.Burst, 1))
}

// Limiter paces sends per channel and per workspace with token buckets, and
// pauses a channel when the platform answered 429 with Retry-After. It is
// safe for concurrent use.
type Limiter struct {
	clock  Clock
	limits map[chat.Platform]PlatformLimits

	mu      sync.Mutex
	buckets map[string]*bucket
}

// NewLimiter returns a limiter with the given per-platform limits (nil means
// DefaultLimits) and clock (nil means the wall clock).
func NewLimiter(limits map[chat.Platform]PlatformLimits, clock Clock) *Limiter {
	if limits == nil {
		limits = DefaultLimits()
	}
	if clock == nil {
		clock = SystemClock{}
	}
	return &Limiter{clock: clock, limits: limits, buckets: make(map[string]*bucket)}
}

// ChannelKey identifies the channel of conv for limits, queues and the
// Store: platform, workspace and channel, without the thread.
func ChannelKey(conv chat.Conversation) string {
	return fmt.Sprintf("%s:%s:%s", conv.Platform, conv.WorkspaceID, conv.ChannelID)
}

func workspaceKey(conv chat.Conversation) string {
	return fmt.Sprintf("%s:%s", conv.Platform, conv.WorkspaceID)
}

// Reserve takes a send slot for conv and returns how long to wait before
// sending. Callers that then give up lose the slot, which only makes later
// sends slower, never faster than the limit.
func (l *Limiter) Reserve(conv chat.Conversation) time.Duration {
	pl := l.limits[conv.Platform]
	now := l.clock.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.buckets) > 10000 {
		l.sweep(now)
	}
	w1 := l.bucket("c|"+ChannelKey(conv)).reserve(pl.Channel, now)
	w2 := l.bucket("w|"+workspaceKey(conv)).reserve(pl.Workspace, now)
	return max(w1, w2)
}

// Wait blocks until conv may be sent to, or ctx is done. It returns how long
// it waited.
func (l *Limiter) Wait(ctx context.Context, conv chat.Conversation) (time.Duration, error) {
	d := l.Reserve(conv)
	if d <= 0 {
		return 0, ctx.Err()
	}
	return d, l.clock.Sleep(ctx, d)
}

// Pause stops sends to conv's channel for d (the platform's Retry-After; 0
// means DefaultPenalty).
func (l *Limiter) Pause(conv chat.Conversation, d time.Duration) {
	if d <= 0 {
		d = DefaultPenalty
	}
	until := l.clock.Now().Add(d)
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.bucket("c|" + ChannelKey(conv))
	if until.After(b.blocked) {
		b.blocked = until
	}
}

func (l *Limiter) bucket(key string) *bucket {
	b := l.buckets[key]
	if b == nil {
		b = &bucket{}
		l.buckets[key] = b
	}
	return b
}

// sweep forgets full, unblocked buckets so that a process serving many
// channels over time does not keep one bucket per channel forever.
func (l *Limiter) sweep(now time.Time) {
	for k, b := range l.buckets {
		var lim Limit
		if len(k) > 2 {
			// Keys are "c|platform:..." or "w|platform:...".
			p := k[2:]
			for i := 0; i < len(p); i++ {
				if p[i] == ':' {
					p = p[:i]
					break
				}
			}
			pl := l.limits[chat.Platform(p)]
			lim = pl.Channel
			if k[0] == 'w' {
				lim = pl.Workspace
			}
		}
		if b.idle(lim, now) {
			delete(l.buckets, k)
		}
	}
}

// LimitedSender is a chat.Sender decorator that waits for the Limiter before
// each send and pauses the channel when the platform answers 429. It is safe
// for concurrent use when next is.
type LimitedSender struct {
	next    chat.Sender
	limiter *Limiter
	// OnThrottle, when set, is called with the wait imposed by the local
	// limiter (local true) or by a platform 429 (local false).
	OnThrottle func(conv chat.Conversation, wait time.Duration, local bool)
}

// NewLimitedSender wraps next with limiter.
func NewLimitedSender(next chat.Sender, limiter *Limiter) *LimitedSender {
	return &LimitedSender{next: next, limiter: limiter}
}

var _ chat.Sender = (*LimitedSender)(nil)

// Send waits for a slot, then sends.
func (s *LimitedSender) Send(ctx context.Context, conv chat.Conversation, m chat.Message) (chat.Ref, error) {
	waited, err := s.limiter.Wait(ctx, conv)
	if waited > 0 && s.OnThrottle != nil {
		s.OnThrottle(conv, waited, true)
	}
	if err != nil {
		return chat.Ref{}, fmt.Errorf("delivery: waiting for rate limit: %w", err)
	}
	ref, err := s.next.Send(ctx, conv, m)
	if err != nil && errors.Is(err, chat.ErrRateLimited) {
		_, after := chat.Retryable(err)
		s.limiter.Pause(conv, after)
		if s.OnThrottle != nil {
			s.OnThrottle(conv, after, false)
		}
	}
	return ref, err
}
