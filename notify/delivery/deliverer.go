package delivery

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/opschat/opschat/chat"
	"github.com/opschat/opschat/notify"
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
	// TopicARN and MessageID identify the envelope the job came from (set
	// by the Dispatcher); dead letters keep them so an operator can trace a
	// failure back to its source.
	TopicARN  string
	MessageID string
}

// Sentinel errors.
var (
	// ErrInProgress is a failure (inside a NotDeliveredError) of a job
	// whose dedup key another delivery (another replica, or an earlier copy
	// of the message) holds: the source should retry later, by which time
	// the key is either delivered or released.
	// It is notify.ErrInProgress, so sources can tell it apart
	// (notify.OnlyInProgress) without importing this package.
	ErrInProgress = notify.ErrInProgress
	// ErrNoSender is recorded when no sender is configured for a job's
	// platform (a permanent failure).
	ErrNoSender = errors.New("delivery: no sender for platform")
	// ErrClosed is returned by Deliver, Enqueue and the replays after
	// Shutdown or Close.
	ErrClosed = errors.New("delivery: deliverer closed")
)

// Deliverer posts jobs through per-channel queues: one worker per channel
// with work, so channels never wait for each other and each channel's
// messages go out in order. Each send passes the rate limiter (per channel
// and per workspace, pausing on 429 Retry-After) and is retried with
// backoff; a send that fails permanently or runs out of attempts becomes a
// dead-letter record in the Store.
//
// Once per channel: when a job is enqueued, "<channel>|<DedupKey>" is
// claimed in the Store with PutIfAbsent (a lease of ClaimTTL, renewed until
// the job is settled), concurrently with other claims and off the queue;
// after the platform accepted the message the claim is overwritten with
// "delivered" (kept DedupTTL) while the worker goes on with the channel's
// next message, and the job's Wait returns once that write is done. A copy of the notification that finds "delivered" is skipped;
// one that finds a live claim fails with ErrInProgress so its source
// retries later. A send that fails for good writes a dead letter and then
// deletes the claim, so a failure never suppresses a redelivery: the next
// copy tries the channel again. The package documentation states the one
// window in which a channel can get a notification twice.
//
// Storms: when a channel's backlog passes the digest threshold, the worker
// takes everything pending and posts one digest message (counts by kind and
// state, the most severe items first, a button to list the rest, which are
// kept in the Store) instead of falling minutes behind.
//
// Threads: a message with a ThreadKey whose key was seen before in the
// channel is posted in the first message's thread, where the platform has
// threads, and edits that first message to show it, where the adapter can
// edit (WithAnchorUpdates); references live in the Store so replicas share
// them.
//
// A Deliverer is safe for concurrent use. Shutdown or Close stops it.
type Deliverer struct {
	store   Store
	senders map[chat.Platform]chat.Sender
	wrapped map[chat.Platform]chat.Sender
	threads map[chat.Platform]bool
	// updaters edit a thread's anchor in place (WithAnchorUpdates), per
	// platform whose adapter can edit; the same decorators as wrapped.
	updaters      map[chat.Platform]chat.Updater
	anchorUpdates bool
	limiter       *Limiter
	limits        map[chat.Platform]PlatformLimits
	margin        float64
	backoff       Backoff
	clock         Clock
	log           logger
	inst          *instruments
	mp            metric.MeterProvider
	threshold     int
	maxDigest     int
	claimTTL      time.Duration
	dedupTTL      time.Duration
	threadTTL     time.Duration
	keepTTL       time.Duration

	// id and claims make claim tokens unique across replicas and claims.
	id     string
	claims atomic.Uint64

	// life is cancelled by Shutdown when its grace period ends: it
	// cancels every task still queued or in flight.
	life     context.Context
	stopLife context.CancelFunc

	// held are the claims whose leases renewLoop keeps alive; marks bounds
	// the asynchronous "delivered" writes in flight.
	hmu      sync.Mutex
	held     map[*task]struct{}
	renewing bool
	marks    chan struct{}

	// anchors are the thread anchors posted but not yet stored (thread.go).
	amu     sync.Mutex
	anchors map[string]chat.Ref

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

// WithLimitMargin sets the share of each limit left unused (default
// DefaultLimitMargin, 10 %; 0 uses the limits as given), so that what the
// platform counts on arrival stays within its limits although sends arrive
// some scheduling time after their slots; see LimitsWithMargin. It applies
// to the limiter the Deliverer builds, not to one given with WithLimiter.
func WithLimitMargin(m float64) Option { return func(d *Deliverer) { d.margin = m } }

// WithLimiter makes the Deliverer use l (shared, for example, with the
// senders of command replies, so both count against the same channel
// budgets) instead of building one from WithLimits and WithClock.
func WithLimiter(l *Limiter) Option { return func(d *Deliverer) { d.limiter = l } }

// WithBackoff sets the retry policy (default DefaultBackoff).
func WithBackoff(b Backoff) Option { return func(d *Deliverer) { d.backoff = b.withDefaults() } }

// WithClock sets the clock (default the wall clock).
func WithClock(c Clock) Option { return func(d *Deliverer) { d.clock = c } }

// WithLogger sets the logger; each job's LogLevel decides what of it is
// logged, except that a dead letter (and a failure to record one) is always
// logged at ERROR: a configuration's LoggingLevel must not hide lost
// notifications. Default: discard.
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

// WithAnchorUpdates sets whether a later message of a thread (an alarm's
// new state) also edits the thread's first message to show it, on
// platforms whose adapter can edit messages (chat.Updater); default on.
// The change is still posted in the thread.
func WithAnchorUpdates(on bool) Option { return func(d *Deliverer) { d.anchorUpdates = on } }

// New returns a Deliverer that keeps its state in store.
func New(store Store, opts ...Option) (*Deliverer, error) {
	if store == nil {
		return nil, errors.New("delivery: nil store")
	}
	d := &Deliverer{
		store:     store,
		senders:   make(map[chat.Platform]chat.Sender),
		limits:    DefaultLimits(),
		margin:    DefaultLimitMargin,
		backoff:   DefaultBackoff(),
		clock:     SystemClock{},
		threshold: 10,
		maxDigest: 500,
		claimTTL:  2 * time.Minute,
		dedupTTL:  14 * 24 * time.Hour,
		threadTTL: 14 * 24 * time.Hour,
		keepTTL:   14 * 24 * time.Hour,
		queues:    make(map[string]*queue),
		held:      make(map[*task]struct{}),
		marks:     make(chan struct{}, maxMarksInFlight),
		anchors:   make(map[string]chat.Ref),

		anchorUpdates: true,
	}
	for _, o := range opts {
		o(d)
	}
	if len(d.senders) == 0 {
		return nil, errors.New("delivery: no sender configured (use WithSender)")
	}
	if d.margin < 0 || d.margin >= 1 {
		return nil, fmt.Errorf("delivery: limit margin %g: want 0 <= margin < 1", d.margin)
	}
	if d.threshold < 0 || (d.threshold > 0 && d.maxDigest < 2) {
		return nil, fmt.Errorf("delivery: digest threshold %d with at most %d items per digest: want threshold >= 0 and at least 2 items", d.threshold, d.maxDigest)
	}
	inst, err := newInstruments(d.mp)
	if err != nil {
		return nil, fmt.Errorf("delivery: metrics: %w", err)
	}
	d.inst = inst
	d.life, d.stopLife = context.WithCancel(context.Background())
	d.id = randomID()
	if d.limiter == nil {
		d.limiter = newLimiterWithMargin(d.limits, d.margin, d.clock)
	}
	d.wrapped = make(map[chat.Platform]chat.Sender, len(d.senders))
	d.threads = make(map[chat.Platform]bool, len(d.senders))
	d.updaters = make(map[chat.Platform]chat.Updater)
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
		// Only the outer decorator warns about a capped Retry-After, so one
		// response logs once.
		rs := NewRetrySender(ls, d.backoff, d.clock)
		rs.Logger = d.log.l
		rs.OnRetry = func(conv chat.Conversation, attempt int, err error, wait time.Duration) {
			d.inst.retried.Add(context.Background(), 1, metric.WithAttributes(attrKV(attrPlatform, string(conv.Platform))))
		}
		d.wrapped[p] = rs
		caps := chat.CapabilitiesOf(s)
		d.threads[p] = caps.Threads
		if _, ok := s.(chat.Updater); ok && caps.Updates && d.anchorUpdates {
			d.updaters[p] = rs
		}
	}
	return d, nil
}

// Limiter returns the rate limiter, so that other senders of the process
// (command replies) can share the channels' budgets.
func (d *Deliverer) Limiter() *Limiter { return d.limiter }

type task struct {
	ctx      context.Context // the Pending's: the submitter's, ended by Shutdown too
	job      Job
	key      string // channel key
	enqueued time.Time
	done     chan error
	claimed  bool
	token    []byte // the claim's value, when claimed
	// claimDone is closed when the claim step (at enqueue) is over;
	// finishedEarly, set before, says it finished the task (a duplicate,
	// another delivery's live claim, a Store failure).
	claimDone     chan struct{}
	finishedEarly bool
	// rmu orders lease renewals against drop (see Deliverer.drop).
	rmu     sync.Mutex
	dropped bool
	// deadLetterID, for a replay, is the dead letter to update in place.
	deadLetterID string
	pending      *Pending
}

// finish reports t's outcome (nil: delivered or already delivered). It is
// called exactly once per task; the last task of a Pending frees its
// context.
func (t *task) finish(err error) {
	t.done <- err
	if p := t.pending; p.left.Add(-1) == 0 {
		p.release()
	}
}

// fail finishes t with a ChannelFailure carrying err.
func (t *task) fail(err error, deadLetterID string) {
	t.finish(&failure{ChannelFailure{Channel: t.key, Configuration: t.job.Configuration, DedupKey: t.job.DedupKey,
		DeadLetterID: deadLetterID, Err: err}})
}

type queue struct {
	pending []*task
}

// Pending is a submitted set of jobs whose outcome Wait reports. It is safe
// for concurrent use.
type Pending struct {
	tasks []*task
	left  atomic.Int32
	// release ends the tasks' shared context (one per Enqueue, not per
	// job, to keep the hot path to one context and one AfterFunc) and
	// runs the submitter's onDone.
	release func()

	mu      sync.Mutex
	results []result
}

type result struct {
	err error
	got bool
}

// Wait blocks until every job is delivered (or was already), or failed, or
// ctx ends. It returns nil when every job reached its channel; otherwise a
// *NotDeliveredError (errors.Is ErrNotDelivered) listing each channel that
// was not reached, with its dead letter when the failure is final. When ctx
// ends first, the jobs keep running under the context they were submitted
// with, and Wait reports the unfinished ones as not delivered (their error
// is ctx's): the caller must not acknowledge the notification. Wait may be
// called again later to learn the final outcome.
func (p *Pending) Wait(ctx context.Context) error {
	return notDelivered(p.tasks, p.wait(ctx, nil))
}

// settleTimeout bounds settle: a cancelled task finishes within a Store
// round trip or two (its release), and the Lambda source keeps a 2 s
// margin before its deadline that this wait must fit in.
const settleTimeout = time.Second

// settle waits, at most settleTimeout, for tasks cancelled with the
// submitter's context to finish, so that their claims are released before
// the submitter hands the notification back to its source (for a peer to
// take at once), and returns their outcome. A task still running then is
// reported with cause, the submitter's context error.
func (p *Pending) settle(cause error) error {
	ctx, cancel := context.WithTimeout(context.Background(), settleTimeout)
	defer cancel()
	return notDelivered(p.tasks, p.wait(ctx, cause))
}

// wait collects the tasks' outcomes until ctx ends; a task not finished
// by then is reported with unfinished, or ctx's error when that is nil.
func (p *Pending) wait(ctx context.Context, unfinished error) []error {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]error, len(p.tasks))
	for i, t := range p.tasks {
		if !p.results[i].got {
			select {
			case err := <-t.done:
				p.results[i] = result{err: err, got: true}
			case <-ctx.Done():
				out[i] = cmp.Or(unfinished, ctx.Err())
				continue
			}
		}
		out[i] = p.results[i].err
	}
	return out
}

// Deliver posts every job and blocks until each one is delivered (or known
// to be delivered already) or failed, or ctx ends; the jobs run under ctx,
// so ending it cancels them (claims are released for a retry). It returns
// nil only when every job reached its channel; otherwise a
// *NotDeliveredError (see Pending.Wait). Jobs of the same call that were
// delivered stay delivered, and their dedup keys make a retry skip them.
func (d *Deliverer) Deliver(ctx context.Context, jobs ...Job) error {
	p, err := d.Enqueue(ctx, jobs...)
	if err != nil {
		return err
	}
	return p.Wait(ctx)
}

// Enqueue submits jobs and returns at once. The jobs run under ctx (ending
// it cancels them) until Shutdown's grace period ends; Wait on the result
// learns their outcome. It fails with ErrClosed after Shutdown or Close.
func (d *Deliverer) Enqueue(ctx context.Context, jobs ...Job) (*Pending, error) {
	return d.enqueue(ctx, nil, "", jobs)
}

// enqueue submits jobs; onDone, when set, runs once every job is finished;
// deadLetterID, when set, is the dead letter the (single) job replays.
func (d *Deliverer) enqueue(ctx context.Context, onDone func(), deadLetterID string, jobs []Job) (*Pending, error) {
	pctx, cancel := context.WithCancel(ctx)
	stop := context.AfterFunc(d.life, cancel)
	p := &Pending{tasks: make([]*task, 0, len(jobs)), results: make([]result, len(jobs))}
	p.release = func() {
		stop()
		cancel()
		if onDone != nil {
			onDone()
		}
	}
	p.left.Store(int32(len(jobs)))
	now := d.clock.Now()
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		stop()
		cancel()
		return nil, ErrClosed
	}
	for _, j := range jobs {
		t := &task{ctx: pctx, job: j, key: ChannelKey(j.Conversation), enqueued: now, done: make(chan error, 1),
			claimDone: make(chan struct{}), deadLetterID: deadLetterID, pending: p}
		p.tasks = append(p.tasks, t)
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
	if len(jobs) > 0 {
		// Queued first (so each channel keeps submission order), claimed
		// meanwhile; the workers wait for each claim in queue order.
		d.wg.Add(1)
		go d.claimAll(p.tasks)
	}
	d.mu.Unlock()
	if len(jobs) == 0 {
		p.release()
	}
	return p, nil
}

// Shutdown stops accepting jobs and waits for the queued and in-flight ones
// to finish. When ctx ends first it cancels them (their claims are
// released, so a redelivery takes them over; no dead letter is written for
// a cancelled send), waits for the workers to stop, and returns ctx's
// error.
func (d *Deliverer) Shutdown(ctx context.Context) error {
	d.mu.Lock()
	d.closed = true
	d.mu.Unlock()
	done := make(chan struct{})
	go func() { d.wg.Wait(); close(done) }()
	select {
	case <-done:
		d.stopLife()
		return nil
	case <-ctx.Done():
		d.stopLife()
		<-done
		return ctx.Err()
	}
}

// Close stops accepting jobs and waits until the queued ones are finished
// (cancel the contexts given to Deliver, or use Shutdown, to make that
// quick).
func (d *Deliverer) Close() { _ = d.Shutdown(context.Background()) }

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
		var live, gone []*task
		for _, t := range q.pending {
			if t.ctx.Err() != nil && claimOver(t) {
				gone = append(gone, t)
				continue
			}
			live = append(live, t)
		}
		q.pending = live
		if len(gone) > 0 {
			d.mu.Unlock()
			for _, t := range gone {
				d.dequeued(t)
				d.abandon(t)
			}
			continue
		}
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

// claimOver reports whether t's claim step has ended.
func claimOver(t *task) bool {
	select {
	case <-t.claimDone:
		return true
	default:
		return false
	}
}

// abandon finishes a queued task whose context ended before its send:
// its claim is released (no dead letter: the source still holds the
// message and will redeliver it).
func (d *Deliverer) abandon(t *task) {
	if t.finishedEarly {
		return
	}
	d.release(t)
	t.finish(t.ctx.Err())
}

func (d *Deliverer) dequeued(t *task) {
	d.inst.backlog.Add(context.Background(), -1, attrs(t.job.Configuration, string(t.job.Conversation.Platform)))
}
