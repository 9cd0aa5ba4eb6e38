package notify

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync/atomic"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/metric/noop"

	"github.com/opschat/opschat/chat"
)

// FilterScope says what a subscription's filter policy is applied to, as
// the SNS FilterPolicyScope attribute.
type FilterScope string

// Filter policy scopes.
const (
	ScopeMessageAttributes FilterScope = "MessageAttributes" // the default
	ScopeMessageBody       FilterScope = "MessageBody"
)

// LoggingLevel is a channel configuration's logging level (AWS Chatbot
// LoggingLevel): what the router logs about this subscription.
type LoggingLevel string

// Logging levels.
const (
	LogNone  LoggingLevel = "NONE" // the default
	LogError LoggingLevel = "ERROR"
	LogInfo  LoggingLevel = "INFO"
)

// Subscription is one channel configuration's view of notifications: which
// topics it takes, what it filters out, where messages go and which custom
// actions its messages carry. chatops builds these from channel
// configurations.
type Subscription struct {
	// Name is the configuration name; it scopes dedup keys and logs.
	Name         string
	Conversation chat.Conversation
	// TopicARNs are the SNS topics the configuration subscribes to, from
	// any region or account. A '*' matches any run of characters
	// ("arn:aws:sns:*:123456789012:ops-alerts" for every region). A
	// subscription with no topics receives envelopes without a topic ARN
	// (EventBridge events delivered straight to a queue or function).
	TopicARNs []string
	// FilterPolicy, when set, is applied to the envelope's message
	// attributes or to its message body, per FilterPolicyScope.
	FilterPolicy      *FilterPolicy
	FilterPolicyScope FilterScope
	// EventPattern, when set, must match the message body (a JSON event);
	// messages that are not JSON objects never match.
	EventPattern  *Pattern
	CustomActions []CustomAction
	LoggingLevel  LoggingLevel
	// Formatters overrides the router's registry for this subscription.
	Formatters *FormatterRegistry
}

// Delivery is one message for one conversation. Deliveries of the same
// envelope share one Notification: treat it as read-only.
type Delivery struct {
	Subscription *Subscription
	Conversation chat.Conversation
	Message      chat.Message
	Notification *Notification
	// DedupKey identifies the notification within the subscription:
	// "<configuration>/<SNS MessageId>" or, for custom notifications with
	// an id, "<configuration>/custom/<id>"; without either, a hash of the
	// message.
	DedupKey string
}

// RouterStats are the router's counters since it was built.
type RouterStats struct {
	Envelopes uint64 // envelopes routed (notifications only)
	Unclaimed uint64 // notifications whose topic no subscription takes
	Filtered  uint64 // (notification, subscription) pairs a filter dropped
	Delivered uint64 // deliveries returned
}

// Router turns envelopes into deliveries: decode once, then for each
// subscription that claims the topic apply its filter policy and event
// pattern, format and attach buttons. The event patterns and body filter
// policies of the subscriptions of one topic (of all wildcard-topic
// subscriptions; of all topic-less ones) are compiled into one PatternSet
// each, so an envelope's message is scanned once per group, not once per
// subscription. It is immutable after NewRouter and
// safe for concurrent use.
type Router struct {
	subs       []*Subscription
	byTopic    map[string][]int
	wildcards  []int
	noTopic    []int
	formatters *FormatterRegistry
	decoders   []Decoder
	log        *slog.Logger
	// The subscriptions that match the message body, grouped so that an
	// envelope is matched once per group (router_match.go).
	topicSets           map[string]*subSet
	wildSet, noTopicSet *subSet
	// perSubscription matches each subscription on its own, as before the
	// groups: the baseline of tests and benchmarks only.
	perSubscription bool

	envelopes, unclaimed, filtered, delivered atomic.Uint64
	mUnclaimed, mFiltered, mDelivered         metric.Int64Counter
	// filteredOpts[i] carries subscription i's "configuration" attribute,
	// built once: with many subscriptions on a topic most are filtered
	// out of every envelope, and building the attribute set each time
	// cost more than matching.
	filteredOpts [][]metric.AddOption
}

// RouterOption configures a Router.
type RouterOption func(*routerOptions)

type routerOptions struct {
	log        *slog.Logger
	formatters *FormatterRegistry
	decoders   []Decoder
	meter      metric.MeterProvider
}

// WithDecoders adds host decoders, tried in order before the built-in ones.
func WithDecoders(ds ...Decoder) RouterOption {
	return func(o *routerOptions) { o.decoders = append(o.decoders, ds...) }
}

// WithLogger sets the logger (default: discard).
func WithLogger(l *slog.Logger) RouterOption { return func(o *routerOptions) { o.log = l } }

// WithFormatters sets the formatter registry (default: DefaultFormatter for everything).
func WithFormatters(r *FormatterRegistry) RouterOption {
	return func(o *routerOptions) { o.formatters = r }
}

// WithMeterProvider records opschat.notify.unclaimed, .filtered and
// .delivered counters through the given OpenTelemetry meter provider
// (default: none).
func WithMeterProvider(mp metric.MeterProvider) RouterOption {
	return func(o *routerOptions) { o.meter = mp }
}

// ErrInvalidSubscription is wrapped by NewRouter's errors.
var ErrInvalidSubscription = errors.New("invalid subscription")

// NewRouter validates subs (names unique and non-empty, a conversation,
// valid custom actions, a known filter scope, no nested policy with the
// MessageAttributes scope) and reports every problem at once.
func NewRouter(subs []Subscription, opts ...RouterOption) (*Router, error) {
	o := routerOptions{
		log:   slog.New(slog.NewTextHandler(io.Discard, nil)),
		meter: noop.NewMeterProvider(),
	}
	for _, opt := range opts {
		opt(&o)
	}
	r := &Router{byTopic: map[string][]int{}, formatters: o.formatters, decoders: o.decoders, log: o.log}
	if r.formatters == nil {
		r.formatters = NewFormatterRegistry()
	}
	var errs []error
	seen := map[string]bool{}
	for i := range subs {
		s := subs[i]
		p := fmt.Sprintf("subscriptions[%d] (%s)", i, s.Name)
		if s.Name == "" {
			errs = append(errs, fmt.Errorf("%s: Name is required", p))
		} else if seen[s.Name] {
			errs = append(errs, fmt.Errorf("%s: duplicate Name %q", p, s.Name))
		}
		seen[s.Name] = true
		if s.Conversation.ChannelID == "" {
			errs = append(errs, fmt.Errorf("%s: Conversation.ChannelID is required", p))
		}
		switch s.FilterPolicyScope {
		case "":
			s.FilterPolicyScope = ScopeMessageAttributes
		case ScopeMessageAttributes, ScopeMessageBody:
		default:
			errs = append(errs, fmt.Errorf("%s: FilterPolicyScope %q must be MessageAttributes or MessageBody", p, s.FilterPolicyScope))
		}
		if s.FilterPolicy != nil && s.FilterPolicyScope == ScopeMessageAttributes && s.FilterPolicy.Nested() {
			errs = append(errs, fmt.Errorf("%s: Filter policy scope MessageAttributes does not support nested filter policy", p))
		}
		for j := range s.CustomActions {
			if err := s.CustomActions[j].Validate(); err != nil {
				errs = append(errs, fmt.Errorf("%s: CustomActions[%d]: %w", p, j, err))
			}
		}
		switch s.LoggingLevel {
		case "":
			s.LoggingLevel = LogNone
		case LogNone, LogError, LogInfo:
		default:
			errs = append(errs, fmt.Errorf("%s: LoggingLevel %q must be ERROR, INFO or NONE", p, s.LoggingLevel))
		}
		idx := len(r.subs)
		r.subs = append(r.subs, &s)
		if len(s.TopicARNs) == 0 {
			r.noTopic = append(r.noTopic, idx)
		}
		for _, t := range s.TopicARNs {
			if strings.Contains(t, "*") {
				r.wildcards = append(r.wildcards, idx)
				continue
			}
			r.byTopic[t] = append(r.byTopic[t], idx)
		}
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("notify: router: %w", errors.Join(append([]error{ErrInvalidSubscription}, errs...)...))
	}
	r.buildSets()
	r.filteredOpts = make([][]metric.AddOption, len(r.subs))
	for i, s := range r.subs {
		r.filteredOpts[i] = []metric.AddOption{metric.WithAttributeSet(attribute.NewSet(attribute.String("configuration", s.Name)))}
	}
	meter := o.meter.Meter("github.com/opschat/opschat/notify")
	var err error
	if r.mUnclaimed, err = meter.Int64Counter("opschat.notify.unclaimed", metric.WithDescription("Notifications whose topic no subscription claims")); err != nil {
		return nil, fmt.Errorf("notify: router: metrics: %w", err)
	}
	if r.mFiltered, err = meter.Int64Counter("opschat.notify.filtered", metric.WithDescription("Notifications a subscription's filter dropped")); err != nil {
		return nil, fmt.Errorf("notify: router: metrics: %w", err)
	}
	if r.mDelivered, err = meter.Int64Counter("opschat.notify.routed", metric.WithDescription("Messages routed to conversations")); err != nil {
		return nil, fmt.Errorf("notify: router: metrics: %w", err)
	}
	return r, nil
}

// Stats returns the router's counters.
func (r *Router) Stats() RouterStats {
	return RouterStats{Envelopes: r.envelopes.Load(), Unclaimed: r.unclaimed.Load(), Filtered: r.filtered.Load(), Delivered: r.delivered.Load()}
}

// Unclaimed returns how many notifications no subscription claimed.
func (r *Router) Unclaimed() uint64 { return r.unclaimed.Load() }

// claimants returns the subscriptions whose topics include topic, in
// configuration order.
func (r *Router) claimants(topic string) []int {
	if topic == "" {
		return r.noTopic
	}
	out := append([]int(nil), r.byTopic[topic]...)
	for _, i := range r.wildcards {
		for _, t := range r.subs[i].TopicARNs {
			if strings.Contains(t, "*") && globMatch(strings.ReplaceAll(t, `\`, `\\`), topic) {
				out = append(out, i)
				break
			}
		}
	}
	if len(r.wildcards) > 0 && len(out) > 1 {
		out = sortUnique(out)
	}
	return out
}

func sortUnique(xs []int) []int {
	seen := map[int]bool{}
	var out []int
	for _, x := range xs {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j] < out[j-1]; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

// Route decodes env and returns one Delivery per subscription that claims
// its topic and whose filters let it through. Subscription and
// unsubscribe confirmations are not notifications: Route returns nothing
// for them (sources confirm subscriptions themselves). The error is only
// ctx's.
func (r *Router) Route(ctx context.Context, env *Envelope) ([]Delivery, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if env == nil || (!env.Raw && env.Type != TypeNotification) {
		return nil, nil
	}
	r.envelopes.Add(1)
	claim := r.claimants(env.TopicARN)
	if len(claim) == 0 {
		r.unclaimed.Add(1)
		r.mUnclaimed.Add(ctx, 1, metric.WithAttributes(attribute.String("topic_arn", env.TopicARN)))
		r.log.WarnContext(ctx, "notify: no subscription claims this topic; notification not delivered",
			"topic_arn", env.TopicARN, "message_id", env.MessageID)
		return nil, nil
	}
	n := DecodeWith(env, r.decoders...)
	m := newEnvMatch(r, env)
	var out []Delivery
	for _, i := range claim {
		s := r.subs[i]
		var ok bool
		var why string
		if r.perSubscription {
			ok, why = s.accepts(env)
		} else {
			ok, why = m.accepts(i, env)
		}
		if !ok {
			r.filtered.Add(1)
			r.mFiltered.Add(ctx, 1, r.filteredOpts[i]...)
			if s.LoggingLevel == LogInfo {
				r.log.InfoContext(ctx, "notify: filtered out", "configuration", s.Name, "message_id", env.MessageID, "reason", why)
			}
			continue
		}
		reg := r.formatters
		if s.Formatters != nil {
			reg = s.Formatters
		}
		msg, err := reg.Format(n)
		if err != nil {
			// A host formatter failing must not lose the notification.
			if s.LoggingLevel != LogNone {
				r.log.ErrorContext(ctx, "notify: formatter failed; using the default rendering", "configuration", s.Name, "message_id", env.MessageID, "error", err)
			}
			msg, _ = DefaultFormatter().Format(n)
		}
		msg.Buttons = append(msg.Buttons, CustomActionButtons(n, s.CustomActions)...)
		if s.LoggingLevel == LogInfo {
			r.log.InfoContext(ctx, "notify: routed", "configuration", s.Name, "conversation", s.Conversation.String(), "message_id", env.MessageID, "kind", string(n.Kind))
		}
		if n.DecodeError != "" && s.LoggingLevel != LogNone {
			r.log.ErrorContext(ctx, "notify: payload not decodable as its format; delivered as received", "configuration", s.Name, "message_id", env.MessageID, "error", n.DecodeError)
		}
		out = append(out, Delivery{
			Subscription: s,
			Conversation: s.Conversation,
			Message:      msg,
			Notification: n,
			DedupKey:     s.Name + "/" + dedupID(env, n),
		})
	}
	r.delivered.Add(uint64(len(out)))
	if len(out) > 0 {
		r.mDelivered.Add(ctx, int64(len(out)))
	}
	return out, nil
}

func dedupID(env *Envelope, n *Notification) string {
	if n.Kind == KindCustom && n.ID != "" {
		return "custom/" + n.ID
	}
	if env.MessageID != "" {
		return env.MessageID
	}
	if n.Kind == KindEventBridge && n.ID != "" {
		return "event/" + n.ID
	}
	sum := sha256.Sum256([]byte(env.Message))
	return "sha256/" + hex.EncodeToString(sum[:16])
}

// accepts applies the subscription's filter policy and event pattern on
// their own: the behaviour envMatch.accepts keeps, and the baseline its
// tests and benchmarks compare with.
func (s *Subscription) accepts(env *Envelope) (bool, string) {
	if s.FilterPolicy != nil {
		if s.FilterPolicyScope == ScopeMessageBody {
			ok, err := s.FilterPolicy.MatchBody([]byte(env.Message))
			if err != nil {
				return false, err.Error()
			}
			if !ok {
				return false, "filter policy (message body) did not match"
			}
		} else if !s.FilterPolicy.MatchAttributes(env.MessageAttributes) {
			return false, "filter policy (message attributes) did not match"
		}
	}
	if s.EventPattern != nil {
		ok, err := s.EventPattern.Match([]byte(env.Message))
		if err != nil {
			return false, "event pattern: " + err.Error()
		}
		if !ok {
			return false, "event pattern did not match"
		}
	}
	return true, ""
}

// Handler returns a notify.Handler that routes each envelope and passes
// the deliveries to deliver. It returns deliver's error so the source
// retries.
func (r *Router) Handler(deliver func(ctx context.Context, ds []Delivery) error) Handler {
	return HandlerFunc(func(ctx context.Context, env *Envelope) error {
		ds, err := r.Route(ctx, env)
		if err != nil {
			return err
		}
		if len(ds) == 0 {
			return nil
		}
		return deliver(ctx, ds)
	})
}
