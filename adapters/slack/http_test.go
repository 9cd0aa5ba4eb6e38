package slack_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opschat/opschat/adapters/slack"
	"github.com/opschat/opschat/chat"
	"github.com/opschat/opschat/internal/memstore"
)

// signed builds a request signed the way Slack signs them.
func signed(t testing.TB, path, contentType, body string, ts time.Time, secret string) *http.Request {
	t.Helper()
	r := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
	r.Header.Set("Content-Type", contentType)
	stamp := strconv.FormatInt(ts.Unix(), 10)
	mac := hmac.New(sha256.New, []byte(secret))
	_, _ = io.WriteString(mac, "v0:"+stamp+":"+body)
	r.Header.Set("X-Slack-Request-Timestamp", stamp)
	r.Header.Set("X-Slack-Signature", "v0="+hex.EncodeToString(mac.Sum(nil)))
	return r
}

func serve(h http.Handler, r *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func jsonBody(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return string(b)
}

func TestHTTPVerification(t *testing.T) {
	e := newEnv(t, slack.WithAppToken(""))
	rec := &recorder{}
	listen(t, e.adapter, rec)
	h := e.adapter.HTTPHandler()
	body := jsonBody(t, eventCallback("EvH1", mention("1700000700.000100", "<@UBOT> help")))
	now := time.Now()

	tests := []struct {
		name string
		req  func() *http.Request
	}{
		{"wrong secret", func() *http.Request {
			return signed(t, slack.PathEvents, "application/json", body, now, "not-the-secret")
		}},
		{"tampered body", func() *http.Request {
			r := signed(t, slack.PathEvents, "application/json", body, now, testSigning)
			r.Body = io.NopCloser(strings.NewReader(strings.Replace(body, "help", "iam create-user", 1)))
			return r
		}},
		{"expired timestamp", func() *http.Request {
			return signed(t, slack.PathEvents, "application/json", body, now.Add(-6*time.Minute), testSigning)
		}},
		{"future timestamp", func() *http.Request {
			return signed(t, slack.PathEvents, "application/json", body, now.Add(6*time.Minute), testSigning)
		}},
		{"no headers", func() *http.Request {
			return httptest.NewRequest(http.MethodPost, slack.PathEvents, strings.NewReader(body))
		}},
		{"garbage signature", func() *http.Request {
			r := signed(t, slack.PathEvents, "application/json", body, now, testSigning)
			r.Header.Set("X-Slack-Signature", "v0=zz")
			return r
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := serve(h, tt.req())
			assert.Equal(t, http.StatusUnauthorized, w.Code)
		})
	}
	assert.Equal(t, 0, rec.count(), "no rejected request reaches the handler")

	// The genuine request is handled once; replaying it verbatim is refused.
	good := signed(t, slack.PathEvents, "application/json", body, now, testSigning)
	replay := signed(t, slack.PathEvents, "application/json", body, now, testSigning)
	assert.Equal(t, http.StatusOK, serve(h, good).Code)
	assert.Equal(t, http.StatusUnauthorized, serve(h, replay).Code, "replayed request")
	waitFor(t, "the mention", func() bool { return rec.count() == 1 })

	// Slack's own retry (new timestamp, X-Slack-Retry-Num) of a handled event is acknowledged and dropped.
	retry := signed(t, slack.PathEvents, "application/json", body, now.Add(time.Second), testSigning)
	retry.Header.Set("X-Slack-Retry-Num", "1")
	retry.Header.Set("X-Slack-Retry-Reason", "http_timeout")
	assert.Equal(t, http.StatusOK, serve(h, retry).Code)

	in, _, err := rec.last()
	require.NoError(t, err)
	assert.Equal(t, chat.KindMention, in.Kind)
	// The DM below is handled after the retry would have been.
	dm := jsonBody(t, eventCallback("EvH2", map[string]any{"type": "message", "channel_type": "im", "user": "U1", "text": "hi", "channel": "D1", "ts": "1700000800.1"}))
	assert.Equal(t, http.StatusOK, serve(h, signed(t, slack.PathEvents, "application/json", dm, now, testSigning)).Code)
	waitFor(t, "the DM", func() bool { return rec.count() == 2 })
	in, _, _ = rec.last()
	assert.Equal(t, chat.KindDirectMessage, in.Kind)

	logs := e.logs.String()
	assert.Contains(t, logs, "timestamp outside the 5-minute window")
	assert.Contains(t, logs, "replay")
	assert.NotContains(t, logs, testSigning)
}

func TestHTTPURLVerification(t *testing.T) {
	e := newEnv(t)
	body := `{"token":"x","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P","type":"url_verification"}`
	w := serve(e.adapter.HTTPHandler(), signed(t, slack.PathEvents, "application/json", body, time.Now(), testSigning))
	assert.Equal(t, http.StatusOK, w.Code)
	assert.Equal(t, "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P", w.Body.String())
}

func TestHTTPNotListening(t *testing.T) {
	e := newEnv(t)
	h := e.adapter.HTTPHandler()
	body := jsonBody(t, eventCallback("EvN", mention("1.1", "hi")))
	assert.Equal(t, http.StatusServiceUnavailable, serve(h, signed(t, slack.PathEvents, "application/json", body, time.Now(), testSigning)).Code,
		"Slack retries events later")
	form := url.Values{"command": {"/aws"}, "text": {"help"}, "team_id": {testTeam}, "channel_id": {"C1"}, "user_id": {"U1"}}.Encode()
	w := serve(h, signed(t, slack.PathCommands, "application/x-www-form-urlencoded", form, time.Now(), testSigning))
	assert.Equal(t, http.StatusOK, w.Code)
	assert.Contains(t, w.Body.String(), "starting up")
}

func TestHTTPNoSigningSecret(t *testing.T) {
	f := newFakeSlack(t)
	a, err := slack.New(slack.WithBotToken(testBotToken), slack.WithAPIURL(f.apiURL()))
	require.NoError(t, err)
	w := serve(a.HTTPHandler(), signed(t, slack.PathEvents, "application/json", "{}", time.Now(), ""))
	assert.Equal(t, http.StatusServiceUnavailable, w.Code)
}

func TestHTTPSlashCommandFallsBackToResponseURL(t *testing.T) {
	e := newEnv(t, slack.WithAppToken(""))
	rec := &recorder{}
	listen(t, e.adapter, rec)
	e.fake.failWith("chat.postMessage", "not_in_channel")
	form := url.Values{
		"command": {"/aws"}, "text": {"sts get-caller-identity"}, "team_id": {testTeam}, "channel_id": {"C0009"},
		"channel_name": {"ops"}, "user_id": {"U1"}, "user_name": {"jane"}, "response_url": {e.fake.srv.URL + "/response/abc"}, "trigger_id": {"tr"},
	}.Encode()
	w := serve(e.adapter.HTTPHandler(), signed(t, slack.PathCommands, "application/x-www-form-urlencoded", form, time.Now(), testSigning))
	require.Equal(t, http.StatusOK, w.Code)
	assert.JSONEq(t, `{"response_type":"in_channel"}`, w.Body.String())
	waitFor(t, "the command", func() bool { return rec.count() == 1 })
	in, ref, err := rec.last()
	require.NoError(t, err)
	assert.Equal(t, chat.KindSlashCommand, in.Kind)
	assert.Equal(t, "sts get-caller-identity", in.Text)
	assert.Empty(t, ref.MessageID, "response_url replies have no timestamp")
	resp := e.fake.callsTo("response_url")
	require.Len(t, resp, 1)
	assert.Equal(t, "in_channel", resp[0].JSON["response_type"])
	assert.Equal(t, "ok: sts get-caller-identity", resp[0].JSON["text"])
}

func TestHTTPUnknownCommand(t *testing.T) {
	e := newEnv(t)
	form := url.Values{"command": {"/other"}, "team_id": {testTeam}}.Encode()
	w := serve(e.adapter.HTTPHandler(), signed(t, slack.PathCommands, "application/x-www-form-urlencoded", form, time.Now(), testSigning))
	assert.Equal(t, http.StatusNotFound, w.Code)
}

func TestHTTPButtonClick(t *testing.T) {
	e := newEnv(t, slack.WithAppToken(""))
	rec := &recorder{}
	listen(t, e.adapter, rec)
	payload := jsonBody(t, map[string]any{
		"type": "block_actions", "team": map[string]any{"id": testTeam}, "user": map[string]any{"id": "U1", "name": "jane"},
		"container":  map[string]any{"type": "message", "message_ts": "1700000900.000100", "channel_id": "C0001", "thread_ts": "1700000100.000100"},
		"trigger_id": "tr", "actions": []map[string]any{{"action_id": "cancel", "block_id": "b", "value": "pending-1", "type": "button"}},
	})
	form := url.Values{"payload": {payload}}.Encode()
	w := serve(e.adapter.HTTPHandler(), signed(t, slack.PathInteractivity, "application/x-www-form-urlencoded", form, time.Now(), testSigning))
	require.Equal(t, http.StatusOK, w.Code)
	waitFor(t, "the click", func() bool { return rec.count() == 1 })
	in, _, err := rec.last()
	require.NoError(t, err)
	assert.Equal(t, chat.KindButtonClick, in.Kind)
	assert.Equal(t, &chat.Action{ID: "cancel", Value: "pending-1", Message: chat.Ref{
		Conversation: chat.Conversation{Platform: chat.PlatformSlack, WorkspaceID: testTeam, ChannelID: "C0001", ThreadID: "1700000100.000100", Type: chat.ConversationChannel},
		MessageID:    "1700000900.000100",
	}}, in.Action)
	posts := e.fake.callsTo("chat.postMessage")
	require.Len(t, posts, 1)
	assert.Equal(t, "1700000100.000100", posts[0].Form.Get("thread_ts"), "a click in a thread is answered in that thread")

	bad := url.Values{"payload": {"{not json"}}.Encode()
	w = serve(e.adapter.HTTPHandler(), signed(t, slack.PathInteractivity, "application/x-www-form-urlencoded", bad, time.Now(), testSigning))
	assert.Equal(t, http.StatusBadRequest, w.Code)
}

func TestMentionInPrivateChannel(t *testing.T) {
	e := newEnv(t)
	e.fake.mu.Lock()
	e.fake.private["G0001"] = true
	e.fake.mu.Unlock()
	rec := &recorder{}
	listen(t, e.adapter, rec)
	ev := mention("1700001000.1", "<@UBOT> help")
	ev["channel"] = "G0001"
	e.fake.pushEnvelope("events_api", "env-p", eventCallback("EvP", ev))
	waitFor(t, "the mention", func() bool { return rec.count() == 1 })
	in, _, _ := rec.last()
	assert.True(t, in.Conversation.Private, "privacy from conversations.info")
}

func oauthEnv(t *testing.T) (*fakeSlack, *slack.Adapter, *syncBuffer, *memstore.Store) {
	t.Helper()
	f := newFakeSlack(t)
	logs := &syncBuffer{}
	store := memstore.New(nil)
	a, err := slack.New(
		slack.WithAPIURL(f.apiURL()), slack.WithStore(store), slack.WithSigningSecret(testSigning),
		slack.WithLogger(newTextLogger(logs)),
		slack.WithOAuth(slack.OAuthConfig{ClientID: testClientID, ClientSecret: slack.NewSecret(testClientSK),
			RedirectURL: "https://bot.example.com/slack/oauth/callback", AuthorizeURL: f.srv.URL + "/oauth/v2/authorize"}),
	)
	require.NoError(t, err)
	return f, a, logs, store
}

func TestOAuthInstall(t *testing.T) {
	f, a, logs, store := oauthEnv(t)
	h := a.HTTPHandler()

	w := serve(h, httptest.NewRequest(http.MethodGet, slack.PathInstall, nil))
	require.Equal(t, http.StatusFound, w.Code)
	loc, err := url.Parse(w.Header().Get("Location"))
	require.NoError(t, err)
	assert.Equal(t, "/oauth/v2/authorize", loc.Path)
	q := loc.Query()
	assert.Equal(t, testClientID, q.Get("client_id"))
	assert.Equal(t, "https://bot.example.com/slack/oauth/callback", q.Get("redirect_uri"))
	assert.Contains(t, q.Get("scope"), "app_mentions:read")
	state := q.Get("state")
	require.Len(t, state, 32)
	cookies := w.Result().Cookies()
	require.Len(t, cookies, 1)
	assert.Equal(t, state, cookies[0].Value)
	assert.True(t, cookies[0].HttpOnly)

	callback := func(query string, withCookie bool) *httptest.ResponseRecorder {
		r := httptest.NewRequest(http.MethodGet, slack.PathOAuthCallback+"?"+query, nil)
		if withCookie {
			r.AddCookie(cookies[0])
		}
		return serve(h, r)
	}
	// CSRF: a state not bound to this browser is refused before any exchange.
	assert.Equal(t, http.StatusForbidden, callback("code=good-code&state="+state, false).Code)
	assert.Equal(t, http.StatusForbidden, callback("code=good-code&state=forged", true).Code)
	assert.Empty(t, f.callsTo("oauth.v2.access"))

	w = callback("code=good-code&state="+state, true)
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	assert.Contains(t, w.Body.String(), "Second")
	assert.NotContains(t, w.Body.String(), "xoxb-installed-secret")
	acc := f.callsTo("oauth.v2.access")
	require.Len(t, acc, 1)
	assert.Equal(t, "https://bot.example.com/slack/oauth/callback", acc[0].Form.Get("redirect_uri"))

	// The state is single-use.
	assert.Equal(t, http.StatusForbidden, callback("code=good-code&state="+state, true).Code)

	inst, ok, err := store.Get(context.Background(), "slack.install", "T0002")
	require.NoError(t, err)
	require.True(t, ok)
	assert.Contains(t, string(inst), `"bot_user_id":"UBOT2"`)

	// Messages to that workspace use its own token.
	_, err = a.Send(context.Background(), chat.Conversation{WorkspaceID: "T0002", ChannelID: "C2"}, chat.Message{Text: "hi"})
	require.NoError(t, err)
	posts := f.callsTo("chat.postMessage")
	require.Len(t, posts, 1)
	assert.Equal(t, "xoxb-installed-secret", posts[0].Form.Get("token"))

	for _, s := range []string{"xoxb-installed-secret", testClientSK, testSigning} {
		assert.NotContains(t, logs.String(), s)
	}

	// Uninstalling removes the stored token.
	listen(t, a, &recorder{})
	body := jsonBody(t, map[string]any{"type": "event_callback", "team_id": "T0002", "event_id": "EvU", "event": map[string]any{"type": "app_uninstalled"}})
	assert.Equal(t, http.StatusOK, serve(h, signed(t, slack.PathEvents, "application/json", body, time.Now(), testSigning)).Code)
	waitFor(t, "the installation to be removed", func() bool {
		_, ok, _ := store.Get(context.Background(), "slack.install", "T0002")
		return !ok
	})
	_, err = a.Send(context.Background(), chat.Conversation{WorkspaceID: "T0002", ChannelID: "C2"}, chat.Message{Text: "hi"})
	require.ErrorIs(t, err, slack.ErrNotInstalled)
}

func TestOAuthCallbackFailures(t *testing.T) {
	f, a, logs, _ := oauthEnv(t)
	h := a.HTTPHandler()
	start := func() *http.Cookie {
		w := serve(h, httptest.NewRequest(http.MethodGet, slack.PathInstall, nil))
		return w.Result().Cookies()[0]
	}
	get := func(c *http.Cookie, query string) *httptest.ResponseRecorder {
		r := httptest.NewRequest(http.MethodGet, slack.PathOAuthCallback+"?"+query, nil)
		r.AddCookie(c)
		return serve(h, r)
	}
	c := start()
	assert.Equal(t, http.StatusBadRequest, get(c, "error=access_denied&state="+c.Value).Code)
	c = start()
	w := get(c, "code=bad-code&state="+c.Value)
	assert.Equal(t, http.StatusBadGateway, w.Code)
	assert.Contains(t, logs.String(), "invalid_code")
	c = start()
	assert.Equal(t, http.StatusBadRequest, get(c, "state="+c.Value).Code, "no code")
	assert.Len(t, f.callsTo("oauth.v2.access"), 1)
	assert.NotContains(t, logs.String(), testClientSK)
}

func TestOAuthRoutesNeedOAuth(t *testing.T) {
	e := newEnv(t)
	assert.Equal(t, http.StatusNotFound, serve(e.adapter.HTTPHandler(), httptest.NewRequest(http.MethodGet, slack.PathInstall, nil)).Code)
}

// FuzzHTTPHandler feeds arbitrary signed bodies to every Slack endpoint: the
// parsers and the event conversion must never panic, and every answer is one
// of the statuses Slack understands.
func FuzzHTTPHandler(f *testing.F) {
	f.Add(0, `{"type":"event_callback","team_id":"T1","event_id":"E1","event":{"type":"app_mention","user":"U1","text":"hi","ts":"1.1","channel":"C1"}}`)
	f.Add(0, `{"type":"event_callback","event":{"type":"message","channel_type":"channel","thread_ts":"x","ts":"y"}}`)
	f.Add(0, `{"type":"url_verification","challenge":"c"}`)
	f.Add(1, "command=%2Faws&text=help&team_id=T1&channel_id=C1&channel_name=directmessage")
	f.Add(2, `payload={"type":"block_actions","actions":[{"action_id":"opschat.form.open","block_id":"b","value":"f1:{\"f\":{}}"}]}`)
	f.Add(2, `payload={"type":"view_submission","view":{"callback_id":"opschat.form","private_metadata":"{\"b\":\"r1:nope\"}"}}`)
	e := newEnv(f, slack.WithAppToken(""))
	listen(f, e.adapter, chat.HandlerFunc(func(context.Context, chat.Inbound, chat.Replier) error { return nil }))
	h := e.adapter.HTTPHandler()
	paths := []string{slack.PathEvents, slack.PathCommands, slack.PathInteractivity}
	types := []string{"application/json", "application/x-www-form-urlencoded", "application/x-www-form-urlencoded"}
	f.Fuzz(func(t *testing.T, which int, body string) {
		i := (which%3 + 3) % 3
		w := serve(h, signed(t, paths[i], types[i], body, time.Now(), testSigning))
		switch w.Code {
		case http.StatusOK, http.StatusBadRequest, http.StatusUnauthorized, http.StatusNotFound, http.StatusServiceUnavailable:
		default:
			t.Fatalf("status %d for %q", w.Code, body)
		}
	})
}
