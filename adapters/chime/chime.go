package chime

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/opschat/opschat/chat"
)

// DefaultMaxContentBytes is the size of one webhook message's Content. The
// commonly documented Chime limit is 4 KB per message (Amazon Chime's
// messaging APIs cap standard messages at 4 KB; third-party webhook clients
// report HTTP 413 only above 16 KB), so 4096 is the safe default. Longer
// messages are split into several posts.
const DefaultMaxContentBytes = 4096

// DefaultMaxParts bounds how many posts one message may be split into; the
// rest is truncated with a note.
const DefaultMaxParts = 4

// ErrCommandsUnsupported is what a command aimed at a Chime configuration
// fails with: Chime webhooks only post into a room, they cannot receive.
var ErrCommandsUnsupported = fmt.Errorf("chime: commands are not supported on Amazon Chime (notifications only): %w", chat.ErrUnsupported)

// webhookPath is the part of AWS Chatbot's WebhookUrl pattern after the
// host: ^https://hooks\.chime\.aws/incomingwebhooks/[A-Za-z0-9\-]+?\?token=[A-Za-z0-9\-]+$
const webhookPath = `/incomingwebhooks/[A-Za-z0-9\-]+?\?token=[A-Za-z0-9\-]+$`

const chimeHost = "https://hooks.chime.aws"

// Adapter posts notifications to Amazon Chime chat rooms through incoming
// webhooks, one per configuration name (chat.Conversation.ChannelID). It is
// a chat.Sender only: no threads, updates, buttons or commands. It is safe
// for concurrent use. Webhook URLs carry a token: they are never logged nor
// put in errors, and printing or logging the adapter itself (fmt with any
// verb, slog) shows only the configuration names.
type Adapter struct {
	hooks    map[string]webhookURL
	hc       *http.Client
	log      *slog.Logger
	now      func() time.Time
	maxBytes int
	maxParts int
}

// Option configures an Adapter.
type Option func(*config)

type config struct {
	hc         *http.Client
	log        *slog.Logger
	now        func() time.Time
	maxBytes   int
	maxParts   int
	unsafeBase string
}

// WithHTTPClient sets the HTTP client (default: 30 s timeout).
func WithHTTPClient(hc *http.Client) Option { return func(c *config) { c.hc = hc } }

// WithLogger sets the logger (default discards).
func WithLogger(l *slog.Logger) Option { return func(c *config) { c.log = l } }

// WithClock sets the clock used to interpret Retry-After dates.
func WithClock(now func() time.Time) Option { return func(c *config) { c.now = now } }

// WithMaxContentBytes sets the size of one post's Content.
func WithMaxContentBytes(n int) Option { return func(c *config) { c.maxBytes = n } }

// WithMaxParts sets how many posts one message may become.
func WithMaxParts(n int) Option { return func(c *config) { c.maxParts = n } }

// WithUnsafeEndpointForTesting accepts webhook URLs on base (for example an
// httptest server's URL) instead of https://hooks.chime.aws, with the same
// path and token rules. It exists for tests; production code must not use
// it, since it lets configuration send room content to another host.
func WithUnsafeEndpointForTesting(base string) Option {
	return func(c *config) { c.unsafeBase = strings.TrimSuffix(base, "/") }
}

// New returns an adapter for webhooks, a map from configuration name to
// webhook URL. Every URL must match AWS Chatbot's WebhookUrl pattern; all
// problems are reported at once, by configuration name.
func New(webhooks map[string]string, opts ...Option) (*Adapter, error) {
	c := config{
		hc:       &http.Client{Timeout: 30 * time.Second},
		log:      slog.New(slog.DiscardHandler),
		now:      time.Now,
		maxBytes: DefaultMaxContentBytes,
		maxParts: DefaultMaxParts,
	}
	for _, o := range opts {
		o(&c)
	}
	if c.hc == nil || c.log == nil || c.now == nil {
		return nil, errors.New("chime: nil HTTP client, logger or clock")
	}
	if c.maxBytes < 256 {
		return nil, fmt.Errorf("chime: max content bytes %d is too small (minimum 256)", c.maxBytes)
	}
	if c.maxParts < 1 {
		return nil, fmt.Errorf("chime: max parts %d must be at least 1", c.maxParts)
	}
	base := regexp.QuoteMeta(chimeHost)
	if c.unsafeBase != "" {
		base = regexp.QuoteMeta(c.unsafeBase)
	}
	re := regexp.MustCompile("^" + base + webhookPath)
	names := make([]string, 0, len(webhooks))
	for name := range webhooks {
		names = append(names, name)
	}
	sort.Strings(names)
	var errs []error
	hooks := make(map[string]webhookURL, len(webhooks))
	for _, name := range names {
		u := webhooks[name]
		switch {
		case name == "":
			errs = append(errs, errors.New("chime: webhooks: empty configuration name"))
		case len(u) > 255 || !re.MatchString(u):
			// Never echo the URL: it carries the room's token.
			errs = append(errs, fmt.Errorf("chime: webhooks[%q]: URL is not a Chime incoming webhook "+
				"(https://hooks.chime.aws/incomingwebhooks/<id>?token=<token>, at most 255 characters)", name))
		default:
			hooks[name] = newWebhookURL(u)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return &Adapter{hooks: hooks, hc: c.hc, log: c.log, now: c.now, maxBytes: c.maxBytes, maxParts: c.maxParts}, nil
}

var (
	_ chat.Sender             = (*Adapter)(nil)
	_ chat.CapabilityReporter = (*Adapter)(nil)
)

// Platform returns chat.PlatformChime.
func (a *Adapter) Platform() chat.Platform { return chat.PlatformChime }

// Capabilities reports a notification-only platform.
func (a *Adapter) Capabilities() chat.Capabilities {
	return chat.Capabilities{MaxText: a.maxBytes}
}

// Send posts m to the room of the webhook configured as conv.ChannelID, in
// as many posts as its size needs (up to the part limit). conv.ThreadID is
// ignored: Chime rooms have no threads. The Ref names the first post. When
// a later part fails, the error is returned and the earlier parts stay
// posted.
func (a *Adapter) Send(ctx context.Context, conv chat.Conversation, m chat.Message) (chat.Ref, error) {
	if err := ctx.Err(); err != nil {
		return chat.Ref{}, fmt.Errorf("chime: send: %w", err)
	}
	hook, ok := a.hooks[conv.ChannelID]
	if !ok {
		return chat.Ref{}, &chat.SendError{Platform: chat.PlatformChime,
			Err: fmt.Errorf("no webhook configured for %q", conv.ChannelID)}
	}
	parts := Split(Render(m), a.maxBytes, a.maxParts)
	ref := chat.Ref{Conversation: conv}
	ref.Conversation.Platform = chat.PlatformChime
	ref.Conversation.ThreadID = ""
	for i, p := range parts {
		id, err := a.post(ctx, hook(), p)
		if err != nil {
			a.log.Warn("chime: post failed", "configuration", conv.ChannelID, "part", i+1, "parts", len(parts), "error", err)
			return chat.Ref{}, err
		}
		if i == 0 {
			ref.MessageID = id
		}
	}
	a.log.Debug("chime: posted", "configuration", conv.ChannelID, "parts", len(parts))
	return ref, nil
}

func (a *Adapter) post(ctx context.Context, hook, content string) (string, error) {
	body, err := json.Marshal(map[string]string{"Content": content})
	if err != nil {
		return "", &chat.SendError{Platform: chat.PlatformChime, Err: err}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, hook, bytes.NewReader(body))
	if err != nil {
		return "", &chat.SendError{Platform: chat.PlatformChime, Err: errors.New("build webhook request")}
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := a.hc.Do(req)
	if err != nil {
		return "", transportError(ctx, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return "", chat.ClassifyHTTP(chat.PlatformChime, resp.StatusCode, retryAfter(resp.Header, a.now()),
			fmt.Errorf("webhook: %s", statusHint(resp.StatusCode)))
	}
	var out struct {
		MessageID string `json:"MessageId"`
	}
	if json.Unmarshal(data, &out) == nil && out.MessageID != "" {
		return out.MessageID, nil
	}
	// The webhook normally answers {"MessageId":..,"RoomId":..}; if it does
	// not, the Ref still needs an ID that is unique.
	var b [8]byte
	_, _ = rand.Read(b[:])
	return "local-" + hex.EncodeToString(b[:]), nil
}

func statusHint(status int) string {
	switch status {
	case http.StatusTooManyRequests:
		return "rate limited"
	case http.StatusForbidden:
		return "webhook token rejected (regenerated or invalid webhook)"
	case http.StatusNotFound:
		return "webhook not found (deleted, or its room is gone)"
	case http.StatusRequestEntityTooLarge:
		return "message too large"
	default:
		return "HTTP status " + strconv.Itoa(status)
	}
}

// transportError drops the *url.Error wrapper, whose text includes the
// webhook URL and so its token. Only the caller's own context ending is
// returned as a plain (non-retryable) error: the HTTP client's timeout also
// matches context.DeadlineExceeded, but it is a slow service, so transient.
func transportError(ctx context.Context, err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	if ctx.Err() != nil {
		return fmt.Errorf("chime: post webhook: %w", err)
	}
	return &chat.SendError{Platform: chat.PlatformChime, Retryable: true, Err: fmt.Errorf("post webhook: %w", err)}
}

// retryAfter reads a Retry-After header (seconds or an HTTP date; a
// negative or malformed value counts as none). ClassifyHTTP caps it.
func retryAfter(h http.Header, now time.Time) time.Duration {
	d, _ := chat.ParseRetryAfter(h.Get("Retry-After"), now)
	return d
}
