package chatops

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/opschat/opschat/chat"
	"github.com/opschat/opschat/notify"
	"github.com/opschat/opschat/notify/delivery"
)

// Conversation returns where a configuration's notifications are posted.
// Chime configurations have no channel ID: their conversation's ChannelID is
// the configuration name, which the Chime sender maps to its webhook.
func (c *ChannelConfig) Conversation() chat.Conversation {
	conv := chat.Conversation{Platform: c.Platform, WorkspaceID: c.WorkspaceID, TeamID: c.TeamID, ChannelID: c.ChannelID, Type: chat.ConversationChannel}
	if c.Platform == chat.PlatformChime {
		conv.ChannelID = c.Name
	}
	return conv
}

// Subscriptions converts the channel configurations into notify
// subscriptions: topics, filter policies, event patterns, the custom actions
// each configuration attaches (CustomizationResourceArns, matched by action
// name), and logging levels. Every invalid filter, pattern or action is
// reported, with its configuration.
func (c *Config) Subscriptions() ([]notify.Subscription, error) {
	actions := map[string]notify.CustomAction{}
	for _, a := range c.CustomActions {
		na := notify.CustomAction{Name: a.ActionName, CommandText: a.CommandText}
		for _, at := range a.Attachments {
			nat := notify.CustomActionAttachment{ButtonText: at.ButtonText, NotificationType: at.NotificationType, Variables: at.Variables}
			for _, cr := range at.Criteria {
				nat.Criteria = append(nat.Criteria, notify.CustomActionCriterion{Operator: cr.Operator, VariableName: cr.VariableName, Value: cr.Value})
			}
			na.Attachments = append(na.Attachments, nat)
		}
		actions[a.ActionName] = na
	}
	var (
		subs []notify.Subscription
		errs []error
	)
	for i := range c.Configurations {
		cc := &c.Configurations[i]
		s := notify.Subscription{
			Name:              cc.Name,
			Conversation:      cc.Conversation(),
			TopicARNs:         cc.SNSTopicARNs,
			FilterPolicyScope: notify.FilterScope(cc.FilterPolicyScope),
			LoggingLevel:      notify.LoggingLevel(cc.LoggingLevel),
		}
		if len(cc.FilterPolicy) > 0 {
			fp, err := notify.CompileFilterPolicy(cc.FilterPolicy)
			if err != nil {
				errs = append(errs, fmt.Errorf("configuration %s: FilterPolicy: %w", cc.Name, err))
			}
			s.FilterPolicy = fp
		}
		if len(cc.EventPattern) > 0 {
			p, err := notify.CompilePattern(cc.EventPattern)
			if err != nil {
				errs = append(errs, fmt.Errorf("configuration %s: EventPattern: %w", cc.Name, err))
			}
			s.EventPattern = p
		}
		for _, arn := range cc.CustomizationResourceARNs {
			name := arn[strings.LastIndex(arn, "/")+1:]
			a, ok := actions[name]
			if !ok {
				errs = append(errs, fmt.Errorf("configuration %s: CustomizationResourceArns: no custom action named %q", cc.Name, name))
				continue
			}
			if err := a.Validate(); err != nil {
				errs = append(errs, fmt.Errorf("configuration %s: custom action %s: %w", cc.Name, name, err))
				continue
			}
			s.CustomActions = append(s.CustomActions, a)
		}
		subs = append(subs, s)
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("chatops: subscriptions: %w", errors.Join(errs...))
	}
	return subs, nil
}

// NotificationRouter builds the router for the bot's configurations, with
// the bot's WithNotificationOptions and then opts.
func (b *Bot) NotificationRouter(opts ...notify.RouterOption) (*notify.Router, error) {
	subs, err := b.config.Subscriptions()
	if err != nil {
		return nil, err
	}
	base := append([]notify.RouterOption{notify.WithLogger(b.log)}, b.routerOpts...)
	r, err := notify.NewRouter(subs, append(base, opts...)...)
	if err != nil {
		return nil, fmt.Errorf("chatops: router: %w", err)
	}
	return r, nil
}

// Post sends deliveries through the bot's adapters and senders, one after
// another, and returns every failure joined. It does no retrying, rate
// limiting or deduplication: in production put notify/delivery in front of
// it (or use its Dispatcher with the bot's senders); Post is the direct path
// for tests, examples and the quickstart.
func (b *Bot) Post(ctx context.Context, ds []notify.Delivery) error {
	var errs []error
	for _, d := range ds {
		s, ok := b.Sender(d.Conversation.Platform)
		if !ok {
			errs = append(errs, fmt.Errorf("chatops: post to %s: no adapter for platform %q", d.Conversation, d.Conversation.Platform))
			continue
		}
		if _, err := s.Send(ctx, d.Conversation, d.Message); err != nil {
			errs = append(errs, fmt.Errorf("chatops: post to %s: %w", d.Conversation, err))
		}
	}
	return errors.Join(errs...)
}

// ChimeWebhooks returns the webhook URL of every Chime configuration, by
// configuration name: the map adapters/chime.New takes. The URLs carry
// tokens; do not log them.
func (c *Config) ChimeWebhooks() map[string]string {
	out := map[string]string{}
	for _, cc := range c.Configurations {
		if cc.Platform == chat.PlatformChime {
			out[cc.Name] = cc.WebhookURL.Reveal()
		}
	}
	return out
}

// NotificationPipeline is the production notification path of a bot: a
// notify.Handler for any source (notify/snshttp, notify/sqssource,
// notify/lambdasource) that routes each envelope over the bot's
// configurations and delivers it reliably through the bot's adapters and
// senders, with the bot's Store for dedup keys, thread references and dead
// letters. Close it when the sources have stopped.
type NotificationPipeline struct {
	*delivery.Dispatcher
	Router    *notify.Router
	Deliverer *delivery.Deliverer
}

// NotificationPipeline builds the bot's notification path. With
// WithAlarmGraphs, routing an alarm also fetches its graph (at most the
// graph budget) before delivery starts; the graph then travels with the
// job, into its dead letter too, so a replay shows the picture of the
// alarm's time without calling AWS again. opts are passed
// to delivery.New after the bot's senders and logger, so they may override
// them (limits, backoff, digest threshold, meter provider).
func (b *Bot) NotificationPipeline(opts ...delivery.Option) (*NotificationPipeline, error) {
	router, err := b.NotificationRouter()
	if err != nil {
		return nil, err
	}
	base := []delivery.Option{delivery.WithLogger(b.log)}
	for p, a := range b.adapters {
		base = append(base, delivery.WithSender(p, a))
	}
	for p, s := range b.senders {
		base = append(base, delivery.WithSender(p, s))
	}
	d, err := delivery.New(b.store, append(base, opts...)...)
	if err != nil {
		return nil, fmt.Errorf("chatops: deliverer: %w", err)
	}
	var dr delivery.DeliveryRouter = router
	if b.graphs != nil {
		dr = graphRouter{bot: b, router: router}
	}
	disp, err := delivery.NewDispatcher(delivery.FromNotify(dr), d, b.log)
	if err != nil {
		d.Close()
		return nil, fmt.Errorf("chatops: dispatcher: %w", err)
	}
	p := &NotificationPipeline{Dispatcher: disp, Router: router, Deliverer: d}
	b.mu.Lock()
	b.pipeline = p
	b.mu.Unlock()
	return p, nil
}

// Close stops the deliverer's queues, waiting for what is in flight.
func (p *NotificationPipeline) Close() { p.Deliverer.Close() }

// Shutdown stops the deliverer's queues, waiting for what is in flight
// until ctx ends; work still queued then is left to the sources'
// redelivery (it was never acknowledged).
func (p *NotificationPipeline) Shutdown(ctx context.Context) error { return p.Deliverer.Shutdown(ctx) }
