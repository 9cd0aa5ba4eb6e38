package delivery

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
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
	last    time.Time // tokens is the count at last; zero: full bucket
	blocked time.Time // no sends before this (Retry-After)
}

// at returns the tokens the bucket holds at t >= b.last.
func (b *bucket) at(l Limit, t time.Time) float64 {
	burst := float64(max(l.Burst, 1))
	if b.last.IsZero() {
		return burst
	}
	if el := t.Sub(b.last).Seconds(); el > 0 {
		return min(burst, b.tokens+el*l.Rate)
	}
	return b.tokens
}

// earliest returns the first time >= now at which the bucket has a whole
// token for one more send, after every send already granted.
func (b *bucket) earliest(l Limit, now time.Time) time.Time {
	t := now
	if b.blocked.After(t) {
		t = b.blocked
	}
	if l.unlimited() {
		return t
	}
	if b.last.After(t) {
		t = b.last
	}
	if tok := b.at(l, t); tok < 1 {
		t = t.Add(time.Duration((1 - tok) / l.Rate * float64(time.Second)))
	}
	return t
}

// take spends one token at t, which must not precede earliest's answer.
func (b *bucket) take(l Limit, t time.Time) {
	if l.unlimited() {
		return
	}
	if t.Before(b.last) {
		t = b.last
	}
	b.tokens = b.at(l, t) - 1
	b.last = t
}

func (b *bucket) idle(l Limit, now time.Time) bool {
	if now.Before(b.blocked) || now.Before(b.last) {
		return false
	}
	return l.unlimited() || b.at(l, now) >= float64(max(l.Burst, 1))
}

// Limiter paces sends per channel and per workspace with token buckets, and
// pauses a channel when the platform answered 429 with Retry-After. It is
// safe for concurrent use.
type Limiter struct {
	clock  Clock
	limits map[chat.Platform]PlatformLimits
	// OnGrant, when set (before first use), is called with the instant each
	// send was allowed, under the limiter's lock: it must be quick and must
	// not call the limiter. Benchmarks use it to check the schedule;
	// hosts may feed metrics from it.
	OnGrant func(conv chat.Conversation, at time.Time)

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

// Delay returns how long a send to conv would have to wait now, without
// taking a slot.
func (l *Limiter) Delay(conv chat.Conversation) time.Duration {
	_, d := l.try(conv, false)
	return d
}

// try takes a slot for conv if both buckets (channel and workspace) allow a
// send now, or says how long until they might. Tokens are only ever taken
// at the current instant, under the lock, so each bucket's history is a
// plain token-bucket schedule however many goroutines wait: a conv that
// must wait never holds a future slot that would delay other channels.
func (l *Limiter) try(conv chat.Conversation, take bool) (bool, time.Duration) {
	pl := l.limits[conv.Platform]
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.clock.Now()
	if len(l.buckets) > 10000 {
		l.sweep(now)
	}
	cb, wb := l.bucket("c|"+ChannelKey(conv)), l.bucket("w|"+workspaceKey(conv))
	t := cb.earliest(pl.Channel, now)
	if wt := wb.earliest(pl.Workspace, now); wt.After(t) {
		t = wt
	}
	if t.After(now) {
		return false, t.Sub(now)
	}
	if take {
		cb.take(pl.Channel, now)
		wb.take(pl.Workspace, now)
		if l.OnGrant != nil {
			l.OnGrant(conv, now)
		}
	}
	return true, 0
}

// Wait blocks until conv may be sent to, takes the slot, and returns how
// long it waited; or returns ctx's error. Call it right before sending.
// Waiters are not queued in order: when many channels compete for a
// workspace budget, whichever wakes first sends.
func (l *Limiter) Wait(ctx context.Context, conv chat.Conversation) (time.Duration, error) {
	var waited time.Duration
	for {
		ok, d := l.try(conv, true)
		if ok {
			return waited, ctx.Err()
		}
		if err := l.clock.Sleep(ctx, d); err != nil {
			return waited, err
		}
		waited += d
	}
}

// Pause stops sends to conv's channel for d (the platform's Retry-After; 0
// means DefaultPenalty; more than MaxRetryAfter means MaxRetryAfter).
func (l *Limiter) Pause(conv chat.Conversation, d time.Duration) {
	if d <= 0 {
		d = DefaultPenalty
	}
	d, _ = capRetryAfter(d)
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
	// Logger, when set, gets a WARN when a platform asked to wait longer
	// than MaxRetryAfter.
	Logger *slog.Logger
}

// NewLimitedSender wraps next with limiter.
func NewLimitedSender(next chat.Sender, limiter *Limiter) *LimitedSender {
	return &LimitedSender{next: next, limiter: limiter}
}

var (
	_ chat.Sender  = (*LimitedSender)(nil)
	_ chat.Updater = (*LimitedSender)(nil)
)

// Send waits for a slot, then sends.
func (s *LimitedSender) Send(ctx context.Context, conv chat.Conversation, m chat.Message) (chat.Ref, error) {
	return s.do(ctx, conv, func(ctx context.Context) (chat.Ref, error) { return s.next.Send(ctx, conv, m) })
}

// Update waits for a slot of ref's channel, then edits the message. An
// edit counts as a post: Teams counts it against the conversation's budget,
// and on Slack it keeps a storm's edits from crowding out its posts. It
// fails with chat.ErrUnsupported when the wrapped sender cannot edit.
func (s *LimitedSender) Update(ctx context.Context, ref chat.Ref, m chat.Message) error {
	u, ok := s.next.(chat.Updater)
	if !ok {
		return fmt.Errorf("delivery: update: %w", chat.ErrUnsupported)
	}
	_, err := s.do(ctx, ref.Conversation, func(ctx context.Context) (chat.Ref, error) { return ref, u.Update(ctx, ref, m) })
	return err
}

// do runs op (one call to the platform) in a slot of conv's channel, and
// pauses the channel when the platform answers 429.
func (s *LimitedSender) do(ctx context.Context, conv chat.Conversation, op func(context.Context) (chat.Ref, error)) (chat.Ref, error) {
	waited, err := s.limiter.Wait(ctx, conv)
	if waited > 0 && s.OnThrottle != nil {
		s.OnThrottle(conv, waited, true)
	}
	if err != nil {
		return chat.Ref{}, fmt.Errorf("delivery: waiting for rate limit: %w", err)
	}
	ref, err := op(ctx)
	if err != nil && errors.Is(err, chat.ErrRateLimited) {
		_, after := chat.Retryable(err)
		if capped, over := capRetryAfter(requestedRetryAfter(err, after)); over {
			warnCapped(ctx, s.Logger, conv, requestedRetryAfter(err, after), capped)
			after = capped
		}
		s.limiter.Pause(conv, after)
		if s.OnThrottle != nil {
			s.OnThrottle(conv, after, false)
		}
	}
	return ref, err
}
