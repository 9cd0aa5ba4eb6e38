package web_test

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opschat/opschat/adapters/adaptertest"
	"github.com/opschat/opschat/adapters/web"
	"github.com/opschat/opschat/chat"
)

func TestConformance(t *testing.T) {
	adaptertest.Run(t, func(t *testing.T) *adaptertest.Harness {
		a, err := web.New()
		require.NoError(t, err)
		srv := httptest.NewServer(a)
		t.Cleanup(srv.Close)
		t.Cleanup(func() { _ = a.Close() })
		tok := pageToken(t, srv.URL)
		return &adaptertest.Harness{
			Sender:       a,
			Conversation: a.Conversation(),
			Posted:       func() int { return len(a.Transcript()) },
			Secrets:      []string{web.KeyHex(a), tok},
		}
	})
}

var tokenRE = regexp.MustCompile(`<meta name="csrf-token" content="([^"]+)">`)

// pageToken loads the page and returns its CSRF token.
func pageToken(t *testing.T, base string) string {
	t.Helper()
	res, err := http.Get(base + "/")
	require.NoError(t, err)
	defer res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode)
	body, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	m := tokenRE.FindSubmatch(body)
	require.NotNil(t, m, "the page carries its CSRF token")
	return string(m[1])
}

// stream reads the page's event stream.
type stream struct {
	events chan map[string]any
	ready  chan struct{}
}

func openStream(t *testing.T, base, token, lastID string) *stream {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/events?token="+token, nil)
	require.NoError(t, err)
	if lastID != "" {
		req.Header.Set("Last-Event-ID", lastID)
	}
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, res.StatusCode)
	require.Equal(t, "text/event-stream", res.Header.Get("Content-Type"))
	s := &stream{events: make(chan map[string]any, 100), ready: make(chan struct{})}
	go func() {
		defer res.Body.Close()
		sc := bufio.NewScanner(res.Body)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		var name, id string
		for sc.Scan() {
			line := sc.Text()
			switch {
			case strings.HasPrefix(line, "event: "):
				name = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "id: "):
				id = strings.TrimPrefix(line, "id: ")
			case strings.HasPrefix(line, "data: "):
				if name == "ready" {
					close(s.ready)
					continue
				}
				var ev map[string]any
				if json.Unmarshal([]byte(strings.TrimPrefix(line, "data: ")), &ev) == nil {
					ev["seq"] = id
					s.events <- ev
				}
			case line == "":
				name = ""
			}
		}
	}()
	return s
}

func (s *stream) next(t *testing.T) map[string]any {
	t.Helper()
	select {
	case ev := <-s.events:
		return ev
	case <-time.After(5 * time.Second):
		t.Fatal("no event within 5s")
		return nil
	}
}

func postJSON(t *testing.T, base, token string, body string, hdr map[string]string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, base+"/api/inbound", strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Origin", base)
	if token != "" {
		req.Header.Set("X-CSRF-Token", token)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(res.Body).Decode(&out)
	return res.StatusCode, out
}

// recorder is a handler that records events and answers each in its thread.
type recorder struct {
	mu  sync.Mutex
	got []chat.Inbound
	ch  chan chat.Inbound
}

func newRecorder() *recorder { return &recorder{ch: make(chan chat.Inbound, 10)} }

func (r *recorder) HandleMessage(ctx context.Context, in chat.Inbound, rep chat.Replier) error {
	r.mu.Lock()
	r.got = append(r.got, in)
	r.mu.Unlock()
	r.ch <- in
	_, err := rep.Reply(ctx, chat.Message{Text: "got " + string(in.Kind)})
	return err
}

func (r *recorder) next(t *testing.T) chat.Inbound {
	t.Helper()
	select {
	case in := <-r.ch:
		return in
	case <-time.After(5 * time.Second):
		t.Fatal("handler not called within 5s")
		return chat.Inbound{}
	}
}

// setup starts an adapter on a loopback server with Listen running.
func setup(t *testing.T, opts ...web.Option) (*web.Adapter, string, *recorder) {
	t.Helper()
	a, err := web.New(opts...)
	require.NoError(t, err)
	srv := httptest.NewServer(a)
	ctx, cancel := context.WithCancel(context.Background())
	rec := newRecorder()
	done := make(chan error, 1)
	go func() { done <- a.Listen(ctx, rec) }()
	t.Cleanup(func() {
		_ = a.Close()
		srv.Close()
		cancel()
		require.NoError(t, <-done)
	})
	waitListening(t, srv.URL)
	return a, srv.URL, rec
}

// waitListening waits until Listen runs: a request of an unknown kind is
// refused as not listening (503) before, as malformed (400) after.
func waitListening(t *testing.T, base string) {
	t.Helper()
	tok := pageToken(t, base)
	require.Eventually(t, func() bool {
		code, _ := postJSON(t, base, tok, `{"kind":"probe"}`, nil)
		return code == http.StatusBadRequest
	}, 2*time.Second, 5*time.Millisecond)
}

func TestTypedMessageReachesHandlerAndReplyIsStreamed(t *testing.T) {
	a, base, rec := setup(t, web.WithUser(chat.User{ID: "u1", Name: "alice"}))
	tok := pageToken(t, base)
	s := openStream(t, base, tok, "")
	<-s.ready

	code, out := postJSON(t, base, tok, `{"kind":"message","text":"  cloudwatch describe-alarms "}`, nil)
	require.Equal(t, http.StatusAccepted, code, out)
	in := rec.next(t)
	assert.Equal(t, chat.KindMention, in.Kind)
	assert.Equal(t, "cloudwatch describe-alarms", in.Text)
	assert.Equal(t, "alice", in.User.Name)
	assert.Equal(t, web.Platform, in.Conversation.Platform)
	assert.Equal(t, out["id"], in.MessageID)

	mine := s.next(t)
	assert.Equal(t, "alice", mine["author"])
	assert.Equal(t, true, mine["fromMe"])
	assert.Contains(t, mine["html"], "cloudwatch describe-alarms")
	reply := s.next(t)
	assert.Equal(t, "bot", reply["author"])
	assert.Equal(t, in.MessageID, reply["thread"], "the reply is in the thread of what the user typed")
	assert.Contains(t, reply["html"], "got mention")

	// A reply in that thread is a thread reply in the same thread.
	code, _ = postJSON(t, base, tok, `{"kind":"message","text":"yes","thread":"`+in.MessageID+`"}`, nil)
	require.Equal(t, http.StatusAccepted, code)
	in2 := rec.next(t)
	assert.Equal(t, chat.KindThreadReply, in2.Kind)
	assert.Equal(t, in.MessageID, in2.Conversation.ThreadID)
	assert.Len(t, a.Transcript(), 4)
}

func TestButtonAndFormResolvedFromWhatWasSent(t *testing.T) {
	a, base, rec := setup(t)
	tok := pageToken(t, base)
	ref, err := a.Send(context.Background(), a.Conversation(), chat.Message{
		Text:    "Stop i-1?",
		Buttons: []chat.Button{{ID: "confirm", Label: "Run", Value: "tok-1", Style: chat.ButtonPrimary}, {ID: "cancel", Label: "Cancel", Value: "tok-1"}},
	})
	require.NoError(t, err)
	formRef, err := a.Send(context.Background(), a.Conversation(), chat.Message{Form: &chat.Form{ID: "prompt", Value: "p-1", Fields: []chat.FormField{
		{ID: "function-name", Label: "Function", Required: true},
		{ID: "state", Label: "State", Options: []string{"OK", "ALARM"}},
	}}})
	require.NoError(t, err)

	code, _ := postJSON(t, base, tok, `{"kind":"button","message":"`+ref.MessageID+`","button":0}`, nil)
	require.Equal(t, http.StatusAccepted, code)
	in := rec.next(t)
	assert.Equal(t, chat.KindButtonClick, in.Kind)
	require.NotNil(t, in.Action)
	assert.Equal(t, "confirm", in.Action.ID)
	assert.Equal(t, "tok-1", in.Action.Value, "the value comes from the message sent, not from the page")
	assert.Equal(t, ref.MessageID, in.Action.Message.MessageID)

	tests := []struct {
		name, body string
		want       int
	}{
		{"no such button", `{"kind":"button","message":"` + ref.MessageID + `","button":2}`, http.StatusBadRequest},
		{"negative button", `{"kind":"button","message":"` + ref.MessageID + `","button":-1}`, http.StatusBadRequest},
		{"unknown message", `{"kind":"button","message":"m999","button":0}`, http.StatusBadRequest},
		{"form on a message without one", `{"kind":"form","message":"` + ref.MessageID + `","values":{}}`, http.StatusBadRequest},
		{"required field missing", `{"kind":"form","message":"` + formRef.MessageID + `","values":{"function-name":"  "}}`, http.StatusBadRequest},
		{"unknown field", `{"kind":"form","message":"` + formRef.MessageID + `","values":{"function-name":"f","x":"1"}}`, http.StatusBadRequest},
		{"option not allowed", `{"kind":"form","message":"` + formRef.MessageID + `","values":{"function-name":"f","state":"BAD"}}`, http.StatusBadRequest},
		{"unknown kind", `{"kind":"exec","text":"x"}`, http.StatusBadRequest},
		{"empty text", `{"kind":"message","text":"   "}`, http.StatusBadRequest},
		{"unknown thread", `{"kind":"message","text":"x","thread":"nope"}`, http.StatusBadRequest},
		{"unknown JSON field", `{"kind":"message","text":"x","admin":true}`, http.StatusBadRequest},
		{"not JSON", `kind=message`, http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out := postJSON(t, base, tok, tt.body, nil)
			assert.Equal(t, tt.want, code, out)
			assert.NotEmpty(t, out["error"])
		})
	}

	code, out := postJSON(t, base, tok, `{"kind":"form","message":"`+formRef.MessageID+`","values":{"function-name":" orders ","state":"ALARM"}}`, nil)
	require.Equal(t, http.StatusAccepted, code, out)
	in = rec.next(t)
	assert.Equal(t, chat.KindFormSubmit, in.Kind)
	require.NotNil(t, in.Action)
	assert.Equal(t, "prompt", in.Action.ID)
	assert.Equal(t, "p-1", in.Action.Value)
	assert.Equal(t, map[string]string{"function-name": "orders", "state": "ALARM"}, in.Action.Values)
}

func TestRequestsAreVerified(t *testing.T) {
	now := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	_, base, _ := setup(t, web.WithMaxBody(256), web.WithClock(clock), web.WithTokenTTL(time.Hour))
	tok := pageToken(t, base)
	forged := tok[:len(tok)-2] + "AA"
	if forged == tok {
		forged = tok[:len(tok)-2] + "BB"
	}
	ok := `{"kind":"message","text":"help"}`
	tests := []struct {
		name  string
		token string
		body  string
		hdr   map[string]string
		want  int
	}{
		{"valid", tok, ok, nil, http.StatusAccepted},
		{"no token", "", ok, nil, http.StatusForbidden},
		{"forged token", forged, ok, nil, http.StatusForbidden},
		{"garbage token", "not-a-token", ok, nil, http.StatusForbidden},
		{"other origin", tok, ok, map[string]string{"Origin": "http://evil.example"}, http.StatusForbidden},
		{"null origin", tok, ok, map[string]string{"Origin": "null"}, http.StatusForbidden},
		{"rebinding host", tok, ok, map[string]string{"Host": "evil.example"}, http.StatusMisdirectedRequest},
		{"too large", tok, `{"kind":"message","text":"` + strings.Repeat("a", 300) + `"}`, nil, http.StatusRequestEntityTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodPost, base+"/api/inbound", strings.NewReader(tt.body))
			require.NoError(t, err)
			req.Header.Set("Origin", base)
			if tt.token != "" {
				req.Header.Set("X-CSRF-Token", tt.token)
			}
			for k, v := range tt.hdr {
				if k == "Host" {
					req.Host = v
					continue
				}
				req.Header.Set(k, v)
			}
			res, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			res.Body.Close()
			assert.Equal(t, tt.want, res.StatusCode)
		})
	}
	t.Run("cross-site fetch without Origin", func(t *testing.T) {
		code, _ := postJSON(t, base, tok, ok, map[string]string{"Origin": "", "Sec-Fetch-Site": "cross-site"})
		assert.Equal(t, http.StatusForbidden, code)
	})
	t.Run("expired token", func(t *testing.T) {
		mu.Lock()
		now = now.Add(2 * time.Hour)
		mu.Unlock()
		code, _ := postJSON(t, base, tok, ok, nil)
		assert.Equal(t, http.StatusForbidden, code)
		code, _ = postJSON(t, base, pageToken(t, base), ok, nil)
		assert.Equal(t, http.StatusAccepted, code, "a reloaded page gets a fresh token")
	})
	t.Run("events need the token", func(t *testing.T) {
		res, err := http.Get(base + "/events?token=" + forged)
		require.NoError(t, err)
		res.Body.Close()
		assert.Equal(t, http.StatusForbidden, res.StatusCode)
	})
	t.Run("page sets a strict CSP", func(t *testing.T) {
		res, err := http.Get(base + "/")
		require.NoError(t, err)
		res.Body.Close()
		csp := res.Header.Get("Content-Security-Policy")
		assert.Contains(t, csp, "script-src 'self'")
		assert.NotContains(t, csp, "unsafe-inline")
		assert.Equal(t, "DENY", res.Header.Get("X-Frame-Options"))
	})
	t.Run("wrong method", func(t *testing.T) {
		res, err := http.Get(base + "/api/inbound")
		require.NoError(t, err)
		res.Body.Close()
		assert.Equal(t, http.StatusMethodNotAllowed, res.StatusCode)
	})
}

func TestInboundRefusedWhileNotListening(t *testing.T) {
	a, err := web.New()
	require.NoError(t, err)
	srv := httptest.NewServer(a)
	defer srv.Close()
	code, out := postJSON(t, srv.URL, pageToken(t, srv.URL), `{"kind":"message","text":"help"}`, nil)
	assert.Equal(t, http.StatusServiceUnavailable, code)
	assert.Contains(t, out["error"], "not listening")
	assert.Empty(t, a.Transcript(), "a refused message is not shown")
}

func TestReconnectReplaysOnlyWhatWasMissed(t *testing.T) {
	a, base, _ := setup(t)
	tok := pageToken(t, base)
	ctx := context.Background()
	r1, err := a.Send(ctx, a.Conversation(), chat.Message{Text: "one"})
	require.NoError(t, err)
	_, err = a.Send(ctx, a.Conversation(), chat.Message{Text: "two"})
	require.NoError(t, err)

	s := openStream(t, base, tok, "")
	first, second := s.next(t), s.next(t)
	assert.Contains(t, first["html"], "one")
	assert.Contains(t, second["html"], "two")
	<-s.ready

	require.NoError(t, a.Update(ctx, r1, chat.Message{Text: "one, updated"}))
	upd := s.next(t)
	assert.Equal(t, r1.MessageID, upd["id"])
	assert.Contains(t, upd["html"], "one, updated")

	// A page that saw everything up to the second message gets the update only.
	s2 := openStream(t, base, tok, second["seq"].(string))
	got := s2.next(t)
	assert.Equal(t, r1.MessageID, got["id"])
	assert.Contains(t, got["html"], "one, updated")
	select {
	case ev := <-s2.events:
		t.Fatalf("unexpected replay %v", ev["id"])
	case <-s2.ready:
	}
}

func TestUpdateAndSendErrors(t *testing.T) {
	a, err := web.New()
	require.NoError(t, err)
	err = a.Update(context.Background(), chat.Ref{MessageID: "m42"}, chat.Message{Text: "x"})
	assert.ErrorIs(t, err, web.ErrUnknownMessage)
	require.NoError(t, a.Close())
	_, err = a.Send(context.Background(), a.Conversation(), chat.Message{Text: "x"})
	assert.ErrorIs(t, err, web.ErrClosed)
}

func TestHistoryIsBounded(t *testing.T) {
	a, err := web.New(web.WithMaxHistory(3))
	require.NoError(t, err)
	var first chat.Ref
	for i := range 5 {
		ref, err := a.Send(context.Background(), a.Conversation(), chat.Message{Text: "x"})
		require.NoError(t, err)
		if i == 0 {
			first = ref
		}
	}
	assert.Len(t, a.Transcript(), 3)
	assert.ErrorIs(t, a.Update(context.Background(), first, chat.Message{Text: "y"}), web.ErrUnknownMessage)
}

func TestFilesDownloadAsAttachments(t *testing.T) {
	a, err := web.New()
	require.NoError(t, err)
	srv := httptest.NewServer(a)
	defer srv.Close()
	ref, err := a.UploadFile(context.Background(), a.Conversation(), chat.File{Name: "out.html", ContentType: "text/html", Data: []byte("<script>alert(1)</script>")})
	require.NoError(t, err)
	img, err := a.Send(context.Background(), a.Conversation(), adaptertest.FullMessage())
	require.NoError(t, err)

	res, err := http.Get(srv.URL + "/files/" + ref.MessageID + "/0")
	require.NoError(t, err)
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	assert.Equal(t, http.StatusOK, res.StatusCode)
	assert.Equal(t, "application/octet-stream", res.Header.Get("Content-Type"), "never served as HTML")
	assert.Contains(t, res.Header.Get("Content-Disposition"), "attachment")
	assert.Equal(t, "<script>alert(1)</script>", string(body))

	res, err = http.Get(srv.URL + "/files/" + img.MessageID + "/0")
	require.NoError(t, err)
	res.Body.Close()
	assert.Equal(t, "image/png", res.Header.Get("Content-Type"))

	for _, p := range []string{"/files/" + ref.MessageID + "/1", "/files/m999/0", "/files/x", "/files/" + ref.MessageID + "/-1"} {
		res, err := http.Get(srv.URL + p)
		require.NoError(t, err)
		res.Body.Close()
		assert.Equal(t, http.StatusNotFound, res.StatusCode, p)
	}
}

func TestListenLoopback(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:0", ":0", "192.168.1.10:0", "example.com:0", "[::]:0", "nonsense"} {
		ln, err := web.ListenLoopback(addr)
		if ln != nil {
			ln.Close()
		}
		assert.Error(t, err, addr)
	}
	_, err := web.ListenLoopback("0.0.0.0:0")
	assert.ErrorIs(t, err, web.ErrNotLoopback)
	for _, addr := range []string{"127.0.0.1:0", "localhost:0"} {
		ln, err := web.ListenLoopback(addr)
		require.NoError(t, err, addr)
		assert.Contains(t, ln.Addr().String(), "127.0.0.1:")
		ln.Close()
	}
}

func TestServeStopsOnContext(t *testing.T) {
	a, err := web.New()
	require.NoError(t, err)
	ln, err := web.ListenLoopback("127.0.0.1:0")
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Serve(ctx, ln) }()
	base := "http://" + ln.Addr().String()
	s := openStream(t, base, pageToken(t, base), "")
	<-s.ready
	cancel()
	select {
	case err := <-done:
		assert.NoError(t, err, "an open event stream must not hold the shutdown")
	case <-time.After(5 * time.Second):
		t.Fatal("Serve did not return")
	}
}

func TestHandlerErrorIsLoggedNotShown(t *testing.T) {
	a, err := web.New()
	require.NoError(t, err)
	srv := httptest.NewServer(a)
	defer srv.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- a.Listen(ctx, chat.HandlerFunc(func(context.Context, chat.Inbound, chat.Replier) error {
			return io.ErrUnexpectedEOF
		}))
	}()
	defer func() { cancel(); <-done }()
	waitListening(t, srv.URL)
	code, _ := postJSON(t, srv.URL, pageToken(t, srv.URL), `{"kind":"message","text":"boom"}`, nil)
	require.Equal(t, http.StatusAccepted, code)
	require.Eventually(t, func() bool { return len(a.Transcript()) == 2 }, 2*time.Second, 10*time.Millisecond)
	last := a.Transcript()[1]
	assert.Contains(t, last.Message.Text, "failed")
	assert.NotContains(t, last.Message.Text, "unexpected EOF", "internal errors go to the log")
}
