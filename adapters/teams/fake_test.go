package teams_test

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/opschat/opschat/adapters/teams"
)

const (
	testAppID    = "00000000-0000-0000-0000-0000000000aa"
	testPassword = "s3cr3t-app-password~value"
	testToken    = "access-token-zzz-very-secret"
)

// posted is one request the fake Bot Connector accepted.
type posted struct {
	Method         string
	ConversationID string // decoded path segment
	ActivityID     string // for PUT
	Create         bool   // POST /v3/conversations
	Body           map[string]any
}

// fakeConnector is a loopback Bot Connector service plus its OAuth token
// endpoint.
type fakeConnector struct {
	t   *testing.T
	srv *httptest.Server

	mu           sync.Mutex
	next         int
	posts        []posted
	failN        int
	failStatus   int
	failAfter    time.Duration
	failAfterRaw string // Retry-After verbatim for failed calls, when set
	tokenCalls   int
	tokenStatus  int
	badAuth      int
	// revoked answers the next n connector calls 401, as for a token
	// revoked before its expiry.
	revoked int
}

func newFakeConnector(t *testing.T) *fakeConnector {
	f := &fakeConnector{t: t, next: 1000}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeConnector) URL() string      { return f.srv.URL + "/" }
func (f *fakeConnector) TokenURL() string { return f.srv.URL + "/oauth2/v2.0/token" }

func (f *fakeConnector) FailNext(n, status int, retryAfter time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failN, f.failStatus, f.failAfter = n, status, retryAfter
}

func (f *fakeConnector) Posts() []posted {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]posted(nil), f.posts...)
}

func (f *fakeConnector) Posted() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, p := range f.posts {
		if p.Method == http.MethodPost {
			n++
		}
	}
	return n
}

func (f *fakeConnector) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if r.URL.Path == "/oauth2/v2.0/token" {
		f.tokenCalls++
		require.NoError(f.t, r.ParseForm())
		if f.tokenStatus != 0 {
			w.WriteHeader(f.tokenStatus)
			_, _ = io.WriteString(w, `{"error":"invalid_client"}`)
			return
		}
		if r.PostForm.Get("client_id") != testAppID || r.PostForm.Get("client_secret") != testPassword ||
			r.PostForm.Get("grant_type") != "client_credentials" || r.PostForm.Get("scope") != "https://api.botframework.com/.default" {
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = io.WriteString(w, `{"error":"invalid_client"}`)
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"token_type": "Bearer", "expires_in": 3600, "access_token": testToken})
		return
	}
	if r.Header.Get("Authorization") != "Bearer "+testToken {
		f.badAuth++
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	if f.revoked > 0 {
		f.revoked--
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	if f.failN > 0 {
		f.failN--
		if f.failAfter > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(int(f.failAfter/time.Second)))
		}
		if f.failAfterRaw != "" {
			w.Header().Set("Retry-After", f.failAfterRaw)
		}
		w.WriteHeader(f.failStatus)
		_, _ = io.WriteString(w, `{"error":{"code":"Throttled","message":"slow down"}}`)
		return
	}
	var segs []string
	for _, s := range strings.Split(strings.Trim(r.URL.EscapedPath(), "/"), "/") {
		d, err := url.PathUnescape(s)
		require.NoError(f.t, err)
		segs = append(segs, d)
	}
	var body map[string]any
	if r.Body != nil {
		b, _ := io.ReadAll(r.Body)
		if len(bytes.TrimSpace(b)) > 0 {
			require.NoError(f.t, json.Unmarshal(b, &body), "connector got invalid JSON")
		}
	}
	f.next++
	id := strconv.Itoa(f.next)
	switch {
	case r.Method == http.MethodPost && len(segs) == 2 && segs[0] == "v3" && segs[1] == "conversations":
		cd, _ := body["channelData"].(map[string]any)
		ch, _ := cd["channel"].(map[string]any)
		chID, _ := ch["id"].(string)
		if chID == "" || body["isGroup"] != true {
			w.WriteHeader(http.StatusBadRequest)
			_, _ = io.WriteString(w, `{"error":{"code":"BadArgument","message":"missing channel"}}`)
			return
		}
		f.posts = append(f.posts, posted{Method: r.Method, ConversationID: chID, Create: true, Body: body})
		_ = json.NewEncoder(w).Encode(map[string]string{"id": chID + ";messageid=" + id, "activityId": id})
	case r.Method == http.MethodPost && len(segs) == 4 && segs[0] == "v3" && segs[1] == "conversations" && segs[3] == "activities":
		f.posts = append(f.posts, posted{Method: r.Method, ConversationID: segs[2], Body: body})
		w.WriteHeader(http.StatusCreated)
		_ = json.NewEncoder(w).Encode(map[string]string{"id": id})
	case r.Method == http.MethodPut && len(segs) == 5 && segs[3] == "activities":
		f.posts = append(f.posts, posted{Method: r.Method, ConversationID: segs[2], ActivityID: segs[4], Body: body})
		_ = json.NewEncoder(w).Encode(map[string]string{"id": segs[4]})
	default:
		w.WriteHeader(http.StatusNotFound)
	}
}

// logBuffer is a goroutine-safe log sink.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

func (l *logBuffer) Logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(l, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

func newTestAdapter(t *testing.T, fc *fakeConnector, logs *logBuffer, opts ...teams.Option) *teams.Adapter {
	t.Helper()
	base := []teams.Option{
		teams.WithTokenURL(fc.TokenURL()),
		teams.WithServiceURL(fc.URL()),
		teams.WithHTTPClient(fc.srv.Client()),
		// The fake connector is an httptest server on http://127.0.0.1.
		teams.WithInsecureLoopbackServiceURL(),
	}
	if logs != nil {
		base = append(base, teams.WithLogger(logs.Logger()))
	}
	a, err := teams.New(testAppID, testPassword, append(base, opts...)...)
	require.NoError(t, err)
	return a
}
