package delivery

import (
	"context"
	"fmt"
	"log/slog"
	"runtime"
	"time"

	"github.com/opschat/opschat/notify"
)

// Router turns an envelope into the jobs to deliver: one per target
// channel. It is the narrow view of notify.Router this package needs; see
// RouterFunc to adapt one. An error means the envelope cannot be handled
// (malformed, undecodable) and is counted as unsupported.
type Router interface {
	Route(ctx context.Context, env *notify.Envelope) ([]Job, error)
}

// RouterFunc adapts a function to Router.
type RouterFunc func(ctx context.Context, env *notify.Envelope) ([]Job, error)

// Route calls f.
func (f RouterFunc) Route(ctx context.Context, env *notify.Envelope) ([]Job, error) {
	return f(ctx, env)
}

// Dispatcher is the notify.Handler that sources feed: it routes each
// envelope and delivers the resulting jobs. HandleEnvelope returns nil only
// when every target channel has the notification (delivered now, or
// earlier by another copy); otherwise the source must not acknowledge it.
// It is safe for concurrent use.
type Dispatcher struct {
	router    Router
	deliverer *Deliverer
	log       *slog.Logger
	// detach, when positive, runs deliveries under a context of their own
	// bounded by it, so that a caller that stops waiting does not cancel
	// them (see Detached).
	detach time.Duration
	// routing bounds the envelopes being decoded, routed and enqueued at
	// once (WithRouteConcurrency); waiting for delivery is not bounded.
	routing chan struct{}
}

var _ notify.Handler = (*Dispatcher)(nil)

// DispatcherOption configures a Dispatcher.
type DispatcherOption func(*dispatcherOptions)

type dispatcherOptions struct{ routeConcurrency int }

// WithRouteConcurrency bounds how many envelopes are decoded, routed and
// enqueued at once (default 4 × GOMAXPROCS). Routing is CPU work: in a
// storm, thousands of concurrent HandleEnvelope calls would otherwise all
// be runnable at once, and every channel worker would wait behind them
// for the CPU between its rate-limit slot and its post, so that posts
// granted a second apart reach the platform closer together. Callers past
// the bound wait (parked, costing no CPU); a call that has enqueued its
// jobs leaves the bound while it waits for their delivery.
func WithRouteConcurrency(n int) DispatcherOption {
	return func(o *dispatcherOptions) { o.routeConcurrency = n }
}

// NewDispatcher returns a Dispatcher. logger may be nil (discard); it
// receives what happens before a configuration is known (routing errors).
func NewDispatcher(r Router, d *Deliverer, logger *slog.Logger, opts ...DispatcherOption) (*Dispatcher, error) {
	if r == nil || d == nil {
		return nil, fmt.Errorf("delivery: dispatcher needs a router and a deliverer")
	}
	o := dispatcherOptions{routeConcurrency: 4 * runtime.GOMAXPROCS(0)}
	for _, opt := range opts {
		opt(&o)
	}
	if o.routeConcurrency < 1 {
		return nil, fmt.Errorf("delivery: route concurrency %d: want at least 1", o.routeConcurrency)
	}
	return &Dispatcher{router: r, deliverer: d, log: logger, routing: make(chan struct{}, o.routeConcurrency)}, nil
}

// Detached returns a copy of d whose deliveries outlive the caller's wait:
// they run under a context that ignores the caller's cancellation and ends
// after workTimeout (or at the Deliverer's Shutdown). Use it for a source
// that must answer before delivery may be done, such as the SNS HTTPS
// endpoint (SNS gives up after 15 s): the endpoint answers 5xx, SNS retries
// later, and the retry finds the notification delivered (200), still in
// progress (5xx again), or failed (tried again). The returned Dispatcher
// shares d's router and deliverer.
func (d *Dispatcher) Detached(workTimeout time.Duration) *Dispatcher {
	c := *d
	c.detach = workTimeout
	return &c
}

// HandleEnvelope routes env and delivers it, blocking until every target
// channel's delivery succeeded (or was already done), failed for good, or
// ctx ended; then, unless the Dispatcher is Detached, for at most a second
// more while the cancelled deliveries release their claims, so that a copy
// the source hands back is not refused by them. It returns nil only in the
// first case (or when every delivery finished meanwhile); a failure is a
// *NotDeliveredError (errors.Is ErrNotDelivered) naming each channel not
// reached and its dead letter. Subscription and unsubscribe confirmations
// are not notifications: they are acknowledged here (the SNS HTTPS endpoint
// confirms subscriptions itself). A routing error is returned, so the
// source does not acknowledge the message and the queue's redrive policy
// eventually moves it to a dead-letter queue.
func (d *Dispatcher) HandleEnvelope(ctx context.Context, env *notify.Envelope) error {
	if env == nil {
		return fmt.Errorf("delivery: nil envelope")
	}
	if !env.Raw && env.Type != notify.TypeNotification {
		if d.log != nil {
			d.log.InfoContext(ctx, "ignoring non-notification envelope", "type", env.Type, "topic", env.TopicARN, "message_id", env.MessageID)
		}
		return nil
	}
	select {
	case d.routing <- struct{}{}:
	case <-ctx.Done():
		return fmt.Errorf("delivery: waiting to route %q: %w", env.MessageID, ctx.Err())
	}
	p, err := d.route(ctx, env)
	<-d.routing
	if err != nil || p == nil {
		return err
	}
	err = p.Wait(ctx)
	if err == nil || ctx.Err() == nil || d.detach > 0 {
		return err
	}
	// The deliveries ran under ctx and are ending too: wait a moment for
	// them to release their claims, so that the copy the source hands
	// back (sqssource makes it visible at once) is not refused by them.
	return p.settle(ctx.Err())
}

// route routes env and enqueues its jobs; a nil Pending with a nil error
// means there is nothing to deliver.
func (d *Dispatcher) route(ctx context.Context, env *notify.Envelope) (*Pending, error) {
	d.deliverer.inst.events.Add(ctx, 1)
	jobs, err := d.router.Route(ctx, env)
	if err != nil {
		d.deliverer.inst.unsupported.Add(ctx, 1)
		if d.log != nil {
			d.log.ErrorContext(ctx, "event received is not supported", "topic", env.TopicARN, "message_id", env.MessageID, "error", err)
		}
		return nil, fmt.Errorf("delivery: route %q: %w", env.MessageID, err)
	}
	if len(jobs) == 0 {
		return nil, nil
	}
	for i := range jobs {
		if jobs[i].Unsupported {
			d.deliverer.inst.unsupported.Add(ctx, 1)
			break
		}
	}
	for i := range jobs {
		if jobs[i].TopicARN == "" {
			jobs[i].TopicARN = env.TopicARN
		}
		if jobs[i].MessageID == "" {
			jobs[i].MessageID = env.MessageID
		}
	}
	if d.detach <= 0 {
		return d.deliverer.Enqueue(ctx, jobs...)
	}
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), d.detach)
	p, err := d.deliverer.enqueue(wctx, cancel, "", jobs)
	if err != nil {
		cancel()
		return nil, err
	}
	return p, nil
}
