package chatops

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/opschat/opschat/assist"
	"github.com/opschat/opschat/assist/agents"
	"github.com/opschat/opschat/chat"
	"github.com/opschat/opschat/command"
	"github.com/opschat/opschat/notify"
)

// ErrUnsafeConfiguration is returned by New for a bot that could run
// commands without permission checks.
var ErrUnsafeConfiguration = errors.New("chatops: unsafe configuration")

// Bot wires adapters, channel configurations, the command path and the
// notification path. Create it with New; it is safe for concurrent use, and
// one Bot serves every channel of every adapter it was given.
type Bot struct {
	adapters     map[chat.Platform]chat.Adapter
	adapterOrder []chat.Adapter
	senders      map[chat.Platform]chat.Sender
	config       *Config
	store        Store
	auditWriters []io.Writer
	auditLoggers []*slog.Logger
	audit        *Auditor
	log          *slog.Logger

	catalog        command.Catalog
	executor       Executor
	authorizer     Authorizer
	unsafeAllowAll bool
	admins         []string
	routerOpts     []notify.RouterOption
	graphs         *alarmGraphs // WithAlarmGraphs (graphs.go)
	assistant      assist.Assistant
	agents         *agents.Client

	commandTimeout time.Duration
	stillRunning   time.Duration
	pendingTTL     time.Duration
	now            func() time.Time
	middleware     []chat.Middleware
	handler        chat.Handler

	mu       sync.Mutex
	pipeline *NotificationPipeline // the last one built, for the notifications commands
	running  bool
}

var _ chat.Handler = (*Bot)(nil)

// New builds a bot. It fails closed: a bot with an executor and no
// Authorizer is an ErrUnsafeConfiguration unless WithUnsafeAllowAll is given.
// The configuration is validated; every problem is reported at once.
func New(opts ...Option) (*Bot, error) {
	b := &Bot{
		adapters:       make(map[chat.Platform]chat.Adapter),
		senders:        make(map[chat.Platform]chat.Sender),
		config:         &Config{},
		log:            slog.New(slog.DiscardHandler),
		commandTimeout: 15 * time.Second,
		stillRunning:   4 * time.Second,
		pendingTTL:     10 * time.Minute,
		now:            time.Now,
	}
	var errs []error
	for _, o := range opts {
		if err := o(b); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("chatops: new: %w", errors.Join(errs...))
	}
	if err := b.config.Validate(); err != nil {
		return nil, fmt.Errorf("chatops: new: %w", err)
	}
	if b.executor != nil && b.authorizer == nil && !b.unsafeAllowAll {
		return nil, fmt.Errorf("%w: an executor needs an authorizer (WithAuthorizer) so that guardrails are checked before AWS is called; pass WithUnsafeAllowAll() to run commands unchecked", ErrUnsafeConfiguration)
	}
	if b.store == nil {
		b.store = NewMemoryStore()
	}
	if b.assistant == nil && b.catalog != nil {
		// Questions are answered offline by default, with no model.
		p, err := assist.NewPlanner(assist.WithPlannerLogger(b.log))
		if err != nil {
			return nil, fmt.Errorf("chatops: new: planner: %w", err)
		}
		b.assistant = p
	}
	b.audit = newAuditor(b.auditWriters, b.auditLoggers, b.log)
	b.handler = chat.Chain(chat.HandlerFunc(b.handle), b.middleware...)
	return b, nil
}

// Config returns the bot's channel configurations. Do not modify them.
func (b *Bot) Config() *Config { return b.config }

// Store returns the bot's state store.
func (b *Bot) Store() Store { return b.store }

// Sender returns the sender for a platform: its adapter, or a send-only
// sender given with WithSender.
func (b *Bot) Sender(p chat.Platform) (chat.Sender, bool) {
	if a, ok := b.adapters[p]; ok {
		return a, true
	}
	s, ok := b.senders[p]
	return s, ok
}

// Run listens on every adapter until ctx is done, then returns nil; if an
// adapter fails for good, Run stops the others and returns its error. Run
// does not install signal handlers: cancel ctx to stop.
func (b *Bot) Run(ctx context.Context) error {
	b.mu.Lock()
	if b.running {
		b.mu.Unlock()
		return errors.New("chatops: Run called twice")
	}
	b.running = true
	b.mu.Unlock()
	defer func() {
		b.mu.Lock()
		b.running = false
		b.mu.Unlock()
	}()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errc := make(chan error, len(b.adapterOrder))
	for _, a := range b.adapterOrder {
		go func() {
			err := a.Listen(ctx, b)
			if err != nil && ctx.Err() == nil {
				err = fmt.Errorf("chatops: %s adapter: %w", a.Platform(), err)
			} else {
				err = nil
			}
			errc <- err
		}()
	}
	var first error
	for range b.adapterOrder {
		if err := <-errc; err != nil && first == nil {
			first = err
			cancel()
		}
	}
	if len(b.adapterOrder) == 0 {
		<-ctx.Done()
	}
	return first
}

// HandleMessage handles one inbound chat event: the command path. Adapters
// call it; tests call it directly with any chat.Replier, no network needed.
// It returns an error only when it could not reply at all.
func (b *Bot) HandleMessage(ctx context.Context, in chat.Inbound, r chat.Replier) error {
	return b.handler.HandleMessage(ctx, in, r)
}

// request is one inbound event being handled.
type request struct {
	in    chat.Inbound
	r     chat.Replier
	cfg   *ChannelConfig
	start time.Time
	rec   AuditRecord
	// region, when set, is the region a confirmed command was checked
	// for; it overrides the channel's remembered region.
	region string
}

func (b *Bot) handle(ctx context.Context, in chat.Inbound, r chat.Replier) error {
	req := &request{in: in, r: r, start: b.now()}
	req.rec = AuditRecord{
		Platform:  string(in.Conversation.Platform),
		Workspace: in.Conversation.WorkspaceID,
		Channel:   in.Conversation.ChannelID,
		Thread:    in.Conversation.ThreadID,
		User:      in.User.ID,
		UserName:  in.User.Name,
		Text:      in.Text,
	}
	cfg, handled, err := b.selectConfig(ctx, req)
	if handled {
		return err
	}
	req.cfg = cfg
	req.rec.Configuration = cfg.Name
	switch in.Kind {
	case chat.KindButtonClick, chat.KindFormSubmit:
		return b.handleAction(ctx, req)
	}
	text := StripMention(in.Text)
	if strings.TrimSpace(text) == "" {
		if in.Kind == chat.KindThreadReply {
			return nil // an empty thread reply is nobody's command
		}
		return b.answer(ctx, req, hintMessage())
	}
	if in.Kind == chat.KindThreadReply {
		handled, err := b.handleThreadReply(ctx, req, text)
		if handled {
			return err
		}
		if err != nil {
			// It may have answered a confirmation: record the attempt.
			return b.failInternal(ctx, req, err)
		}
		// A reply in a question's thread continues the conversation.
		if handled, err := b.continueAsk(ctx, req, text); handled || err != nil {
			return err
		}
		// Anything else is most likely conversation between people: say
		// once per thread that nothing is waiting, then stay quiet.
		return b.nothingToContinue(ctx, req)
	}
	return b.dispatch(ctx, req, text)
}

func (b *Bot) noConfiguration(ctx context.Context, req *request) error {
	conv := req.in.Conversation
	var m chat.Message
	if conv.Type == chat.ConversationDirect {
		m = chat.Message{
			Title:    "Direct messages are not enabled",
			Text:     "No configuration of this workspace allows direct messages. Ask an administrator to set `DirectMessages: true` on a channel configuration, or mention me in a configured channel.",
			Severity: chat.SeverityWarning,
		}
	} else {
		m = chat.Message{
			Title: "This channel is not configured",
			Text: fmt.Sprintf("No channel configuration maps this channel (%s workspace `%s`, channel `%s`) to an IAM role. Ask an administrator to add one.",
				chat.EscapeMarkdown(string(conv.Platform)), chat.EscapeMarkdown(conv.WorkspaceID), chat.EscapeMarkdown(conv.ChannelID)),
			Severity: chat.SeverityWarning,
		}
	}
	req.rec.Outcome = OutcomeDenied
	req.rec.Decision = DecisionDeny
	req.rec.Reason = "no channel configuration"
	return b.reply(ctx, req, m)
}

// answer replies to a built-in command and records it.
func (b *Bot) answer(ctx context.Context, req *request, m chat.Message) error {
	if req.rec.Outcome == "" {
		req.rec.Outcome = OutcomeAnswered
	}
	return b.reply(ctx, req, m)
}

// reply sends m and writes the audit record. Every path through handle ends
// here or in finish, so every attempt is audited exactly once.
func (b *Bot) reply(ctx context.Context, req *request, m chat.Message) error {
	_, err := b.replyRef(ctx, req, m)
	return err
}

// replyRef is reply that also returns where the message was posted.
func (b *Bot) replyRef(ctx context.Context, req *request, m chat.Message) (chat.Ref, error) {
	ref, err := req.r.Reply(ctx, m)
	if err == nil && req.in.Kind != chat.KindThreadReply {
		b.markBotThread(ctx, ref)
	}
	if err != nil {
		b.log.ErrorContext(ctx, "reply failed", "conversation", req.in.Conversation.String(), "err", err)
		if req.rec.Error == "" {
			req.rec.Error = "reply: " + err.Error()
		}
	}
	b.finish(ctx, req)
	if err != nil {
		return ref, fmt.Errorf("chatops: reply: %w", err)
	}
	return ref, nil
}

func (b *Bot) finish(ctx context.Context, req *request) {
	if req.rec.Time.IsZero() {
		req.rec.Time = req.start.UTC()
	}
	if req.rec.Outcome == "" {
		req.rec.Outcome = OutcomeAnswered
	}
	req.rec.DurationMS = b.now().Sub(req.start).Milliseconds()
	b.audit.Record(ctx, req.rec)
}

func hintMessage() chat.Message {
	return chat.Message{
		Text: "I run AWS CLI commands from chat. Try `help`, or a command such as `cloudwatch describe-alarms --state-value ALARM`.",
	}
}

// StripMention removes the bot mention a chat message starts with: "@aws",
// "aws", a Slack user mention "<@U123ABC>" or a Teams "<at>aws</at>", and
// surrounding whitespace.
func StripMention(text string) string {
	t := strings.TrimSpace(text)
	for {
		switch {
		case strings.HasPrefix(t, "<@"):
			if end := strings.IndexByte(t, '>'); end > 0 {
				t = strings.TrimSpace(t[end+1:])
				continue
			}
		case strings.HasPrefix(strings.ToLower(t), "<at>"):
			if end := strings.Index(strings.ToLower(t), "</at>"); end > 0 {
				t = strings.TrimSpace(t[end+len("</at>"):])
				continue
			}
		case hasWordPrefix(t, "@aws"), hasWordPrefix(t, "@amazon q"):
			i := strings.IndexAny(t, " \t\n")
			if strings.HasPrefix(strings.ToLower(t), "@amazon q") {
				i = len("@amazon q")
			}
			if i < 0 {
				return ""
			}
			t = strings.TrimSpace(t[i:])
			continue
		case hasWordPrefix(t, "aws"):
			t = strings.TrimSpace(t[3:])
			continue
		}
		return t
	}
}

func hasWordPrefix(t, word string) bool {
	if len(t) < len(word) || !strings.EqualFold(t[:len(word)], word) {
		return false
	}
	return len(t) == len(word) || t[len(word)] == ' ' || t[len(word)] == '\t' || t[len(word)] == '\n'
}
