package delivery

import (
	"cmp"
	"context"

	"github.com/opschat/opschat/notify"
)

// DeliveryRouter is what *notify.Router provides.
type DeliveryRouter interface {
	Route(ctx context.Context, env *notify.Envelope) ([]notify.Delivery, error)
}

// FromNotify adapts a notify.Router to the Router the Dispatcher takes:
// each notify.Delivery becomes a Job with the subscription's name and
// logging level, and the notification's type and state for digests
// ("CloudWatch Alarm", "ALARM").
func FromNotify(r DeliveryRouter) Router {
	return RouterFunc(func(ctx context.Context, env *notify.Envelope) ([]Job, error) {
		ds, err := r.Route(ctx, env)
		if err != nil {
			return nil, err
		}
		jobs := make([]Job, 0, len(ds))
		for _, d := range ds {
			jobs = append(jobs, JobOf(d))
		}
		return jobs, nil
	})
}

// JobOf converts one notify.Delivery into a Job.
func JobOf(d notify.Delivery) Job {
	j := Job{Conversation: d.Conversation, Message: d.Message, DedupKey: d.DedupKey}
	if s := d.Subscription; s != nil {
		j.Configuration = s.Name
		j.LogLevel, _ = ParseLogLevel(string(s.LoggingLevel))
	}
	if n := d.Notification; n != nil {
		j.Kind = cmp.Or(n.EventType, n.Service, string(n.Kind))
		j.State = n.Variables["NewStateValue"]
		// AWS Chatbot drops what it cannot render and counts it as
		// UnsupportedEvents; opschat delivers it generically and still
		// counts it.
		j.Unsupported = n.DecodeError != "" || n.Kind == notify.KindJSON || n.Kind == notify.KindText
	}
	return j
}
