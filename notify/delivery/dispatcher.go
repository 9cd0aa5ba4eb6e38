package delivery

import (
	"context"
	"fmt"
	"log/slog"

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
// envelope and delivers the resulting jobs, returning nil only when every
// target channel got the notification or a dead-letter record (the
// notify.Handler contract). It is safe for concurrent use.
type Dispatcher struct {
	router    Router
	deliverer *Deliverer
	log       *slog.Logger
}

var _ notify.Handler = (*Dispatcher)(nil)

// NewDispatcher returns a Dispatcher. logger may be nil (discard); it
// receives what happens before a configuration is known (routing errors).
func NewDispatcher(r Router, d *Deliverer, logger *slog.Logger) (*Dispatcher, error) {
	if r == nil || d == nil {
		return nil, fmt.Errorf("delivery: dispatcher needs a router and a deliverer")
	}
	return &Dispatcher{router: r, deliverer: d, log: logger}, nil
}

// HandleEnvelope routes env and delivers it. Subscription and unsubscribe
// confirmations are not notifications: they are acknowledged here (the SNS
// HTTPS endpoint confirms subscriptions itself). A routing error is
// returned, so the source does not acknowledge the message and the queue's
// redrive policy eventually moves it to a dead-letter queue.
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
	d.deliverer.inst.events.Add(ctx, 1)
	jobs, err := d.router.Route(ctx, env)
	if err != nil {
		d.deliverer.inst.unsupported.Add(ctx, 1)
		if d.log != nil {
			d.log.ErrorContext(ctx, "event received is not supported", "topic", env.TopicARN, "message_id", env.MessageID, "error", err)
		}
		return fmt.Errorf("delivery: route %q: %w", env.MessageID, err)
	}
	if len(jobs) == 0 {
		return nil
	}
	for _, j := range jobs {
		if j.Unsupported {
			d.deliverer.inst.unsupported.Add(ctx, 1)
			break
		}
	}
	return d.deliverer.Deliver(ctx, jobs...)
}
