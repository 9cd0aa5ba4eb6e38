package chatops

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"reflect"
	"time"

	"github.com/opschat/opschat/chat"
	"github.com/opschat/opschat/command"
	"github.com/opschat/opschat/notify"
)

// Option configures a Bot.
type Option func(*Bot) error

// Authorizer decides whether a command may run: the organisation policy,
// the blocked list and the guardrail layers. NewGuardrailAuthorizer builds
// the standard one. Implementations are safe for concurrent use.
type Authorizer interface {
	Authorize(ctx context.Context, req AuthRequest) (AuthResult, error)
}

// AuthRequest is a command about to run.
type AuthRequest struct {
	Config     *ChannelConfig
	Inbound    chat.Inbound
	Invocation *command.Invocation
	RoleARN    string
	Region     string
	Time       time.Time
}

// AuthResult is an authorisation decision. Reason explains a refusal in
// words fit for the chat user ("denied by guardrail `ReadOnly`, statement
// `DenyStop`").
type AuthResult struct {
	Allowed bool
	Reason  string
}

// AuthorizerFunc adapts a function to Authorizer.
type AuthorizerFunc func(ctx context.Context, req AuthRequest) (AuthResult, error)

// Authorize calls f.
func (f AuthorizerFunc) Authorize(ctx context.Context, req AuthRequest) (AuthResult, error) {
	return f(ctx, req)
}

// WithAdapter adds a chat adapter. The bot listens on it when it runs and
// posts notifications for configurations of its platform through it. At most
// one adapter per platform.
func WithAdapter(a chat.Adapter) Option {
	return func(b *Bot) error {
		if isNil(a) {
			return errors.New("WithAdapter: nil adapter (did its constructor return an error?)")
		}
		if _, dup := b.adapters[a.Platform()]; dup {
			return errors.New("WithAdapter: two adapters for platform " + string(a.Platform()))
		}
		b.adapters[a.Platform()] = a
		b.adapterOrder = append(b.adapterOrder, a)
		return nil
	}
}

// WithSender adds a send-only adapter (Chime webhooks) for notifications.
func WithSender(p chat.Platform, s chat.Sender) Option {
	return func(b *Bot) error {
		if isNil(s) {
			return errors.New("WithSender: nil sender")
		}
		if _, dup := b.senders[p]; dup {
			return errors.New("WithSender: two senders for platform " + string(p))
		}
		b.senders[p] = s
		return nil
	}
}

// WithConfig sets the channel configurations. It is validated in New.
func WithConfig(c *Config) Option {
	return func(b *Bot) error {
		if c == nil {
			return errors.New("WithConfig: nil config")
		}
		b.config = c
		return nil
	}
}

// WithStore sets the state store. The default is an in-memory store, lost
// on restart and not shared between replicas: use store/boltstore (one
// durable file, one process) or store/dynamostore (one table shared by
// replicas) in production.
func WithStore(s Store) Option {
	return func(b *Bot) error {
		if isNil(s) {
			return errors.New("WithStore: nil store")
		}
		b.store = s
		return nil
	}
}

// WithAuditWriter adds an audit sink receiving one JSON line per command
// attempt. Without any audit sink the bot writes the audit log to stderr;
// there is no way to turn the audit log off.
func WithAuditWriter(w io.Writer) Option {
	return func(b *Bot) error {
		if w == nil {
			return errors.New("WithAuditWriter: nil writer")
		}
		b.auditWriters = append(b.auditWriters, w)
		return nil
	}
}

// WithAuditLogger adds an audit sink logging one entry per command attempt.
func WithAuditLogger(l *slog.Logger) Option {
	return func(b *Bot) error {
		if l == nil {
			return errors.New("WithAuditLogger: nil logger")
		}
		b.auditLoggers = append(b.auditLoggers, l)
		return nil
	}
}

// WithLogger sets the operational logger (default: discard).
func WithLogger(l *slog.Logger) Option {
	return func(b *Bot) error {
		if l == nil {
			return errors.New("WithLogger: nil logger")
		}
		b.log = l
		return nil
	}
}

// WithCatalog sets the catalog commands are parsed and validated against,
// and from which help is generated.
func WithCatalog(c command.Catalog) Option {
	return func(b *Bot) error {
		if isNil(c) {
			return errors.New("WithCatalog: nil catalog")
		}
		b.catalog = c
		return nil
	}
}

// WithExecutor sets the executor that runs commands against AWS. A bot with
// an executor must also have an Authorizer (WithAuthorizer), unless the host
// explicitly opts out with WithUnsafeAllowAll.
func WithExecutor(e Executor) Option {
	return func(b *Bot) error {
		if isNil(e) {
			return errors.New("WithExecutor: nil executor")
		}
		b.executor = e
		return nil
	}
}

// WithAuthorizer sets the permission checks every command passes before it
// runs.
func WithAuthorizer(a Authorizer) Option {
	return func(b *Bot) error {
		if isNil(a) {
			return errors.New("WithAuthorizer: nil authorizer")
		}
		b.authorizer = a
		return nil
	}
}

// WithUnsafeAllowAll lets a bot run commands with no Authorizer: every
// command any channel member types runs with the full power of the role.
// Meant for local experiments only; the name says so on purpose.
func WithUnsafeAllowAll() Option {
	return func(b *Bot) error {
		b.unsafeAllowAll = true
		return nil
	}
}

// WithCommandTimeout sets how long a command may run (default 15 seconds,
// as AWS Chatbot).
func WithCommandTimeout(d time.Duration) Option {
	return func(b *Bot) error {
		if d <= 0 {
			return errors.New("WithCommandTimeout: must be positive")
		}
		b.commandTimeout = d
		return nil
	}
}

// WithStillRunningAfter sets when a "still running" note is posted for a
// slow command (default 4 seconds).
func WithStillRunningAfter(d time.Duration) Option {
	return func(b *Bot) error {
		b.stillRunning = d
		return nil
	}
}

// WithPendingTTL sets how long confirmations and prompts wait for an answer
// (default 10 minutes).
func WithPendingTTL(d time.Duration) Option {
	return func(b *Bot) error {
		if d <= 0 {
			return errors.New("WithPendingTTL: must be positive")
		}
		b.pendingTTL = d
		return nil
	}
}

// WithClock sets the clock (tests).
func WithClock(now func() time.Time) Option {
	return func(b *Bot) error {
		if now == nil {
			return errors.New("WithClock: nil clock")
		}
		b.now = now
		return nil
	}
}

// WithMiddleware wraps the bot's message handling, outermost first.
func WithMiddleware(mw ...chat.Middleware) Option {
	return func(b *Bot) error {
		b.middleware = append(b.middleware, mw...)
		return nil
	}
}

// isNil reports whether v is nil, including a typed nil pointer in an
// interface (var a *slack.Adapter; WithAdapter(a)), which would otherwise
// pass a == nil and panic on first use.
func isNil(v any) bool {
	if v == nil {
		return true
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Pointer, reflect.Map, reflect.Slice, reflect.Func, reflect.Interface, reflect.Chan:
		return rv.IsNil()
	}
	return false
}

// WithNotificationOptions sets router options (host decoders and
// formatters: notify.WithDecoders, notify.WithFormatters) used by every
// notification path of the bot: NotificationRouter, NotificationPipeline
// and TestNotification, so host formatting needs no manual wiring.
func WithNotificationOptions(opts ...notify.RouterOption) Option {
	return func(b *Bot) error {
		for _, o := range opts {
			if o == nil {
				return errors.New("WithNotificationOptions: nil option")
			}
		}
		b.routerOpts = append(b.routerOpts, opts...)
		return nil
	}
}
