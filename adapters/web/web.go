package web

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/opschat/opschat/chat"
)

// Platform is the chat.Platform of the web adapter. Channel configurations
// for it use the generic form (Platform: web, WorkspaceId, ChannelId).
const Platform chat.Platform = "web"

// Defaults.
const (
	DefaultMaxHistory  = 500
	DefaultMaxBody     = 64 << 10
	DefaultConcurrency = 4
	DefaultTokenTTL    = 24 * time.Hour
	defaultQueue       = 64
	// maxFileBytes bounds one file or image kept for download: the page is
	// a development tool, not file storage.
	maxFileBytes = 8 << 20
)

// Sentinel errors.
var (
	// ErrNotLoopback is returned by ListenLoopback for an address that is
	// not a loopback address.
	ErrNotLoopback = errors.New("web: refusing to listen on a non-loopback address")
	// ErrAlreadyListening is returned by a second concurrent Listen.
	ErrAlreadyListening = errors.New("web: already listening")
	// ErrUnknownMessage is returned by Update for a message the adapter
	// never sent or has dropped from its history.
	ErrUnknownMessage = errors.New("web: unknown message")
	// ErrClosed is returned by Send after Close.
	ErrClosed = errors.New("web: adapter closed")
)

// View renders a message as another platform would show it, for the page's
// view switch. Render returns the HTML to show, which must be safe: every
// piece of message text escaped (the page inserts it as markup), and the
// raw payload the platform would receive, shown for copying. Render is
// called once per message version, while the adapter holds its lock: it
// must not call the Adapter.
type View struct {
	// Name is a short identifier ("slack"); Label is what the switch shows.
	Name, Label string
	Render      func(m chat.Message) (template.HTML, []byte, error)
}

// NotifyFunc handles a payload pasted into the page's test-notification
// box. It returns a note for the user (what happened to the payload) and
// posts the resulting messages itself, typically through the adapter.
type NotifyFunc func(ctx context.Context, payload []byte) (note string, err error)

// Option configures an Adapter.
type Option func(*config)

type config struct {
	conv        chat.Conversation
	user        chat.User
	log         *slog.Logger
	views       []View
	maxHistory  int
	maxBody     int64
	concurrency int
	tokenTTL    time.Duration
	hosts       map[string]bool
	notify      NotifyFunc
	title       string
	now         func() time.Time
}

// WithConversation sets the channel the page is (default: workspace
// "local", channel "playground").
func WithConversation(c chat.Conversation) Option { return func(o *config) { o.conv = c } }

// WithUser sets who types in the page (default "you").
func WithUser(u chat.User) Option { return func(o *config) { o.user = u } }

// WithLogger sets the logger (default: discard).
func WithLogger(l *slog.Logger) Option { return func(o *config) { o.log = l } }

// WithViews adds platform views to the page's view switch, after the web
// view itself.
func WithViews(v ...View) Option { return func(o *config) { o.views = append(o.views, v...) } }

// WithMaxHistory bounds how many messages the adapter keeps to replay to a
// page that (re)connects and to resolve clicks (default DefaultMaxHistory).
func WithMaxHistory(n int) Option { return func(o *config) { o.maxHistory = n } }

// WithMaxBody caps the size of an inbound request body (default
// DefaultMaxBody).
func WithMaxBody(n int64) Option { return func(o *config) { o.maxBody = n } }

// WithConcurrency bounds how many inbound events Listen handles at once
// (default DefaultConcurrency).
func WithConcurrency(n int) Option { return func(o *config) { o.concurrency = n } }

// WithTokenTTL sets how long a page's CSRF token stays valid (default
// DefaultTokenTTL); reloading the page gets a fresh one.
func WithTokenTTL(d time.Duration) Option { return func(o *config) { o.tokenTTL = d } }

// WithAllowedHosts allows Host names besides the loopback ones (localhost,
// 127.0.0.1, [::1]), for a host that serves the page behind a name it
// controls. Only do this behind your own authentication.
func WithAllowedHosts(hosts ...string) Option {
	return func(o *config) {
		for _, h := range hosts {
			o.hosts[h] = true
		}
	}
}

// WithNotify enables the page's test-notification box, handled by f.
func WithNotify(f NotifyFunc) Option { return func(o *config) { o.notify = f } }

// WithTitle sets the page title (default "opschat").
func WithTitle(t string) Option { return func(o *config) { o.title = t } }

// WithClock sets the clock (tests).
func WithClock(now func() time.Time) Option { return func(o *config) { o.now = now } }

// Adapter is the web chat adapter and the http.Handler of its page. It is
// safe for concurrent use. Send, Update and UploadFile never block on a
// browser: messages go into a bounded history and to every connected page,
// and a page too slow to keep up is disconnected (it reconnects and replays
// what it missed). Close ends the event streams; the host owns the server.
type Adapter struct {
	cfg   config
	key   secretKey
	pages pageAssets

	inbound   chan queued
	listening atomic.Bool
	closeOnce sync.Once
	closed    chan struct{}

	mu     sync.Mutex
	seq    uint64
	nextID uint64
	msgs   []*entry // in creation order, at most cfg.maxHistory
	byID   map[string]*entry
	subs   map[*subscriber]struct{}
}

// entry is one message of the channel, bot's or user's.
type entry struct {
	id     string
	ref    chat.Ref
	msg    chat.Message
	author string // "bot" or the user's name
	fromMe bool
	time   time.Time
	seq    uint64 // of its latest version
	data   []byte // the SSE event data of its latest version
	files  []servedFile
}

// servedFile is a file or an image given as bytes, downloadable by the page.
type servedFile struct {
	name, contentType string
	data              []byte
	inline            bool
}

type queued struct {
	in    chat.Inbound
	reply chat.Replier
}

var (
	_ chat.Adapter            = (*Adapter)(nil)
	_ chat.Updater            = (*Adapter)(nil)
	_ chat.FileUploader       = (*Adapter)(nil)
	_ chat.CapabilityReporter = (*Adapter)(nil)
)

// New returns an adapter. It fails only when the system random source does.
func New(opts ...Option) (*Adapter, error) {
	cfg := config{
		conv:        chat.Conversation{WorkspaceID: "local", ChannelID: "playground", Type: chat.ConversationChannel},
		user:        chat.User{ID: "you", Name: "you"},
		log:         slog.New(slog.DiscardHandler),
		maxHistory:  DefaultMaxHistory,
		maxBody:     DefaultMaxBody,
		concurrency: DefaultConcurrency,
		tokenTTL:    DefaultTokenTTL,
		hosts:       map[string]bool{"localhost": true, "127.0.0.1": true, "::1": true},
		title:       "opschat",
		now:         time.Now,
	}
	for _, o := range opts {
		o(&cfg)
	}
	cfg.conv.Platform = Platform
	if cfg.maxHistory < 1 {
		cfg.maxHistory = DefaultMaxHistory
	}
	if cfg.maxBody < 1 {
		cfg.maxBody = DefaultMaxBody
	}
	if cfg.concurrency < 1 {
		cfg.concurrency = DefaultConcurrency
	}
	a := &Adapter{
		cfg:     cfg,
		inbound: make(chan queued, defaultQueue),
		closed:  make(chan struct{}),
		byID:    map[string]*entry{},
		subs:    map[*subscriber]struct{}{},
	}
	if _, err := rand.Read(a.key.b[:]); err != nil {
		return nil, fmt.Errorf("web: random key: %w", err)
	}
	pages, err := loadAssets()
	if err != nil {
		return nil, err
	}
	a.pages = pages
	return a, nil
}

// Platform returns Platform ("web").
func (a *Adapter) Platform() chat.Platform { return Platform }

// Conversation returns the channel the page is.
func (a *Adapter) Conversation() chat.Conversation { return a.cfg.conv }

// Capabilities reports what the page shows.
func (a *Adapter) Capabilities() chat.Capabilities {
	return chat.Capabilities{Threads: true, Updates: true, Files: true, Buttons: true, Images: true, Commands: true, MaxText: 40000}
}

// Send shows m on every connected page (and later ones) and returns its
// reference. A conversation with a ThreadID shows m in that thread.
func (a *Adapter) Send(ctx context.Context, conv chat.Conversation, m chat.Message) (chat.Ref, error) {
	if err := ctx.Err(); err != nil {
		return chat.Ref{}, fmt.Errorf("web: send: %w", err)
	}
	e, err := a.add(conv, m, "bot", false)
	if err != nil {
		return chat.Ref{}, err
	}
	return e.ref, nil
}

// Update replaces the content of a message the adapter sent.
func (a *Adapter) Update(ctx context.Context, ref chat.Ref, m chat.Message) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("web: update: %w", err)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	e, ok := a.byID[ref.MessageID]
	if !ok || e.fromMe {
		return fmt.Errorf("web: update %s: %w", ref.MessageID, ErrUnknownMessage)
	}
	e.msg = m
	e.time = a.cfg.now()
	a.publishLocked(e)
	return nil
}

// UploadFile shows f as a message with a download link.
func (a *Adapter) UploadFile(ctx context.Context, conv chat.Conversation, f chat.File) (chat.Ref, error) {
	return a.Send(ctx, conv, chat.Message{Files: []chat.File{f}})
}

// Transcript returns the messages the adapter holds, oldest first: what a
// page that connects now is shown. Tests and hosts use it; it copies.
func (a *Adapter) Transcript() []Posted {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := make([]Posted, 0, len(a.msgs))
	for _, e := range a.msgs {
		out = append(out, Posted{Ref: e.ref, Message: e.msg, Author: e.author, FromUser: e.fromMe})
	}
	return out
}

// Posted is one message of the transcript.
type Posted struct {
	Ref     chat.Ref
	Message chat.Message
	// Author is "bot" or the name of the user who typed it; FromUser tells
	// them apart.
	Author   string
	FromUser bool
}

// Close ends every event stream and makes later sends fail with ErrClosed.
// Call it before shutting the http.Server down, which does not wait for
// streams otherwise. It is idempotent.
func (a *Adapter) Close() error {
	a.closeOnce.Do(func() { close(a.closed) })
	return nil
}

// add records a message and publishes it.
func (a *Adapter) add(conv chat.Conversation, m chat.Message, author string, fromMe bool) (*entry, error) {
	select {
	case <-a.closed:
		return nil, fmt.Errorf("web: send: %w", ErrClosed)
	default:
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.nextID++
	id := "m" + strconv.FormatUint(a.nextID, 10)
	conv.Platform = Platform
	if conv.ThreadID != "" {
		if _, ok := a.byID[conv.ThreadID]; !ok {
			// A thread whose root is gone (or never existed) still gets
			// the reply: at top level, rather than lost.
			a.cfg.log.Debug("web: thread root not in history; showing at top level", "thread", conv.ThreadID)
		}
	}
	e := &entry{id: id, ref: chat.Ref{Conversation: conv, MessageID: id}, msg: m, author: author, fromMe: fromMe, time: a.cfg.now()}
	a.msgs = append(a.msgs, e)
	a.byID[id] = e
	if len(a.msgs) > a.cfg.maxHistory {
		old := a.msgs[0]
		a.msgs[0] = nil
		a.msgs = a.msgs[1:]
		delete(a.byID, old.id)
	}
	a.publishLocked(e)
	return e, nil
}

// publishLocked renders e's latest version, gives it a new sequence number
// and sends it to every subscriber. a.mu is held.
func (a *Adapter) publishLocked(e *entry) {
	a.seq++
	e.seq = a.seq
	e.files = servedFiles(e.msg)
	ev := event{
		ID:      e.id,
		Thread:  e.ref.Conversation.ThreadID,
		Author:  e.author,
		FromMe:  e.fromMe,
		Time:    e.time.UTC().Format(time.RFC3339),
		Summary: e.msg.PlainSummary(),
		HTML:    string(a.renderEntry(e)),
	}
	data, err := json.Marshal(ev)
	if err != nil {
		// Strings and bools only: cannot fail; keep the promise anyway.
		a.cfg.log.Error("web: encode event", "error", err)
		return
	}
	e.data = data
	for s := range a.subs {
		if !s.offer(e.seq, data) {
			// Too slow: drop it; the page reconnects with Last-Event-ID.
			delete(a.subs, s)
			s.close()
		}
	}
}

// event is what the page receives for each message version.
type event struct {
	ID      string `json:"id"`
	Thread  string `json:"thread,omitempty"`
	Author  string `json:"author"`
	FromMe  bool   `json:"fromMe,omitempty"`
	Time    string `json:"time"`
	Summary string `json:"summary"`
	HTML    string `json:"html"`
}

func servedFiles(m chat.Message) []servedFile {
	var out []servedFile
	for _, img := range m.Images {
		if len(img.Data) > 0 && len(img.Data) <= maxFileBytes {
			out = append(out, servedFile{name: nameOr(img.Name, "image"), contentType: imageType(img.ContentType), data: img.Data, inline: imageType(img.ContentType) != ""})
		}
	}
	for _, f := range m.Files {
		if len(f.Data) <= maxFileBytes {
			out = append(out, servedFile{name: nameOr(f.Name, "file"), contentType: f.ContentType, data: f.Data})
		}
	}
	return out
}

// imageType returns ct when it is a raster image type a browser shows
// safely inline; SVG (which can carry script) and anything else is "".
func imageType(ct string) string {
	switch ct {
	case "image/png", "image/jpeg", "image/gif", "image/webp":
		return ct
	}
	return ""
}

func nameOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// secretKey is the CSRF signing key. It formats as a placeholder so that
// printing or logging the adapter never shows it.
type secretKey struct{ b [32]byte }

func (secretKey) String() string                { return "[redacted]" }
func (secretKey) GoString() string              { return "[redacted]" }
func (secretKey) Format(f fmt.State, _ rune)    { _, _ = f.Write([]byte("[redacted]")) }
func (secretKey) LogValue() slog.Value          { return slog.StringValue("[redacted]") }
func (secretKey) MarshalJSON() ([]byte, error)  { return []byte(`"[redacted]"`), nil }
func (a *Adapter) String() string               { return "web.Adapter(" + a.cfg.conv.String() + ")" }
func (a *Adapter) GoString() string             { return a.String() }
func (a *Adapter) Format(f fmt.State, _ rune)   { _, _ = f.Write([]byte(a.String())) }
func (a *Adapter) LogValue() slog.Value         { return slog.StringValue(a.String()) }
func (a *Adapter) MarshalJSON() ([]byte, error) { return json.Marshal(a.String()) }
