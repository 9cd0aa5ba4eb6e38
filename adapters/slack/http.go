package slack

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"

	slackgo "github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
)

// HTTP paths served by HTTPHandler.
const (
	PathEvents        = "/slack/events"
	PathCommands      = "/slack/commands"
	PathInteractivity = "/slack/interactivity"
	PathInstall       = "/slack/install"
	PathOAuthCallback = "/slack/oauth/callback"
)

// maxBody bounds what is read from a request: Slack's payloads are far smaller.
const maxBody = 1 << 20

// HTTPHandler serves Slack's HTTP requests for deployments behind a public
// URL: the Events API (PathEvents), slash commands (PathCommands) and
// interactivity (PathInteractivity), each verified with the signing secret
// (5-minute timestamp window, and a signature accepted only once), and, with
// WithOAuth, the install flow (PathInstall, PathOAuthCallback).
//
// Events are delivered to the handler of the running Listen call; while none
// runs, event requests get 503 so that Slack retries them later. The handler
// is safe for concurrent use.
func (a *Adapter) HTTPHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+PathEvents, a.serveEvents)
	mux.HandleFunc("POST "+PathCommands, a.serveCommand)
	mux.HandleFunc("POST "+PathInteractivity, a.serveInteraction)
	mux.HandleFunc("GET "+PathInstall, a.serveInstall)
	mux.HandleFunc("GET "+PathOAuthCallback, a.serveOAuthCallback)
	return mux
}

// Verification failures.
var (
	errNoSigningSecret = errors.New("slack: no signing secret configured")
	errReplayed        = errors.New("slack: request signature already used (replay)")
)

// verify reads the body and checks Slack's signature and timestamp, then
// that this exact signed request was not seen before.
func (a *Adapter) verify(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	if a.signingSecret.IsZero() {
		a.log.ErrorContext(r.Context(), "slack: HTTP request rejected", "path", r.URL.Path, "error", errNoSigningSecret)
		http.Error(w, "signing secret not configured", http.StatusServiceUnavailable)
		return nil, false
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		http.Error(w, "request body too large or unreadable", http.StatusRequestEntityTooLarge)
		return nil, false
	}
	sv, err := slackgo.NewSecretsVerifier(r.Header, a.signingSecret.reveal())
	if err == nil {
		_, _ = sv.Write(body)
		err = sv.Ensure()
	}
	if err != nil {
		a.log.WarnContext(r.Context(), "slack: HTTP request rejected", "path", r.URL.Path, "reason", verifyReason(err))
		http.Error(w, "invalid request signature", http.StatusUnauthorized)
		return nil, false
	}
	// A captured request replays fine within the timestamp window; each
	// signed request is accepted once. The key is the digest of what the
	// signature signs (timestamp and body), not of the signature's text:
	// the same signature re-encoded (hex re-cased) is the same request.
	// Slack's own retries are new requests with new timestamps,
	// deduplicated by event_id.
	first, err := a.store.PutIfAbsent(r.Context(), nsSignature, replayKey(r.Header.Get("X-Slack-Request-Timestamp"), body), []byte{1}, signatureTTL)
	if err != nil {
		a.log.ErrorContext(r.Context(), "slack: replay check failed", "error", err)
		http.Error(w, "temporarily unavailable", http.StatusServiceUnavailable)
		return nil, false
	}
	if !first {
		a.log.WarnContext(r.Context(), "slack: HTTP request rejected", "path", r.URL.Path, "reason", errReplayed.Error())
		http.Error(w, "invalid request signature", http.StatusUnauthorized)
		return nil, false
	}
	return body, true
}

// replayKey identifies a signed request by the digest of Slack's signature
// base string ("v0:" timestamp ":" body): two requests with the same key
// carry the same signature, however it is written.
func replayKey(timestamp string, body []byte) string {
	h := sha256.New()
	_, _ = io.WriteString(h, "v0:"+timestamp+":")
	_, _ = h.Write(body)
	return hex.EncodeToString(h.Sum(nil))
}

func verifyReason(err error) string {
	switch {
	case errors.Is(err, slackgo.ErrMissingHeaders):
		return "missing signature headers"
	case errors.Is(err, slackgo.ErrExpiredTimestamp):
		return "timestamp outside the 5-minute window"
	case errors.Is(err, slackgo.ErrInvalidSignature):
		return "signature mismatch"
	default:
		return "malformed signature headers"
	}
}

func (a *Adapter) serveEvents(w http.ResponseWriter, r *http.Request) {
	body, ok := a.verify(w, r)
	if !ok {
		return
	}
	ev, err := slackevents.ParseEvent(body, slackevents.OptionNoVerifyToken())
	if err != nil {
		http.Error(w, "malformed event", http.StatusBadRequest)
		return
	}
	if ev.Type == slackevents.URLVerification {
		var ch slackevents.ChallengeResponse
		if err := json.Unmarshal(body, &ch); err != nil {
			http.Error(w, "malformed challenge", http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "text/plain")
		_, _ = io.WriteString(w, ch.Challenge)
		return
	}
	l := a.active.Load()
	if l == nil {
		http.Error(w, "not listening", http.StatusServiceUnavailable)
		return
	}
	if n := r.Header.Get("X-Slack-Retry-Num"); n != "" {
		a.log.DebugContext(r.Context(), "slack: event redelivered", "attempt", n, "reason", r.Header.Get("X-Slack-Retry-Reason"))
	}
	w.WriteHeader(http.StatusOK)
	// Converting may call the Web API (auth.test, conversations.info); Slack
	// wants the answer within 3 seconds, so that happens after it.
	l.start(func() { a.handleEventsAPI(l, ev) })
}

func (a *Adapter) serveCommand(w http.ResponseWriter, r *http.Request) {
	body, ok := a.verify(w, r)
	if !ok {
		return
	}
	v, err := url.ParseQuery(string(body))
	if err != nil {
		http.Error(w, "malformed form", http.StatusBadRequest)
		return
	}
	cmd := slackgo.SlashCommand{
		TeamID:      v.Get("team_id"),
		TeamDomain:  v.Get("team_domain"),
		ChannelID:   v.Get("channel_id"),
		ChannelName: v.Get("channel_name"),
		UserID:      v.Get("user_id"),
		UserName:    v.Get("user_name"),
		Command:     v.Get("command"),
		Text:        v.Get("text"),
		ResponseURL: v.Get("response_url"),
		TriggerID:   v.Get("trigger_id"),
		APIAppID:    v.Get("api_app_id"),
	}
	if cmd.Command != a.command {
		http.Error(w, "unknown command", http.StatusNotFound)
		return
	}
	l := a.active.Load()
	if l == nil {
		// Slash commands are not retried: tell the user.
		writeJSON(w, map[string]string{"response_type": "ephemeral", "text": "The bot is starting up; try again in a moment."})
		return
	}
	writeJSON(w, slashAck)
	l.start(func() { a.handleSlash(l, cmd) })
}

func (a *Adapter) serveInteraction(w http.ResponseWriter, r *http.Request) {
	body, ok := a.verify(w, r)
	if !ok {
		return
	}
	v, err := url.ParseQuery(string(body))
	if err != nil {
		http.Error(w, "malformed form", http.StatusBadRequest)
		return
	}
	var cb slackgo.InteractionCallback
	if err := json.Unmarshal([]byte(v.Get("payload")), &cb); err != nil {
		http.Error(w, "malformed payload", http.StatusBadRequest)
		return
	}
	l := a.active.Load()
	if l == nil {
		http.Error(w, "not listening", http.StatusServiceUnavailable)
		return
	}
	if cb.Type == slackgo.InteractionTypeViewSubmission {
		// The answer says whether the modal closes (empty) or shows errors.
		if ack := a.handleViewSubmission(l, cb); ack != nil {
			writeJSON(w, ack)
			return
		}
		w.WriteHeader(http.StatusOK)
		return
	}
	// Acknowledge first: Slack shows an error to the user when the answer
	// takes more than 3 seconds, and handling may wait on the Web API
	// (conversations.info for the channel's privacy). Opening a form's
	// modal needs the trigger_id within 3 seconds of the click, not before
	// the acknowledgement, so it happens right after, as in Socket Mode.
	w.WriteHeader(http.StatusOK)
	if f, ok := w.(http.Flusher); ok {
		f.Flush()
	}
	if !l.start(func() { a.handleInteraction(l, cb) }) {
		a.log.WarnContext(r.Context(), "slack: interaction dropped during shutdown")
	}
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}
