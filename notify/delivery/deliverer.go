package delivery

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/opschat/opschat/chat"
	"go.opentelemetry.io/otel/metric"
)

// Job is one notification for one channel: what the router produced.
type Job struct {
	Conversation chat.Conversation
	Message      chat.Message
	// DedupKey identifies the notification (the SNS MessageId, or a custom
	// notification's id). The same key is posted to a channel at most once
	// (see Deliverer for the one window where it can be twice). Empty
	// disables dedup for this job.
	DedupKey string
	// Configuration names the channel configuration, for metrics and logs.
	Configuration string
	// LogLevel is the configuration's LoggingLevel.
	LogLevel LogLevel
	// Kind and State describe the notification for digests
	// ("CloudWatch Alarm", "ALARM").
	Kind, State string
	// Unsupported marks a notification no decoder recognised (delivered
	// generically); the Dispatcher counts it as an unsupported event.
	Unsupported bool
}

// Sentinel errors.
var (
	// ErrInProgress is returned for a job whose dedup key another delivery
	// (another replica, or an earlier copy of the message) holds: the
	// source should retry later, by which time the key is either delivered
	// or released.
	ErrInProgress = errors.New("delivery: same notification is being delivered elsewhere")
	// ErrNoSender is recorded when no sender is configured for a job's
	// platform (a permanent failure).
	ErrNoSender = errors.New("delivery: no sender for platform")
	// ErrClosed is returned by Deliver after Close.
	ErrClosed = errors.New("delivery: deliverer closed")
)

// Deliverer posts jobs through per-channel queues: one worker per channel
// with work, so channels never wait for each other and each channel's
// messages go out in order. Each send passes the rate limiter (per channel
// and per workspace, pausing on 429 Retry-After) and is retried with
// backoff; a send that fails permanently or runs out of attempts becomes a
// dead-letter record in the Store.
//
// Exactly once per channel: before sending, the worker claims
// "<channel>|<DedupKey>" in the Store with PutIfAbsent (a lease of
// ClaimTTL); after the platform accepted the message it overwrites the
// claim with "delivered" (kept DedupTTL). A copy of the notification that
// finds "delivered" or "failed" is acknowledged without posting; one that
// finds a live claim gets ErrInProgress so its source retries later. The
// remaining window: if the process dies after the platform accepted a
// message and before the "delivered" write, the claim expires and a
// redelivery posts the message again. That window is one Store write long;
// closing it would need the platform to deduplicate (none of Slack, Teams or
// Chime does for posts), so this is at-least-once across crashes and
// exactly-once otherwise.
//
// Storms: when a channel's backlog passes the digest threshold, the worker
// takes everything pending and posts one digest message (counts by kind and
// state, the most severe items first, a button to list the rest, which are
// kept in the Store) instead of falling minutes behind.
//
// Threads: a message with a ThreadKey whose key was seen before in the
// channel is posted in the first message's thread, where the platform has
// threads; references live in the Store so replicas share them.
//
// A Deliverer is safe for concurrent use. Close stops it.
type Deliverer struct {
	store     Store
	senders   map[chat.Platform]chat.Sender
	wrapped   map[chat.Platform]chat.Sender
	threads   map[chat.Platform]bool
	limiter   *Limiter
	limits    map[chat.Platform]PlatformLimits
	backoff   Backoff
	clock     Clock
	log       logger
	inst      *instruments
	mp        metric.MeterProvider
	threshold int
	maxDigest int
	claimTTL  time.Duration
	dedupTTL  time.Duration
	threadTTL time.Duration
	keepTTL   time.Duration

	mu     sync.Mutex
	queues map[string]*queue
	closed bool
	wg     sync.WaitGroup
}

// Option configures a Deliverer.
type Option func(*Deliverer)

// WithSender sets the sender for a platform. Delivery wraps it with the
// rate limiter and retries; pass the bare adapter.
func WithSender(p chat.Platform, s chat.Sender) Option {
	return func(d *Deliverer) { d.senders[p] = s }
}

// WithLimits sets the rate limits per platform (default DefaultLimits;
// platforms missing from the map are unlimited).
func WithLimits(l map[chat.Platform]PlatformLimits) Option {
	return func(d *Deliverer) { d.limits = l }
}

// WithLimiter makes the Deliverer use l (shared, for example, with the
// senders of command replies, so both count against the same channel
// budgets) instead of building one from WithLimits and WithClock.
func WithLimiter(l *Limiter) Option { return func(d *Deliverer) { d.limiter = l } }

// WithBackoff sets the retry policy (default DefaultBackoff).
func WithBackoff(b Backoff) Option { return func(d *Deliverer) { d.backoff = b.withDefaults() } }

// WithClock sets the clock (default the wall clock).
func WithClock(c Clock) Option { return func(d *Deliverer) { d.clock = c } }

// WithLogger sets the logger; each job's LogLevel decides what of it is
// logged. Default: discard.
func WithLogger(l *slog.Logger) Option { return func(d *Deliverer) { d.log = logger{l} } }

// WithMeterProvider sets where metrics go (default: noop).
func WithMeterProvider(mp metric.MeterProvider) Option { return func(d *Deliverer) { d.mp = mp } }

// WithDigestThreshold sets the backlog size above which a channel's pending
// notifications are coalesced into a digest (default 10; 0 disables
// digests), and the most notifications one digest carries (default 500).
func WithDigestThreshold(threshold, maxItems int) Option {
	return func(d *Deliverer) { d.threshold, d.maxDigest = threshold, maxItems }
}

// WithTTLs sets how long a claim lease lasts before another delivery may
// take over after a crash (default 2m; a live delivery renews its lease
// every third of it, however long its retries take), how
// long delivered keys are remembered (default 14 days, SQS's longest
// retention), and how long thread references, digests and dead letters are
// kept (default 14 days). Zero keeps a default.
func WithTTLs(claim, dedup, keep time.Duration) Option {
	return func(d *Deliverer) {
		if claim > 0 {
			d.claimTTL = claim
		}
		if dedup > 0 {
			d.dedupTTL = dedup
		}
		if keep > 0 {
			d.keepTTL, d.threadTTL = keep, keep
		}
	}
}

// New returns a Deliverer that keeps its state in store.
func New(store Store, opts ...Option) (*Deliverer, error) {
	if store == nil {
		return nil, errors.New("delivery: nil store")
	}
	d := &Deliverer{
		store:     store,
		senders:   make(map[chat.Platform]chat.Sender),
		limits:    DefaultLimits(),
		backoff:   DefaultBackoff(),
		clock:     SystemClock{},
		threshold: 10,
		maxDigest: 500,
		claimTTL:  2 * time.Minute,
		dedupTTL:  14 * 24 * time.Hour,
		threadTTL: 14 * 24 * time.Hour,
		keepTTL:   14 * 24 * time.Hour,
		queues:    make(map[string]*queue),
	}
	for _, o := range opts {
		o(d)
	}
	if len(d.senders) == 0 {
		return nil, errors.New("delivery: no sender configured (use WithSender)")
	}
	if d.threshold < 0 || (d.threshold > 0 && d.maxDigest < 2) {
		return nil, fmt.Errorf("delivery: digest threshold %d with at most %d items per digest: want threshold >= 0 and at least 2 items", d.threshold, d.maxDigest)
	}
	inst, err := newInstruments(d.mp)
	if err != nil {
		return nil, fmt.Errorf("delivery: metrics: %w", err)
	}
	d.inst = inst
	if d.limiter == nil {
		d.limiter = NewLimiter(d.limits, d.clock)
	}
	d.wrapped = make(map[chat.Platform]chat.Sender, len(d.senders))
	d.threads = make(map[chat.Platform]bool, len(d.senders))
	for p, s := range d.senders {
		ls := NewLimitedSender(s, d.limiter)
		ls.OnThrottle = func(conv chat.Conversation, _ time.Duration, local bool) {
			src := throttlePlat
			if local {
				src = throttleLocal
			}
			d.inst.throttled.Add(context.Background(), 1, metric.WithAttributes(
				attrKV(attrPlatform, string(conv.Platform)), attrKV(attrThrottleSource, src)))
		}
		rs := NewRetrySender(ls, d.backoff, d.clock)
		rs.OnRetry = func(conv chat.Conversation, attempt int, err error, wait time.Duration) {
			d.inst.retried.Add(context.Background(), 1, metric.WithAttributes(attrKV(attrPlatform, string(conv.Platform))))
		}
		d.wrapped[p] = rs
		d.threads[p] = chat.CapabilitiesOf(s).Threads
	}
	return d, nil
}

// Limiter returns the rate limiter, so that other senders of the process
// (command replies) can share the channels' budgets.
func (d *Deliverer) Limiter() *Limiter { return d.limiter }

type task struct {
	ctx      context.Context
	job      Job
	key      string // channel key
	enqueued time.Time
	done     chan error
	claimed  bool
}

func (t *task) finish(err error) { t.done <- err }

type queue struct {
	pending []*task
}

// Deliver posts every job and blocks until each one is delivered, known to
// be a duplicate, or failed permanently and recorded as a dead letter; it
// then returns nil. It returns an error when some job must be retried later
// (ctx ended, the Store failed, or ErrInProgress); jobs of the same call
// that were delivered stay delivered, and their dedup keys make the retry
// skip them.
func (d *Deliverer) Deliver(ctx context.Context, jobs ...Job) error {
	tasks := make([]*task, 0, len(jobs))
	now := d.clock.Now()
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		return ErrClosed
	}
	for _, j := range jobs {
		t := &task{ctx: ctx, job: j, key: ChannelKey(j.Conversation), enqueued: now, done: make(chan error, 1)}
		tasks = append(tasks, t)
		q := d.queues[t.key]
		if q == nil {
			q = &queue{}
			d.queues[t.key] = q
			d.wg.Add(1)
			go d.work(t.key, q)
		}
		q.pending = append(q.pending, t)
		d.inst.backlog.Add(ctx, 1, attrs(j.Configuration, string(j.Conversation.Platform)))
	}
	d.mu.Unlock()
	var errs []error
	for _, t := range tasks {
		select {
		case err := <-t.done:
			if err != nil {
				errs = append(errs, fmt.Errorf("delivery: %s: %w", t.key, err))
			}
		case <-ctx.Done():
			// The worker sees the same ctx and finishes the task (sends
			// in flight are cancelled, claims released); nobody reads done.
			return fmt.Errorf("delivery: %w", ctx.Err())
		}
	}
	return errors.Join(errs...)
}

// Close stops accepting jobs and waits until the queued ones are finished
// (cancel the contexts given to Deliver to make that quick).
func (d *Deliverer) Close() {
	d.mu.Lock()
	d.closed = true
	d.mu.Unlock()
	d.wg.Wait()
}

// Backlog returns the number of jobs waiting per channel key.
func (d *Deliverer) Backlog() map[string]int {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := make(map[string]int, len(d.queues))
	for k, q := range d.queues {
		out[k] = len(q.pending)
	}
	return out
}

// work drains one channel's queue and exits when it is empty, so idle
// channels cost nothing.
func (d *Deliverer) work(key string, q *queue) {
	defer d.wg.Done()
	for {
		d.mu.Lock()
		var live []*task
		for _, t := range q.pending {
			if t.ctx.Err() != nil {
				d.dequeued(t)
				t.finish(t.ctx.Err())
				continue
			}
			live = append(live, t)
		}
		q.pending = live
		if len(live) == 0 {
			delete(d.queues, key)
			d.mu.Unlock()
			return
		}
		var batch []*task
		if d.threshold > 0 && len(live) > d.threshold {
			n := min(len(live), d.maxDigest)
			batch, q.pending = live[:n:n], live[n:]
		} else {
			batch, q.pending = live[:1:1], live[1:]
		}
		for _, t := range batch {
			d.dequeued(t)
		}
		d.mu.Unlock()
		if len(batch) == 1 {
			d.deliverOne(batch[0])
		} else {
			d.deliverDigest(key, batch)
		}
	}
}

func (d *Deliverer) dequeued(t *task) {
	d.inst.backlog.Add(context.Background(), -1, attrs(t.job.Configuration, string(t.job.Conversation.Platform)))
}

func dedupKey(t *task) string { return t.key + "|" + t.job.DedupKey }

const (
	stateDelivered = "delivered"
	stateFailed    = "failed"
	statePending   = "pending"
)

// claim takes t's dedup key. It returns done=true when t is finished
// already (duplicate or error).
func (d *Deliverer) claim(t *task) (done bool) {
	if t.job.DedupKey == "" {
		return false
	}
	ok, err := d.store.PutIfAbsent(t.ctx, NamespaceDedup, dedupKey(t), []byte(statePending), d.claimTTL)
	if err != nil {
		t.finish(fmt.Errorf("claim dedup key: %w", err))
		return true
	}
	if ok {
		t.claimed = true
		return false
	}
	v, found, err := d.store.Get(t.ctx, NamespaceDedup, dedupKey(t))
	switch {
	case err != nil:
		t.finish(fmt.Errorf("read dedup key: %w", err))
	case found && (string(v) == stateDelivered || string(v) == stateFailed):
		d.inst.duplicate.Add(t.ctx, 1, d.attrsOf(t))
		d.log.log(t.ctx, t.job.LogLevel, slog.LevelInfo, "notification already delivered to channel; skipped",
			"configuration", t.job.Configuration, "channel", t.key, "dedup_key", t.job.DedupKey, "state", string(v))
		t.finish(nil)
	case !found:
		// The claim expired or was released between the two calls: let the
		// source try again rather than loop here.
		t.finish(ErrInProgress)
	default:
		t.finish(ErrInProgress)
	}
	return true
}

func (d *Deliverer) attrsOf(t *task) metric.MeasurementOption {
	return attrs(t.job.Configuration, string(t.job.Conversation.Platform))
}

// release gives up t's claim so that a retry can take it.
func (d *Deliverer) release(t *task) {
	if !t.claimed {
		return
	}
	// The task's own ctx may be the reason we release: use a fresh one.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(t.ctx), 10*time.Second)
	defer cancel()
	if err := d.store.Delete(ctx, NamespaceDedup, dedupKey(t)); err != nil {
		// The lease expires by itself; until then copies get ErrInProgress.
		d.log.log(ctx, LogError, slog.LevelError, "release dedup claim failed", "channel", t.key, "dedup_key", t.job.DedupKey, "error", err)
	}
	t.claimed = false
}

// keepClaims renews the claims of tasks until stop is called, so that a
// slow delivery (long retries, Retry-After) never loses its lease to a
// copy of the same notification while a crashed one frees it within
// ClaimTTL.
func (d *Deliverer) keepClaims(ctx context.Context, tasks []*task) (stop func()) {
	var claimed []*task
	for _, t := range tasks {
		if t.claimed {
			claimed = append(claimed, t)
		}
	}
	if len(claimed) == 0 {
		return func() {}
	}
	// Store TTLs run on the store's (wall) clock, not on the injected one.
	kctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() {
		tick := time.NewTicker(d.claimTTL / 3)
		defer tick.Stop()
		for {
			select {
			case <-kctx.Done():
				return
			case <-tick.C:
			}
			for _, t := range claimed {
				if err := d.store.Put(kctx, NamespaceDedup, dedupKey(t), []byte(statePending), d.claimTTL); err != nil && kctx.Err() == nil {
					d.log.log(kctx, t.job.LogLevel, slog.LevelError, "renew dedup claim failed", "channel", t.key, "dedup_key", t.job.DedupKey, "error", err)
				}
			}
		}
	})
	return func() {
		cancel()
		wg.Wait()
	}
}

func (d *Deliverer) mark(t *task, state string) error {
	if !t.claimed {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(t.ctx), 10*time.Second)
	defer cancel()
	return d.store.Put(ctx, NamespaceDedup, dedupKey(t), []byte(state), d.dedupTTL)
}

func threadKey(t *task) string { return t.key + "|" + t.job.Message.ThreadKey }

func (d *Deliverer) deliverOne(t *task) {
	if d.claim(t) {
		return
	}
	conv := t.job.Conversation
	var thread bool
	if t.job.Message.ThreadKey != "" && d.threads[conv.Platform] && conv.ThreadID == "" {
		if v, ok, err := d.store.Get(t.ctx, NamespaceThread, threadKey(t)); err == nil && ok {
			var ref chat.Ref
			if json.Unmarshal(v, &ref) == nil && ref.MessageID != "" {
				conv = ref.Thread()
				thread = true
			}
		}
	}
	stop := d.keepClaims(t.ctx, []*task{t})
	ref, err := d.send(t.ctx, conv, t.job.Message)
	stop()
	if err != nil {
		d.failed(t, err)
		return
	}
	if err := d.mark(t, stateDelivered); err != nil {
		// Delivered, but a copy may post again; nothing better to do than
		// say so.
		d.log.log(t.ctx, max(t.job.LogLevel, LogError), slog.LevelError, "mark delivered failed; a redelivery may post twice",
			"configuration", t.job.Configuration, "channel", t.key, "dedup_key", t.job.DedupKey, "error", err)
	}
	if t.job.Message.ThreadKey != "" && !thread {
		if b, err := json.Marshal(ref); err == nil {
			ctx, cancel := context.WithTimeout(context.WithoutCancel(t.ctx), 10*time.Second)
			_, _ = d.store.PutIfAbsent(ctx, NamespaceThread, threadKey(t), b, d.threadTTL)
			cancel()
		}
	}
	d.succeeded(t, ref)
	t.finish(nil)
}

func (d *Deliverer) send(ctx context.Context, conv chat.Conversation, m chat.Message) (chat.Ref, error) {
	s := d.wrapped[conv.Platform]
	if s == nil {
		return chat.Ref{}, fmt.Errorf("%w %q", ErrNoSender, conv.Platform)
	}
	return s.Send(ctx, conv, m)
}

func (d *Deliverer) succeeded(t *task, ref chat.Ref) {
	d.inst.success.Add(t.ctx, 1, d.attrsOf(t))
	d.inst.latency.Record(t.ctx, d.clock.Now().Sub(t.enqueued).Seconds(), d.attrsOf(t))
	d.log.log(t.ctx, t.job.LogLevel, slog.LevelInfo, "notification delivered",
		"configuration", t.job.Configuration, "channel", t.key, "dedup_key", t.job.DedupKey, "message_id", ref.MessageID)
}

// failed settles a task whose send failed: cancelled work is released for a
// retry; anything else is permanent and becomes a dead letter.
func (d *Deliverer) failed(t *task, err error) {
	if t.ctx.Err() != nil {
		d.release(t)
		t.finish(err)
		return
	}
	attempts := 1
	var ae *AttemptsError
	if errors.As(err, &ae) {
		attempts = ae.Attempts
	}
	if derr := d.deadLetter(t, err, attempts); derr != nil {
		// Could not record it: keep the source's copy by asking for a retry.
		d.release(t)
		t.finish(fmt.Errorf("record dead letter: %w (after: %w)", derr, err))
		return
	}
	if merr := d.mark(t, stateFailed); merr != nil {
		d.log.log(t.ctx, LogError, slog.LevelError, "mark failed failed", "channel", t.key, "error", merr)
	}
	d.inst.failure.Add(t.ctx, 1, d.attrsOf(t))
	d.log.log(t.ctx, t.job.LogLevel, slog.LevelError, "notification delivery failed; dead-lettered",
		"configuration", t.job.Configuration, "channel", t.key, "dedup_key", t.job.DedupKey, "attempts", attempts, "error", err)
	t.finish(nil)
}

// DeadLetter is a notification that could not be delivered, kept in the
// Store (namespace "deadletter") for inspection and replay.
type DeadLetter struct {
	ID            string            `json:"id"`
	Time          time.Time         `json:"time"`
	Configuration string            `json:"configuration"`
	Conversation  chat.Conversation `json:"conversation"`
	DedupKey      string            `json:"dedupKey,omitempty"`
	Message       chat.Message      `json:"message"`
	Attempts      int               `json:"attempts"`
	Error         string            `json:"error"`
}

func (d *Deliverer) deadLetter(t *task, cause error, attempts int) error {
	now := d.clock.Now()
	id := fmt.Sprintf("%020d-%s", now.UnixNano(), randomID())
	rec := DeadLetter{ID: id, Time: now, Configuration: t.job.Configuration, Conversation: t.job.Conversation,
		DedupKey: t.job.DedupKey, Message: t.job.Message, Attempts: attempts, Error: cause.Error()}
	b, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(t.ctx), 10*time.Second)
	defer cancel()
	return d.store.Put(ctx, NamespaceDeadLetter, id, b, d.keepTTL)
}

// DeadLetters returns the recorded dead letters, oldest first.
func (d *Deliverer) DeadLetters(ctx context.Context) ([]DeadLetter, error) {
	m, err := d.store.List(ctx, NamespaceDeadLetter, "")
	if err != nil {
		return nil, fmt.Errorf("delivery: list dead letters: %w", err)
	}
	out := make([]DeadLetter, 0, len(m))
	for k, v := range m {
		var dl DeadLetter
		if err := json.Unmarshal(v, &dl); err != nil {
			return nil, fmt.Errorf("delivery: dead letter %q: %w", k, err)
		}
		out = append(out, dl)
	}
	sortDeadLetters(out)
	return out, nil
}

func randomID() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
