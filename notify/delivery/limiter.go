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

// DefaultLimitMargin is the share of each limit the Deliverer leaves
// unused by default (see WithLimitMargin).
const DefaultLimitMargin = 0.1

// LimitsWithMargin returns limits scaled down by margin (0.1 = 10 %): each
// rate times 1-margin and each burst rounded down likewise (never below
// 1). A platform counts a message when it arrives, which is some
// scheduling and network time after the limiter granted its slot; sends
// granted back to back can arrive closer together than they were granted.
// The margin is the room for that: the platform's bucket stays ahead of
// ours by the burst difference (5 messages of Slack's 50/s workspace
// budget, 1 of a channel's burst of 3) plus the rate difference over time.
// nil limits mean DefaultLimits.
func LimitsWithMargin(limits map[chat.Platform]PlatformLimits, margin float64) map[chat.Platform]PlatformLimits {
	if limits == nil {
		limits = DefaultLimits()
	}
	scale := func(l Limit) Limit {
		if l.unlimited() {
			return l
		}
		return Limit{Rate: l.Rate * (1 - margin), Burst: max(1, int(float64(l.Burst)*(1-margin)))}
	}
	out := make(map[chat.Platform]PlatformLimits, len(limits))
	for p, pl := range limits {
		out[p] = PlatformLimits{Channel: scale(pl.Channel), Workspace: scale(pl.Workspace)}
	}
	return out
}

// DefaultPenalty is how long a channel is paused after an HTTP 429 that did
// not say how long to wait.
const DefaultPenalty = time.Second

type bucket struct {
	tokens  float64
	last    time.Time // tokens is the count at last; zero: full bucket
	blocked time.Time // no sends before this (Retry-After)
	arrivals
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

func (b *bucket) idle(l, arrival Limit, now time.Time) bool {
	if now.Before(b.blocked) || now.Before(b.last) || !b.arrivals.idle(arrival, now) {
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
	// arrival are the platform's own limits, which the arrival guard
	// (arrivals.go) keeps at the platform's side; limits may be lower
	// (LimitsWithMargin).
	arrival map[chat.Platform]PlatformLimits
	// OnGrant, when set (before first use), is called with the instant each
	// send was allowed, under the limiter's lock: it must be quick and must
	// not call the limiter. Benchmarks use it to check the schedule;
	// hosts may feed metrics from it.
	OnGrant func(conv chat.Conversation, at time.Time)

	mu      sync.Mutex
	buckets map[string]*bucket
	// freed is closed (and replaced) when a tracked send completes, waking
	// the sends that wait for fewer sends in flight.
	freed chan struct{}
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
	return &Limiter{clock: clock, limits: limits, arrival: limits, buckets: make(map[string]*bucket), freed: make(chan struct{})}
}

// newLimiterWithMargin paces sends at limits less margin, and guards
// arrivals at the limits themselves.
func newLimiterWithMargin(limits map[chat.Platform]PlatformLimits, margin float64, clock Clock) *Limiter {
	if limits == nil {
		limits = DefaultLimits()
	}
	l := NewLimiter(LimitsWithMargin(limits, margin), clock)
	l.arrival = limits
	return l
}

// ChannelKey identifies the channel of conv for limits, queues and the
// Store: platform, workspace and channel, without the thread.
func ChannelKey(conv chat.Conversation) string {
	return fmt.Sprintf("%s:%s:%s", conv.Platform, conv.WorkspaceID, conv.ChannelID)
}

func workspaceKey(conv chat.Conversation) string {
	return fmt.Sprintf("%s:%s", conv.Platform, conv.WorkspaceID)
}

// minFreedWait is what Delay reports, at least, while the sends in flight
// fill a burst: the actual wait ends when one of them completes.
const minFreedWait = time.Millisecond

// Delay returns how long a send to conv would have to wait now, without
// taking a slot (a lower bound while sends in flight fill a burst).
func (l *Limiter) Delay(conv chat.Conversation) time.Duration {
	_, d, _ := l.try(conv, false, false)
	return d
}

// try takes a slot for conv if both buckets (channel and workspace) allow a
// send now, or says how long until they might, or (freed non-nil) that it
// must wait until a send in flight completes. Tokens are only ever taken
// at the current instant, under the lock, so each bucket's history is a
// plain token-bucket schedule however many goroutines wait: a conv that
// must wait never holds a future slot that would delay other channels.
// With track, the send is counted in flight until complete.
func (l *Limiter) try(conv chat.Conversation, take, track bool) (ok bool, wait time.Duration, freed <-chan struct{}) {
	pl, al := l.limits[conv.Platform], l.arrival[conv.Platform]
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
	ct, cok := cb.arrivals.earliest(al.Channel, now)
	wt, wok := wb.arrivals.earliest(al.Workspace, now)
	if !cok || !wok {
		// A lower bound: the wait ends when a send completes.
		return false, max(t.Sub(now), minFreedWait), l.freed
	}
	t = latest(t, ct, wt)
	if t.After(now) {
		return false, t.Sub(now), nil
	}
	if take {
		cb.take(pl.Channel, now)
		wb.take(pl.Workspace, now)
		if track {
			cb.arrivals.start(al.Channel)
			wb.arrivals.start(al.Workspace)
		}
		if l.OnGrant != nil {
			l.OnGrant(conv, now)
		}
	}
	return true, 0, nil
}

// Wait blocks until conv may be sent to, takes the slot, and returns how
// long it waited; or returns ctx's error. Call it right before sending.
// Waiters are not queued in order: when many channels compete for a
// workspace budget, whichever wakes first sends. A send made after Wait
// is paced but not known to the arrival guard (it is never reported
// complete); LimitedSender reports its sends.
func (l *Limiter) Wait(ctx context.Context, conv chat.Conversation) (time.Duration, error) {
	return l.wait(ctx, conv, false)
}

// acquire is Wait for a send that calls done once it completed (the
// platform has answered, or the attempt failed): until then the arrival
// guard counts it in flight.
func (l *Limiter) acquire(ctx context.Context, conv chat.Conversation) (done func(), waited time.Duration, err error) {
	waited, err = l.wait(ctx, conv, true)
	if err != nil {
		return nil, waited, err
	}
	var once sync.Once
	return func() { once.Do(func() { l.complete(conv) }) }, waited, nil
}

func (l *Limiter) wait(ctx context.Context, conv chat.Conversation, track bool) (time.Duration, error) {
	var waited time.Duration
	for {
		if err := ctx.Err(); err != nil {
			return waited, err
		}
		ok, d, freed := l.try(conv, true, track)
		switch {
		case ok:
			return waited, nil
		case freed != nil:
			start := l.clock.Now()
			select {
			case <-freed:
			case <-ctx.Done():
				return waited, ctx.Err()
			}
			waited += l.clock.Now().Sub(start)
		default:
			if err := l.clock.Sleep(ctx, d); err != nil {
				return waited, err
			}
			waited += d
		}
	}
}

// complete records that a tracked send of conv has completed.
func (l *Limiter) complete(conv chat.Conversation) {
	al := l.arrival[conv.Platform]
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.clock.Now()
	l.bucket("c|"+ChannelKey(conv)).arrivals.finish(al.Channel, now)
	l.bucket("w|"+workspaceKey(conv)).arrivals.finish(al.Workspace, now)
	close(l.freed)
	l.freed = make(chan struct{})
}

func latest(t time.Time, ts ...time.Time) time.Time {
	for _, u := range ts {
		if u.After(t) {
			t = u
		}
	}
	return t
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
		var lim, alim Limit
		if len(k) > 2 {
			// Keys are "c|platform:..." or "w|platform:...".
			p := k[2:]
			for i := 0; i < len(p); i++ {
				if p[i] == ':' {
					p = p[:i]
					break
				}
			}
			pl, al := l.limits[chat.Platform(p)], l.arrival[chat.Platform(p)]
			lim, alim = pl.Channel, al.Channel
			if k[0] == 'w' {
				lim, alim = pl.Workspace, al.Workspace
			}
		}
		if b.idle(lim, alim, now) {
			delete(l.buckets, k)
		}
	}
}

// LimitedSender is a chat.Sender decorator that waits for the Limiter before
// each send and pauses the channel when the platform answers 429. It tells
// the Limiter when each send completes, so the limits hold at the
// platform's side (see the arrival guard). It is safe for concurrent use
// when next is.
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

// Preparer is implemented by senders that can do a send's work before
// the request (render, encode, look up the token), so that the rate-limit
// slot covers only the request itself: the less time between the slot and
// the platform's receipt, the closer the platform's count of arrivals
// follows the limiter's grants. Prepare returns the request, to be called
// once. Only chat types appear in it, so an adapter implements it without
// importing this package.
type Preparer interface {
	Prepare(ctx context.Context, conv chat.Conversation, m chat.Message) (func(context.Context) (chat.Ref, error), error)
}

// Send waits for a slot, then sends. With a Preparer, the message is
// prepared before the wait.
func (s *LimitedSender) Send(ctx context.Context, conv chat.Conversation, m chat.Message) (chat.Ref, error) {
	if p, ok := s.next.(Preparer); ok {
		send, err := p.Prepare(ctx, conv, m)
		if err != nil {
			return chat.Ref{}, err
		}
		return s.do(ctx, conv, send)
	}
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
	done, waited, err := s.limiter.acquire(ctx, conv)
	if waited > 0 && s.OnThrottle != nil {
		s.OnThrottle(conv, waited, true)
	}
	if err != nil {
		return chat.Ref{}, fmt.Errorf("delivery: waiting for rate limit: %w", err)
	}
	ref, err := op(ctx)
	done()
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
