package teams

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/infracloudio/msbotbuilder-go/core"

	"github.com/opschat/opschat/chat"
)

// Store is the key/value store the adapter keeps conversation references in.
// It has exactly the method set of chatops.Store (which this package may not
// import); pass the bot's store so every replica can post proactively.
type Store interface {
	Get(ctx context.Context, namespace, key string) ([]byte, bool, error)
	Put(ctx context.Context, namespace, key string, value []byte, ttl time.Duration) error
	PutIfAbsent(ctx context.Context, namespace, key string, value []byte, ttl time.Duration) (bool, error)
	Delete(ctx context.Context, namespace, key string) error
	List(ctx context.Context, namespace, prefix string) (map[string][]byte, error)
}

// Store namespaces.
const (
	// NamespaceConversations holds a ConversationRef per channel ID (and per
	// personal conversation ID).
	NamespaceConversations = "teams.conversation"
	// namespaceTeams maps a team's thread ID (channelData.team.id) to its
	// Microsoft 365 group ID, learnt from install events.
	namespaceTeams = "teams.team"
)

// ConversationRef is what the adapter remembers about a conversation so it
// can post there later (proactively). It is stored as JSON.
type ConversationRef struct {
	ServiceURL string `json:"serviceUrl"`
	TenantID   string `json:"tenantId,omitempty"`
	// TeamID is the team's Microsoft 365 group ID (a UUID; AWS Chatbot's
	// TeamId); TeamThreadID the team's Bot Framework ID ("19:...").
	TeamID       string                `json:"teamId,omitempty"`
	TeamThreadID string                `json:"teamThreadId,omitempty"`
	ChannelID    string                `json:"channelId"`
	ChannelName  string                `json:"channelName,omitempty"`
	Type         chat.ConversationType `json:"type"`
	BotID        string                `json:"botId,omitempty"`
	Updated      time.Time             `json:"updated"`
}

// Adapter is the Microsoft Teams adapter: an http.Handler for the bot's
// messaging endpoint (every request's token validated) that delivers events
// to the Handler given to Listen, and a chat.Sender/Updater that posts
// Adaptive Cards through the Bot Connector service, in channels (new reply
// chains or replies in one) and personal chats.
//
// It is safe for concurrent use. Mount it on the host's HTTP server (the
// Bot Framework registration's messaging endpoint, "/api/messages"); the
// adapter starts no server of its own.
type Adapter struct {
	appID     string
	validator *Validator
	bf        *core.BotFrameworkAdapter
	conn      *connector
	store     Store
	log       *slog.Logger
	now       func() time.Time
	render    RenderOptions

	defaultServiceURL string
	handlerTimeout    time.Duration
	maxBody           int64

	dedup *deduper

	mu     sync.Mutex
	events chan event // nil while no Listen is running
}

type event struct {
	in chat.Inbound
}

// Option configures an Adapter.
type Option func(*config)

type config struct {
	tokenURL       string
	hc             *http.Client
	now            func() time.Time
	log            *slog.Logger
	store          Store
	validator      *Validator
	validatorOpts  []ValidatorOption
	serviceURL     string
	loopbackHTTP   bool
	render         RenderOptions
	handlerTimeout time.Duration
	queue          int
	dedupWindow    time.Duration
}

// WithStore sets where conversation references are kept (default: an
// in-process map, lost on restart and not shared by replicas).
func WithStore(s Store) Option { return func(c *config) { c.store = s } }

// WithHTTPClient sets the HTTP client for the token endpoint and the Bot
// Connector (and, unless WithValidator is given, for key fetches).
func WithHTTPClient(hc *http.Client) Option { return func(c *config) { c.hc = hc } }

// WithTokenURL sets the OAuth token endpoint (DefaultTokenURL; single-tenant
// bots use their tenant's endpoint). It receives the app password, so New
// refuses anything but https, or plain HTTP to a loopback host.
func WithTokenURL(u string) Option { return func(c *config) { c.tokenURL = u } }

// WithLogger sets the logger (default discards). Tokens and the app
// password are never logged.
func WithLogger(l *slog.Logger) Option { return func(c *config) { c.log = l } }

// WithClock sets the clock (token expiry, event times).
func WithClock(now func() time.Time) Option { return func(c *config) { c.now = now } }

// WithValidator replaces the inbound token validator (for example one
// built with WithOpenIDMetadataURL for a sovereign cloud).
func WithValidator(v *Validator) Option { return func(c *config) { c.validator = v } }

// WithValidatorOptions passes options to the default validator.
func WithValidatorOptions(opts ...ValidatorOption) Option {
	return func(c *config) { c.validatorOpts = append(c.validatorOpts, opts...) }
}

// WithServiceURL sets the Bot Connector service URL used for conversations
// the adapter has no stored reference for (for example
// "https://smba.trafficmanager.net/teams/"). Without it, posting to a
// channel requires that the bot saw an activity from that channel first.
// It must be https (see WithInsecureLoopbackServiceURL): New fails
// otherwise.
func WithServiceURL(u string) Option { return func(c *config) { c.serviceURL = u } }

// WithInsecureLoopbackServiceURL lets the adapter send the bot's access
// token over plain HTTP to service URLs on the loopback interface
// (http://127.0.0.1, http://[::1], http://localhost, any port), for tests
// and local emulators. Without it every service URL, whether from
// WithServiceURL, a stored conversation reference or an inbound activity,
// must be https (ErrInsecureServiceURL). Other plain-HTTP hosts are refused
// even with it. Never use it in production.
func WithInsecureLoopbackServiceURL() Option { return func(c *config) { c.loopbackHTTP = true } }

// WithRenderOptions sets the card size budget and inline image limit.
func WithRenderOptions(o RenderOptions) Option { return func(c *config) { c.render = o } }

// WithHandlerTimeout bounds how long the Handler may take for one event
// (default 5 minutes). Events are acknowledged to Teams at once and handled
// in the background, since Teams waits only 15 seconds for the HTTP reply.
func WithHandlerTimeout(d time.Duration) Option { return func(c *config) { c.handlerTimeout = d } }

// WithDedupWindow sets how long an activity is remembered so that a
// redelivered or replayed copy is not handled again (DefaultDedupWindow;
// see there for why). It must be positive.
func WithDedupWindow(d time.Duration) Option { return func(c *config) { c.dedupWindow = d } }

// New returns a Teams adapter for the bot registration appID/appPassword
// (Microsoft Entra app ID and client secret).
func New(appID, appPassword string, opts ...Option) (*Adapter, error) {
	c := config{
		tokenURL:       DefaultTokenURL,
		hc:             &http.Client{Timeout: 30 * time.Second},
		now:            time.Now,
		log:            slog.New(slog.DiscardHandler),
		handlerTimeout: 5 * time.Minute,
		queue:          64,
		dedupWindow:    DefaultDedupWindow,
	}
	for _, o := range opts {
		o(&c)
	}
	if appID == "" || appPassword == "" {
		return nil, errors.New("teams: app ID and app password are required")
	}
	if c.hc == nil || c.now == nil || c.log == nil {
		return nil, errors.New("teams: nil HTTP client, clock or logger")
	}
	if c.dedupWindow <= 0 {
		return nil, errors.New("teams: WithDedupWindow: the window must be positive")
	}
	if c.serviceURL != "" {
		if err := checkServiceURL(c.serviceURL, c.loopbackHTTP); err != nil {
			return nil, fmt.Errorf("teams: WithServiceURL: %w", err)
		}
	}
	// The token endpoint receives the app password: https only, except
	// plain HTTP to a loopback host (a local emulator), which never leaves
	// the machine.
	if err := checkServiceURL(c.tokenURL, true); err != nil {
		return nil, fmt.Errorf("teams: WithTokenURL: %w", err)
	}
	// Activities are deduplicated in the host's Store when it gave one
	// (shared by replicas, with TTLs), else in bounded memory: the
	// default map store has no TTLs and would grow without end.
	dd := &deduper{mem: newRecentKeys(c.dedupWindow, DefaultDedupCapacity), window: c.dedupWindow, now: c.now, log: c.log}
	if c.store != nil {
		dd.store = c.store
	} else {
		c.store = newMapStore()
	}
	v := c.validator
	if v == nil {
		vopts := append([]ValidatorOption{WithValidatorHTTPClient(c.hc), WithValidatorClock(c.now),
			WithValidatorLogger(c.log)}, c.validatorOpts...)
		var err error
		if v, err = NewValidator(appID, vopts...); err != nil {
			return nil, err
		}
	}
	conn := &connector{
		tokens: &tokenSource{url: c.tokenURL, appID: appID, password: appPassword, hc: c.hc, now: c.now},
		hc:     c.hc,
		now:    c.now,

		loopbackHTTP: c.loopbackHTTP,
	}
	a := &Adapter{
		appID:     appID,
		validator: v,
		conn:      conn,
		store:     c.store,
		log:       c.log,
		now:       c.now,
		render:    c.render,

		defaultServiceURL: c.serviceURL,
		handlerTimeout:    c.handlerTimeout,
		maxBody:           1 << 20,
		dedup:             dd,
	}
	// The library's adapter is built by hand: NewBotAdapter would install its
	// own validator (hard-coded metadata URL, no key refresh) and its
	// ConnectorClient (nil-response panic when the token endpoint is down).
	a.bf = &core.BotFrameworkAdapter{
		AdapterSetting: core.AdapterSetting{AppID: appID},
		TokenValidator: v,
		Client:         libraryClient{c: conn},
	}
	return a, nil
}

var (
	_ chat.Adapter            = (*Adapter)(nil)
	_ chat.Updater            = (*Adapter)(nil)
	_ chat.CapabilityReporter = (*Adapter)(nil)
	_ http.Handler            = (*Adapter)(nil)
)

// Platform returns chat.PlatformTeams.
func (a *Adapter) Platform() chat.Platform { return chat.PlatformTeams }

// Capabilities reports threads (reply chains), updates, buttons and images.
// Files are not supported: bots cannot upload files to channels.
func (a *Adapter) Capabilities() chat.Capabilities {
	max := a.render.MaxBytes
	if max <= 0 {
		max = DefaultMaxCardBytes
	}
	return chat.Capabilities{Threads: true, Updates: true, Buttons: true, Images: true, Commands: true, MaxText: max}
}

// Send posts m as an Adaptive Card: into the reply chain conv.ThreadID when
// set, as a new post in the channel otherwise, or into a personal or group
// chat. The returned Ref's MessageID is the activity ID. Failures are
// *chat.SendError; HTTP 429, 412, 502, 504 (and other 5xx) are retryable.
//
// Send is Prepare followed by the post.
func (a *Adapter) Send(ctx context.Context, conv chat.Conversation, m chat.Message) (chat.Ref, error) {
	post, err := a.Prepare(ctx, conv, m)
	if err != nil {
		return chat.Ref{}, err
	}
	return post(ctx)
}

// ErrPostedTwice is returned by a function from Prepare called again: it
// posts once, so that a retry prepares the message again instead of
// posting it twice.
var ErrPostedTwice = errors.New("teams: prepared message already posted")

// Prepare does all the work of Send but the post itself, so that a
// delivery layer rate-limiting per conversation (notify/delivery's
// Preparer) takes its slot for the Bot Connector request alone: it looks up
// the conversation reference (a Store read), renders the card, encodes the
// activity, checks the service URL and gets the bot's access token (an
// AAD request when the cached one expired). The function it returns makes
// the one request (again with a fresh token after a 401); call it once.
//
// An error from Prepare means nothing was sent. Prepare is safe for
// concurrent use, the function it returns is not.
func (a *Adapter) Prepare(ctx context.Context, conv chat.Conversation, m chat.Message) (func(context.Context) (chat.Ref, error), error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("teams: send: %w", err)
	}
	conv.ChannelID = NormalizeChannelID(conv.ChannelID)
	ref, err := a.lookup(ctx, conv)
	if err != nil {
		return nil, err
	}
	act := a.activity(m)
	var send func(context.Context) (string, error)
	switch {
	case isChat(conv, ref):
		// Personal and group chats have no reply chains.
		send, err = a.conn.prepareSend(ref.ServiceURL, conv.ChannelID, act)
	case conv.ThreadID != "":
		act.ReplyToID = conv.ThreadID
		send, err = a.conn.prepareSend(ref.ServiceURL, threadConversationID(conv.ChannelID, conv.ThreadID), act)
	default:
		send, err = a.conn.prepareChannelThread(ref.ServiceURL, nameOr(conv.WorkspaceID, ref.TenantID), conv.ChannelID, act)
	}
	if err == nil {
		// The token is cached: the request made in the slot reuses it.
		_, err = a.conn.tokens.get(ctx)
	}
	if err != nil {
		a.log.Warn("teams: send failed", "conversation", conv.String(), "error", err)
		return nil, err
	}
	out := chat.Ref{Conversation: conv}
	out.Conversation.Platform = chat.PlatformTeams
	var used atomic.Bool
	return func(ctx context.Context) (chat.Ref, error) {
		if used.Swap(true) {
			return chat.Ref{}, fmt.Errorf("teams: send: %w", ErrPostedTwice)
		}
		if err := ctx.Err(); err != nil {
			return chat.Ref{}, fmt.Errorf("teams: send: %w", err)
		}
		id, err := send(ctx)
		if err != nil {
			a.log.Warn("teams: send failed", "conversation", conv.String(), "error", err)
			return chat.Ref{}, err
		}
		a.log.Debug("teams: sent", "conversation", conv.String(), "activity", id)
		out.MessageID = id
		return out, nil
	}, nil
}

// Update replaces the card of a message the bot posted.
func (a *Adapter) Update(ctx context.Context, ref chat.Ref, m chat.Message) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("teams: update: %w", err)
	}
	conv := ref.Conversation
	conv.ChannelID = NormalizeChannelID(conv.ChannelID)
	cref, err := a.lookup(ctx, conv)
	if err != nil {
		return err
	}
	convID := conv.ChannelID
	if !isChat(conv, cref) {
		root := conv.ThreadID
		if root == "" {
			root = ref.MessageID
		}
		convID = threadConversationID(conv.ChannelID, root)
	}
	if err := a.conn.updateActivity(ctx, cref.ServiceURL, convID, ref.MessageID, a.activity(m)); err != nil {
		a.log.Warn("teams: update failed", "conversation", conv.String(), "error", err)
		return err
	}
	return nil
}

// isChat reports a personal or group chat, which (unlike channels) has no
// reply chains. Personal conversation IDs start with "a:", which lets a
// conversation without a type or stored reference still be addressed.
func isChat(conv chat.Conversation, ref ConversationRef) bool {
	switch {
	case conv.Type == chat.ConversationDirect || conv.Type == chat.ConversationGroup:
		return true
	case conv.Type == "" && (ref.Type == chat.ConversationDirect || ref.Type == chat.ConversationGroup):
		return true
	default:
		return conv.Type == "" && strings.HasPrefix(conv.ChannelID, "a:")
	}
}

func (a *Adapter) activity(m chat.Message) outActivity {
	card := Render(m, a.render)
	return outActivity{
		Type:        "message",
		Summary:     truncateRunes(m.PlainSummary(), 500),
		Attachments: attachment(card),
	}
}

// lookup finds where to post for conv: its stored reference, or the default
// service URL.
func (a *Adapter) lookup(ctx context.Context, conv chat.Conversation) (ConversationRef, error) {
	if conv.ChannelID == "" {
		return ConversationRef{}, &chat.SendError{Platform: chat.PlatformTeams, Err: errors.New("conversation has no channel ID")}
	}
	b, ok, err := a.store.Get(ctx, NamespaceConversations, conv.ChannelID)
	if err != nil {
		if ctx.Err() != nil {
			return ConversationRef{}, fmt.Errorf("teams: load conversation reference: %w", err)
		}
		return ConversationRef{}, &chat.SendError{Platform: chat.PlatformTeams, Retryable: true,
			Err: fmt.Errorf("load conversation reference: %w", err)}
	}
	var ref ConversationRef
	if ok {
		if err := json.Unmarshal(b, &ref); err != nil {
			a.log.Warn("teams: ignoring corrupt conversation reference", "channel", conv.ChannelID, "error", err)
			ref = ConversationRef{}
		}
	}
	if ref.ServiceURL == "" {
		ref.ServiceURL = a.defaultServiceURL
	}
	if ref.ServiceURL == "" {
		return ConversationRef{}, &chat.SendError{Platform: chat.PlatformTeams, Err: fmt.Errorf(
			"no conversation reference for channel %q: add the bot to the channel (or set WithServiceURL)", conv.ChannelID)}
	}
	return ref, nil
}

// mapStore is the default Store: one process, no TTLs needed.
type mapStore struct {
	mu sync.Mutex
	m  map[string][]byte
}

func newMapStore() *mapStore { return &mapStore{m: make(map[string][]byte)} }

func (s *mapStore) Get(_ context.Context, ns, key string) ([]byte, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.m[ns+"\x00"+key]
	return v, ok, nil
}

func (s *mapStore) Put(_ context.Context, ns, key string, value []byte, _ time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.m[ns+"\x00"+key] = append([]byte(nil), value...)
	return nil
}

func (s *mapStore) PutIfAbsent(ctx context.Context, ns, key string, value []byte, ttl time.Duration) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.m[ns+"\x00"+key]; ok {
		return false, nil
	}
	s.m[ns+"\x00"+key] = append([]byte(nil), value...)
	return true, nil
}

func (s *mapStore) Delete(_ context.Context, ns, key string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, ns+"\x00"+key)
	return nil
}

func (s *mapStore) List(_ context.Context, ns, prefix string) (map[string][]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string][]byte{}
	for k, v := range s.m {
		if rest, ok := strings.CutPrefix(k, ns+"\x00"); ok && strings.HasPrefix(rest, prefix) {
			out[rest] = append([]byte(nil), v...)
		}
	}
	return out, nil
}
