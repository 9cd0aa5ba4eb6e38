package slack

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
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	slackgo "github.com/slack-go/slack"

	"github.com/opschat/opschat/chat"
	"github.com/opschat/opschat/internal/memstore"
)

// Store is the key/value state the adapter keeps: installations (bot tokens
// per workspace), OAuth states, event IDs already handled, threads the bot
// posted in, and forms too large for a button. It has exactly the method set
// of chatops.Store, so any chatops Store can be passed (this package may not
// import chatops).
type Store interface {
	Get(ctx context.Context, namespace, key string) ([]byte, bool, error)
	Put(ctx context.Context, namespace, key string, value []byte, ttl time.Duration) error
	PutIfAbsent(ctx context.Context, namespace, key string, value []byte, ttl time.Duration) (bool, error)
	Delete(ctx context.Context, namespace, key string) error
	List(ctx context.Context, namespace, prefix string) (map[string][]byte, error)
}

// Store namespaces.
const (
	nsInstall    = "slack.install"
	nsOAuthState = "slack.oauth-state"
	nsEvent      = "slack.event"
	nsSignature  = "slack.signature"
	nsThread     = "slack.thread"
	nsForm       = "slack.form"
)

const (
	dedupTTL     = time.Hour
	signatureTTL = 10 * time.Minute // longer than Slack's 5-minute timestamp window
	threadTTL    = 14 * 24 * time.Hour
	formTTL      = 7 * 24 * time.Hour
	stateTTL     = 10 * time.Minute
)

// ErrNotInstalled is returned when a message is addressed to a workspace the
// app has no bot token for (not installed through OAuth, and not the
// workspace of the single bot token).
var ErrNotInstalled = errors.New("slack: app not installed in workspace")

// Adapter is the Slack integration: a chat.Sender (with Updater and
// FileUploader) over the Web API, a chat.Listener over Socket Mode, an
// http.Handler for the Events API, slash commands, interactivity and the OAuth
// install flow, and the Block Kit renderer.
//
// An Adapter is safe for concurrent use. Listen may be called once at a time.
type Adapter struct {
	botToken      Secret
	appToken      Secret
	signingSecret Secret
	oauth         *OAuthConfig
	store         Store
	log           *slog.Logger
	apiURL        string
	httpClient    *http.Client
	clientSet     bool // WithHTTPClient was given
	idlePerHost   int
	maxChars      int
	command       string
	sweepEvery    time.Duration // WithUploadSweep; 0: off
	sweepAge      time.Duration

	active  atomic.Pointer[listener]
	botUser sync.Map // team ID ("" in single-token mode) → bot user ID
	private sync.Map // team/channel → bool
}

var (
	_ chat.Adapter            = (*Adapter)(nil)
	_ chat.Updater            = (*Adapter)(nil)
	_ chat.FileUploader       = (*Adapter)(nil)
	_ chat.CapabilityReporter = (*Adapter)(nil)
)

// Option configures an Adapter.
type Option func(*Adapter)

// WithBotToken sets the bot token (xoxb-…) of a single workspace: the
// single-token mode, and the fallback for messages whose conversation names
// no workspace.
func WithBotToken(token string) Option { return func(a *Adapter) { a.botToken = NewSecret(token) } }

// WithAppToken sets the app-level token (xapp-…, scope connections:write)
// that Listen uses to connect over Socket Mode. Without it Listen serves the
// HTTP handler only.
func WithAppToken(token string) Option { return func(a *Adapter) { a.appToken = NewSecret(token) } }

// WithSigningSecret sets the signing secret that HTTP requests from Slack
// are verified with. HTTPHandler rejects every Slack request without it.
func WithSigningSecret(secret string) Option {
	return func(a *Adapter) { a.signingSecret = NewSecret(secret) }
}

// WithOAuth enables the multi-workspace install flow (see HTTPHandler); bot
// tokens are kept per workspace in the Store, which must then be given.
func WithOAuth(cfg OAuthConfig) Option { return func(a *Adapter) { c := cfg; a.oauth = &c } }

// WithStore sets where state is kept. The default is an in-memory store,
// which suits one process with a single bot token; replicas and OAuth
// installs need a shared, durable store.
func WithStore(s Store) Option { return func(a *Adapter) { a.store = s } }

// WithLogger sets the logger (default: discard). Tokens and secrets are never logged.
func WithLogger(l *slog.Logger) Option { return func(a *Adapter) { a.log = l } }

// WithAPIURL points the adapter at another Slack Web API base URL, such as a
// loopback fake in tests. It must end with "/".
func WithAPIURL(u string) Option { return func(a *Adapter) { a.apiURL = u } }

// WithHTTPClient sets the HTTP client for Web API calls. The host then
// sizes its transport's idle pool (see WithMaxIdleConnsPerHost).
func WithHTTPClient(c *http.Client) Option {
	return func(a *Adapter) { a.httpClient, a.clientSet = c, true }
}

// DefaultMaxIdleConnsPerHost is how many idle connections to Slack the
// adapter's own transport keeps. net/http's default of 2 means a storm of
// notifications posted in parallel to many channels opens (and TLS
// handshakes) a new connection for nearly every message; 64 covers the
// delivery layer's default concurrency with room to spare.
const DefaultMaxIdleConnsPerHost = 64

// WithMaxIdleConnsPerHost sizes the idle connection pool of the adapter's
// own transport (default DefaultMaxIdleConnsPerHost): about the number of
// channels notified at once. It has no effect with WithHTTPClient.
func WithMaxIdleConnsPerHost(n int) Option {
	return func(a *Adapter) {
		if n > 0 {
			a.idlePerHost = n
		}
	}
}

// WithRenderOptions tunes rendering (see WithMaxBlockChars).
func WithRenderOptions(opts ...RenderOption) Option {
	return func(a *Adapter) {
		r := renderer{maxChars: a.maxChars}
		for _, o := range opts {
			o(&r)
		}
		a.maxChars = r.maxChars
	}
}

// WithSlashCommand sets the slash command the adapter answers (default "/aws").
func WithSlashCommand(cmd string) Option { return func(a *Adapter) { a.command = cmd } }

// New returns an Adapter. It needs a bot token, or OAuth with a Store.
func New(opts ...Option) (*Adapter, error) {
	a := &Adapter{
		apiURL:      slackgo.APIURL,
		idlePerHost: DefaultMaxIdleConnsPerHost,
		maxChars:    DefaultMaxBlockChars,
		command:     "/aws",
	}
	explicitStore := false
	for _, o := range opts {
		o(a)
	}
	if !a.clientSet {
		a.httpClient = &http.Client{Timeout: 30 * time.Second, Transport: newTransport(a.idlePerHost)}
	}
	if a.store != nil {
		explicitStore = true
	} else {
		a.store = memstore.New(nil)
	}
	if a.log == nil {
		a.log = slog.New(slog.DiscardHandler)
	}
	var errs []error
	if a.botToken.IsZero() && a.oauth == nil {
		errs = append(errs, errors.New("slack: need a bot token (WithBotToken) or OAuth (WithOAuth)"))
	}
	if !a.botToken.IsZero() && !strings.HasPrefix(a.botToken.reveal(), "xoxb-") {
		errs = append(errs, errors.New("slack: bot token must start with xoxb-"))
	}
	if !a.appToken.IsZero() && !strings.HasPrefix(a.appToken.reveal(), "xapp-") {
		errs = append(errs, errors.New("slack: app-level token must start with xapp-"))
	}
	if a.oauth != nil {
		if err := a.oauth.validate(); err != nil {
			errs = append(errs, err)
		}
		if !explicitStore {
			errs = append(errs, errors.New("slack: OAuth installs need a durable Store (WithStore) to keep bot tokens"))
		}
	}
	if a.httpClient == nil {
		errs = append(errs, errors.New("slack: nil HTTP client"))
	} else {
		a.httpClient = withRetryAfterTransport(a.httpClient)
	}
	if !strings.HasSuffix(a.apiURL, "/") {
		errs = append(errs, errors.New("slack: API URL must end with /"))
	}
	if !strings.HasPrefix(a.command, "/") {
		errs = append(errs, fmt.Errorf("slack: slash command %q must start with /", a.command))
	}
	if err := a.checkSweep(); err != nil {
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return a, nil
}

// Platform returns chat.PlatformSlack.
func (a *Adapter) Platform() chat.Platform { return chat.PlatformSlack }

// Capabilities reports what Slack supports.
func (a *Adapter) Capabilities() chat.Capabilities {
	return chat.Capabilities{Threads: true, Updates: true, Files: true, Buttons: true, Images: true, Commands: true, MaxText: a.maxChars}
}

// installation is what the OAuth callback stores per workspace.
type installation struct {
	TeamID       string    `json:"team_id"`
	TeamName     string    `json:"team_name,omitempty"`
	EnterpriseID string    `json:"enterprise_id,omitempty"`
	BotToken     string    `json:"bot_token"`
	BotUserID    string    `json:"bot_user_id,omitempty"`
	Scope        string    `json:"scope,omitempty"`
	AppID        string    `json:"app_id,omitempty"`
	InstalledBy  string    `json:"installed_by,omitempty"`
	InstalledAt  time.Time `json:"installed_at"`
}

// client returns a Web API client holding the bot token for team.
func (a *Adapter) client(ctx context.Context, team string) (*slackgo.Client, error) {
	token := a.botToken.reveal()
	if a.oauth != nil && team != "" {
		inst, ok, err := a.installation(ctx, team)
		if err != nil {
			return nil, err
		}
		if ok {
			token = inst.BotToken
		}
	}
	if token == "" {
		return nil, &chat.SendError{Platform: chat.PlatformSlack, Err: fmt.Errorf("%w %q", ErrNotInstalled, team)}
	}
	return a.newClient(token), nil
}

func (a *Adapter) newClient(token string, opts ...slackgo.Option) *slackgo.Client {
	opts = append([]slackgo.Option{slackgo.OptionAPIURL(a.apiURL), slackgo.OptionHTTPClient(a.httpClient)}, opts...)
	return slackgo.New(token, opts...)
}

// newTransport is net/http's default transport with an idle pool of
// perHost connections per host.
func newTransport(perHost int) *http.Transport {
	return &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          max(100, perHost),
		MaxIdleConnsPerHost:   perHost,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
}

func (a *Adapter) installation(ctx context.Context, team string) (installation, bool, error) {
	b, ok, err := a.store.Get(ctx, nsInstall, team)
	if err != nil {
		return installation{}, false, fmt.Errorf("slack: load installation of %s: %w", team, err)
	}
	if !ok {
		return installation{}, false, nil
	}
	var inst installation
	if err := json.Unmarshal(b, &inst); err != nil {
		return installation{}, false, fmt.Errorf("slack: decode installation of %s: %w", team, err)
	}
	return inst, true, nil
}

// Send posts m to conv (in its thread when conv.ThreadID is set) and uploads
// its files and image bytes into the message's thread. When the message was
// posted but an upload failed, Send returns the Ref together with an
// *UploadError, which is not retryable (a retry would post the message twice).
// It is Prepare followed by the post, so both take one path.
func (a *Adapter) Send(ctx context.Context, conv chat.Conversation, m chat.Message) (chat.Ref, error) {
	post, err := a.Prepare(ctx, conv, m)
	if err != nil {
		return chat.Ref{}, err
	}
	return post(ctx)
}

// Update replaces the message ref points to (chat.update) and uploads the
// new message's files into its thread.
func (a *Adapter) Update(ctx context.Context, ref chat.Ref, m chat.Message) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("slack: update: %w", err)
	}
	if ref.MessageID == "" || ref.Conversation.ChannelID == "" {
		return &chat.SendError{Platform: chat.PlatformSlack, Err: errors.New("slack: update: ref has no channel or message ID")}
	}
	api, err := a.client(ctx, ref.Conversation.WorkspaceID)
	if err != nil {
		return err
	}
	p, err := a.prepare(ctx, api, m)
	if err != nil {
		return err
	}
	r, err := p.send(ctx, "update", "chat.update", func(r Rendered) error {
		opts := msgOptions(r)
		// chat.update keeps what it is not given: a critical message
		// (blocks in a red attachment) updated to a plain one must lose its
		// attachment, and the other way round its top-level blocks.
		if len(r.Attachments) == 0 {
			opts = append(opts, slackgo.MsgOptionAttachments([]slackgo.Attachment{}...))
		}
		if len(r.Blocks) == 0 {
			opts = append(opts, slackgo.MsgOptionBlocks())
		}
		_, _, _, err := api.UpdateMessageContext(ctx, ref.Conversation.ChannelID, ref.MessageID, opts...)
		return err
	})
	if err != nil {
		return err
	}
	return a.uploadAll(ctx, api, ref.Thread(), r.Uploads)
}

// UploadFile uploads f with files.uploadV2 into conv (its thread when set).
// Slack shares files asynchronously and does not return the message
// timestamp, so the Ref's MessageID is the file ID.
func (a *Adapter) UploadFile(ctx context.Context, conv chat.Conversation, f chat.File) (chat.Ref, error) {
	if err := ctx.Err(); err != nil {
		return chat.Ref{}, fmt.Errorf("slack: upload: %w", err)
	}
	api, err := a.client(ctx, conv.WorkspaceID)
	if err != nil {
		return chat.Ref{}, err
	}
	id, err := a.upload(ctx, api, conv, f)
	if err != nil {
		return chat.Ref{}, err
	}
	conv.Platform = chat.PlatformSlack
	return chat.Ref{Conversation: conv, MessageID: id}, nil
}

// UploadError reports files that could not be uploaded after the message
// itself was posted.
type UploadError struct {
	Files []string
	Err   error
}

func (e *UploadError) Error() string {
	return fmt.Sprintf("slack: message posted but %d file(s) not uploaded (%s): %v", len(e.Files), strings.Join(e.Files, ", "), e.Err)
}

func (e *UploadError) Unwrap() error { return e.Err }

func (a *Adapter) uploadAll(ctx context.Context, api *slackgo.Client, conv chat.Conversation, files []chat.File) error {
	var (
		failed []string
		errs   []error
	)
	for _, f := range files {
		if _, err := a.upload(ctx, api, conv, f); err != nil {
			failed = append(failed, f.Name)
			errs = append(errs, err)
			a.log.WarnContext(ctx, "slack: upload failed", "conversation", conv.String(), "file", f.Name, "error", err)
		}
	}
	if len(errs) > 0 {
		return &UploadError{Files: failed, Err: errors.Join(errs...)}
	}
	return nil
}

func (a *Adapter) upload(ctx context.Context, api *slackgo.Client, conv chat.Conversation, f chat.File) (string, error) {
	if len(f.Data) == 0 {
		return "", &chat.SendError{Platform: chat.PlatformSlack, Err: fmt.Errorf("slack: upload %q: file is empty", f.Name)}
	}
	name := firstNonEmpty(f.Name, "file")
	fs, err := api.UploadFileContext(ctx, slackgo.UploadFileParameters{
		Reader:          bytes.NewReader(f.Data),
		FileSize:        len(f.Data),
		Filename:        name,
		Title:           firstNonEmpty(f.Title, name),
		Channel:         conv.ChannelID,
		ThreadTimestamp: conv.ThreadID,
	})
	if err != nil {
		return "", classify("files.uploadV2", err)
	}
	return fs.ID, nil
}

func msgOptions(r Rendered) []slackgo.MsgOption {
	opts := []slackgo.MsgOption{slackgo.MsgOptionText(r.Text, false)}
	if len(r.Blocks) > 0 {
		opts = append(opts, slackgo.MsgOptionBlocks(r.Blocks...))
	}
	if len(r.Attachments) > 0 {
		opts = append(opts, slackgo.MsgOptionAttachments(r.Attachments...))
	}
	return opts
}

// render renders m, keeping forms too large for a button value in the
// Store. imageFiles are the Slack files of m's inline images (see
// WithImageFiles).
func (a *Adapter) render(ctx context.Context, m chat.Message, imageFiles []string) (Rendered, error) {
	return a.renderWith(m, imageFiles, a.formValues(ctx))
}

func (a *Adapter) renderWith(m chat.Message, imageFiles []string, formValue func(*chat.Form) (string, error)) (Rendered, error) {
	r := renderer{maxChars: a.maxChars, imageFiles: imageFiles, formValue: formValue}
	return r.render(m)
}

// formValues returns the renderer's formValue for the Adapter: a form is
// encoded into its button's value, or kept in the Store when it does not
// fit. The same form rendered twice with one formValues (a message and its
// fallback rendering) is stored once.
func (a *Adapter) formValues(ctx context.Context) func(*chat.Form) (string, error) {
	stored := map[*chat.Form]string{}
	return func(f *chat.Form) (string, error) {
		v, err := inlineFormValue(f)
		if !errors.Is(err, ErrFormTooLarge) {
			return v, err
		}
		if v, ok := stored[f]; ok {
			return v, nil
		}
		b, err := json.Marshal(formPayload{V: 1, Form: f})
		if err != nil {
			return "", fmt.Errorf("slack: encode form: %w", err)
		}
		key := randomKey()
		if err := a.store.Put(ctx, nsForm, key, b, formTTL); err != nil {
			return "", fmt.Errorf("slack: store form: %w", err)
		}
		stored[f] = storedFormPrefix + key
		return stored[f], nil
	}
}

// rememberThread records a thread the bot posted in, so that replies in it
// are delivered as KindThreadReply.
func (a *Adapter) rememberThread(ctx context.Context, conv chat.Conversation) {
	if conv.ThreadID == "" {
		return
	}
	if err := a.store.Put(ctx, nsThread, threadKey(conv.WorkspaceID, conv.ChannelID, conv.ThreadID), []byte{1}, threadTTL); err != nil {
		a.log.WarnContext(ctx, "slack: remember thread", "conversation", conv.String(), "error", err)
	}
}

func (a *Adapter) isBotThread(ctx context.Context, team, channel, thread string) bool {
	_, ok, err := a.store.Get(ctx, nsThread, threadKey(team, channel, thread))
	if err != nil {
		a.log.WarnContext(ctx, "slack: look up thread", "channel", channel, "error", err)
	}
	return ok
}

func threadKey(team, channel, ts string) string { return team + "/" + channel + "/" + ts }

// classify turns a Web API failure into the error the delivery layer
// understands: *chat.SendError with Retryable for 429, 5xx, Slack's own
// transient errors and network failures. Context cancellation stays
// errors.Is-able and is never retryable.
func classify(op string, err error) error {
	if errors.Is(err, context.Canceled) {
		return fmt.Errorf("slack: %s: %w", op, err)
	}
	wrapped := fmt.Errorf("%s: %w", op, err)
	if rl, ok := errors.AsType[*slackgo.RateLimitedError](err); ok {
		return chat.ClassifyHTTP(chat.PlatformSlack, http.StatusTooManyRequests, rl.RetryAfter, wrapped)
	}
	if sc, ok := errors.AsType[slackgo.StatusCodeError](err); ok {
		return chat.ClassifyHTTP(chat.PlatformSlack, sc.Code, 0, wrapped)
	}
	if se, ok := errors.AsType[slackgo.SlackErrorResponse](err); ok {
		switch se.Err {
		case "ratelimited", "rate_limited":
			return chat.ClassifyHTTP(chat.PlatformSlack, http.StatusTooManyRequests, 0, wrapped)
		case "internal_error", "fatal_error", "service_unavailable", "request_timeout":
			return &chat.SendError{Platform: chat.PlatformSlack, Retryable: true, Err: wrapped}
		}
		return &chat.SendError{Platform: chat.PlatformSlack, Err: wrapped}
	}
	if _, ok := errors.AsType[net.Error](err); ok || errors.Is(err, io.ErrUnexpectedEOF) {
		return &chat.SendError{Platform: chat.PlatformSlack, Retryable: true, Err: wrapped}
	}
	return &chat.SendError{Platform: chat.PlatformSlack, Err: wrapped}
}

// slackErrorCode returns Slack's error code ("not_in_channel") in err, if any.
func slackErrorCode(err error) string {
	if se, ok := errors.AsType[slackgo.SlackErrorResponse](err); ok {
		return se.Err
	}
	return ""
}

func randomKey() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	return hex.EncodeToString(b[:])
}
