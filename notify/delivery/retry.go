package delivery

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/opschat/opschat/chat"
)

// MaxRetryAfter caps any pause delivery takes because a platform asked
// for it (Retry-After on a 429 or 503): a wait before a retry and a pause
// of a channel's rate limit. The chat package caps the value it parses
// too; this cap is a second line, so that a bogus or hostile header
// ("Retry-After: 86400") cannot park a channel's queue, and the SQS leases
// and dedup claims held meanwhile, for a day. A platform that asks for more
// gets its cap, and a WARN log says so; if it is still throttling, the
// next 429 pauses again.
const MaxRetryAfter = 2 * time.Minute

// capRetryAfter returns d capped at MaxRetryAfter and whether it was.
func capRetryAfter(d time.Duration) (time.Duration, bool) {
	if d > MaxRetryAfter {
		return MaxRetryAfter, true
	}
	return d, false
}

// ErrAttemptsExhausted matches (errors.Is) the error RetrySender returns when
// every attempt failed with a retryable error.
var ErrAttemptsExhausted = errors.New("delivery: attempts exhausted")

// Backoff is an exponential backoff policy with jitter.
type Backoff struct {
	// MaxAttempts bounds the number of sends, the first included
	// (default 6).
	MaxAttempts int
	// Initial is the wait before the second attempt (default 500ms); it
	// doubles with each attempt up to Max (default 30s).
	Initial time.Duration
	Max     time.Duration
	// Jitter, in [0,1], is the fraction of each wait that is randomised
	// (default 0.5: waits fall in [w/2, w]) so that replicas that failed
	// together do not retry together.
	Jitter float64
}

// DefaultBackoff returns the policy used when none is given.
func DefaultBackoff() Backoff {
	return Backoff{MaxAttempts: 6, Initial: 500 * time.Millisecond, Max: 30 * time.Second, Jitter: 0.5}
}

func (b Backoff) withDefaults() Backoff {
	d := DefaultBackoff()
	if b.MaxAttempts <= 0 {
		b.MaxAttempts = d.MaxAttempts
	}
	if b.Initial <= 0 {
		b.Initial = d.Initial
	}
	if b.Max <= 0 {
		b.Max = d.Max
	}
	if b.Jitter < 0 || b.Jitter > 1 {
		b.Jitter = d.Jitter
	}
	return b
}

// Wait returns the pause before attempt n+1 after attempt n (n >= 1)
// failed; retryAfter, when the platform gave one, is a floor (capped at
// MaxRetryAfter).
func (b Backoff) Wait(n int, retryAfter time.Duration) time.Duration {
	b = b.withDefaults()
	w := b.Initial
	for i := 1; i < n && w < b.Max; i++ {
		w *= 2
	}
	w = min(w, b.Max)
	if b.Jitter > 0 {
		w -= time.Duration(rand.Float64() * b.Jitter * float64(w))
	}
	retryAfter, _ = capRetryAfter(retryAfter)
	return max(w, retryAfter)
}

// RetrySender is a chat.Sender decorator that retries sends that failed with
// a retryable error (as chat.Retryable classifies them: 429, 5xx, timeouts),
// waiting with exponential backoff and jitter and at least the platform's
// Retry-After. Permanent errors are returned at once. It is safe for
// concurrent use when next is.
type RetrySender struct {
	next    chat.Sender
	backoff Backoff
	clock   Clock
	// OnRetry, when set, is called before each retry with the attempt that
	// failed (1-based), its error and the wait.
	OnRetry func(conv chat.Conversation, attempt int, err error, wait time.Duration)
	// Logger, when set, gets a WARN when a platform asked to wait longer
	// than MaxRetryAfter.
	Logger *slog.Logger
}

// NewRetrySender wraps next. A zero Backoff means DefaultBackoff; a nil
// clock means the wall clock.
func NewRetrySender(next chat.Sender, b Backoff, clock Clock) *RetrySender {
	if clock == nil {
		clock = SystemClock{}
	}
	return &RetrySender{next: next, backoff: b.withDefaults(), clock: clock}
}

var (
	_ chat.Sender  = (*RetrySender)(nil)
	_ chat.Updater = (*RetrySender)(nil)
)

// AttemptsError reports how many attempts a failed send made. It wraps the
// last error, and ErrAttemptsExhausted when the attempts ran out.
type AttemptsError struct {
	Attempts  int
	Exhausted bool
	Err       error
}

func (e *AttemptsError) Error() string {
	if e.Exhausted {
		return fmt.Sprintf("delivery: gave up after %d attempts: %v", e.Attempts, e.Err)
	}
	return fmt.Sprintf("delivery: failed after %d attempt(s): %v", e.Attempts, e.Err)
}

// Unwrap returns the last error (and ErrAttemptsExhausted when exhausted).
func (e *AttemptsError) Unwrap() []error {
	if e.Exhausted {
		return []error{ErrAttemptsExhausted, e.Err}
	}
	return []error{e.Err}
}

// Send sends m, retrying retryable failures. A failure is an
// *AttemptsError.
func (s *RetrySender) Send(ctx context.Context, conv chat.Conversation, m chat.Message) (chat.Ref, error) {
	return s.do(ctx, conv, func(ctx context.Context) (chat.Ref, error) { return s.next.Send(ctx, conv, m) })
}

// Update edits the message ref points at, retrying retryable failures. A
// failure is an *AttemptsError; it wraps chat.ErrUnsupported when the
// wrapped sender cannot edit.
func (s *RetrySender) Update(ctx context.Context, ref chat.Ref, m chat.Message) error {
	u, ok := s.next.(chat.Updater)
	if !ok {
		return &AttemptsError{Attempts: 1, Err: fmt.Errorf("delivery: update: %w", chat.ErrUnsupported)}
	}
	_, err := s.do(ctx, ref.Conversation, func(ctx context.Context) (chat.Ref, error) { return ref, u.Update(ctx, ref, m) })
	return err
}

// do runs op until it succeeds, fails for good or runs out of attempts.
func (s *RetrySender) do(ctx context.Context, conv chat.Conversation, op func(context.Context) (chat.Ref, error)) (chat.Ref, error) {
	for attempt := 1; ; attempt++ {
		ref, err := op(ctx)
		if err == nil {
			return ref, nil
		}
		retry, after := chat.Retryable(err)
		if !retry || ctx.Err() != nil {
			return chat.Ref{}, &AttemptsError{Attempts: attempt, Err: err}
		}
		if attempt >= s.backoff.MaxAttempts {
			return chat.Ref{}, &AttemptsError{Attempts: attempt, Exhausted: true, Err: err}
		}
		if capped, over := capRetryAfter(requestedRetryAfter(err, after)); over {
			warnCapped(ctx, s.Logger, conv, requestedRetryAfter(err, after), capped)
		}
		wait := s.backoff.Wait(attempt, after)
		if s.OnRetry != nil {
			s.OnRetry(conv, attempt, err, wait)
		}
		if serr := s.clock.Sleep(ctx, wait); serr != nil {
			return chat.Ref{}, &AttemptsError{Attempts: attempt, Err: errors.Join(err, serr)}
		}
	}
}

// requestedRetryAfter is what the platform asked for: chat keeps the
// uncapped value beside its own capped one.
func requestedRetryAfter(err error, after time.Duration) time.Duration {
	var se *chat.SendError
	if errors.As(err, &se) && se.RequestedRetryAfter > after {
		return se.RequestedRetryAfter
	}
	return after
}

func warnCapped(ctx context.Context, l *slog.Logger, conv chat.Conversation, asked, capped time.Duration) {
	if l == nil {
		return
	}
	l.WarnContext(ctx, "platform asked to wait longer than delivery allows; waiting the cap instead",
		"channel", ChannelKey(conv), "retry_after", asked, "cap", capped)
}
