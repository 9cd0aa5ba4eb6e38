package snshttp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/opschat/opschat/notify"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/metric/noop"
)

// Approver decides whether a new subscription is confirmed. Returning false
// leaves it pending: the host records the topic and SubscribeURL (the
// envelope carries both) and confirms later with
// (*Handler).ConfirmSubscription once a person approved it. SNS keeps a
// confirmation token valid for three days.
type Approver interface {
	Approve(ctx context.Context, env *notify.Envelope) (bool, error)
}

// ApproverFunc adapts a function to Approver.
type ApproverFunc func(ctx context.Context, env *notify.Envelope) (bool, error)

// Approve calls f.
func (f ApproverFunc) Approve(ctx context.Context, env *notify.Envelope) (bool, error) {
	return f(ctx, env)
}

// DefaultMaxBody is the largest request body accepted: SNS messages are at
// most 256 KiB, and JSON escaping can double that.
const DefaultMaxBody = 1 << 20

// Handler is the SNS HTTPS endpoint: it verifies every request's signature,
// confirms subscriptions (only by fetching an https SNS URL of the topic's
// region, and only once approved when an Approver is set), and passes
// notifications to the next notify.Handler. It answers 200 when the
// notification was handled, 5xx when SNS should retry, and 4xx (logged and
// counted) for requests it rejects. It is safe for concurrent use.
type Handler struct {
	next     notify.Handler
	verifier *Verifier
	approver Approver
	client   *http.Client
	topics   map[string]bool
	anyTopic bool
	maxBody  int64
	maxWait  time.Duration
	log      *slog.Logger
	mp       metric.MeterProvider
	received metric.Int64Counter
	rejected metric.Int64Counter
}

// Option configures a Handler.
type Option func(*Handler)

// WithVerifier sets the signature verifier (default NewVerifier()).
func WithVerifier(v *Verifier) Option { return func(h *Handler) { h.verifier = v } }

// WithApprover requires approval of new subscriptions.
func WithApprover(a Approver) Option { return func(h *Handler) { h.approver = a } }

// WithTopics accepts messages only from these topic ARNs. New requires
// WithTopics, WithApprover or WithAnyTopic: without one, anyone with an AWS
// account could subscribe the endpoint to their own topic.
func WithTopics(arns ...string) Option {
	return func(h *Handler) {
		if h.topics == nil {
			h.topics = make(map[string]bool)
		}
		for _, a := range arns {
			h.topics[a] = true
		}
	}
}

// WithAnyTopic accepts, and confirms subscriptions to, any topic whose
// signature verifies. Say it explicitly: it lets any AWS account subscribe
// the endpoint (messages of topics no configuration claims are then counted
// and dropped by the router, not delivered).
func WithAnyTopic() Option { return func(h *Handler) { h.anyTopic = true } }

// ErrNoTopicPolicy is returned by New when no option says which topics the
// endpoint accepts.
var ErrNoTopicPolicy = errors.New("snshttp: say which topics to accept: WithTopics, WithApprover or WithAnyTopic")

// DefaultMaxWait is how long a notification request waits for delivery
// before answering 503: SNS abandons an HTTP delivery attempt after 15
// seconds, and an answer SNS never reads is a retry it makes anyway.
const DefaultMaxWait = 12 * time.Second

// WithMaxWait bounds how long a request waits for the next handler's
// outcome (default DefaultMaxWait). When it runs out the endpoint answers
// 503 so SNS retries later; give the endpoint a delivery.Dispatcher made
// with Detached so the delivery carries on meanwhile and the retry finds it
// done.
func WithMaxWait(d time.Duration) Option { return func(h *Handler) { h.maxWait = d } }

// WithMaxBody sets the body size limit (default DefaultMaxBody).
func WithMaxBody(n int64) Option { return func(h *Handler) { h.maxBody = n } }

// WithConfirmClient sets the HTTP client that fetches SubscribeURLs
// (default: 10s timeout, no redirects).
func WithConfirmClient(c *http.Client) Option { return func(h *Handler) { h.client = c } }

// WithLogger sets the logger (default: discard).
func WithLogger(l *slog.Logger) Option { return func(h *Handler) { h.log = l } }

// WithMeterProvider sets where the received/rejected counters go
// (default: noop).
func WithMeterProvider(mp metric.MeterProvider) Option { return func(h *Handler) { h.mp = mp } }

// Metric names.
const (
	MetricReceived = "opschat.notify.snshttp.received"
	MetricRejected = "opschat.notify.snshttp.rejected"
)

// New returns a Handler that passes verified notifications to next.
func New(next notify.Handler, opts ...Option) (*Handler, error) {
	if next == nil {
		return nil, errors.New("snshttp: nil next handler")
	}
	h := &Handler{next: next, maxBody: DefaultMaxBody, maxWait: DefaultMaxWait}
	for _, o := range opts {
		o(h)
	}
	if h.topics == nil && h.approver == nil && !h.anyTopic {
		return nil, ErrNoTopicPolicy
	}
	if h.verifier == nil {
		h.verifier = NewVerifier()
	}
	if h.client == nil {
		h.client = noRedirectClient()
	}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	if h.maxBody <= 0 {
		return nil, fmt.Errorf("snshttp: max body %d must be positive", h.maxBody)
	}
	if h.maxWait <= 0 {
		return nil, fmt.Errorf("snshttp: max wait %s must be positive", h.maxWait)
	}
	if h.mp == nil {
		h.mp = noop.NewMeterProvider()
	}
	m := h.mp.Meter("github.com/opschat/opschat/notify/snshttp")
	var err1, err2 error
	h.received, err1 = m.Int64Counter(MetricReceived, metric.WithDescription("SNS HTTP requests received, by type."))
	h.rejected, err2 = m.Int64Counter(MetricRejected, metric.WithDescription("SNS HTTP requests rejected, by reason."))
	if err := errors.Join(err1, err2); err != nil {
		return nil, fmt.Errorf("snshttp: metrics: %w", err)
	}
	return h, nil
}

func (h *Handler) reject(w http.ResponseWriter, r *http.Request, status int, reason string, err error, args ...any) {
	h.rejected.Add(r.Context(), 1, metric.WithAttributes(attribute.String("reason", reason)))
	h.log.WarnContext(r.Context(), "sns request rejected", append([]any{"reason", reason, "status", status,
		"remote", r.RemoteAddr, "error", err}, args...)...)
	http.Error(w, http.StatusText(status), status)
}

// ServeHTTP handles one SNS delivery.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		h.reject(w, r, http.StatusMethodNotAllowed, "method", fmt.Errorf("method %s", r.Method))
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, h.maxBody))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			h.reject(w, r, http.StatusRequestEntityTooLarge, "too_large", err)
			return
		}
		h.reject(w, r, http.StatusBadRequest, "read", err)
		return
	}
	env, err := notify.ParseEnvelope(body)
	if err != nil {
		h.reject(w, r, http.StatusBadRequest, "malformed", err)
		return
	}
	if env.Raw {
		// Raw message delivery carries no signature: nothing proves it came
		// from SNS.
		h.reject(w, r, http.StatusBadRequest, "unsigned", errors.New("body is not a signed SNS envelope (raw message delivery is not accepted)"))
		return
	}
	if ht := r.Header.Get("x-amz-sns-message-type"); ht != "" && ht != env.Type {
		h.reject(w, r, http.StatusBadRequest, "type_mismatch", fmt.Errorf("header type %q, body type %q", ht, env.Type))
		return
	}
	switch env.Type {
	case notify.TypeNotification, notify.TypeSubscriptionConfirmation, notify.TypeUnsubscribeConfirmation:
	default:
		h.reject(w, r, http.StatusBadRequest, "unknown_type", fmt.Errorf("type %q", env.Type))
		return
	}
	h.received.Add(r.Context(), 1, metric.WithAttributes(attribute.String("type", env.Type)))
	if h.topics != nil && !h.topics[env.TopicARN] {
		h.reject(w, r, http.StatusForbidden, "topic", fmt.Errorf("topic %q is not accepted", env.TopicARN))
		return
	}
	if err := h.verifier.Verify(r.Context(), env); err != nil {
		switch {
		case errors.Is(err, ErrStale):
			h.reject(w, r, http.StatusBadRequest, "stale", err)
		case errors.Is(err, ErrMalformed):
			h.reject(w, r, http.StatusBadRequest, "malformed", err)
		case errors.Is(err, ErrUntrustedURL):
			h.reject(w, r, http.StatusForbidden, "cert_url", err)
		case errors.Is(err, ErrUntrustedCertificate):
			h.reject(w, r, http.StatusForbidden, "certificate", err)
		case errors.Is(err, ErrBadSignature):
			h.reject(w, r, http.StatusForbidden, "signature", err)
		default:
			// Fetching the certificate failed: a 5xx makes SNS retry.
			h.log.ErrorContext(r.Context(), "sns signature check could not complete", "error", err)
			http.Error(w, "certificate unavailable", http.StatusBadGateway)
		}
		return
	}
	switch env.Type {
	case notify.TypeSubscriptionConfirmation:
		h.subscription(w, r, env)
	case notify.TypeUnsubscribeConfirmation:
		// Unsubscribing was someone's decision; re-subscribing is not ours.
		h.log.InfoContext(r.Context(), "sns unsubscribe confirmation received", "topic", env.TopicARN)
		w.WriteHeader(http.StatusOK)
	default:
		h.notification(w, r, env)
	}
}

// notification hands env to the next handler and answers 200 only when it
// returned nil (delivered everywhere it goes). Anything else is a 5xx, so
// that SNS retries under its delivery policy: 503 when the wait ran out
// (the delivery may still be under way), 500 when it failed.
func (h *Handler) notification(w http.ResponseWriter, r *http.Request, env *notify.Envelope) {
	ctx, cancel := context.WithTimeout(r.Context(), h.maxWait)
	defer cancel()
	err := h.next.HandleEnvelope(ctx, env)
	switch {
	case err == nil:
		w.WriteHeader(http.StatusOK)
	case ctx.Err() != nil && r.Context().Err() == nil:
		h.log.WarnContext(ctx, "sns notification not delivered within the wait; SNS will retry", "topic", env.TopicARN,
			"message_id", env.MessageID, "wait", h.maxWait, "error", err)
		http.Error(w, "not delivered yet", http.StatusServiceUnavailable)
	default:
		h.log.Log(ctx, notify.FailureLevel(err), "sns notification not delivered; SNS will retry", "topic", env.TopicARN,
			"message_id", env.MessageID, "error", err)
		http.Error(w, "not delivered", http.StatusInternalServerError)
	}
}

func (h *Handler) subscription(w http.ResponseWriter, r *http.Request, env *notify.Envelope) {
	ctx := r.Context()
	if h.approver != nil {
		ok, err := h.approver.Approve(ctx, env)
		if err != nil {
			h.log.ErrorContext(ctx, "sns subscription approval failed", "topic", env.TopicARN, "error", err)
			http.Error(w, "approval failed", http.StatusInternalServerError)
			return
		}
		if !ok {
			h.log.InfoContext(ctx, "sns subscription awaiting approval", "topic", env.TopicARN)
			w.WriteHeader(http.StatusOK)
			return
		}
	}
	// Errors from ConfirmSubscription name the host only; the URL's query
	// holds the confirmation token and is never logged.
	if err := h.ConfirmSubscription(ctx, env.TopicARN, env.SubscribeURL); err != nil {
		if errors.Is(err, ErrUntrustedURL) || errors.Is(err, ErrMalformed) {
			h.reject(w, r, http.StatusForbidden, "subscribe_url", err, "topic", env.TopicARN)
			return
		}
		h.log.ErrorContext(ctx, "sns subscription confirmation failed", "topic", env.TopicARN, "error", err)
		http.Error(w, "confirmation failed", http.StatusBadGateway)
		return
	}
	h.log.InfoContext(ctx, "sns subscription confirmed", "topic", env.TopicARN)
	w.WriteHeader(http.StatusOK)
}

// ConfirmSubscription confirms a subscription by fetching subscribeURL,
// after checking it against the certificate policy for topicARN (https on
// the topic's SNS host by default), so that a forged or tampered
// confirmation can never make this process fetch an arbitrary URL. Its
// errors name the topic and the URL's host only: the URL's query carries
// the confirmation token, which must not reach a log.
func (h *Handler) ConfirmSubscription(ctx context.Context, topicARN, subscribeURL string) error {
	u, err := url.Parse(subscribeURL)
	if err != nil || subscribeURL == "" {
		return fmt.Errorf("%w: SubscribeURL of %s is not a URL", ErrUntrustedURL, topicARN)
	}
	if err := h.verifier.Policy().CheckURL(u, topicARN); err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return fmt.Errorf("snshttp: confirm subscription to %s at host %s: cannot build request", topicARN, hostOf(u))
	}
	resp, err := h.client.Do(req)
	if err != nil {
		// *url.Error spells out the whole URL, token included: keep only
		// what it wraps.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return fmt.Errorf("snshttp: confirm subscription to %s at host %s: %w", topicARN, hostOf(u), err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("snshttp: confirm subscription to %s at host %s: HTTP %d", topicARN, hostOf(u), resp.StatusCode)
	}
	return nil
}
