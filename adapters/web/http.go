package web

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"mime"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/opschat/opschat/chat"
)

//go:embed static
var static embed.FS

// pageAssets are the parsed page template and the static files.
type pageAssets struct {
	page *template.Template
	js   []byte
	css  []byte
}

func loadAssets() (pageAssets, error) {
	t, err := template.ParseFS(static, "static/index.html")
	if err != nil {
		return pageAssets{}, fmt.Errorf("web: page template: %w", err)
	}
	js, err := static.ReadFile("static/app.js")
	if err != nil {
		return pageAssets{}, fmt.Errorf("web: app.js: %w", err)
	}
	css, err := static.ReadFile("static/app.css")
	if err != nil {
		return pageAssets{}, fmt.Errorf("web: app.css: %w", err)
	}
	return pageAssets{page: t, js: js, css: css}, nil
}

// csp allows only the page's own script and style: even if a message's
// markup escaped the renderer, no inline script or handler would run.
const csp = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; form-action 'none'; base-uri 'none'; frame-ancestors 'none'"

// ServeHTTP serves the page, its assets, the event stream, the inbound
// endpoint and files. Requests for any Host but a loopback one (or one
// allowed with WithAllowedHosts) get 421.
func (a *Adapter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !a.hostAllowed(r.Host) {
		http.Error(w, "web: host not allowed", http.StatusMisdirectedRequest)
		return
	}
	h := w.Header()
	h.Set("Content-Security-Policy", csp)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cross-Origin-Resource-Policy", "same-origin")
	h.Set("Cache-Control", "no-store")
	switch {
	case r.URL.Path == "/" && (r.Method == http.MethodGet || r.Method == http.MethodHead):
		a.servePage(w, r)
	case r.URL.Path == "/static/app.js" && r.Method == http.MethodGet:
		h.Set("Content-Type", "text/javascript; charset=utf-8")
		_, _ = w.Write(a.pages.js)
	case r.URL.Path == "/static/app.css" && r.Method == http.MethodGet:
		h.Set("Content-Type", "text/css; charset=utf-8")
		_, _ = w.Write(a.pages.css)
	case r.URL.Path == "/events" && r.Method == http.MethodGet:
		a.serveEvents(w, r)
	case r.URL.Path == "/api/inbound" && r.Method == http.MethodPost:
		a.serveInbound(w, r)
	case r.URL.Path == "/api/notify" && r.Method == http.MethodPost && a.cfg.notify != nil:
		a.serveNotify(w, r)
	case strings.HasPrefix(r.URL.Path, "/files/") && r.Method == http.MethodGet:
		a.serveFile(w, r)
	case r.URL.Path == "/" || r.URL.Path == "/events" || r.URL.Path == "/api/inbound":
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	default:
		http.NotFound(w, r)
	}
}

func (a *Adapter) hostAllowed(hostport string) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	return a.cfg.hosts[strings.ToLower(host)]
}

// sameOrigin reports whether a state-changing request comes from the page:
// its Origin (sent by browsers on every cross-origin and every POST
// request) must be this host; without Origin, Sec-Fetch-Site must not say
// another site. The CSRF token is checked separately.
func sameOrigin(r *http.Request) bool {
	if o := r.Header.Get("Origin"); o != "" {
		return o == "http://"+r.Host || o == "https://"+r.Host
	}
	switch r.Header.Get("Sec-Fetch-Site") {
	case "", "same-origin", "none":
		return true
	}
	return false
}

type pageData struct {
	Title  string
	Token  string
	Views  []View
	Notify bool
}

func (a *Adapter) servePage(w http.ResponseWriter, r *http.Request) {
	tok, err := a.newToken()
	if err != nil {
		a.cfg.log.Error("web: new token", "error", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	var buf bytes.Buffer
	if err := a.pages.page.Execute(&buf, pageData{Title: a.cfg.title, Token: tok, Views: a.cfg.views, Notify: a.cfg.notify != nil}); err != nil {
		a.cfg.log.Error("web: render page", "error", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = w.Write(buf.Bytes())
}

// A token is base64url(issued unix seconds ‖ 8 random bytes ‖ first 16
// bytes of HMAC-SHA256(key, the first 16 bytes)): each page gets its own,
// the adapter keeps no state for them, and they expire.
const tokenLen = 8 + 8 + 16

func (a *Adapter) newToken() (string, error) {
	var raw [tokenLen]byte
	binary.BigEndian.PutUint64(raw[:8], uint64(a.cfg.now().Unix()))
	if _, err := rand.Read(raw[8:16]); err != nil {
		return "", err
	}
	copy(raw[16:], a.mac(raw[:16]))
	return base64.RawURLEncoding.EncodeToString(raw[:]), nil
}

func (a *Adapter) mac(b []byte) []byte {
	m := hmac.New(sha256.New, a.key.b[:])
	m.Write([]byte("opschat-web-csrf\x00"))
	m.Write(b)
	return m.Sum(nil)[:16]
}

func (a *Adapter) validToken(tok string) bool {
	raw, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil || len(raw) != tokenLen {
		return false
	}
	if !hmac.Equal(raw[16:], a.mac(raw[:16])) {
		return false
	}
	issued := time.Unix(int64(binary.BigEndian.Uint64(raw[:8])), 0)
	age := a.cfg.now().Sub(issued)
	return age >= -time.Minute && (a.cfg.tokenTTL <= 0 || age <= a.cfg.tokenTTL)
}

// checkPost verifies a state-changing request and caps its body. It writes
// the refusal and returns false when the request must not proceed.
func (a *Adapter) checkPost(w http.ResponseWriter, r *http.Request) bool {
	if !sameOrigin(r) {
		writeJSONError(w, http.StatusForbidden, "cross-origin request refused")
		return false
	}
	if !a.validToken(r.Header.Get("X-CSRF-Token")) {
		writeJSONError(w, http.StatusForbidden, "missing or invalid CSRF token: reload the page")
		return false
	}
	r.Body = http.MaxBytesReader(w, r.Body, a.cfg.maxBody)
	return true
}

func writeJSONError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// inboundRequest is what the page posts.
type inboundRequest struct {
	// Kind is "message", "button" or "form".
	Kind string `json:"kind"`
	// Text and Thread: a typed message, in a thread when Thread is set.
	Text   string `json:"text"`
	Thread string `json:"thread"`
	// Message and Button: the message clicked and the index of its button
	// (or of the message whose form was submitted). The adapter resolves
	// them against what it sent, so the page cannot forge button values.
	Message string            `json:"message"`
	Button  int               `json:"button"`
	Values  map[string]string `json:"values"`
}

// errBadInbound marks a request the page should not have sent.
var errBadInbound = errors.New("bad request")

func (a *Adapter) serveInbound(w http.ResponseWriter, r *http.Request) {
	if !a.checkPost(w, r) {
		return
	}
	var req inboundRequest
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			writeJSONError(w, http.StatusRequestEntityTooLarge, "request too large")
			return
		}
		writeJSONError(w, http.StatusBadRequest, "malformed request")
		return
	}
	if !a.isListening() {
		// Checked first so that nothing is shown for a request that will
		// be refused.
		writeJSONError(w, http.StatusServiceUnavailable, errNotListening.Error())
		return
	}
	q, id, err := a.inboundEvent(req)
	if err != nil {
		writeJSONError(w, http.StatusBadRequest, err.Error())
		return
	}
	if err := a.enqueue(q); err != nil {
		if errors.Is(err, errBusy) {
			w.Header().Set("Retry-After", "1")
		}
		writeJSONError(w, http.StatusServiceUnavailable, err.Error())
		return
	}
	writeJSON(w, http.StatusAccepted, map[string]string{"id": id})
}

// inboundEvent turns a page request into the chat event and the replier,
// and shows what the user did in the channel.
func (a *Adapter) inboundEvent(req inboundRequest) (queued, string, error) {
	user := a.cfg.user
	now := a.cfg.now()
	switch req.Kind {
	case "message":
		text := strings.TrimSpace(req.Text)
		if text == "" || !utf8.ValidString(text) {
			return queued{}, "", fmt.Errorf("%w: empty or invalid text", errBadInbound)
		}
		conv := a.cfg.conv
		kind := chat.KindMention
		if req.Thread != "" {
			a.mu.Lock()
			root, ok := a.byID[req.Thread]
			a.mu.Unlock()
			if !ok {
				return queued{}, "", fmt.Errorf("%w: unknown thread %q", errBadInbound, req.Thread)
			}
			conv = root.ref.Thread()
			kind = chat.KindThreadReply
		}
		e, err := a.add(conv, chat.Message{Text: chat.EscapeMarkdown(text)}, user.Name, true)
		if err != nil {
			return queued{}, "", err
		}
		reply := conv
		if reply.ThreadID == "" {
			reply = e.ref.Thread()
		}
		in := chat.Inbound{Kind: kind, Conversation: conv, User: user, Text: text, MessageID: e.id, Time: now}
		return queued{in: in, reply: chat.SenderReplier(a, reply)}, e.id, nil
	case "button", "form":
		a.mu.Lock()
		e, ok := a.byID[req.Message]
		var ref chat.Ref
		var msg chat.Message
		if ok {
			ref, msg = e.ref, e.msg
		}
		a.mu.Unlock()
		if !ok || e.fromMe {
			return queued{}, "", fmt.Errorf("%w: unknown message %q (it may have scrolled out of the history)", errBadInbound, req.Message)
		}
		var in chat.Inbound
		var note string
		if req.Kind == "button" {
			if req.Button < 0 || req.Button >= len(msg.Buttons) {
				return queued{}, "", fmt.Errorf("%w: no button %d on message %s", errBadInbound, req.Button, req.Message)
			}
			b := msg.Buttons[req.Button]
			in = chat.Inbound{Kind: chat.KindButtonClick, Conversation: ref.Conversation, User: user, Time: now,
				Action: &chat.Action{ID: b.ID, Value: b.Value, Message: ref}}
			note = "clicked **" + chat.EscapeMarkdown(b.Label) + "**"
		} else {
			values, err := formValues(msg.Form, req.Values)
			if err != nil {
				return queued{}, "", err
			}
			in = chat.Inbound{Kind: chat.KindFormSubmit, Conversation: ref.Conversation, User: user, Time: now,
				Action: &chat.Action{ID: msg.Form.ID, Value: msg.Form.Value, Message: ref, Values: values}}
			note = "submitted **" + chat.EscapeMarkdown(nameOr(msg.Form.Title, "the form")) + "**"
		}
		e2, err := a.add(ref.Thread(), chat.Message{Text: note}, user.Name, true)
		if err != nil {
			return queued{}, "", err
		}
		in.MessageID = e2.id
		return queued{in: in, reply: chat.SenderReplier(a, ref.Thread())}, e2.id, nil
	}
	return queued{}, "", fmt.Errorf("%w: unknown kind %q", errBadInbound, req.Kind)
}

// formValues checks submitted values against the form: only its fields,
// required ones present, restricted ones among their options.
func formValues(f *chat.Form, got map[string]string) (map[string]string, error) {
	if f == nil {
		return nil, fmt.Errorf("%w: the message has no form", errBadInbound)
	}
	known := make(map[string]chat.FormField, len(f.Fields))
	for _, ff := range f.Fields {
		known[ff.ID] = ff
	}
	out := make(map[string]string, len(got))
	for k, v := range got {
		ff, ok := known[k]
		if !ok {
			return nil, fmt.Errorf("%w: %q is not a field of the form", errBadInbound, k)
		}
		v = strings.TrimSpace(v)
		if v == "" {
			continue
		}
		if len(ff.Options) > 0 && !contains(ff.Options, v) {
			return nil, fmt.Errorf("%w: %s must be one of %s", errBadInbound, ff.Label, strings.Join(ff.Options, ", "))
		}
		out[k] = v
	}
	for _, ff := range f.Fields {
		if ff.Required && out[ff.ID] == "" {
			return nil, fmt.Errorf("%w: %s is required", errBadInbound, nameOr(ff.Label, ff.ID))
		}
	}
	return out, nil
}

func contains(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}

func (a *Adapter) serveNotify(w http.ResponseWriter, r *http.Request) {
	if !a.checkPost(w, r) {
		return
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			writeJSONError(w, http.StatusRequestEntityTooLarge, "payload too large (limit "+strconv.FormatInt(a.cfg.maxBody, 10)+" bytes)")
			return
		}
		writeJSONError(w, http.StatusBadRequest, "read payload")
		return
	}
	note, err := a.cfg.notify(r.Context(), body)
	if err != nil {
		a.cfg.log.ErrorContext(r.Context(), "web: test notification failed", "error", err)
		writeJSONError(w, http.StatusInternalServerError, "the notification could not be delivered; see the log")
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"note": note})
}

// serveFile serves /files/{message}/{n}. Images of an allowed raster type
// are shown inline; everything else downloads as an attachment, never
// rendered by the browser.
func (a *Adapter) serveFile(w http.ResponseWriter, r *http.Request) {
	if !sameOrigin(r) {
		http.Error(w, "cross-origin request refused", http.StatusForbidden)
		return
	}
	id, n, ok := strings.Cut(strings.TrimPrefix(r.URL.Path, "/files/"), "/")
	i, err := strconv.Atoi(n)
	if !ok || err != nil {
		http.NotFound(w, r)
		return
	}
	a.mu.Lock()
	e, found := a.byID[id]
	var f servedFile
	if found && i >= 0 && i < len(e.files) {
		f = e.files[i]
	} else {
		found = false
	}
	a.mu.Unlock()
	if !found {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	if f.inline {
		h.Set("Content-Type", f.contentType)
	} else {
		h.Set("Content-Type", "application/octet-stream")
		h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": f.name}))
	}
	_, _ = w.Write(f.data)
}
