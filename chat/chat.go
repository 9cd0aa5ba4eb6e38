package chat

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Platform names a chat platform.
type Platform string

// Known platforms. Adapters for other platforms may use their own names.
const (
	PlatformSlack   Platform = "slack"
	PlatformTeams   Platform = "teams"
	PlatformChime   Platform = "chime"
	PlatformConsole Platform = "console"
	PlatformFake    Platform = "fake"
)

// ConversationType says what kind of conversation a message is in.
type ConversationType string

// Conversation types.
const (
	ConversationChannel ConversationType = "channel" // a public or private channel
	ConversationDirect  ConversationType = "direct"  // a 1:1 conversation with the bot
	ConversationGroup   ConversationType = "group"   // a multi-person direct message
)

// Conversation addresses a place messages go: a channel, or a thread in it.
type Conversation struct {
	Platform Platform
	// WorkspaceID is the Slack team ID or the Teams tenant ID.
	WorkspaceID string
	// TeamID is the Teams team ID; empty on other platforms.
	TeamID string
	// ChannelID is the Slack channel ID, the Teams channel (conversation)
	// ID, or the configuration name for webhook platforms.
	ChannelID string
	// ThreadID, when set, addresses a thread in the channel (Slack
	// thread_ts, Teams reply-chain ID).
	ThreadID string
	Type     ConversationType
	// Private reports a private channel where the platform tells (Slack);
	// organisation policies may allow only public or private channels.
	Private bool
}

// String returns "platform:workspace/channel[#thread]", for logs.
func (c Conversation) String() string {
	s := fmt.Sprintf("%s:%s/%s", c.Platform, c.WorkspaceID, c.ChannelID)
	if c.ThreadID != "" {
		s += "#" + c.ThreadID
	}
	return s
}

// Channel returns c without its thread.
func (c Conversation) Channel() Conversation {
	c.ThreadID = ""
	return c
}

// InThread returns c addressed to the given thread.
func (c Conversation) InThread(threadID string) Conversation {
	c.ThreadID = threadID
	return c
}

// Ref identifies a message that was posted, so it can be updated or replied to.
type Ref struct {
	Conversation Conversation
	// MessageID is the platform's message ID (Slack ts, Teams activity ID).
	MessageID string
}

// Thread returns the conversation that replies to the referenced message go
// to: its existing thread, or a new thread rooted at the message.
func (r Ref) Thread() Conversation {
	if r.Conversation.ThreadID != "" {
		return r.Conversation
	}
	return r.Conversation.InThread(r.MessageID)
}

// User is a chat user.
type User struct {
	ID   string
	Name string
}

// EventKind is what happened in chat.
type EventKind string

// Event kinds.
const (
	KindMention       EventKind = "mention"        // the bot was mentioned in a channel
	KindDirectMessage EventKind = "direct_message" // a message in a 1:1 conversation with the bot
	KindSlashCommand  EventKind = "slash_command"  // a slash command such as /aws
	KindButtonClick   EventKind = "button_click"   // a button of a bot message was clicked
	KindThreadReply   EventKind = "thread_reply"   // a reply without mention in a thread the bot started
	KindFormSubmit    EventKind = "form_submit"    // a modal or card form was submitted
)

// Inbound is one event from chat that the bot handles.
type Inbound struct {
	Kind         EventKind
	Conversation Conversation
	User         User
	// Text is the message text. It may still carry the bot mention
	// ("<@U123> ...", "<at>aws</at> ..."): adapters that know the mention
	// entities (Teams) remove it, others leave it to the command parser,
	// which strips any leading mention.
	Text string
	// MessageID identifies the inbound message (Slack ts), when there is one.
	MessageID string
	// Action is set for KindButtonClick and KindFormSubmit.
	Action *Action
	Time   time.Time
}

// Action is a button click or form submission.
type Action struct {
	// ID and Value are the Button's ID and Value.
	ID    string
	Value string
	// Message is the message that carried the button, when known, so the
	// bot can update it ("Confirmed by @jane").
	Message Ref
	// Values holds submitted form fields (modal inputs), by field ID,
	// exactly as the user submitted them: adapters apply none of the
	// cleanup chat text gets (no HTML entity decoding, no typographic
	// quote straightening, no mention stripping, no trimming). Consumers
	// must use them as literal values, never re-read them as chat text.
	Values map[string]string
}

// Sender posts messages. Implementations are safe for concurrent use.
type Sender interface {
	// Send posts m to conv (to its thread when conv.ThreadID is set) and
	// returns a reference to the posted message. Errors that may succeed
	// on retry are *SendError with Retryable set.
	Send(ctx context.Context, conv Conversation, m Message) (Ref, error)
}

// Updater is implemented by senders that can edit a posted message.
type Updater interface {
	Update(ctx context.Context, ref Ref, m Message) error
}

// FileUploader is implemented by senders that can upload files.
type FileUploader interface {
	UploadFile(ctx context.Context, conv Conversation, f File) (Ref, error)
}

// Listener receives events from chat.
type Listener interface {
	// Listen delivers events to h until ctx is done or the connection fails
	// for good. It blocks. It returns nil when ctx ends.
	Listen(ctx context.Context, h Handler) error
}

// Adapter is a platform integration that both sends and listens.
type Adapter interface {
	Sender
	Listener
	Platform() Platform
}

// Capabilities describes what an adapter can render and do, so the core can
// shape output for it (truncate, attach, fall back).
type Capabilities struct {
	Threads  bool
	Updates  bool
	Files    bool
	Buttons  bool
	Images   bool
	Commands bool // false for notification-only platforms (Chime)
	// MaxText is the largest text a single message can carry, in bytes;
	// 0 means unknown.
	MaxText int
}

// CapabilityReporter is implemented by adapters that describe themselves.
type CapabilityReporter interface {
	Capabilities() Capabilities
}

// CapabilitiesOf returns s's capabilities, deriving what it can from the
// optional interfaces when s does not report them.
func CapabilitiesOf(s Sender) Capabilities {
	if r, ok := s.(CapabilityReporter); ok {
		return r.Capabilities()
	}
	_, upd := s.(Updater)
	_, files := s.(FileUploader)
	return Capabilities{Updates: upd, Files: files}
}

// Handler handles inbound events.
type Handler interface {
	// HandleMessage handles in, replying through r. An error means the event
	// could not be handled at all (the adapter logs it); what the user sees is
	// sent through r.
	HandleMessage(ctx context.Context, in Inbound, r Replier) error
}

// HandlerFunc adapts a function to Handler.
type HandlerFunc func(ctx context.Context, in Inbound, r Replier) error

// HandleMessage calls f.
func (f HandlerFunc) HandleMessage(ctx context.Context, in Inbound, r Replier) error {
	return f(ctx, in, r)
}

// Middleware wraps a handler.
type Middleware func(Handler) Handler

// Chain applies middleware so that the first one is outermost.
func Chain(h Handler, mw ...Middleware) Handler {
	for i := len(mw) - 1; i >= 0; i-- {
		h = mw[i](h)
	}
	return h
}

// Replier answers an inbound event where the user expects it: in the thread
// of the message, or privately for slash commands where the platform allows.
type Replier interface {
	Reply(ctx context.Context, m Message) (Ref, error)
}

// ReplierFunc adapts a function to Replier.
type ReplierFunc func(ctx context.Context, m Message) (Ref, error)

// Reply calls f.
func (f ReplierFunc) Reply(ctx context.Context, m Message) (Ref, error) { return f(ctx, m) }

// SenderReplier returns a Replier that sends to conv through s.
func SenderReplier(s Sender, conv Conversation) Replier {
	return ReplierFunc(func(ctx context.Context, m Message) (Ref, error) {
		return s.Send(ctx, conv, m)
	})
}

// Sentinel errors.
var (
	// ErrUnsupported is returned when an adapter lacks a capability
	// (updates, files, commands on a notification-only platform).
	ErrUnsupported = errors.New("chat: unsupported by this platform")
	// ErrRateLimited matches (errors.Is) a *SendError for HTTP 429.
	ErrRateLimited = errors.New("chat: rate limited")
)

// SendError is a failure to deliver a message, classified for the delivery
// layer: Retryable errors are retried with backoff (after RetryAfter when the
// platform said so); others are recorded as permanent failures.
type SendError struct {
	Platform   Platform
	StatusCode int // HTTP status, when there was one
	Retryable  bool
	// RetryAfter is how long to wait before retrying: the platform's
	// Retry-After capped at MaxRetryAfter (ClassifyHTTP caps it, and
	// Retryable caps a hand-built value too).
	RetryAfter time.Duration
	// RequestedRetryAfter is the wait the platform asked for, uncapped, so
	// the delivery layer can log an unusual value; 0 when it asked none.
	RequestedRetryAfter time.Duration
	Err                 error
}

func (e *SendError) Error() string {
	msg := "chat"
	if e.Platform != "" {
		msg = string(e.Platform)
	}
	msg += ": send failed"
	if e.StatusCode != 0 {
		msg += fmt.Sprintf(" (HTTP %d)", e.StatusCode)
	}
	if e.Retryable {
		msg += ", retryable"
		if e.RetryAfter > 0 {
			msg += fmt.Sprintf(" after %s", e.RetryAfter)
		}
		if e.RequestedRetryAfter > e.RetryAfter {
			msg += fmt.Sprintf(" (Retry-After %s capped)", e.RequestedRetryAfter)
		}
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

func (e *SendError) Unwrap() error { return e.Err }

// Is reports ErrRateLimited for HTTP 429.
func (e *SendError) Is(target error) bool {
	return target == ErrRateLimited && e.StatusCode == 429
}

// Retryable reports whether err may succeed if retried, and how long the
// platform asked to wait (0 when it did not say). A *SendError says so
// itself; context cancellation and deadlines are not retryable; other
// errors are retryable network failures only when their Timeout() says so.
func Retryable(err error) (bool, time.Duration) {
	if err == nil {
		return false, 0
	}
	var se *SendError
	if errors.As(err, &se) {
		return se.Retryable, capRetryAfter(se.RetryAfter)
	}
	// The caller's own cancellation or deadline: retrying cannot help.
	// (Adapters that see an HTTP client timeout while their context is
	// still live report it as a retryable *SendError, checked above.)
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false, 0
	}
	var t interface{ Timeout() bool }
	if errors.As(err, &t) && t.Timeout() {
		return true, 0
	}
	return false, 0
}

// ClassifyHTTP builds the *SendError for an HTTP response status from a chat
// platform: 429 and 5xx (and Teams' 412) are retryable, honouring Retry-After
// (see ParseRetryAfter) up to MaxRetryAfter; a negative value counts as none.
// It returns nil for 2xx statuses.
func ClassifyHTTP(p Platform, status int, retryAfter time.Duration, err error) error {
	if status >= 200 && status < 300 {
		return nil
	}
	retryable := status == 429 || status == 412 || status >= 500 || status == 408
	if err == nil {
		err = fmt.Errorf("HTTP status %d", status)
	}
	requested := max(retryAfter, 0)
	return &SendError{Platform: p, StatusCode: status, Retryable: retryable,
		RetryAfter: capRetryAfter(requested), RequestedRetryAfter: requested, Err: err}
}
